"""Agencies by name and code beside their ids, in the answers that name agencies (minutes,
agendas, meetings, actions, research, cases): people know "Police", not a UUID.

Configuration, not case content: the names are the partnership's own, listed to everyone in
it (services/partnership.py). Every answer asks `agency_names` once, for the agencies it
names, so that where the names come from (the partnership's read model, in one query) is
decided here alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from services.partnership import agency_directory, all_agencies
from services.platform import Platform


@dataclass(frozen=True)
class AgencyName:
    """An agency as people know it; `name` and `code` are None for an id the partnership
    does not list (none is ever removed, so only one not yet projected)."""

    agency_id: UUID
    name: str | None
    code: str | None


class AgencyNames:
    """The partnership's agencies by id, read once for an answer."""

    def __init__(self, known: Mapping[UUID, AgencyName]) -> None:
        self._known = known

    def __call__(self, agency_id: UUID) -> AgencyName:
        return self._known.get(agency_id) or AgencyName(agency_id, None, None)

    def all(self, agency_ids: Iterable[UUID]) -> tuple[AgencyName, ...]:
        return tuple(self(a) for a in agency_ids)


def agency_names(stores: Platform, agency_ids: Iterable[UUID]) -> AgencyNames:
    """The name and code of each of these agencies (those an answer names), from the
    partnership's read model in one query."""
    directory = agency_directory(stores)
    return AgencyNames({a: AgencyName(a, e.name, e.code)
                        for a in set(agency_ids) if (e := directory.get(a)) is not None})


def area_agencies(stores: Platform, area_id: UUID) -> tuple[AgencyName, ...]:
    """The agencies of an area by name: those a form offers (who attends a meeting, owns an
    action, carries one on after a closure)."""
    return tuple(AgencyName(a.id, a.name, a.code)
                 for a in sorted(all_agencies(stores, area_id), key=lambda a: a.name))
