"""Break-glass: a representative who may not see a case asks for emergency access to it with a
reason, then sees it for the time it lasts, the time left shown.

As the API does (`POST /api/v1/cases/{case_id}/break-glass`), the case is named by its
reference (its id), which the person was given by whoever asked them to act: a search never
finds a case its person may not see, so nothing here looks one up. Whatever the reference
names (no case, a restricted case, one they are excluded from, another area's) the answer is
the same "not found"; one they already see says so (the API's 409 `already_visible`). Both
are the use case's (services/break_glass.py), which records each outcome."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.access import MAX_BREAK_GLASS_MINUTES
from domain.exceptions import DomainError
from services.break_glass import open_break_glass, own_access
from services.errors import Conflict, NotFound
from web.access_forms import DURATIONS, BreakGlassForm, local, minutes_left
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)

# The one answer for every reference that opens nothing: no case says more than another.
NOT_OPENED = ("No case that you can open in an emergency has this reference. Check it with "
              "the person who gave it to you, or ask the MARAC coordinators for access")


def _start(person: SignedIn, form: BreakGlassForm, status_code: int = 200) -> Response:
    return render("break_glass/start.html", {
        **layout(person), "form": form, "durations": DURATIONS,
        "limit": MAX_BREAK_GLASS_MINUTES}, status_code=status_code)


@router.get("/break-glass")
def start(request: Request, person: CurrentPerson) -> Response:
    """The form, with the case's reference filled in when the link gave it."""
    case = request.query_params.get("case", "")[:200]
    return _start(person, BreakGlassForm(case, "", str(MAX_BREAK_GLASS_MINUTES)))


@router.post("/break-glass")
async def ask(request: Request, person: FormPerson) -> Response:
    form = await request.form()
    return await run_in_threadpool(_ask, request, person, form)


def _ask(request: Request, person: SignedIn, form: FormData) -> Response:
    given = BreakGlassForm.of(form)
    if given.errors or given.case_id is None:
        return _start(person, given, 400)
    case_id = given.case_id
    try:
        open_break_glass(platform_of(request), actor_of(request, person), case_id,
                         reason=given.reason, minutes=given.duration)
    except NotFound:
        return _start(person, _with_error(given, "case", NOT_OPENED), 404)
    except Conflict:  # they see it already: the page says so
        pass
    except DomainError as exc:
        message = str(exc)
        return _start(person, _with_error(given, "reason", message[:1].upper() + message[1:]),
                      400)
    return RedirectResponse(f"/cases/{case_id}/break-glass", status_code=303)


def _with_error(form: BreakGlassForm, field: str, message: str) -> BreakGlassForm:
    return BreakGlassForm(form.case, form.reason, form.minutes, {field: message}, form.case_id)


@router.get("/cases/{case_id}/break-glass")
def opened(request: Request, case_id: UUID, person: CurrentPerson) -> Response:
    """The person's emergency access to the case and the time left; one who may not see the
    case (none opened, or it ended) is offered the form, whatever the case is."""
    try:
        own = own_access(platform_of(request), actor_of(request, person), case_id)
    except NotFound:
        return RedirectResponse(f"/break-glass?case={case_id}", status_code=303)
    return render("break_glass/opened.html", {
        **layout(person), "case_id": case_id, "own": own, "local": local,
        "minutes_left": minutes_left(own.left) if own.left is not None else None})
