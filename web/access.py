"""A case's access page for its coordinators: grants (and their revocation), the restriction
and its members, and excluded people, each form calling the API's own use case
(services/access_grants.py, restrictions.py, exclusions.py), so the same policy decides and
the same audit records. A case the person may not see is "Page not found", as a missing one."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.access import GrantExpiryPassed
from domain.exceptions import AgencyNotFound, DomainError
from services import access_grants, exclusions, restrictions
from services.access_grants import Grant
from services.access_settings import access_settings
from services.errors import NotFound
from web import break_glass
from web.access_forms import Errors, GrantForm, agency, local, members, reason, staff_id, text
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
router.include_router(break_glass.router)  # the one way in for those who may not see a case

# What a change just done says at the top of the page (after its redirect).
DONE = {"granted": "Access granted", "revoked": "Access revoked",
        "restricted": "The case is restricted to its members",
        "kept": "The restriction is kept", "lifted": "The restriction is lifted",
        "excluded": "The person is excluded from the case",
        "readmitted": "The person is no longer excluded"}
# The field a refusal by the domain is shown against, by form.
REFUSED_AT = {"grant": "grant-reason", "restrict": "restrict-reason",
              "review": "review-reason", "exclude": "exclude-person"}


def _page(request: Request, person: SignedIn, case_id: UUID, *, errors: Errors | None = None,
          form: FormData | None = None, done: str | None = None) -> Response:
    """The access page; with a form's `errors`, that form as given (400)."""
    settings = access_settings(platform_of(request), actor_of(request, person), case_id)
    given = form or FormData()
    return render("access/page.html", {
        **layout(person, "cases"), "access": settings, "errors": errors or {},
        "values": {k: v for k, v in given.items() if isinstance(v, str)},
        "chosen": [v for v in given.getlist("restrict-agencies") if isinstance(v, str)],
        "submitted": text(given, "form"), "done": DONE.get(done or ""), "local": local,
    }, status_code=400 if errors else 200)


def _done(case_id: UUID, done: str, anchor: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}/access?done={done}#{anchor}", status_code=303)


@router.get("/cases/{case_id}/access")
def access_page(request: Request, case_id: UUID, person: CurrentPerson) -> Response:
    return _page(request, person, case_id, done=request.query_params.get("done"))


Change = Callable[[Request, SignedIn, UUID, FormData], Response]


async def _posted(request: Request, person: SignedIn, case_id: UUID, change: Change) -> Response:
    form = await request.form()
    return await run_in_threadpool(change, request, person, case_id, form)


def _refused(request: Request, person: SignedIn, case_id: UUID, form: FormData, *,
             name: str, exc: DomainError) -> Response:
    """A change the domain refused: its rule's words against the form's field."""
    message = str(exc)
    return _page(request, person, case_id, form=form,
                 errors={REFUSED_AT[name]: message[:1].upper() + message[1:]})


@router.post("/cases/{case_id}/access/grants")
async def grant(request: Request, case_id: UUID, person: FormPerson) -> Response:
    return await _posted(request, person, case_id, _grant)


def _grant(request: Request, person: SignedIn, case_id: UUID, form: FormData) -> Response:
    given = GrantForm.of(form)
    if given.errors:
        return _page(request, person, case_id, errors=given.errors, form=form)
    new = Grant(reason=given.reason, agency_id=given.agency_id, expires_at=given.expires_at,
                person=given.person if given.to == "person" else None)
    try:
        access_grants.grant(platform_of(request), actor_of(request, person), case_id, new)
    except AgencyNotFound:  # not the case's area's, or none at all
        return _page(request, person, case_id, form=form,
                     errors={"grant-agency": "Select an agency from the list"})
    except GrantExpiryPassed:
        return _page(request, person, case_id, form=form,
                     errors={"grant-expiry-day": "The expiry must be in the future"})
    except DomainError as exc:
        return _refused(request, person, case_id, form, name="grant", exc=exc)
    return _done(case_id, "granted", "grants")


@router.get("/cases/{case_id}/access/grants/{grant_id}/revoke")
def revoke_page(request: Request, case_id: UUID, grant_id: UUID,
                person: CurrentPerson) -> Response:
    return _revoke_page(request, person, case_id, grant_id)


def _revoke_page(request: Request, person: SignedIn, case_id: UUID, grant_id: UUID, *,
                 errors: Errors | None = None, given: str = "") -> Response:
    settings = access_settings(platform_of(request), actor_of(request, person), case_id)
    found = [g for g in (*settings.current_grants, *settings.expired_grants)
             if g.grant_id == grant_id]
    if not found:
        raise NotFound("no such grant")
    return render("access/revoke.html", {
        **layout(person, "cases"), "case_id": case_id, "grant": found[0], "local": local,
        "errors": errors or {}, "reason": given}, status_code=400 if errors else 200)


