"""An agency representative's "My work": their agency's cases on the next agendas, the
research asked of it (each answered on the case's research page, web/research.py), and the
actions it owns (each updated on web/actions.py's page), overdue first. Through
services/my_work.py, which reads each list with the API's own use case."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.my_work import my_work
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
MEETING_KINDS = {"standard": "MARAC meeting", "daily_triage": "Daily triage",
                 "harmful_practices": "Harmful practices hearing",
                 "emergency": "Emergency meeting"}
RESEARCH_STATUSES = {"overdue": ("Overdue", "govuk-tag--red"),
                     "requested": ("To answer", "govuk-tag--blue"),
                     "answered": ("Answered", "govuk-tag--green")}


@router.get("/my-work")
def my_work_page(request: Request, person: CurrentPerson) -> Response:
    done = request.query_params.get("done")
    work = my_work(platform_of(request), lambda: actor_of(request, person))
    return render("my_work/page.html", {
        **layout(person, "my-work"), "work": work, "meeting_kinds": MEETING_KINDS,
        "research_statuses": RESEARCH_STATUSES,
        "done": done if done == "action" else None})
