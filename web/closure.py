"""Closing a case, and acknowledging its closure. The coordinators close a case with a reason
and say what becomes of each action still open (completed, carried on by a named agency, or
closed with the case: the domain refuses a closure that leaves one out); each agency told of
the closure confirms it was; the coordinators see who has. Through the API's own use cases
(services/case_closure.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.actions import ActionDisposal, Fate
from domain.exceptions import AlreadyRecorded, DomainError
from services import case_closure
from web.actions import ids_of
from web.decisions import MAX_REASON
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.sharing import text_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# A closure names at most as many open actions as the API's schema takes.
MAX_ACTIONS = 500
FATES: dict[Fate, str] = {"completed": "Completed",
                          "carried": "Carried on after closure by a named agency",
                          "closed_with_case": "Closed with the case"}
REFUSALS: dict[str, tuple[str, str]] = {
    "open_actions_unaccounted": ("reason", "The case has open actions this page did not "
                                           "show: check them and say what becomes of each"),
    "invalid_closure": ("reason", "Enter why the case is closed"),
    "invalid_access_change": ("reason", "This case is already closed"),
    "agency_not_found": ("reason", "An action can only be carried on by an agency of the "
                                   "area"),
    "referral_withdrawn": ("reason", "This referral was withdrawn as entered in error"),
    "case_erased": ("reason", "This case has been erased"),
}
ACKNOWLEDGE_REFUSALS: dict[str, str] = {
    "closure_already_acknowledged": "Your agency has already acknowledged this closure",
}


@dataclass(frozen=True)
class ClosureForm:
    """A closure as given: its reason, and for each open action shown its fate (field ids
    `fate-{id}`) and the agency carrying it on (`carried-to-{id}`)."""

    reason: str = ""
    fates: dict[UUID, str] = field(default_factory=dict)
    carried_to: dict[UUID, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ClosureForm:
        shown: list[UUID] = []
        for given in form.getlist("action")[:MAX_ACTIONS]:
            try:
                shown.append(UUID(str(given)))
            except ValueError:
                continue  # the page gives ids only: anything else names no action
        fates = {a: text_of(form, f"fate-{a}") for a in shown}
        carried_to = {a: text_of(form, f"carried_to-{a}") for a in shown}
        reason = text_of(form, "reason")
        errors: dict[str, str] = {}
        if not reason:
            errors["reason"] = "Enter why the case is closed"
        elif len(reason) > MAX_REASON:
            errors["reason"] = f"The reason must be {MAX_REASON:,} characters or fewer"
        for n, a in enumerate(shown, start=1):
            if fates[a] not in FATES:
                errors[f"fate-{a}"] = f"Select what becomes of open action {n}"
            elif fates[a] == "carried" and _agency(carried_to[a]) is None:
                errors[f"carried-to-{a}"] = f"Select the agency that carries on open action {n}"
        return cls(reason, fates, carried_to, errors)

    def disposals(self) -> tuple[ActionDisposal, ...]:
        found = []
        for action_id, fate in self.fates.items():
            chosen: Fate = ("completed" if fate == "completed" else
                            "carried" if fate == "carried" else "closed_with_case")
            found.append(ActionDisposal(action_id, chosen, _agency(self.carried_to[action_id])
                                        if chosen == "carried" else None))
        return tuple(found)


def _agency(given: str) -> UUID | None:
    try:
        return UUID(given)
    except ValueError:
        return None


@router.get("/cases/{case_id}/closure")
def closure_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    (case,) = ids_of(case_id)
    done = request.query_params.get("done")
    return _page(request, person, case, ClosureForm(),
                 done=done if done in ("closed", "acknowledged") else None)


@router.post("/cases/{case_id}/closure")
async def close(request: Request, case_id: str, person: FormPerson) -> Response:
    (case,) = ids_of(case_id)
    form = ClosureForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, case, form, status=400)
    return await run_in_threadpool(_close, request, person, case, form)


def _close(request: Request, person: SignedIn, case_id: UUID, form: ClosureForm) -> Response:
    try:
        case_closure.close(platform_of(request), actor_of(request, person), case_id,
                           reason=form.reason, disposals=form.disposals())
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _page(request, person, case_id,
                     ClosureForm(form.reason, form.fates, form.carried_to, {where: message}),
                     status=status)
    return RedirectResponse(f"/cases/{case_id}/closure?done=closed", status_code=303)


@router.post("/cases/{case_id}/closure/acknowledgement")
def acknowledge(request: Request, case_id: str, person: FormPerson) -> Response:
    (case,) = ids_of(case_id)
    try:
        case_closure.acknowledge_closure(platform_of(request), actor_of(request, person), case)
    except DomainError as refused:
        if refused.code not in ACKNOWLEDGE_REFUSALS:
            raise
        return _page(request, person, case, ClosureForm(
            errors={"acknowledge": ACKNOWLEDGE_REFUSALS[refused.code]}), status=409)
    return RedirectResponse(f"/cases/{case}/closure?done=acknowledged", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, form: ClosureForm, *,
          status: int = 200, done: str | None = None) -> Response:
    found = case_closure.closure_page(platform_of(request), actor_of(request, person), case_id)
    return render("closure/page.html", {
        **layout(person), "found": found, "form": form, "fates": FATES, "done": done},
        status_code=status)
