"""The retention schedule for the DPO: the area's closed cases (ids and dates only) and when
each will be erased (services/retention.py, as GET /api/v1/audit/retention-schedule)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.retention import retention_schedule
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/retention")
def retention(request: Request, person: CurrentPerson) -> Response:
    schedule = retention_schedule(platform_of(request), actor_of(request, person))
    return render("audit/retention.html", {**layout(person, "retention"),
                                           "schedule": schedule})
