"""The administrator's pages: the partnership's areas and agencies (name, code, model or type,
core, single point of contact, the area's settings), created and changed with forms. Through
the API's own use cases (services/partnership.py; services/administration.py for what an
administrator may change): the same policy, the same events and audit. Configuration only:
no case content is on these pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.agency import AGENCY_TYPES
from domain.area import MAX_NAME_LENGTH, AreaSettings
from domain.exceptions import AlreadyExists, DomainError, InvalidSettings
from services import partnership
from services.administration import Administered, administered, agency_to_change, area_to_change
from services.partnership import AgencyChange, AreaChange
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)

MODELS = {"marac": "MARAC (meeting-based)", "marrac": "MARRAC (coordinator-led)"}
HBA_PLACEMENTS = {"start": "At the start of the meeting", "end": "At the end of the meeting",
                  "closed": "Only in a closed harmful-practices hearing"}
MAX_EMAIL = 254

SettingKind = Literal["int", "optional_int", "optional_pct", "bool", "placement", "email",
                      "codes", "statement"]


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    kind: SettingKind
    hint: str = ""


# The area's settings as the form asks them, grouped as people think of them.
SETTINGS: tuple[tuple[str, tuple[Setting, ...]], ...] = (
    ("Referrals", (
        Setting("referral_threshold", "Visible high risk: DASH “yes” answers", "int",
                "SafeLives recommend 14"),
        Setting("escalation_count", "Potential escalation: police call-outs in 12 months",
                "int"),
        Setting("repeat_window_months", "Repeat window, in months", "int"),
        Setting("hba_automatic", "Is suspected 'honour'-based abuse a criterion in itself?",
                "bool"),
        Setting("restrict_hba_at_referral",
                "Restrict 'honour'-based abuse referrals from the moment they are made?",
                "bool"),
    )),
    ("Meetings", (
        Setting("children_first", "Hear cases with children first?", "bool"),
        Setting("hba_placement", "Where are 'honour'-based abuse cases heard?", "placement"),
        Setting("minutes_within_working_days", "Minutes go out within, in working days",
                "int"),
        Setting("confidentiality_statement", "Confidentiality statement", "statement",
                "Read at each meeting. Leave empty for the default statement"),
    )),
    ("Records", (
        Setting("retention_months", "Keep closed cases for, in months", "int"),
    )),
    ("Reports", (
        Setting("adult_female_population", "Adult female population", "optional_int",
                "For cases per 10,000. Leave empty if not known"),
        Setting("population_minoritised_pct",
                "Population Black, Asian or racially minoritised, percent", "optional_pct"),
        Setting("population_lgbt_pct", "Population LGBT+, percent", "optional_pct"),
        Setting("population_disabled_pct", "Population with a disability, percent",
                "optional_pct"),
        Setting("suppress_below", "Withhold counts below", "int",
                "Small numbers could pick a person out"),
        Setting("report_settle_days", "Release a period's figures after, in days", "int",
                "Once late records have settled"),
    )),
    ("Notifications", (
        Setting("coordinators_email", "Coordinators' shared mailbox", "email",
                "Leave empty for none"),
        Setting("digest_recipients", "Who takes a daily digest instead", "codes",
                "Agency codes, and “coordinators”, separated by commas"),
    )),
)
SETTING_LIST = tuple(s for _, group in SETTINGS for s in group)
LABELS = {s.name: s.label for s in SETTING_LIST}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _name_error(name: str) -> str | None:
    if not name:
        return "Enter a name"
    if len(name) > MAX_NAME_LENGTH:
        return f"The name must be {MAX_NAME_LENGTH} characters or fewer"
    return None


def setting_values(settings: AreaSettings) -> dict[str, str]:
    """The settings as the form shows them."""
    shown: dict[str, str] = {}
    for s in SETTING_LIST:
        value = getattr(settings, s.name)
        if s.kind == "bool":
            shown[s.name] = "yes" if value else "no"
        elif s.kind == "codes":
            shown[s.name] = ", ".join(value)
        elif value is None:
            shown[s.name] = ""
        elif s.kind == "optional_pct":
            shown[s.name] = f"{value:g}"
        else:
            shown[s.name] = str(value)
    return shown


def _parse_setting(s: Setting, text: str) -> tuple[Any, str | None]:
    """The setting's value from its field's text, or what is wrong with it."""
    parsers: dict[SettingKind, Callable[[str], tuple[Any, str | None]]] = {
        "int": lambda t: (int(t), None) if t.lstrip("-").isdigit() else (
            None, f"{s.label} must be a whole number"),
        "optional_int": lambda t: (None, None) if not t else (int(t), None)
        if t.isdigit() else (None, f"{s.label} must be a whole number"),
        "optional_pct": lambda t: (None, None) if not t else _percent(s, t),
        "bool": lambda t: (t == "yes", None) if t in ("yes", "no") else (
            None, f"Select yes or no: {s.label[:1].lower()}{s.label[1:]}"),
        "placement": lambda t: (t, None) if t in HBA_PLACEMENTS else (
            None, "Select where 'honour'-based abuse cases are heard"),
        "email": lambda t: (t or None, None) if len(t) <= MAX_EMAIL else (
            None, f"The mailbox must be {MAX_EMAIL} characters or fewer"),
        "codes": lambda t: (tuple(c.strip().lower() for c in t.split(",") if c.strip()), None),
        "statement": lambda t: (t or None, None),
    }
    return parsers[s.kind](text)


def _percent(s: Setting, text: str) -> tuple[Any, str | None]:
    try:
        return float(text), None
    except ValueError:
        return None, f"{s.label} must be a number, like 12.5"


@dataclass(frozen=True)
class AreaForm:
    """An area's form as given: its name and model (and code, when created), its settings
    (when changed), and what is wrong with it (field id -> message)."""

    code: str = ""
    name: str = ""
    model: str = "marac"
    settings: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    parsed: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData, *, creating: bool) -> AreaForm:
        code, name, model = _text(form, "code"), _text(form, "name"), _text(form, "model")
        errors: dict[str, str] = {}
        if creating and not code:
            errors["code"] = "Enter a code, like lancs-west"
        if (problem := _name_error(name)) is not None:
            errors["name"] = problem
        if model not in MODELS:
            errors["model"] = "Select MARAC or MARRAC"
        given: dict[str, str] = {}
        parsed: dict[str, Any] = {}
        if not creating:
            for s in SETTING_LIST:
                given[s.name] = _text(form, s.name)
                value, problem = _parse_setting(s, given[s.name])
                if problem is not None:
                    errors[s.name] = problem
                else:
                    parsed[s.name] = value
        return cls(code, name, model, given, errors, parsed)

    def with_error(self, where: str, message: str) -> AreaForm:
        return AreaForm(self.code, self.name, self.model, self.settings, {where: message},
                        self.parsed)


@dataclass(frozen=True)
class AgencyForm:
    area_id: str = ""
    code: str = ""
    name: str = ""
    agency_type: str = ""
    core: str = ""
    spoc_email: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData, *, creating: bool) -> AgencyForm:
        given = cls(_text(form, "area_id"), _text(form, "code"), _text(form, "name"),
                    _text(form, "agency_type"), _text(form, "core"),
                    _text(form, "spoc_email"))
        errors: dict[str, str] = {}
        if creating and given.area is None:
            errors["area_id"] = "Select the agency's area"
        if creating and not given.code:
            errors["code"] = "Enter a code, like police"
        if (problem := _name_error(given.name)) is not None:
            errors["name"] = problem
        if given.agency_type not in AGENCY_TYPES:
            errors["agency_type"] = "Select the type of agency"
        if given.core not in ("yes", "no"):
            errors["core"] = "Select whether the agency attends every meeting"
        if len(given.spoc_email) > MAX_EMAIL:
            errors["spoc_email"] = f"The mailbox must be {MAX_EMAIL} characters or fewer"
        return cls(given.area_id, given.code, given.name, given.agency_type, given.core,
                   given.spoc_email, errors)

    @property
    def area(self) -> UUID | None:
        try:
            return UUID(self.area_id)
        except ValueError:
            return None

    def with_error(self, where: str, message: str) -> AgencyForm:
        return AgencyForm(self.area_id, self.code, self.name, self.agency_type, self.core,
                          self.spoc_email, {where: message})


def refusal_field(refused: DomainError, fields: tuple[str, ...]) -> tuple[str, str]:
    """Where the form shows the service's refusal, and in what words: a taken code at the
    code; a setting the domain refuses (its message names it) at that setting."""
    message = str(refused)
    if isinstance(refused, AlreadyExists):
        return "code", "That code is already taken: choose another"
    for name in fields:
        if message.startswith(name + " "):
            rest = message[len(name):]
            return name, LABELS.get(name, name.replace("_", " ").capitalize()) + rest
    where = ("code" if message.startswith("a code") and "code" in fields else
             "name" if message.startswith("a name") else fields[0])
    return where, message[:1].upper() + message[1:]


AREA_FIELDS = ("code", "name", "model", *(s.name for s in SETTING_LIST))
AGENCY_FIELDS = ("area_id", "code", "name", "agency_type", "core", "spoc_email")


# Areas ------------------------------------------------------------------------------------

@router.get("/admin/areas")
def areas(request: Request, person: CurrentPerson) -> Response:
    listed = administered(platform_of(request), actor_of(request, person), "areas")
    return render("admin/areas.html", {
        **layout(person, "admin"), "administered": listed, "models": MODELS,
        "done": request.query_params.get("done", "")})


@router.get("/admin/areas/new")
def new_area(request: Request, person: CurrentPerson) -> Response:
    return _new_area_page(request, person, AreaForm())


@router.post("/admin/areas/new")
async def create_area(request: Request, person: FormPerson) -> Response:
    form = AreaForm.of(await request.form(), creating=True)
    if form.errors:
        return await run_in_threadpool(_new_area_page, request, person, form, 400)
    return await run_in_threadpool(_create_area, request, person, form)


def _create_area(request: Request, person: SignedIn, form: AreaForm) -> Response:
    try:
        partnership.create_area(platform_of(request), actor_of(request, person), form.code,
                                form.name, model="marrac" if form.model == "marrac"
                                else "marac", settings={})
    except (AlreadyExists, InvalidSettings) as refused:
        where, message = refusal_field(refused, AREA_FIELDS)
        status = 409 if isinstance(refused, AlreadyExists) else 422
        return _new_area_page(request, person, form.with_error(where, message), status)
    return RedirectResponse("/admin/areas?done=area-added", status_code=303)


def _new_area_page(request: Request, person: SignedIn, form: AreaForm,
                   status: int = 200) -> Response:
    # Only a partnership-wide administrator creates an area: the service refuses the rest.
    listed = administered(platform_of(request), actor_of(request, person), "areas")
    return render("admin/area_new.html", {
        **layout(person, "admin"), "form": form, "models": MODELS,
        "may_create": listed.may_create_area}, status_code=403 if not
        listed.may_create_area else status)


@router.get("/admin/areas/{area_id}")
def area_page(request: Request, area_id: UUID, person: CurrentPerson) -> Response:
    area = area_to_change(platform_of(request), actor_of(request, person), area_id)
    form = AreaForm("", area.name, area.model, setting_values(area.settings))
    return _area_page(request, person, area_id, form,
                      changed=request.query_params.get("changed") == "yes")


@router.post("/admin/areas/{area_id}")
async def change_area(request: Request, area_id: UUID, person: FormPerson) -> Response:
    form = AreaForm.of(await request.form(), creating=False)
    if form.errors:
        return await run_in_threadpool(_area_page, request, person, area_id, form, 400)
    return await run_in_threadpool(_change_area, request, person, area_id, form)


def _change_area(request: Request, person: SignedIn, area_id: UUID,
                 form: AreaForm) -> Response:
    try:
        partnership.change_area(platform_of(request), actor_of(request, person), area_id,
                                AreaChange(form.name, "marrac" if form.model == "marrac"
                                           else "marac", dict(form.parsed)))
    except InvalidSettings as refused:
        where, message = refusal_field(refused, AREA_FIELDS)
        return _area_page(request, person, area_id, form.with_error(where, message), 422)
    return RedirectResponse(f"/admin/areas/{area_id}?changed=yes", status_code=303)


def _area_page(request: Request, person: SignedIn, area_id: UUID, form: AreaForm,
               status: int = 200, *, changed: bool = False) -> Response:
    area = area_to_change(platform_of(request), actor_of(request, person), area_id)
    return render("admin/area.html", {
        **layout(person, "admin"), "area": area, "form": form, "models": MODELS,
        "settings": SETTINGS, "placements": HBA_PLACEMENTS, "changed": changed},
        status_code=status)


# Agencies ---------------------------------------------------------------------------------

# Where the type's words are not its name as people write it.
TYPE_NAMES = {"idva": "IDVA service", "childrens_social_care": "Children's social care",
              "specialist_domestic_abuse": "Specialist domestic abuse service"}


def type_label(agency_type: str) -> str:
    if agency_type in TYPE_NAMES:
        return TYPE_NAMES[agency_type]
    words = agency_type.replace("_", " ")
    return words[:1].upper() + words[1:]


TYPES = {t: type_label(t) for t in AGENCY_TYPES}


@router.get("/admin/agencies")
def agencies(request: Request, person: CurrentPerson) -> Response:
    listed = administered(platform_of(request), actor_of(request, person), "agencies")
    return render("admin/agencies.html", {
        **layout(person, "admin"), "administered": listed, "types": TYPES,
        "done": request.query_params.get("done", "")})


@router.get("/admin/agencies/new")
def new_agency(request: Request, person: CurrentPerson) -> Response:
    return _new_agency_page(request, person, AgencyForm(core="no"))


@router.post("/admin/agencies/new")
async def register_agency(request: Request, person: FormPerson) -> Response:
    form = AgencyForm.of(await request.form(), creating=True)
    if form.errors:
        return await run_in_threadpool(_new_agency_page, request, person, form, 400)
    return await run_in_threadpool(_register_agency, request, person, form)


def _register_agency(request: Request, person: SignedIn, form: AgencyForm) -> Response:
    area = form.area
    assert area is not None  # noqa: S101 - the form's own check
    try:
        partnership.register_agency(platform_of(request), actor_of(request, person), area,
                                    form.code, form.name, agency_type=form.agency_type,
                                    core=form.core == "yes",
                                    spoc_email=form.spoc_email or None)
    except (AlreadyExists, InvalidSettings) as refused:
        where, message = refusal_field(refused, AGENCY_FIELDS)
        status = 409 if isinstance(refused, AlreadyExists) else 422
        return _new_agency_page(request, person, form.with_error(where, message), status)
    return RedirectResponse("/admin/agencies?done=agency-added", status_code=303)


def _new_agency_page(request: Request, person: SignedIn, form: AgencyForm,
                     status: int = 200) -> Response:
    listed = administered(platform_of(request), actor_of(request, person), "agencies")
    if not form.area_id and len(listed.areas) == 1:
        form = AgencyForm(str(listed.areas[0].id), form.code, form.name, form.agency_type,
                          form.core, form.spoc_email, form.errors)
    return render("admin/agency_new.html", {
        **layout(person, "admin"), "form": form, "administered": listed, "types": TYPES},
        status_code=status)


@router.get("/admin/agencies/{agency_id}")
def agency_page(request: Request, agency_id: UUID, person: CurrentPerson) -> Response:
    agency = agency_to_change(platform_of(request), actor_of(request, person), agency_id)
    form = AgencyForm(str(agency.area_id), agency.code, agency.name, agency.agency_type,
                      "yes" if agency.core else "no", agency.spoc_email or "")
    return _agency_page(request, person, agency_id, form,
                        changed=request.query_params.get("changed") == "yes")


@router.post("/admin/agencies/{agency_id}")
async def change_agency(request: Request, agency_id: UUID, person: FormPerson) -> Response:
    form = AgencyForm.of(await request.form(), creating=False)
    if form.errors:
        return await run_in_threadpool(_agency_page, request, person, agency_id, form, 400)
    return await run_in_threadpool(_change_agency, request, person, agency_id, form)


def _change_agency(request: Request, person: SignedIn, agency_id: UUID,
                   form: AgencyForm) -> Response:
    try:
        partnership.change_agency(platform_of(request), actor_of(request, person), agency_id,
                                  AgencyChange(form.name, form.agency_type, form.core == "yes",
                                               spoc_email=form.spoc_email or None,
                                               clear_spoc=not form.spoc_email))
    except InvalidSettings as refused:
        where, message = refusal_field(refused, AGENCY_FIELDS)
        return _agency_page(request, person, agency_id, form.with_error(where, message), 422)
    return RedirectResponse(f"/admin/agencies/{agency_id}?changed=yes", status_code=303)


def _agency_page(request: Request, person: SignedIn, agency_id: UUID, form: AgencyForm,
                 status: int = 200, *, changed: bool = False) -> Response:
    agency = agency_to_change(platform_of(request), actor_of(request, person), agency_id)
    return render("admin/agency.html", {
        **layout(person, "admin"), "agency": agency, "form": form, "types": TYPES,
        "changed": changed}, status_code=status)


__all__ = ["Administered", "router"]
