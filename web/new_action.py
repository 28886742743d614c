"""Adding an action to a case outside a hearing: what is to be done, for whom, which agency of
the case's area owns it and by when (a MARRAC case co-ordinator's plan, an action agreed
between meetings). Through the API's own use case (services/case_actions.py `agree_action`,
as `POST /api/v1/cases/{id}/actions`); the action's fields are read as a hearing's are
(web/action_fields.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import AlreadyRecorded, DomainError
from services import case_actions
from services.errors import Forbidden, NotFound
from web.action_fields import FOR_WHOM, ActionRow
from web.case_page import case_actor, case_id_of, purpose_asked, session_purpose
from web.session import CurrentPerson, FormPerson, SignedIn, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# The form's fields are `action-owner`, `action-for-whom`, `action-description`, `action-due-…`.
PREFIX = "action"
# Where the case page is sent back to by the purpose page (web/case_page.py RETURNS).
HERE = "actions/new"
# The domain's refusals a person can act on (domain/exceptions.py codes), by field; any other
# is the service's error page.
REFUSALS: dict[str, tuple[str, str]] = {
    "case_not_accepted": (f"{PREFIX}-description",
                          "Actions are agreed on an accepted case that is still open: this "
                          "case is not"),
    "referral_withdrawn": (f"{PREFIX}-description",
                           "This referral was withdrawn as entered in error: no action is "
                           "agreed on it"),
    "agency_not_found": (f"{PREFIX}-owner", "Select an agency of the case's area"),
    "invalid_action": (f"{PREFIX}-description",
                       "Say what is to be done, for whom, and by a day no earlier than today"),
}


@router.get(f"/cases/{{case_id}}/{HERE}")
def new_action_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = case_id_of(case_id)
    if session_purpose(person) is None:
        return purpose_asked(case, HERE)
    return _page(request, person, case, ActionRow())


@router.post(f"/cases/{{case_id}}/{HERE}")
async def add_action(request: Request, case_id: str, person: FormPerson) -> Response:
    case = case_id_of(case_id)
    if session_purpose(person) is None:
        return purpose_asked(case, HERE)
    return await run_in_threadpool(_add, request, person, case, await request.form())


def _add(request: Request, person: SignedIn, case_id: UUID, data: FormData) -> Response:
    platform = platform_of(request)
    # The form is checked against the agencies the page offered: the page's own audited read,
    # which finds nothing for anyone who may not agree the case's actions.
    found = case_actions.action_to_agree(platform, case_actor(request, person), case_id)
    row = ActionRow.of(data, PREFIX)
    today = platform.now().date()
    errors = row.errors(PREFIX, frozenset(a.agency_id for a in found.agencies), today)
    if errors:
        return _shown(person, found, row, errors, status=400)
    try:
        case_actions.agree_action(platform, case_actor(request, person), case_id,
                                  row.new_action(today))
    except Forbidden:
        # Refused by the policy since the page was read (recorded as denied): answered as the
        # page would now be, as not found.
        raise NotFound(f"case {case_id} not found") from None
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        # As the API answers it: already recorded is a conflict (409), another rule 422.
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _shown(person, found, row, {where: message}, status=status)
    return RedirectResponse(f"/cases/{case_id}?done=action-added", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, row: ActionRow) -> Response:
    found = case_actions.action_to_agree(platform_of(request), case_actor(request, person),
                                         case_id)
    return _shown(person, found, row, {})


def _shown(person: SignedIn, found: case_actions.ActionToAgree, row: ActionRow,
           errors: dict[str, str], *, status: int = 200) -> Response:
    return render("actions/new.html", {
        **layout(person, "cases"), "found": found, "row": row, "errors": errors,
        "prefix": PREFIX, "for_whom": FOR_WHOM}, status_code=status)
