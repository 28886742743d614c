"""A partnership described as a whole (from its information-sharing protocol): the areas and
agencies it should have, and the events that bring the recorded ones to it. Only a difference
is an event, so describing the same partnership twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, fields

from domain.agency import Agency
from domain.area import Area, AreaSettings


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    settings: AreaSettings


@dataclass(frozen=True)
class AgencySpec:
    area_code: str
    code: str
    name: str
    agency_type: str
    core: bool
    spoc_email: str | None


@dataclass(frozen=True)
class PartnershipChanges:
    """The areas and agencies to save (each with its new events) and, for people and the audit
    trail, what happened to each (`area:lancs-west created`, `area:lancs-west
    settings_changed: retention_months`, `agency:lancs-west/police renamed`): codes, verbs and
    setting names, no names, values or addresses."""

    aggregates: tuple[Area | Agency, ...]
    labels: tuple[str, ...]


def bring_area(existing: Area | None, spec: AreaSpec) -> tuple[Area, tuple[str, ...]]:
    """The area as the spec describes it, and what changed."""
    if existing is None:
        return Area.create(spec.code, spec.name, spec.settings), ("created",)
    done = []
    if existing.name != spec.name.strip():
        existing.rename(spec.name)
        done.append("renamed")
    if existing.settings != spec.settings:
        # Which settings, by name (never their values): what a person checking the change,
        # and the audit record, need to see.
        changed = [f.name for f in fields(AreaSettings)
                   if getattr(existing.settings, f.name) != getattr(spec.settings, f.name)]
        existing.change_settings(spec.settings)
        done.append(f"settings_changed: {', '.join(changed)}")
    return existing, tuple(done)


def bring_agency(existing: Agency | None, area: Area,
                 spec: AgencySpec) -> tuple[Agency, tuple[str, ...]]:
    if existing is None:
        return Agency.register(area.id, spec.code, spec.name, spec.agency_type, spec.core,
                               spoc_email=spec.spoc_email), ("registered",)
    before = len(existing.pending_events)
    verbs = []
    existing.rename(spec.name)
    if len(existing.pending_events) > before:
        verbs.append("renamed")
    existing.reclassify(spec.agency_type, spec.core)
    if len(existing.pending_events) > before + len(verbs):
        verbs.append("reclassified")
    existing.change_contact(spec.spoc_email)
    if len(existing.pending_events) > before + len(verbs):
        verbs.append("contact_changed")
    return existing, tuple(verbs)
