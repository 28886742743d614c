"""Restriction reviews due, as the DPO oversees them: each restricted case's id and the day its
90-day review is due (services/case_reviews.py, as GET /api/v1/audit/restriction-reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.case_reviews import restrictions_due_for_oversight
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# How far ahead the list looks: due now, or within these days (the API takes 0 to 366).
WITHIN = {"0": "Due now", "30": "Due within 30 days", "90": "Due within 90 days"}
DEFAULT_WITHIN = "30"


@router.get("/restriction-reviews")
def restriction_reviews(request: Request, person: CurrentPerson) -> Response:
    given = request.query_params.get("within", DEFAULT_WITHIN)
    within = given if given in WITHIN else DEFAULT_WITHIN
    due = restrictions_due_for_oversight(platform_of(request), actor_of(request, person),
                                         int(within))
    now = platform_of(request).now()
    return render("audit/restriction_reviews.html", {
        **layout(person, "restriction-reviews"), "due": due, "within": within,
        "choices": WITHIN, "now": now})
