"""Sharing information on a case with an audience: a note, a disclosure or a risk, seen by the
whole case, named agencies, the coordinators only, or the sharer's own agency only (the
domain's `Audience`). Through the API's own use case (services/sharing.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.access import Audience, AudienceKind
from domain.exceptions import DomainError
from services import sharing
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As the API's schema bounds them (api/schemas.py `InformationCreate`, `AudienceIn`).
MAX_TEXT = 10_000
MAX_AGENCIES = 50

# Research is recorded for a hearing and released later (web/research.py), not here.
Kind = Literal["note", "disclosure", "risk"]
KINDS: dict[Kind, str] = {"note": "A note", "disclosure": "A disclosure", "risk": "A risk"}
AUDIENCES: dict[AudienceKind, str] = {
    "whole_case": "Everyone who may see the case",
    "agencies": "Named agencies (and the coordinators)",
    "coordinators": "The coordinators only",
    "authoring_agency": "My agency only (and the coordinators)",
}
# The domain's refusals a person can correct (domain/exceptions.py codes), by field.
REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_access_change": ("audience", "Choose who may see it"),
    "referral_withdrawn": ("kind", "This referral was withdrawn as entered in error: "
                                   "nothing more is shared on it"),
}


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def agencies_of(form: FormData) -> tuple[tuple[UUID, ...], bool]:
    """The agencies ticked, and whether each was an agency id (a page gives nothing else)."""
    found: list[UUID] = []
    for value in form.getlist("agencies"):
        try:
            found.append(UUID(value if isinstance(value, str) else ""))
        except ValueError:
            return (), False
    return tuple(dict.fromkeys(found)), True


@dataclass(frozen=True)
class ShareForm:
    """The sharing form as given, and what is wrong with it (field id -> message)."""

    kind: str = ""
    text: str = ""
    audience: str = ""
    agencies: tuple[UUID, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ShareForm:
        agencies, well_formed = agencies_of(form)
        given = cls(text_of(form, "kind"), text_of(form, "text"), text_of(form, "audience"),
                    agencies)
        errors: dict[str, str] = {}
        if given.kind not in KINDS:
            errors["kind"] = "Select what you are sharing"
        if not given.text:
            errors["text"] = "Enter the information to share"
        elif len(given.text) > MAX_TEXT:
            errors["text"] = f"The information must be {MAX_TEXT:,} characters or fewer"
        if given.audience not in AUDIENCES:
            errors["audience"] = "Select who may see it"
        elif given.audience == "agencies" and (
                not agencies or not well_formed or len(agencies) > MAX_AGENCIES):
            errors["agencies"] = "Select the agencies that may see it"
        return cls(given.kind, given.text, given.audience, agencies, errors)

    def audience_given(self) -> Audience:
        kind: AudienceKind = next(k for k in AUDIENCES if k == self.audience)
        return Audience(kind, self.agencies if kind == "agencies" else ())


@router.get("/cases/{case_id}/share")
def share_page(request: Request, case_id: UUID, person: CurrentPerson) -> Response:
    shared = request.query_params.get("shared") == "yes"
    return _page(request, person, case_id, ShareForm(), shared=shared)


@router.post("/cases/{case_id}/share")
async def share(request: Request, case_id: UUID, person: FormPerson) -> Response:
    form = ShareForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_page, request, person, case_id, form, status=400)
    return await run_in_threadpool(_share, request, person, case_id, form)


def _share(request: Request, person: SignedIn, case_id: UUID, form: ShareForm) -> Response:
    try:
        sharing.share(platform_of(request), actor_of(request, person), case_id,
                      kind=form.kind, text=form.text, audience=form.audience_given())
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        return _page(request, person, case_id,
                     ShareForm(form.kind, form.text, form.audience, form.agencies,
                               {where: message}), status=422)
    return RedirectResponse(f"/cases/{case_id}/share?shared=yes", status_code=303)


def _page(request: Request, person: SignedIn, case_id: UUID, form: ShareForm, *,
          status: int = 200, shared: bool = False) -> Response:
    choices = sharing.sharing_choices(platform_of(request), actor_of(request, person), case_id)
    return render("sharing/share.html", {
        **layout(person), "choices": choices, "form": form, "kinds": KINDS,
        "audiences": AUDIENCES, "shared": shared}, status_code=status)
