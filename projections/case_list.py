"""The case list read model: each case's access facts (security/case_filter.py) with the
columns a list sorts and filters on, and the viewer's `CaseFilter` answered in SQL.

A repeat referral merged into a case takes that case's restriction, members and exclusions
(projections.cases.inherit), so its rows hold the merged facts and are written again whenever
its case changes. Pages are keyset-paginated on (referred_on, case_id), newest first: each of
the filter's ways reads its own index range, so a page and its exact total cost what the
viewer may see, not the size of the area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from security.case_filter import CaseFilter, Fact, Way, case_facts
from security.policy import CaseAccess
from storage.database import Cursor, Database

TABLE = "case_facts"


class UnknownCursor(ValueError):
    """A cursor this read model did not give out."""


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last case shown, in the list's order. Opaque to callers."""

    referred_on: str
    case_id: str

    def token(self) -> str:
        # Opaque by contract, plain in form: it names only a case the caller was shown.
        return f"{self.referred_on}.{self.case_id}"

    @classmethod
    def of(cls, token: str) -> Position:
        referred_on, _, case_id = token.partition(".")
        try:
            return cls(date.fromisoformat(referred_on).isoformat(), str(UUID(case_id)))
        except ValueError as exc:
            raise UnknownCursor("not a cursor this service gave out") from exc


@dataclass(frozen=True)
class CasePage:
    """A page of the cases a viewer may see, the total of them, and where the next begins."""

    case_ids: tuple[UUID, ...]
    total: int
    next: Position | None


def instant(at: datetime) -> str:
    """A time as the table stores it: UTC, fixed width, so text order is time order."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_tables(db: Database) -> None:
    db.execute_script([
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            case_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            opened_at TEXT,
            expires_at TEXT,
            area_id TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            provisional INTEGER NOT NULL,
            status TEXT NOT NULL,
            referred_on TEXT NOT NULL)""",
        # One range per way, already in the list's order; with the status, for filtered lists.
        f"CREATE INDEX IF NOT EXISTS {TABLE}_way ON {TABLE} (kind, ref, referred_on, case_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_way_status ON {TABLE} "
        "(kind, ref, status, referred_on, case_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_case ON {TABLE} (case_id, kind, ref)",
    ])


def write(cur: Cursor, case_id: UUID, access: CaseAccess, status: str, referred_on: str) -> None:
    """Replace a case's rows with the facts of its (merged) access."""
    cur.execute(f"DELETE FROM {TABLE} WHERE case_id = %s", (str(case_id),))  # noqa: S608
    facts = case_facts(access)
    cur.executemany(
        f"INSERT INTO {TABLE} (case_id, kind, ref, opened_at, expires_at, area_id, "  # noqa: S608
        "restricted, provisional, status, referred_on) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [(str(case_id), h.fact.kind, h.fact.ref,
          instant(h.opened_at) if h.opened_at else None,
          instant(h.expires_at) if h.expires_at else None,
          str(access.area_id), int(facts.restricted), int(facts.provisional), status,
          referred_on) for h in facts.held])


