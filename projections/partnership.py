"""The partnership's areas and agencies as a read model: each area's code, name, model and
settings; each agency's area, code, name, type, whether it is core, and its single point of
contact. Listed to everyone in the partnership, and named beside the ids that case views,
agendas and minutes carry; written by the case projector's runner, so that the catch-up after
every write (services/case_access.writing) makes a change visible to the next read.

Configuration, not case content: nothing here is derived from a case, so it is held in
plain columns. The single point of contact is a staff mailbox: it is shown to the
partnership, never written to logs or audit records (those name what changed, not values).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.agency import Agency
from domain.area import Area, AreaSettings, Model
from domain.values import from_plain, plain
from storage.database import Cursor, Database

AREAS = "partnership_areas"
AGENCIES = "partnership_agencies"
TABLES = (AREAS, AGENCIES)
AREA_TOPIC = "domain.area:Area."
AGENCY_TOPIC = "domain.agency:Agency."
# Each row keeps `version`, the aggregate's version it was written from (schema: storage/
# migrations). A row is only ever replaced by one from the same or a later version, so a
# replay, or the one-off fill racing the runner, never puts an older name back.


@dataclass(frozen=True)
class PartnershipArea:
    id: UUID
    code: str
    name: str
    model: Model
    settings: AreaSettings


@dataclass(frozen=True)
class PartnershipAgency:
    id: UUID
    area_id: UUID
    area_code: str
    code: str
    name: str
    agency_type: str
    core: bool
    # The agency's mailbox for notifications (a shared one, not a person's, is best).
    spoc_email: str | None


@dataclass(frozen=True)
class AgencyEntry:
    """What shows an agency to people in place of its id: its name and code, and its area's
    code. No contact address: this is what lists, agendas and minutes print."""

    id: UUID
    area_id: UUID
    area_code: str
    code: str
    name: str


def write_area(cur: Cursor, area: Area) -> None:
    cur.execute(
        f"INSERT INTO {AREAS} (area_id, code, name, model, settings, version) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (area_id) DO UPDATE SET "
        "name = excluded.name, model = excluded.model, settings = excluded.settings, "
        f"version = excluded.version WHERE excluded.version >= {AREAS}.version",
        (str(area.id), area.code, area.name, area.settings.model,
         json.dumps(plain(area.settings), sort_keys=True), area.version))


def write_agency(cur: Cursor, agency: Agency) -> None:
    cur.execute(
        f"INSERT INTO {AGENCIES} (agency_id, area_id, code, name, agency_type, core, "  # noqa: S608
        "spoc_email, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (agency_id) DO UPDATE SET name = excluded.name, "
        "agency_type = excluded.agency_type, core = excluded.core, "
        "spoc_email = excluded.spoc_email, version = excluded.version "
        f"WHERE excluded.version >= {AGENCIES}.version",
        (str(agency.id), str(agency.area_id), agency.code, agency.name, agency.agency_type,
         int(agency.core), agency.spoc_email, agency.version))


def fill(db: Database, recorded: Callable[[], tuple[Sequence[Area], Sequence[Agency]]]) -> None:
    """A database projected before this read model existed: fill it once from the areas and
    agencies `recorded` (read from the log), rather than ask for a rebuild. An empty log has
    none, and a filled read model is never read from the log again."""
    with db.transaction() as cur:
        cur.execute(f"SELECT 1 FROM {AREAS} LIMIT 1")  # noqa: S608
        if cur.fetchone() is not None:
            return
        areas, agencies = recorded()
        for area in areas:
            write_area(cur, area)
        for agency in agencies:
            write_agency(cur, agency)


class Partnership:
    """The queries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def areas(self) -> list[PartnershipArea]:
        """Every area, by code."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT area_id, code, name, model, settings FROM {AREAS} "  # noqa: S608
                        "ORDER BY code")
            rows = cur.fetchall()
        return [PartnershipArea(UUID(r[0]), r[1], r[2], r[3],
                                from_plain(AreaSettings, json.loads(r[4]))) for r in rows]

    def agencies(self, area_id: UUID | None = None) -> list[PartnershipAgency]:
        """Every agency (or one area's), by its area's code and its own."""
        where, params = ("WHERE g.area_id = %s", (str(area_id),)) if area_id else ("", ())
        with self.db.transaction(readonly=True) as cur:
            cur.execute(
                "SELECT g.agency_id, g.area_id, a.code, g.code, g.name, g.agency_type, "  # noqa: S608
                f"g.core, g.spoc_email FROM {AGENCIES} AS g JOIN {AREAS} AS a "
                f"ON a.area_id = g.area_id {where} ORDER BY a.code, g.code", params)
            rows = cur.fetchall()
        return [PartnershipAgency(UUID(r[0]), UUID(r[1]), r[2], r[3], r[4], r[5], bool(r[6]),
                                  r[7]) for r in rows]

    def directory(self) -> dict[UUID, AgencyEntry]:
        """Every agency by id: its name and code, to show in place of the id."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT g.agency_id, g.area_id, a.code, g.code, g.name "  # noqa: S608
                        f"FROM {AGENCIES} AS g JOIN {AREAS} AS a ON a.area_id = g.area_id")
            rows = cur.fetchall()
        return {UUID(r[0]): AgencyEntry(UUID(r[0]), UUID(r[1]), r[2], r[3], r[4])
                for r in rows}
