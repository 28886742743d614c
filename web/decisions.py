"""The threshold decision: the coordinators' list of referrals awaiting one, and a referral's
decision page (its DASH score and criteria, the possible repeats beside it, and the form to
accept, decline with a reason, or link it as a repeat). Through the API's own use cases
(services/referrals.py, services/threshold_review.py): the same policy, the same audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import AlreadyRecorded, DomainError
from services import referrals
from services.referrals import Decision
from services.threshold_review import threshold_review
from web.cases import STATUS_LABELS
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
# As the API's schema bounds a reason (api/schemas.py `Reason`).
MAX_REASON = 2_000

Outcome = Literal["accept", "decline", "link_repeat"]
OUTCOMES: dict[Outcome, str] = {"accept": "Accept the referral",
                                "decline": "Decline the referral",
                                "link_repeat": "Link it as a repeat of an existing case"}

# The domain's refusals of a decision (domain/exceptions.py codes), each where the form shows
# it; any other refusal is the service's error page.
REFUSALS: dict[str, tuple[str, str]] = {
    "decline_reason_required": (
        "reason", "Enter why the referral is declined: the referrer is told"),
    "cannot_lower_mandatory_criterion": (
        "outcome", "This referral meets a criterion that cannot be overruled: accept it or "
                   "link it as a repeat"),
    "threshold_not_met": (
        "outcome", "This referral meets no referral criterion: decline it with a reason, or "
                   "link it as a repeat"),
    "not_a_repeat": (
        "existing-case", "The case you chose cannot take this referral as a repeat: it must "
                         "be accepted, and last referred within the repeat window"),
    "decision_already_recorded": ("outcome", "This referral has already been decided"),
    "case_closed": ("outcome", "This case is closed: it can no longer be decided"),
    "referral_withdrawn": (
        "outcome", "This referral was withdrawn as entered in error: it is not decided"),
}
CRITERIA = {"visible_high_risk": "Visible high risk",
            "professional_judgement": "Professional judgement",
            "potential_escalation": "Potential escalation",
            "honour_based_abuse": "'Honour'-based abuse"}
@dataclass(frozen=True)
class DecisionForm:
    """The decision form as given, and what is wrong with it (field id -> message)."""

    outcome: str = ""
    reason: str = ""
    existing_case: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> DecisionForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        given = cls(text("outcome"), text("reason"), text("existing_case"))
        errors: dict[str, str] = {}
        if given.outcome not in OUTCOMES:
            errors["outcome"] = "Select whether to accept, decline or link the referral"
        if given.outcome == "decline" and len(given.reason) > MAX_REASON:
            errors["reason"] = f"The reason must be {MAX_REASON:,} characters or fewer"
        if given.outcome == "link_repeat" and given.existing_case_id is None:
            errors["existing-case"] = "Select the case this referral repeats"
        return cls(given.outcome, given.reason, given.existing_case, errors)

    @property
    def existing_case_id(self) -> UUID | None:
        try:
            return UUID(self.existing_case)
        except ValueError:
            return None

    def decision(self) -> Decision:
        outcome: Outcome = ("accept" if self.outcome == "accept" else
                            "decline" if self.outcome == "decline" else "link_repeat")
        return Decision(outcome, self.reason if outcome == "decline" else None,
                        self.existing_case_id if outcome == "link_repeat" else None)


@router.get("/decisions")
def awaiting(request: Request, person: CurrentPerson) -> Response:
    """The referrals awaiting a threshold decision, the longest waiting first."""
    cursor = request.query_params.get("cursor") or None
    page = referrals.awaiting_decision(platform_of(request), actor_of(request, person),
                                       page_size=PAGE_SIZE, cursor=cursor)
    return render("decisions/list.html", {**layout(person, "decisions"), "page": page,
                                          "cursor": cursor})


@router.get("/cases/{case_id}/decision")
def decision_page(request: Request, case_id: UUID, person: CurrentPerson) -> Response:
    recorded = request.query_params.get("recorded") == "yes"
    return _page(request, person, case_id, DecisionForm(), recorded=recorded)


@router.post("/cases/{case_id}/decision")
async def record_decision(request: Request, case_id: UUID, person: FormPerson) -> Response:
    form = DecisionForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, case_id, form, status=400)
    return await run_in_threadpool(_decide, request, person, case_id, form)


def _decide(request: Request, person: SignedIn, case_id: UUID, form: DecisionForm) -> Response:
    try:
        referrals.decide(platform_of(request), actor_of(request, person), case_id,
                         form.decision())
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        # As the API answers it: already recorded is a conflict (409), another rule 422.
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _page(request, person, case_id,
                     DecisionForm(form.outcome, form.reason, form.existing_case,
                                  {where: message}), status=status)
    return RedirectResponse(f"/cases/{case_id}/decision?recorded=yes", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, form: DecisionForm, *,
          status: int = 200, recorded: bool = False) -> Response:
    """The decision page (its own audited read: a refused form shows the referral again)."""
    review = threshold_review(platform_of(request), actor_of(request, person), case_id)
    return render("decisions/decide.html", {
        **layout(person, "decisions"), "review": review, "form": form, "outcomes": OUTCOMES,
        "status_labels": STATUS_LABELS, "criteria": CRITERIA,
        "recorded": recorded,
    }, status_code=status)
