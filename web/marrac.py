"""A MARRAC case, worked by its case co-ordinator (Lancashire's model, seed 002): the four steps,
time with each ME (victim, perpetrator, each child an ME of its own), needs, the 48-hour plan and
the two-week review with their deadlines, completing the case and telling every agency within
24 hours, and the feedback collated at closure.

Through the API's own use cases (services/marrac.py, services/marrac_summary.py, and the case
view for the people and the open actions): the same policy decides who may work the case (its
co-ordinator, the team leader, the coordinators), the same audit records each read and write.
Each write says when it happened (UK time; now when left out): the domain refuses a time in the
future or before what must come first, and the page shows that refusal beside the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import DomainError
from domain.marrac import MAX_CONTACT_MINUTES, MAX_FEEDBACK_LENGTH, MAX_NEEDS_LENGTH
from services import case_view, marrac
from services.actor import Actor
from services.errors import Invalid
from services.marrac_summary import summary as marrac_summary
from services.partnership import agency_directory
from services.purposes import LABELS
from web.access_forms import agency as agency_chosen
from web.case_page import case_id_of, purpose_asked, session_purpose
from web.closure import FATES, ClosureForm
from web.moments import Errors, moment_of
from web.moments import field as text
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render, uk_time

router = APIRouter(include_in_schema=False)

STEPS = {"gather_and_assess": "Gather and assess", "analyse_risk_and_need":
         "Analyse risk and need", "identify_solution": "Identify the solution",
         "complete_case": "Complete the case"}
OUTCOMES = {"continue_plan": "Continue the plan", "revise_plan": "Revise the plan",
            "ready_to_close": "Ready to close: the risk no longer meets purpose"}
# The domain's refusals (their codes), in words; the field each belongs to is the form's.
REFUSALS = {
    "marrac_time_out_of_bounds": "That time is in the future, or before what must come first "
                                 "(the allocation, the step or the plan before it)",
    "marrac_step_out_of_order": "Complete the steps in order",
    "marrac_not_allocated": "The case must be allocated to a case co-ordinator first",
    "marrac_completed_by_closing": "The fourth step is completed by closing the case",
    "open_actions_unaccounted": "Say what becomes of each open action",
    "agency_not_found": "An action can only be carried on by an agency of the case's area",
    "case_closed": "The case is closed",
    "invalid_marrac_change": "This cannot be recorded on the case as it stands",
}


@dataclass(frozen=True)
class Parsed:
    """A form as the use case takes it: `call` records it; `errors` (field id -> message)
    if it cannot be taken as typed; `field` is where a refusal of the domain is shown."""

    call: Callable[[Any, Actor, UUID], object] | None
    field: str
    errors: Errors


@dataclass(frozen=True)
class Shown:
    """What the page shows of a form just refused: its errors and what was typed."""

    form: str = ""
    errors: Errors = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)


def _me(given: str, name: str, errors: Errors) -> tuple[str, UUID | None]:
    """An ME as the form offers it: "victim", "perpetrator" or "child:<subject id>"."""
    if given in ("victim", "perpetrator"):
        return given, None
    if given.startswith("child:"):
        try:
            return "child", UUID(given.removeprefix("child:"))
        except ValueError:
            pass
    errors[name] = "Select who it was"
    return "", None


def _bounded(given: str, name: str, errors: Errors, asked: str, limit: int) -> str:
    if not given:
        errors[name] = f"Enter {asked}"
    elif len(given) > limit:
        errors[name] = f"Enter {limit:,} characters or fewer"
    return given


def _contact(form: FormData, errors: Errors) -> Parsed:
    me, child = _me(text(form, "contact-me"), "contact-me", errors)
    minutes = 0
    try:
        minutes = int(text(form, "contact-minutes"))
    except ValueError:
        errors["contact-minutes"] = "Enter the minutes spent as a number, like 40"
    else:
        if not 1 <= minutes <= MAX_CONTACT_MINUTES:
            errors["contact-minutes"] = f"Enter between 1 and {MAX_CONTACT_MINUTES} minutes"
    at = moment_of(form, "contact-when", errors)
    return Parsed(lambda p, a, c: marrac.record_contact(p, a, c, me, minutes=minutes, at=at,
                                                         child=child), "contact-when", errors)


def _needs(form: FormData, errors: Errors) -> Parsed:
    me, child = _me(text(form, "needs-me"), "needs-me", errors)
    needs = _bounded(text(form, "needs-text"), "needs-text", errors, "their needs",
                     MAX_NEEDS_LENGTH)
    return Parsed(lambda p, a, c: marrac.record_needs(p, a, c, me, needs, child=child),
                  "needs-me", errors)


def _step(form: FormData, errors: Errors) -> Parsed:
    step = text(form, "step")
    if step not in STEPS:
        errors["step-when-day"] = "There is no step to complete"
    at = moment_of(form, "step-when", errors)
    return Parsed(lambda p, a, c: marrac.complete_step(p, a, c, step, at=at), "step-when-day",
                  errors)


def _plan(form: FormData, errors: Errors) -> Parsed:
    at = moment_of(form, "plan-when", errors)
    return Parsed(lambda p, a, c: marrac.agree_plan(p, a, c, at=at), "plan-when-day", errors)


def _review(form: FormData, errors: Errors) -> Parsed:
    meets = text(form, "review-meets")
    if meets not in ("yes", "no"):
        errors["review-meets"] = "Select whether the case still meets purpose"
    outcome = text(form, "review-outcome")
    if outcome not in OUTCOMES:
        errors["review-outcome"] = "Select what the review decided"
    at = moment_of(form, "review-when", errors)
    return Parsed(lambda p, a, c: marrac.review(p, a, c, still_meets_purpose=meets == "yes",
                                                outcome=outcome, at=at),
                  "review-when-day", errors)


def _told(form: FormData, errors: Errors) -> Parsed:
    agency = agency_chosen(text(form, "told-agency"), "told-agency", errors)
    at = moment_of(form, "told-when", errors)
    return Parsed(lambda p, a, c: marrac.record_told(p, a, c, agency or UUID(int=0), at=at),
                  "told-agency", errors)


def _feedback(form: FormData, errors: Errors) -> Parsed:
    source = text(form, "feedback-from")
    me: str | None = None
    child: UUID | None = None
    agency: UUID | None = None
    if source.startswith("agency:"):
        agency = agency_chosen(source.removeprefix("agency:"), "feedback-from", errors)
    else:
        me, child = _me(source, "feedback-from", errors)
    said = _bounded(text(form, "feedback-text"), "feedback-text", errors, "the feedback",
                    MAX_FEEDBACK_LENGTH)
    at = moment_of(form, "feedback-when", errors)
    return Parsed(lambda p, a, c: marrac.record_feedback(p, a, c, said, me=me, child=child,
                                                         agency_id=agency, at=at),
                  "feedback-from", errors)


def _close(form: FormData, errors: Errors) -> Parsed:
    """The closure form of any case (web/closure.py): its reason and each open action's fate,
    read by the one parser; and when the case was completed."""
    closure = ClosureForm.of(form)
    errors.update(closure.errors)
    at = moment_of(form, "close-when", errors)
    return Parsed(lambda p, a, c: marrac.complete_case(p, a, c, reason=closure.reason, at=at,
                                                       disposals=closure.disposals()),
                  "reason", errors)


FORMS: dict[str, Callable[[FormData, Errors], Parsed]] = {
    "contact": _contact, "needs": _needs, "step": _step, "plan": _plan, "review": _review,
    "told": _told, "feedback": _feedback, "close": _close}
DONE = {"contact": "Contact recorded", "needs": "Needs recorded", "step": "Step completed",
        "plan": "Plan agreed", "review": "Review recorded", "told": "Agency recorded as told",
        "feedback": "Feedback recorded", "close": "Case completed and closed"}


# The allocation board -------------------------------------------------------------------

def team_of(given: str) -> tuple[str, ...]:
    """Staff identifiers, one a line or separated by commas or spaces (at most 30)."""
    return tuple(dict.fromkeys(p for p in re.split(r"[\s,]+", given) if p))[:30]


@router.get("/marrac/allocation")
def allocation_board(request: Request, person: CurrentPerson) -> Response:
    """The team leader's queue: cases no case co-ordinator holds, the team's open cases each,
    the least loaded suggested. The team is typed once and kept in the address (the platform
    keeps no staff list: the identity provider has it)."""
    team = team_of(request.query_params.get("team", ""))
    board = marrac.allocation_board(platform_of(request), actor_of(request, person), team)
    return render("marrac/allocation.html", {
        **layout(person, "allocation"), "board": board, "team": team,
        "team_text": "\n".join(team), "allocated": request.query_params.get("allocated") == "yes",
        "errors": {}})


@router.post("/marrac/allocation")
async def allocate(request: Request, person: FormPerson) -> Response:
    form = await request.form()
    team = team_of(text(form, "team"))
    coordinator = text(form, "coordinator")
    try:
        case = UUID(text(form, "case"))
    except ValueError:
        case = None
    if case is None or not coordinator or coordinator not in team:
        board = await run_in_threadpool(marrac.allocation_board, platform_of(request),
                                        actor_of(request, person), team)
        return render("marrac/allocation.html", {
            **layout(person, "allocation"), "board": board, "team": team,
            "team_text": "\n".join(team), "allocated": False,
            "errors": {f"coordinator-{case}" if case else "team":
                       "Select the case co-ordinator to give the case to"}}, status_code=400)
    await run_in_threadpool(marrac.allocate, platform_of(request), actor_of(request, person),
                            case, coordinator)
    query = urlencode({"team": "\n".join(team), "allocated": "yes"})
    return RedirectResponse(f"/marrac/allocation?{query}", status_code=303)


# A case's MARRAC work --------------------------------------------------------------------

@router.get("/cases/{case_id}/marrac")
def marrac_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = case_id_of(case_id)
    if session_purpose(person) is None:
        return purpose_asked(case, "marrac")
    return _page(request, person, case, Shown(), done=request.query_params.get("done", ""))


@router.post("/cases/{case_id}/marrac/{form_name}")
async def record(request: Request, case_id: str, form_name: str,
                 person: FormPerson) -> Response:
    case = case_id_of(case_id)
    parse = FORMS.get(form_name)
    if parse is None:
        return _page(request, person, case, Shown(), status_code=404)
    form = await request.form()
    given = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    errors: Errors = {}
    parsed = parse(form, errors)
    if errors or parsed.call is None:
        return await run_in_threadpool(_page, request, person, case,
                                       Shown(form_name, errors, given), status_code=400)
    platform = platform_of(request)
    call = parsed.call
    try:
        await run_in_threadpool(call, platform, actor_of(request, person), case)
    except (DomainError, Invalid) as refused:
        message = REFUSALS.get(refused.code)
        if message is None:
            raise
        return await run_in_threadpool(_page, request, person, case,
                                       Shown(form_name, {parsed.field: message}, given),
                                       status_code=422)
    return RedirectResponse(f"/cases/{case}/marrac?done={form_name}#{form_name}",
                            status_code=303)


def _page(request: Request, person: SignedIn, case: UUID, shown: Shown, *, done: str = "",
          status_code: int = 200) -> Response:
    """The case's MARRAC page: the case view (its people and open actions) and the MARRAC
    summary, each the API's audited read with the purpose the person gave."""
    purpose = session_purpose(person)
    if purpose is None:
        return purpose_asked(case, "marrac")
    platform = platform_of(request)
    found = case_view.view(platform, actor_of(request, person, purpose.value), case)
    worked = marrac_summary(platform, actor_of(request, person, purpose.value), case)
    children = {s.subject_id: s for s in found.referral.subjects if s.role == "child"}
    agencies = {a: e.name for a, e in agency_directory(platform).items()
                if e.area_id == found.summary.area_id}
    return render("marrac/case.html", {
        **layout(person, "cases"), "case": found, "marrac": worked, "shown": shown,
        "errors": shown.errors, "given": shown.given, "done": DONE.get(done, ""),
        "purpose": LABELS[purpose], "steps": STEPS, "outcomes": OUTCOMES, "fates": FATES,
        "children": children, "agencies": agencies, "uk_time": uk_time,
        "open_actions": [a for a in found.actions if a.outcome is None],
        "mes": [("victim", "Victim"), ("perpetrator", "Perpetrator"),
                *((f"child:{c}", f"Child: {s.forenames} {s.surname}")
                  for c, s in children.items())],
        "choose": choose, "now": uk_time(platform.now())}, status_code=status_code)


def choose(choices: list[tuple[str, str]], selected: str) -> list[dict[str, object]]:
    """govukRadios items of (value, label) choices, the one given checked."""
    return [{"value": value, "text": label, "checked": value == selected}
            for value, label in choices]