@router.post("/cases/{case_id}/access/grants/{grant_id}/revoke")
async def revoke(request: Request, case_id: UUID, grant_id: UUID,
                 person: FormPerson) -> Response:
    form = await request.form()
    return await run_in_threadpool(_revoke, request, person, case_id, grant_id, form)


def _revoke(request: Request, person: SignedIn, case_id: UUID, grant_id: UUID,
            form: FormData) -> Response:
    errors: Errors = {}
    why = reason(form, "revoke-reason", errors, "why access is revoked")
    if errors:
        return _revoke_page(request, person, case_id, grant_id, errors=errors, given=why)
    try:
        access_grants.revoke(platform_of(request), actor_of(request, person), case_id,
                             grant_id, why)
    except DomainError:  # revoked meanwhile: the grant is no more
        raise NotFound("no such grant") from None
    return _done(case_id, "revoked", "grants")


@router.post("/cases/{case_id}/access/restriction")
async def restrict(request: Request, case_id: UUID, person: FormPerson) -> Response:
    return await _posted(request, person, case_id, _restrict)


def _restrict(request: Request, person: SignedIn, case_id: UUID, form: FormData) -> Response:
    errors: Errors = {}
    named = members(text(form, "restrict-members"), errors)
    agencies = [agency(a, "restrict-agencies", errors)
                for a in form.getlist("restrict-agencies") if isinstance(a, str)]
    why = reason(form, "restrict-reason", errors, "why the case is restricted")
    if errors:
        return _page(request, person, case_id, errors=errors, form=form)
    try:
        restrictions.restrict(platform_of(request), actor_of(request, person), case_id,
                              reason=why, members=named,
                              member_agencies=[a for a in agencies if a is not None])
    except AgencyNotFound:
        return _page(request, person, case_id, form=form,
                     errors={"restrict-agencies": "Select agencies from the list"})
    except DomainError as exc:
        return _refused(request, person, case_id, form, name="restrict", exc=exc)
    return _done(case_id, "restricted", "restriction")


@router.post("/cases/{case_id}/access/restriction/review")
async def review(request: Request, case_id: UUID, person: FormPerson) -> Response:
    return await _posted(request, person, case_id, _review)


def _review(request: Request, person: SignedIn, case_id: UUID, form: FormData) -> Response:
    errors: Errors = {}
    decision = text(form, "review-decision")
    if decision not in ("keep", "lift"):
        errors["review-decision"] = "Select whether to keep or lift the restriction"
    why = reason(form, "review-reason", errors, "the reason for your decision")
    if errors:
        return _page(request, person, case_id, errors=errors, form=form)
    try:
        restrictions.review_restriction(platform_of(request), actor_of(request, person),
                                        case_id, decision="keep" if decision == "keep"
                                        else "lift", reason=why)
    except DomainError as exc:
        return _refused(request, person, case_id, form, name="review", exc=exc)
    return _done(case_id, "kept" if decision == "keep" else "lifted", "restriction")


@router.post("/cases/{case_id}/access/exclusions")
async def exclude(request: Request, case_id: UUID, person: FormPerson) -> Response:
    return await _posted(request, person, case_id, _exclude)


def _exclude(request: Request, person: SignedIn, case_id: UUID, form: FormData) -> Response:
    errors: Errors = {}
    who = staff_id(text(form, "exclude-person"), "exclude-person", errors)
    why = reason(form, "exclude-reason", errors, "why this person is excluded")
    if errors:
        return _page(request, person, case_id, errors=errors, form=form)
    try:
        exclusions.exclude(platform_of(request), actor_of(request, person), case_id, who,
                           reason=why)
    except DomainError as exc:
        return _refused(request, person, case_id, form, name="exclude", exc=exc)
    return _done(case_id, "excluded", "exclusions")


@router.post("/cases/{case_id}/access/exclusions/readmit")
async def readmit(request: Request, case_id: UUID, person: FormPerson) -> Response:
    return await _posted(request, person, case_id, _readmit)


def _readmit(request: Request, person: SignedIn, case_id: UUID, form: FormData) -> Response:
    try:
        exclusions.readmit(platform_of(request), actor_of(request, person), case_id,
                           text(form, "person"))
    except DomainError:  # readmitted meanwhile, or never excluded: the page as it is
        return RedirectResponse(f"/cases/{case_id}/access#exclusions", status_code=303)
    return _done(case_id, "readmitted", "exclusions")
