"""Withdrawing a referral entered in error (a duplicate, the wrong family), by the area's
coordinators, with a reason and a confirmation of what it does. Through the API's own use case
(services/referral_corrections.py `withdraw`, as `POST /api/v1/cases/{id}/withdrawal`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import AlreadyRecorded, DomainError
from services import referral_corrections
from services.errors import Forbidden, NotFound
from web.access_forms import Errors, reason, text
from web.case_page import case_actor, case_id_of, purpose_asked, session_purpose
from web.session import CurrentPerson, FormPerson, SignedIn, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# Where the case page is sent back to by the purpose page (web/case_page.py RETURNS).
HERE = "withdrawal"
# The domain's refusals a coordinator can act on (domain/exceptions.py codes); any other is
# the service's error page.
REFUSALS: dict[str, str] = {
    "referral_withdrawn": "This referral has already been withdrawn",
    "case_closed": "This case is closed: a closed case is not withdrawn",
    # The form asks for the reason, so the domain refuses a correction only for its links.
    "invalid_correction": "A case that repeat referrals are linked to, or a referral linked "
                          "as a repeat, is not withdrawn: its referrals are counted with its "
                          "case's",
}


@dataclass(frozen=True)
class WithdrawalForm:
    """The reason given, whether the coordinator confirmed, and what is wrong (field id ->
    message)."""

    reason: str = ""
    confirmed: bool = False
    errors: Errors = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> WithdrawalForm:
        errors: Errors = {}
        given = reason(form, "reason", errors, "why the referral is withdrawn")
        confirmed = text(form, "confirm") == "yes"
        if not confirmed:
            errors["confirm"] = "Confirm that the referral was entered in error"
        return cls(given, confirmed, errors)


@router.get(f"/cases/{{case_id}}/{HERE}")
def withdrawal_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = case_id_of(case_id)
    if session_purpose(person) is None:
        return purpose_asked(case, HERE)
    return _page(request, person, case, WithdrawalForm())


@router.post(f"/cases/{{case_id}}/{HERE}")
async def withdraw(request: Request, case_id: str, person: FormPerson) -> Response:
    case = case_id_of(case_id)
    if session_purpose(person) is None:
        return purpose_asked(case, HERE)
    form = WithdrawalForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, case, form, status=400)
    return await run_in_threadpool(_withdraw, request, person, case, form)


def _withdraw(request: Request, person: SignedIn, case_id: UUID,
              form: WithdrawalForm) -> Response:
    try:
        referral_corrections.withdraw(platform_of(request), case_actor(request, person), case_id,
                                      reason=form.reason)
    except Forbidden:
        # Refused by the policy (recorded as denied): the form is not this person's, so its
        # post answers as the page does, as not found.
        raise NotFound(f"case {case_id} not found") from None
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        # As the API answers it: already recorded is a conflict (409), another rule 422.
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _page(request, person, case_id, WithdrawalForm(
            form.reason, form.confirmed, {"reason": REFUSALS[refused.code]}), status=status)
    return RedirectResponse(f"/cases/{case_id}?done=withdrawn", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, form: WithdrawalForm, *,
          status: int = 200) -> Response:
    found = referral_corrections.referral_to_withdraw(platform_of(request),
                                                      case_actor(request, person), case_id)
    return render("withdrawal/page.html", {**layout(person, "cases"), "found": found,
                                           "form": form}, status_code=status)
