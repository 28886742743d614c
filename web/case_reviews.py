"""The coordinators' case reviews: open cases whose last referral's anniversary (the end of the
repeat window) falls within a number of days, and restrictions due their 90-day review, each
linking to where it is reviewed. Through the API's own use cases (services/case_reviews.py, as
`GET /case-reviews/anniversaries` and `/restrictions`): the same policy, the same audit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.case_reviews import reviews_due
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As the API's `within_days`: 30 unless asked, from 0 to 366.
DEFAULT_WITHIN = 30
MAX_WITHIN = 366
WITHIN_ERROR = f"Enter a whole number of days from 0 to {MAX_WITHIN}, like 30"


def within_days(given: str) -> tuple[int, str | None]:
    """The window asked for, or the default and what is wrong with what was typed."""
    if not given:
        return DEFAULT_WITHIN, None
    if not given.isdigit() or int(given) > MAX_WITHIN:
        return DEFAULT_WITHIN, WITHIN_ERROR
    return int(given), None


@router.get("/case-reviews")
def case_reviews_page(request: Request, person: CurrentPerson) -> Response:
    given = (request.query_params.get("within") or "").strip()
    within, error = within_days(given)
    # A window mistyped still shows the default one's reviews, said so, beside the error.
    reviews = reviews_due(platform_of(request), lambda: actor_of(request, person), within)
    return render("case_reviews/page.html", {
        **layout(person, "case-reviews"), "reviews": reviews,
        "given": given if error else str(within), "errors": {"within": error} if error else {},
        "now": platform_of(request).now()}, status_code=400 if error else 200)
