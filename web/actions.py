"""Updating an action: its owning agency (or a coordinator) records progress, and, when it
ends, its outcome. Through the API's own use cases (services/case_actions.py: the page reads
the action as `action_to_update` gives it, and posts as `POST .../actions/{id}/updates`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.actions import Outcome
from domain.exceptions import AlreadyRecorded, DomainError
from services import case_actions
from services.errors import Forbidden, NotFound
from web.case_page import ENDINGS
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.sharing import text_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As the API's schema bounds a progress note (api/schemas.py `ActionUpdateCreate`).
MAX_NOTE = 5_000
STILL_OPEN = "open"
OUTCOMES: dict[str, str] = {STILL_OPEN: "Still open: this is a progress note",
                            "completed": "Completed",
                            "changed_circumstance": "Ended: circumstances changed",
                            "not_done": "Ended: not done"}
REFUSALS: dict[str, tuple[str, str]] = {
    "action_already_recorded": ("outcome", "This action has already ended: it takes no more "
                                           "updates"),
    "invalid_action": ("note", "Enter what has happened"),
    "referral_withdrawn": ("note", "This referral was withdrawn as entered in error"),
}


def ids_of(*given: str) -> tuple[UUID, ...]:
    """An address that names no case or action is answered as one that does not exist."""
    try:
        return tuple(UUID(g) for g in given)
    except ValueError:
        raise NotFound("no such case or action") from None


@dataclass(frozen=True)
class UpdateForm:
    """An action's update, as given, and what is wrong with it (field id -> message)."""

    note: str = ""
    outcome: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> UpdateForm:
        given = cls(text_of(form, "note"), text_of(form, "outcome"))
        errors: dict[str, str] = {}
        if not given.note:
            errors["note"] = "Enter what has happened"
        elif len(given.note) > MAX_NOTE:
            errors["note"] = f"The update must be {MAX_NOTE:,} characters or fewer"
        if given.outcome not in OUTCOMES:
            errors["outcome"] = "Select whether the action is still open or how it ended"
        return cls(given.note, given.outcome, errors)

    def outcome_given(self) -> Outcome | None:
        outcome: Outcome | None = (
            "completed" if self.outcome == "completed" else
            "changed_circumstance" if self.outcome == "changed_circumstance" else
            "not_done" if self.outcome == "not_done" else None)
        return outcome


@router.get("/cases/{case_id}/actions/{action_id}/update")
def update_page(request: Request, case_id: str, action_id: str,
                person: CurrentPerson) -> Response:
    case, action = ids_of(case_id, action_id)
    return _page(request, person, case, action, UpdateForm())


@router.post("/cases/{case_id}/actions/{action_id}/update")
async def update(request: Request, case_id: str, action_id: str,
                 person: FormPerson) -> Response:
    case, action = ids_of(case_id, action_id)
    form = UpdateForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, case, action, form, status=400)
    return await run_in_threadpool(_update, request, person, case, action, form)


def _update(request: Request, person: SignedIn, case_id: UUID, action_id: UUID,
            form: UpdateForm) -> Response:
    try:
        case_actions.update_action(platform_of(request), actor_of(request, person), case_id,
                                   action_id, note=form.note, outcome=form.outcome_given())
    except Forbidden:
        # Refused by the policy (recorded as denied): another agency's action has no update
        # page for this person, so its post answers as the page does, as not found.
        raise NotFound(f"case {case_id} has no action {action_id} for the caller") from None
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _page(request, person, case_id, action_id,
                     UpdateForm(form.note, form.outcome, {where: message}), status=status)
    return RedirectResponse("/my-work?done=action", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, action_id: UUID,
          form: UpdateForm, *, status: int = 200) -> Response:
    found = case_actions.action_to_update(platform_of(request), actor_of(request, person),
                                          case_id, action_id)
    return render("actions/update.html", {
        **layout(person), "found": found, "action": found.action, "form": form,
        "outcomes": OUTCOMES, "endings": ENDINGS}, status_code=status)
