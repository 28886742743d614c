"""The case index: each case's routing and filter columns (area, status, dates, repeat link),
nothing personal; with the questions answered from it and the access facts beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.case import ENDED, Case, Status
from storage.database import Cursor, Database, chunks

TABLE = "case_index"
COLUMNS = ("case_id", "area_id", "status", "referring_agency_id", "referred_on",
           "last_referral_on", "restricted", "repeat_of", "version")


@dataclass(frozen=True)
class CaseIndexRow:
    """A case's routing and filter columns as the index holds them."""

    case_id: UUID
    area_id: UUID
    status: Status
    referring_agency_id: UUID
    referred_on: date
    last_referral_on: date
    restricted: bool
    repeat_of: UUID | None
    version: int

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> CaseIndexRow:
        """From a row of `COLUMNS`, as read."""
        case_id, area_id, status, agency, referred, last, restricted, repeat_of, version = row
        return cls(UUID(case_id), UUID(area_id), status, UUID(agency),
                   date.fromisoformat(referred), date.fromisoformat(last), bool(restricted),
                   UUID(repeat_of) if repeat_of else None, int(version))


def write(cur: Cursor, cases: Sequence[Case]) -> None:
    if not cases:
        return
    cur.executemany(
        "INSERT INTO case_index (case_id, area_id, status, referring_agency_id, referred_on,"
        " last_referral_on, restricted, repeat_of, closed_on, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [(str(case.id), str(case.area_id), case.status, str(case.referral.referring_agency_id),
          case.referral.referred_on.isoformat(), case.last_referral_on.isoformat(),
          1 if case.restricted else 0, str(case.repeat_of) if case.repeat_of else None,
          case.closed_on.isoformat() if case.closed_on else None, case.version)
         for case in cases],
    )


def repeats_on(cur: Cursor, case_id: UUID) -> list[UUID]:
    """The repeat referrals merged into the case, in the caller's transaction."""
    cur.execute("SELECT case_id FROM case_index WHERE repeat_of = %s", (str(case_id),))
    return [UUID(r[0]) for r in cur.fetchall()]


def repeats_of(cur: Cursor, case_ids: Sequence[UUID]) -> list[UUID]:
    """The repeat referrals merged into any of these cases, in the caller's transaction."""
    found: list[UUID] = []
    for chunk in chunks(case_ids):
        marks = ", ".join(["%s"] * len(chunk))
        cur.execute(f"SELECT case_id FROM case_index WHERE repeat_of IN ({marks}) "  # noqa: S608
                    "ORDER BY case_id", tuple(str(c) for c in chunk))
        found += [UUID(r[0]) for r in cur.fetchall()]
    return found


def rows_on(cur: Cursor, case_ids: Sequence[UUID]) -> dict[UUID, CaseIndexRow]:
    """The index rows of these cases (one `IN` list's worth), in the caller's transaction."""
    if not case_ids:
        return {}
    marks = ", ".join(["%s"] * len(case_ids))
    cur.execute(f"SELECT {', '.join(COLUMNS)} FROM case_index "  # noqa: S608
                f"WHERE case_id IN ({marks})", tuple(str(c) for c in case_ids))
    rows = (CaseIndexRow.of(r) for r in cur.fetchall())
    return {r.case_id: r for r in rows}


def index_rows(db: Database, case_ids: Sequence[UUID]) -> dict[UUID, CaseIndexRow]:
    rows: dict[UUID, CaseIndexRow] = {}
    for chunk in chunks(case_ids):
        with db.transaction(readonly=True) as cur:
            rows.update(rows_on(cur, chunk))
    return rows


def candidates(db: Database, area_id: UUID | None, refs: Sequence[str]) -> list[UUID]:
    """Cases a caller could possibly see: their area's, and any naming their agency or
    them. The policy decides which of these they do see."""
    found: set[str] = set()
    with db.transaction(readonly=True) as cur:
        if area_id is not None:
            cur.execute("SELECT case_id FROM case_index WHERE area_id = %s", (str(area_id),))
            found.update(r[0] for r in cur.fetchall())
        if refs:
            marks = ", ".join(["%s"] * len(refs))
            cur.execute(f"SELECT case_id FROM case_access WHERE ref IN ({marks})",  # noqa: S608
                        tuple(refs))
            found.update(r[0] for r in cur.fetchall())
        # A repeat takes its case's membership (see `case_access_facts.access`), so it is a
        # candidate wherever its case is, though no access row of its own names the caller.
        for chunk in chunks([UUID(c) for c in sorted(found)]):
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute("SELECT case_id FROM case_index "  # noqa: S608
                        f"WHERE repeat_of IN ({marks})", tuple(str(c) for c in chunk))
            found.update(r[0] for r in cur.fetchall())
    return [UUID(c) for c in found]


def closed_cases(db: Database) -> list[tuple[UUID, UUID, str]]:
    """(case, area, closed on) of every closed case: retention's candidates. A linked
    repeat is left out: it is kept, and erased, with the case it was merged into."""
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT case_id, area_id, closed_on FROM case_index "
                    "WHERE closed_on IS NOT NULL AND repeat_of IS NULL ORDER BY closed_on")
        return [(UUID(r[0]), UUID(r[1]), r[2]) for r in cur.fetchall()]


def linked_repeats(db: Database, case_id: UUID) -> list[UUID]:
    with db.transaction(readonly=True) as cur:
        return repeats_on(cur, case_id)


def allocated_cases(db: Database, area_id: UUID, refs: Sequence[str]) -> list[tuple[str, UUID]]:
    """Cases of the area still worked (not `ENDED`: closed or withdrawn) allocated to each of
    `refs` (keyed digests of case co-ordinators), as (ref, case) pairs: a load is counted of
    those the caller may see, so that a case hidden from them counts for nothing."""
    if not refs:
        return []
    marks = ", ".join(["%s"] * len(refs))
    ended = sorted(ENDED)
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT a.ref, a.case_id FROM case_access a "  # noqa: S608
                    "JOIN case_index i ON i.case_id = a.case_id "
                    "WHERE a.relation = 'allocated_to' AND i.area_id = %s "
                    f"AND i.status NOT IN ({', '.join(['%s'] * len(ended))}) "
                    f"AND a.ref IN ({marks})",
                    (str(area_id), *ended, *refs))
        return [(str(r[0]), UUID(str(r[1]))) for r in cur.fetchall()]


def unallocated(db: Database, area_id: UUID) -> list[UUID]:
    """Cases of the area still worked (not `ENDED`) that no case co-ordinator holds, oldest
    referral first: a MARRAC team leader's queue."""
    ended = sorted(ENDED)
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT i.case_id FROM case_index i "  # noqa: S608
                    "WHERE i.area_id = %s AND i.repeat_of IS NULL "
                    f"AND i.status NOT IN ({', '.join(['%s'] * len(ended))}) "
                    "AND NOT EXISTS (SELECT 1 FROM case_access a WHERE a.case_id = i.case_id "
                    "AND a.relation = 'allocated_to') ORDER BY i.referred_on, i.case_id",
                    (str(area_id), *ended))
        return [UUID(r[0]) for r in cur.fetchall()]
