"""A case's links to the other safeguarding arrangements, for its coordinators: an onward
referral made because of it (MAPPA, MASH, child protection, adult safeguarding, early help,
another MARAC), and whether it is open to children's and to adult social care, each recorded
beside what is recorded already. Through the API's own use cases (services/safeguarding.py,
as `POST /cases/{id}/onward-referrals` and `/social-care`): the same policy, the same audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import DomainError
from domain.safeguarding import OnwardTo
from services import safeguarding
from web.case_page import ONWARD, case_id_of
from web.meetings import typed_day
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.sharing import text_of
from web.templates import render

router = APIRouter(include_in_schema=False)
YES_NO = {"yes": "Yes", "no": "No"}
DATE_FIELD = "referred-on"
# The domain's refusals (domain/exceptions.py codes), each where the form shows it; any other
# refusal is the service's error page.
REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_safeguarding_link": (f"{DATE_FIELD}-day", "The onward referral must be on or "
                                  "after the day the case was referred to the MARAC"),
    "referral_withdrawn": ("to", "This referral was withdrawn as entered in error: nothing "
                                 "more is recorded on it"),
}


@dataclass(frozen=True)
class OnwardForm:
    """An onward referral as given (where to, and the date typed in its three parts), and what
    is wrong with it (field id -> message)."""

    to: str = ""
    parts: tuple[str, str, str] = ("", "", "")
    on: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> OnwardForm:
        to = text_of(form, "to")
        parts, on, wrong = typed_day(form, DATE_FIELD, "the date of the onward referral")
        errors: dict[str, str] = {}
        if to not in ONWARD:
            errors["to"] = "Select where the case was referred on to"
        if wrong:
            errors[f"{DATE_FIELD}-day"] = wrong
        return cls(to, parts, on, errors)

    def arrangement(self) -> OnwardTo:
        return next(t for t in ONWARD if t == self.to)

    def day(self) -> date:
        if self.on is None:
            raise ValueError("a form with errors names no day")
        return self.on


@dataclass(frozen=True)
class SocialCareForm:
    """Whether the case is open to children's and to adult social care ("yes" or "no"), as
    given, and what is wrong with it."""

    childrens: str = ""
    adult: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> SocialCareForm:
        childrens, adult = text_of(form, "childrens"), text_of(form, "adult")
        errors: dict[str, str] = {}
        if childrens not in YES_NO:
            errors["childrens"] = "Select whether the case is open to children's social care"
        if adult not in YES_NO:
            errors["adult"] = "Select whether the case is open to adult social care"
        return cls(childrens, adult, errors)


@router.get("/cases/{case_id}/onward-referrals")
def onward_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    return _onward_page(request, person, case_id_of(case_id), OnwardForm(),
                        done=request.query_params.get("done") == "recorded")


@router.post("/cases/{case_id}/onward-referrals")
async def refer_onward(request: Request, case_id: str, person: FormPerson) -> Response:
    case = case_id_of(case_id)
    form = OnwardForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_onward_page, request, person, case, form, status=400)
    return await run_in_threadpool(_refer_onward, request, person, case, form)


def _refer_onward(request: Request, person: SignedIn, case_id: UUID,
                  form: OnwardForm) -> Response:
    try:
        safeguarding.refer_onward(platform_of(request), actor_of(request, person), case_id,
                                  form.arrangement(), on=form.day())
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        return _onward_page(request, person, case_id, OnwardForm(
            form.to, form.parts, form.on, {where: message}), status=422)
    return RedirectResponse(f"/cases/{case_id}/onward-referrals?done=recorded",
                            status_code=303)


@router.get("/cases/{case_id}/social-care")
def social_care_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    return _social_care_page(request, person, case_id_of(case_id), None,
                             done=request.query_params.get("done") == "recorded")


@router.post("/cases/{case_id}/social-care")
async def record_social_care(request: Request, case_id: str, person: FormPerson) -> Response:
    case = case_id_of(case_id)
    form = SocialCareForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_social_care_page, request, person, case, form,
                                       status=400)
    return await run_in_threadpool(_record_social_care, request, person, case, form)


def _record_social_care(request: Request, person: SignedIn, case_id: UUID,
                        form: SocialCareForm) -> Response:
    # The domain refuses nothing here that the form could show: any refusal is the error page.
    safeguarding.record_social_care(platform_of(request), actor_of(request, person), case_id,
                                    childrens=form.childrens == "yes",
                                    adult=form.adult == "yes")
    return RedirectResponse(f"/cases/{case_id}/social-care?done=recorded", status_code=303)


def _onward_page(request: Request, person: SignedIn, case_id: UUID, form: OnwardForm, *,
                 status: int = 200, done: bool = False) -> Response:
    """The page (its own audited read: a refused form shows what is recorded again)."""
    found = safeguarding.safeguarding_links(platform_of(request), actor_of(request, person),
                                            case_id)
    return render("safeguarding/onward_referrals.html", {
        **layout(person, "cases"), "found": found, "form": form, "onward": ONWARD,
        "date_field": DATE_FIELD, "done": done}, status_code=status)


def _social_care_page(request: Request, person: SignedIn, case_id: UUID,
                      form: SocialCareForm | None, *, status: int = 200,
                      done: bool = False) -> Response:
    """The page; a first view offers what was last recorded as the answers."""
    found = safeguarding.safeguarding_links(platform_of(request), actor_of(request, person),
                                            case_id)
    care = found.social_care
    shown = form or (SocialCareForm("yes" if care.childrens else "no",
                                    "yes" if care.adult else "no") if care else SocialCareForm())
    return render("safeguarding/social_care.html", {
        **layout(person, "cases"), "found": found, "form": shown, "yes_no": YES_NO,
        "done": done}, status_code=status)
