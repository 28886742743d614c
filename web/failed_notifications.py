"""The e-mailed notifications that failed, for the area's coordinators and chairs: which, to
whom, about which case or meeting, when, the mail server's reply code (never an address), and
what to do next. Through the API's own use case (services/failed_notifications.py, as
`GET /api/v1/notifications/failed`): the same policy, the same audit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.failed_notifications import failed_notifications
from services.partnership import agency_directory
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# What each notice told (notifications/notices.py's kinds), as the list names them.
KINDS = {"research_requested": "Research requested",
         "action_assigned": "Action assigned",
         "action_overdue": "Action overdue",
         "minutes_available": "Minutes available",
         "case_closed": "Case closed: please acknowledge",
         "restriction_review_due": "Restriction review due"}


@router.get("/failed-notifications")
def failed_notifications_page(request: Request, person: CurrentPerson) -> Response:
    platform = platform_of(request)
    failed = failed_notifications(platform, platform.notices, actor_of(request, person))
    return render("notifications/failed.html", {
        **layout(person, "failed-notifications"), "failed": failed, "kinds": KINDS,
        # Partnership configuration, not case content: the agencies the notices went to.
        "agencies": {a: e.name for a, e in agency_directory(platform).items()}})
