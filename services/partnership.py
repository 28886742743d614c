"""The partnership's set-up: its areas (name, code, model, settings) and agencies (name, code,
type, core or not, single point of contact), listed for everyone in it and set up or changed
by its administrators. Configuration only, never case content. Each change is an event of the
area or agency, and only a change is: the same request twice records one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.agency import Agency
from domain.area import Area, AreaSettings, Model
from domain.exceptions import InvalidSettings
from projections.partnership import AgencyEntry, PartnershipAgency, PartnershipArea
from security.policy import may_administer_partnership, may_read_partnership
from services.actor import Actor
from services.case_access import writing
from services.partnership_file import PartnershipFile
from services.platform import Platform
from services.system import SystemJob

# The read model's rows are the views this module answers with.
__all__ = ["AgencyChange", "AgencyEntry", "Applied", "AreaChange", "PartnershipAgency",
           "PartnershipArea", "agency_directory", "agency_view", "all_agencies", "all_areas",
           "apply_partnership", "area_view", "change_agency", "change_area",
           "check_partnership", "create_area", "list_agencies", "list_areas",
           "operator_listing", "register_agency", "settings_with"]

SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(AreaSettings))


@dataclass(frozen=True)
class AreaChange:
    """What to change of an area; None: unchanged. `settings`: only those given, by name."""

    name: str | None = None
    model: Model | None = None
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class AgencyChange:
    """What to change of an agency; None: unchanged. `clear_spoc`: no single point of
    contact any more."""

    name: str | None = None
    agency_type: str | None = None
    core: bool | None = None
    spoc_email: str | None = None
    clear_spoc: bool = False


def settings_with(base: AreaSettings, changes: Mapping[str, Any],
                  model: Model | None = None) -> AreaSettings:
    """`base` with the named settings changed; each is then checked by the domain."""
    unknown = set(changes) - SETTING_NAMES
    if unknown:
        raise InvalidSettings(f"unknown settings: {sorted(unknown)}")
    settings = dataclasses.replace(base, **changes)
    return settings if model is None else dataclasses.replace(settings, model=model)


def area_view(area: Area) -> PartnershipArea:
    return PartnershipArea(area.id, area.code, area.name, area.settings.model, area.settings)


def agency_view(agency: Agency, area_code: str) -> PartnershipAgency:
    return PartnershipAgency(agency.id, agency.area_id, area_code, agency.code, agency.name,
                      agency.agency_type, agency.core, agency.spoc_email)


def all_areas(platform: Platform) -> list[PartnershipArea]:
    """Every area, by code, from the read model (projections/partnership.py)."""
    return platform.cases.partnership.areas()


def all_agencies(platform: Platform, area_id: UUID | None = None) -> list[PartnershipAgency]:
    """Every agency (or one area's), by area code and code, from the read model."""
    return platform.cases.partnership.agencies(area_id)


def agency_directory(stores: Platform) -> Mapping[UUID, AgencyEntry]:
    """Every agency by id, with its name and code (and its area's code): for showing agencies
    by name where a view holds their ids (minutes, agendas, lists). Configuration, not case
    content, and without contact addresses: the caller has already been allowed to see the
    thing that names the ids, so this asks no policy and records no read."""
    return stores.cases.partnership.directory()


def runs_marrac(stores: Platform, area_id: UUID) -> bool:
    """Whether the area runs Lancashire's MARRAC model (its cases are worked by a case
    co-ordinator, not heard at a meeting). Configuration, like `agency_directory`: asks no
    policy and records no read."""
    return any(a.id == area_id and a.model == "marrac"
               for a in stores.cases.partnership.areas())


def list_areas(platform: Platform, actor: Actor) -> list[PartnershipArea]:
    _may_read(actor, "areas")
    actor.audit.record("read_partnership", "allowed", items=("areas",))
    return all_areas(platform)


def list_agencies(platform: Platform, actor: Actor,
                  area_id: UUID | None = None) -> list[PartnershipAgency]:
    _may_read(actor, "agencies")
    actor.audit.record("read_partnership", "allowed", items=("agencies",), area_id=area_id)
    return all_agencies(platform, area_id)


def _may_read(actor: Actor, what: str) -> None:
    actor.require(may_read_partnership(actor.principal), "read_partnership",
                  "The partnership is listed for the people and systems that work in it",
                  items=(what,))


def _may_administer(actor: Actor, action: Any, area_id: UUID | None) -> None:
    actor.require(may_administer_partnership(actor.principal, area_id), action,
                  "Areas and agencies are set up by the partnership's administrators",
                  area_id=area_id)


def create_area(platform: Platform, actor: Actor, code: str, name: str, *, model: Model,
                settings: Mapping[str, Any]) -> PartnershipArea:
    """A new area, by a partnership-wide administrator. An area whose code is taken is a
    conflict (`already_exists`)."""
    _may_administer(actor, "create_area", None)
    chosen = settings_with(AreaSettings(), settings, model)
    area_id = Area.create_id(code)
    with writing(platform, actor, "create_area", None, area_id, items=(f"area:{code}",)):
        platform.marac.create_area(code, name, chosen)
    return area_view(platform.marac.get_area(area_id))


def change_area(platform: Platform, actor: Actor, area_id: UUID,
                change: AreaChange) -> PartnershipArea:
    """Renamed, its model or settings changed; the audit record names what changed, never
    the values."""
    _may_administer(actor, "change_area", area_id)
    area = platform.marac.get_area(area_id)
    settings = settings_with(area.settings, change.settings, change.model)
    renamed = change.name is not None and change.name.strip() != area.name
    changed = (*(("name",) if renamed else ()),
               *sorted(n for n in SETTING_NAMES
                       if getattr(settings, n) != getattr(area.settings, n)))
    with writing(platform, actor, "change_area", None, area_id, items=changed):
        platform.marac.change_area(area_id, name=change.name, settings=settings)
    return area_view(platform.marac.get_area(area_id))


def register_agency(platform: Platform, actor: Actor, area_id: UUID, code: str, name: str, *,
                    agency_type: str, core: bool, spoc_email: str | None) -> PartnershipAgency:
    _may_administer(actor, "register_agency", area_id)
    area = platform.marac.get_area(area_id)
    with writing(platform, actor, "register_agency", None, area_id,
                 items=(f"agency:{area.code}/{code}",)):
        agency_id = platform.marac.register_agency(area_id, code, name, agency_type, core=core,
                                                   spoc_email=spoc_email)
    return agency_view(platform.marac.get_agency(agency_id), area.code)


def change_agency(platform: Platform, actor: Actor, agency_id: UUID,
                  change: AgencyChange) -> PartnershipAgency:
    """Renamed, reclassified, or its single point of contact changed; by an administrator of
    its area. The audit record names what changed (not the address)."""
    agency = platform.marac.get_agency(agency_id)
    _may_administer(actor, "change_agency", agency.area_id)
    area = platform.marac.get_area(agency.area_id)
    spoc = None if change.clear_spoc else change.spoc_email
    changed = tuple(name for name, new, old in (
        ("name", change.name, agency.name), ("agency_type", change.agency_type,
                                             agency.agency_type),
        ("core", change.core, agency.core)) if new is not None and new != old)
    if (change.clear_spoc or change.spoc_email is not None) and spoc != agency.spoc_email:
        changed += ("spoc_email",)
    with writing(platform, actor, "change_agency", None, agency.area_id, items=changed):
        platform.marac.change_agency(agency_id, name=change.name,
                                     agency_type=change.agency_type, core=change.core,
                                     spoc_email=change.spoc_email, clear_spoc=change.clear_spoc)
    return agency_view(platform.marac.get_agency(agency_id), area.code)


@dataclass(frozen=True)
class Applied:
    """What applying the partnership's file changed (`area:lancs-west created`, …): nothing
    when the recorded partnership already matched it."""

    changes: tuple[str, ...]


def check_partnership(platform: Platform, job: SystemJob,
                      described: PartnershipFile) -> Applied:
    """What applying the file would change, applying nothing (`marac partnership apply
    --check`): the recorded partnership is read, and recorded as read, like a listing."""
    changes = platform.marac.partnership_changes(described.areas, described.agencies)
    job.step().audit.record("read_partnership", "allowed", items=("areas", "agencies"))
    return Applied(changes.labels)


def apply_partnership(platform: Platform, job: SystemJob,
                      described: PartnershipFile) -> Applied:
    """The partnership's file, applied by an operator at the command line (who holds the
    platform's keys, and so asks no policy): every area and agency brought to it in one
    transaction, only the differences as events; one audit record naming what changed."""
    changes = platform.marac.partnership_changes(described.areas, described.agencies)
    with writing(platform, job.step(), "apply_partnership", None, None, items=changes.labels):
        if changes.aggregates:
            platform.marac.save(*changes.aggregates)
    return Applied(changes.labels)


def operator_listing(platform: Platform,
                     job: SystemJob) -> tuple[list[PartnershipArea], list[PartnershipAgency]]:
    """The areas and agencies, for an operator at the command line; recorded like a person's
    listing, before anything is shown. The read model is caught up first: this process runs
    no projection runner of its own."""
    platform.runner.catch_up()
    areas, agencies = all_areas(platform), all_agencies(platform)
    job.step().audit.record("read_partnership", "allowed", items=("areas", "agencies"))
    return areas, agencies