class CaseList:
    """The queries: a page of the cases a filter admits, with their total."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, case_filter: CaseFilter, *, size: int, after: Position | None = None,
             offset: int = 0, status: str | None = None,
             within: Sequence[UUID] | None = None) -> CasePage:
        """The cases the filter admits (with `status`, among `within` if given), newest
        referral first: `size` of them after `after` (or after the first `offset`)."""
        if not case_filter.ways or (within is not None and not within):
            return CasePage((), 0, None)
        narrow = _Narrowing(status, within)
        arms, params = [], []
        for n, way in enumerate(case_filter.ways):
            sql, way_params = _way(way, case_filter, narrow, after)
            arms.append(f"SELECT case_id, referred_on FROM ({sql} "  # noqa: S608 - placeholders
                        f"ORDER BY f.referred_on DESC, f.case_id DESC LIMIT %s) AS w{n}")
            params += [*way_params, offset + size + 1]
        page_sql = (f"SELECT case_id, referred_on FROM ({' UNION '.join(arms)}) AS ways "  # noqa: S608
                    "ORDER BY referred_on DESC, case_id DESC LIMIT %s OFFSET %s")
        count_arms, count_params = [], []
        for way in case_filter.ways:
            sql, way_params = _way(way, case_filter, narrow, None)
            count_arms.append(sql)
            count_params += way_params
        count_sql = f"SELECT COUNT(*) FROM ({' UNION '.join(count_arms)}) AS ways"  # noqa: S608
        with self.db.transaction(readonly=True) as cur:
            cur.execute(page_sql, (*params, size + 1, offset))
            rows = cur.fetchall()
            cur.execute(count_sql, tuple(count_params))
            count = cur.fetchone()
        shown = rows[:size]
        more = len(rows) > size
        return CasePage(tuple(UUID(r[0]) for r in shown), int(count[0]) if count else 0,
                        Position(str(shown[-1][1]), str(shown[-1][0])) if more else None)

    def areas_reached(self, case_filter: CaseFilter) -> frozenset[UUID]:
        """The areas of the cases the filter's ways start from (a search looks in each)."""
        areas = {f.ref for w in case_filter.ways for f in w.facts if f.kind == "area"}
        driven = sorted({w.facts[0] for w in case_filter.ways if w.facts[0].kind != "area"},
                        key=lambda f: (f.kind, f.ref))
        if driven:
            where = " OR ".join(["(kind = %s AND ref = %s)"] * len(driven))
            with self.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT DISTINCT area_id FROM {TABLE} WHERE {where}",  # noqa: S608
                            tuple(v for f in driven for v in (f.kind, f.ref)))
                areas.update(r[0] for r in cur.fetchall())
        return frozenset(UUID(a) for a in areas)


@dataclass(frozen=True)
class _Narrowing:
    status: str | None
    within: Sequence[UUID] | None


def _holds(alias: str, fact: Fact, at: str) -> tuple[str, list[Any]]:
    return (f"{alias}.kind = %s AND {alias}.ref = %s "
            f"AND ({alias}.opened_at IS NULL OR {alias}.opened_at <= %s) "
            f"AND ({alias}.expires_at IS NULL OR %s < {alias}.expires_at)",
            [fact.kind, fact.ref, at, at])


def _way(way: Way, case_filter: CaseFilter, narrow: _Narrowing,
         after: Position | None) -> tuple[str, list[Any]]:
    """One way as a SELECT over its first fact's index range; the rest as conditions."""
    at = instant(case_filter.at)
    first, *rest = way.facts
    sql, params = _holds("f", first, at)
    clauses = [sql, "f.restricted = %s"]
    params.append(int(way.restricted))
    if way.provisional is not None:
        clauses.append("f.provisional = %s")
        params.append(int(way.provisional))
    for fact in rest:
        if fact.kind == "area":  # every row carries its case's area
            clauses.append("f.area_id = %s")
            params.append(fact.ref)
        else:
            sql, more = _holds("g", fact, at)
            clauses.append(f"EXISTS (SELECT 1 FROM {TABLE} g "  # noqa: S608 - placeholders
                           "WHERE g.case_id = f.case_id "
                           f"AND {sql})")
            params += more
    for fact in case_filter.unless:
        sql, more = _holds("u", fact, at)
        clauses.append(f"NOT EXISTS (SELECT 1 FROM {TABLE} u "  # noqa: S608 - placeholders
                       "WHERE u.case_id = f.case_id "
                       f"AND {sql})")
        params += more
    if narrow.status is not None:
        clauses.append("f.status = %s")
        params.append(narrow.status)
    if narrow.within is not None:
        clauses.append(f"f.case_id IN ({', '.join(['%s'] * len(narrow.within))})")
        params += [str(c) for c in narrow.within]
    if after is not None:
        # The bare bound lets either planner start the index range there.
        clauses.append("f.referred_on <= %s AND (f.referred_on, f.case_id) < (%s, %s)")
        params += [after.referred_on, after.referred_on, after.case_id]
    return (f"SELECT f.case_id, f.referred_on FROM {TABLE} f "  # noqa: S608
            f"WHERE {' AND '.join(clauses)}", params)
