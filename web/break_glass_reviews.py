"""The DPO's break-glass review queue (uses awaiting review first) and a use's review: the
reason given, who, which case (by id), when and for how long; a decision and a note. Through
the API's own use cases (services/break_glass_review.py, services/break_glass_decisions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from services import break_glass_decisions, break_glass_review
from services.break_glass_review import BreakGlassUse
from services.errors import Invalid, NotFound
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As the API bounds a review's note (api/routes/dpo.py MAX_NOTE).
MAX_NOTE = 2000
DECISIONS: dict[str, str] = {
    "justified": "Appropriate: the emergency justified it",
    "not_justified": "Not appropriate: it was not justified",
    "referred_for_investigation": "Referred for investigation",
}


@dataclass(frozen=True)
class ReviewForm:
    """The review form, as given, and what is wrong with it (field id -> message)."""

    decision: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ReviewForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        decision, note = text("decision"), text("note")
        errors: dict[str, str] = {}
        if decision not in DECISIONS:
            errors["decision"] = "Select whether the use was appropriate"
        if not note:
            errors["note"] = "Enter a note saying why you decided this"
        elif len(note) > MAX_NOTE:
            errors["note"] = f"The note must be {MAX_NOTE:,} characters or fewer"
        return cls(decision, note, errors)


def _queue_order(use: BreakGlassUse) -> tuple[bool, int]:
    """Awaiting review first, then the newest first."""
    return (use.review_decision is not None, -use.seq)


@router.get("/audit/break-glass")
def queue(request: Request, person: CurrentPerson) -> Response:
    uses = break_glass_review.list_uses(platform_of(request), actor_of(request, person),
                                        pending_only=False)
    reviewed = request.query_params.get("reviewed", "")
    return render("audit/break_glass_queue.html", {
        **layout(person, "break-glass"), "uses": sorted(uses, key=_queue_order),
        "decisions": DECISIONS, "reviewed": int(reviewed) if reviewed.isdigit() else None,
    })


@router.get("/audit/break-glass/{seq}")
def review_page(request: Request, seq: int, person: CurrentPerson) -> Response:
    return _page(request, person, seq, ReviewForm())


@router.post("/audit/break-glass/{seq}")
async def record_review(request: Request, seq: int, person: FormPerson) -> Response:
    form = ReviewForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, seq, form, status=400)
    return await run_in_threadpool(_decide, request, person, seq, form)


def _decide(request: Request, person: SignedIn, seq: int, form: ReviewForm) -> Response:
    try:
        break_glass_decisions.decide(platform_of(request), actor_of(request, person), seq,
                                     decision=form.decision, note=form.note)
    except Invalid:  # reviewed meanwhile (by another DPO): as the API answers it, 422
        return _page(request, person, seq, ReviewForm(form.decision, form.note, {
            "decision": "This use has already been reviewed: its decision is shown"}),
            status=422)
    return RedirectResponse(f"/audit/break-glass?reviewed={seq}", status_code=303)


def _page(request: Request, person: SignedIn, seq: int, form: ReviewForm, *,
          status: int = 200) -> Response:
    uses = break_glass_review.list_uses(platform_of(request), actor_of(request, person),
                                        pending_only=False, seq=seq)
    if not uses:
        raise NotFound(f"break-glass use {seq} not found")  # the uniform 404
    return render("audit/break_glass_review.html", {
        **layout(person, "break-glass"), "use": uses[0], "form": form,
        "decisions": DECISIONS}, status_code=status)
