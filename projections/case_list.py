"""The case list read model: each case's access facts (security/case_filter.py) with the
columns a list sorts and filters on, and the viewer's `CaseFilter` answered in SQL.

A repeat referral merged into a case takes that case's restriction, members and exclusions
(projections.cases.inherit), so its rows hold the merged facts and are written again whenever
its case changes. Pages are keyset-paginated on (referred_on, case_id), newest first: each of
the filter's ways reads its own index range, so a page and its exact total cost what the
viewer may see, not the size of the area.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from security.case_filter import CaseFilter, Fact, Way, case_facts
from security.policy import CaseAccess
from storage.database import Cursor, Database

TABLE = "case_facts"
# How many cases hold each fact that has no window, by restriction and status: the count of
# a way that starts from such a fact (a coordinator's area: every case) without a scan.
COUNTS = "case_fact_counts"
TABLES = (TABLE, COUNTS)


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


@dataclass(frozen=True)
class ListedCase:
    """A case as the list stores it: its (merged) access and the columns a list reads."""

    case_id: UUID
    access: CaseAccess
    status: str
    referred_on: str


def write(cur: Cursor, cases: Sequence[ListedCase]) -> None:
    """Replace these cases' rows with the facts of their access."""
    remove(cur, [c.case_id for c in cases])
    rows = []
    for case in cases:
        facts = case_facts(case.access)
        rows += [(str(case.case_id), h.fact.kind, h.fact.ref,
                  instant(h.opened_at) if h.opened_at else None,
                  instant(h.expires_at) if h.expires_at else None,
                  str(case.access.area_id), int(facts.restricted), int(facts.provisional),
                  case.status, case.referred_on) for h in facts.held]
    if not rows:
        return
    cur.executemany(
        f"INSERT INTO {TABLE} (case_id, kind, ref, opened_at, expires_at, area_id, "  # noqa: S608
        "restricted, provisional, status, referred_on) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    _tally(cur, Counter((r[1], r[2], r[6], r[7], r[8]) for r in rows
                        if r[1] in ONCE_PER_CASE), 1)


def remove(cur: Cursor, case_ids: Sequence[UUID]) -> None:
    """Drop these cases' rows, and their part of the counts."""
    if not case_ids:
        return
    marks = ", ".join(["%s"] * len(case_ids))
    ids = tuple(str(c) for c in case_ids)
    cur.execute(f"SELECT kind, ref, restricted, provisional, status FROM {TABLE} "  # noqa: S608
                f"WHERE case_id IN ({marks})", ids)
    _tally(cur, Counter(tuple(r) for r in cur.fetchall() if r[0] in ONCE_PER_CASE), -1)
    cur.execute(f"DELETE FROM {TABLE} WHERE case_id IN ({marks})", ids)  # noqa: S608


def _tally(cur: Cursor, counts: Counter[tuple[Any, ...]], sign: int) -> None:
    if counts:
        cur.executemany(
            f"INSERT INTO {COUNTS} (kind, ref, restricted, provisional, status, cases) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (kind, ref, restricted, provisional, status) "
            f"DO UPDATE SET cases = {COUNTS}.cases + excluded.cases",
            [(*key, sign * n) for key, n in sorted(counts.items())])


class CaseList:
    """The queries: a page of the cases a filter admits, with their total."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, case_filter: CaseFilter, *, size: int, after: Position | None = None,
             offset: int = 0, status: str | None = None,
             within: Sequence[UUID] | None = None, restricted: bool | None = None,
             involving: UUID | None = None, oldest_first: bool = False) -> CasePage:
        """The cases the filter admits (with `status`, among `within` if given, restricted or
        not as `restricted` says, with the agency `involving` involved), newest referral first
        (or oldest): `size` of them after `after` (or after the first `offset`). Each
        narrowing only ever shows fewer of the cases the filter admits."""
        if restricted is not None:
            # A case is restricted or not in all its rows, and so is each way.
            case_filter = replace(case_filter, ways=tuple(
                w for w in case_filter.ways if w.restricted == restricted))
        case_filter = self._held_somewhere(case_filter)
        if not case_filter.ways or (within is not None and not within):
            return CasePage((), 0, None)
        order = "ASC" if oldest_first else "DESC"
        query = _Query(case_filter, _Narrowing(status, within,
                                               str(involving) if involving else None), order)
        page_sql, page_params = query.page(after, offset + size + 1)
        count_sql, count_params = query.count()
        # One statement: the page and its total from one snapshot, in one round trip; the
        # total's row stands alone when the page is empty.
        sql = (f"SELECT c.total, p.case_id, p.referred_on FROM ({count_sql}) AS c "  # noqa: S608
               f"LEFT JOIN ({page_sql} LIMIT %s OFFSET %s) AS p ON 1 = 1 "
               f"ORDER BY p.referred_on {order}, p.case_id {order}")
        with self.db.transaction(readonly=True) as cur:
            cur.execute(sql, (*count_params, *page_params, size + 1, offset))
            rows = cur.fetchall()
        total = int(rows[0][0]) if rows else 0
        listed = [r for r in rows if r[1] is not None]
        shown, more = listed[:size], len(listed) > size
        return CasePage(tuple(UUID(r[1]) for r in shown), total,
                        Position(str(shown[-1][2]), str(shown[-1][1])) if more else None)

    def _held_somewhere(self, case_filter: CaseFilter) -> CaseFilter:
        """The filter without the ways whose facts no case holds (most viewers have no
        personal grant, no break-glass session, no membership of a restricted case): a
        smaller statement, quicker to plan. Each fact is one index probe. A way dropped here
        only ever shows less (as if a grant made meanwhile came after this request); the
        exclusions are never dropped."""
        facts = sorted({f for w in case_filter.ways for f in w.facts},
                       key=lambda f: (f.kind, f.ref))
        if not facts:
            return case_filter
        probes = " UNION ALL ".join(
            f"SELECT {n} AS held WHERE EXISTS (SELECT 1 FROM {TABLE} "  # noqa: S608
            "WHERE kind = %s AND ref = %s)" for n in range(len(facts)))
        with self.db.transaction(readonly=True) as cur:
            cur.execute(probes, tuple(v for f in facts for v in (f.kind, f.ref)))
            held = {facts[int(r[0])] for r in cur.fetchall()}
        return replace(case_filter, ways=tuple(
            w for w in case_filter.ways if all(f in held for f in w.facts)))

    def areas(self) -> frozenset[UUID]:
        """Every area with a case: the blind index is keyed per area, so a search looks in
        each (a handful; the access filter then decides what is shown)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT DISTINCT ref FROM {COUNTS} "  # noqa: S608
                        "WHERE kind = 'area' AND cases > 0")
            return frozenset(UUID(r[0]) for r in cur.fetchall())


Sql = tuple[str, list[Any]]
# Kinds held at most once by a case (sets); a grant or a break-glass session may be held
# several times (windows), so a count of those counts cases, not rows.
ONCE_PER_CASE = frozenset({"area", "involved_agency", "member", "member_agency", "excluded"})


@dataclass(frozen=True)
class _Narrowing:
    status: str | None
    within: Sequence[UUID] | None
    involving: str | None = None  # an agency's id: only the cases it is involved in


class _Query:
    """A filter as SQL. Each way reads its first fact's index range (kind, ref, restriction,
    in the list's order); its other facts, the exclusions and the ways already counted are
    index lookups by case."""

    def __init__(self, case_filter: CaseFilter, narrow: _Narrowing,
                 order: str = "DESC") -> None:
        self.filter = case_filter
        self.narrow = narrow
        self.order = order
        self.at = instant(case_filter.at)
        self._aliases = 0

    def page(self, after: Position | None, limit: int) -> Sql:
        """The union of each way's first `limit` cases, in the list's order."""
        arms, params = [], []
        for way in _ordered(self.filter.ways):
            f = self._alias()
            conditions = [self._reaches(f, way), self._narrowed(f),
                          *(self._not(self._holds_on(f"{f}.case_id", x))
                            for x in self.filter.unless)]
            if after is not None:
                # The bare bound lets either planner start the index range there.
                bound, beyond = ("<=", "<") if self.order == "DESC" else (">=", ">")
                conditions.append((f"{f}.referred_on {bound} %s AND "
                                   f"({f}.referred_on, {f}.case_id) {beyond} (%s, %s)",
                                   [after.referred_on, after.referred_on, after.case_id]))
            where, more = _and(conditions)
            # A case holds a grant or a session more than once: its rows, one case.
            distinct = "" if way.facts[0].kind in ONCE_PER_CASE else "DISTINCT "
            arms.append(f"SELECT case_id, referred_on FROM (SELECT {distinct}{f}.case_id, "  # noqa: S608
                        f"{f}.referred_on FROM {TABLE} {f} WHERE {where} ORDER BY "
                        f"{f}.referred_on {self.order}, {f}.case_id {self.order} "
                        f"LIMIT %s) AS {f}_arm")
            params += [*more, limit]
        return (f"SELECT case_id, referred_on FROM ({' UNION '.join(arms)}) AS ways "  # noqa: S608
                f"ORDER BY referred_on {self.order}, case_id {self.order}", params)

    def count(self) -> Sql:
        """Exact, without a set of every case reached: the cases each way reaches that no
        way before it does, less those an exclusion takes away. Unrestricted cases' ways
        from an area first (the largest: its count is a bare index range); ways that
        cannot reach the same case (restricted and not) are not checked against each other."""
        ways = sorted(self.filter.ways,
                      key=lambda w: (w.restricted, w.facts[0].kind != "area"))
        terms, params = [], []
        for n, way in enumerate(ways):
            earlier = [w for w in ways[:n] if _may_overlap(w, way)]
            if not earlier and self._tallied(way):
                sql, more = self._tally(way)
                terms.append(f"+ ({sql})")
                params += more
                continue
            f = self._alias()
            where, more = _and([self._reaches(f, way), self._narrowed(f),
                                *(self._not(self._reached_on(f, w)) for w in earlier)])
            terms.append(f"+ (SELECT {_counted(f, way.facts[0])} FROM {TABLE} {f} "  # noqa: S608
                         f"WHERE {where})")
            params += more
        for n, fact in enumerate(self.filter.unless):
            u = self._alias()
            reached = [self._reached_on(u, w) for w in ways]
            where, more = _and([
                self._holds(u, fact), self._narrowed(u),
                (" OR ".join(f"({s})" for s, _ in reached), [p for _, ps in reached for p in ps]),
                *(self._not(self._holds_on(f"{u}.case_id", x))
                  for x in self.filter.unless[:n])])
            terms.append(f"- (SELECT {_counted(u, fact)} FROM {TABLE} {u} "  # noqa: S608
                         f"WHERE {where})")
            params += more
        return f"SELECT 0 {' '.join(terms)} AS total", params

    def _tallied(self, way: Way) -> bool:
        """Whether the counts answer the way: one fact without a window, and no narrowing
        but the status."""
        return (len(way.facts) == 1 and way.facts[0].kind in ONCE_PER_CASE
                and self.narrow.within is None and self.narrow.involving is None)

    def _tally(self, way: Way) -> Sql:
        conditions: list[Sql] = [("kind = %s AND ref = %s AND restricted = %s",
                                  [way.facts[0].kind, way.facts[0].ref, int(way.restricted)])]
        if way.provisional is not None or not way.restricted:
            conditions.append(("provisional = %s", [int(bool(way.provisional))]))
        if self.narrow.status is not None:
            conditions.append(("status = %s", [self.narrow.status]))
        where, params = _and(conditions)
        return f"SELECT COALESCE(SUM(cases), 0) FROM {COUNTS} WHERE {where}", params  # noqa: S608

    def _alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    def _holds(self, alias: str, fact: Fact) -> Sql:
        return (f"{alias}.kind = %s AND {alias}.ref = %s "
                f"AND ({alias}.opened_at IS NULL OR {alias}.opened_at <= %s) "
                f"AND ({alias}.expires_at IS NULL OR %s < {alias}.expires_at)",
                [fact.kind, fact.ref, self.at, self.at])

    def _holds_on(self, case_id: str, fact: Fact) -> Sql:
        g = self._alias()
        sql, params = self._holds(g, fact)
        return (f"EXISTS (SELECT 1 FROM {TABLE} {g} "  # noqa: S608 - placeholders
                f"WHERE {g}.case_id = {case_id} AND {sql})", params)

    def _reaches(self, alias: str, way: Way) -> Sql:
        """`alias` is a row of the way's first fact, and the way holds of its case."""
        first, *rest = way.facts
        conditions = [self._holds(alias, first), self._restriction(alias, way)]
        for fact in rest:
            if fact.kind == "area":  # every row carries its case's area
                conditions.append((f"{alias}.area_id = %s", [fact.ref]))
            else:
                conditions.append(self._holds_on(f"{alias}.case_id", fact))
        return _and(conditions)

    def _reached_on(self, alias: str, way: Way) -> Sql:
        """Whether the way reaches the case of `alias`'s row. A way from its area alone
        reads that row: every row carries its case's area and restriction."""
        if all(f.kind == "area" for f in way.facts):
            return _and([(f"{alias}.area_id = %s", [f.ref]) for f in way.facts]
                        + [self._restriction(alias, way)])
        g = self._alias()
        sql, params = self._reaches(g, way)
        return (f"EXISTS (SELECT 1 FROM {TABLE} {g} "  # noqa: S608 - placeholders
                f"WHERE {g}.case_id = {alias}.case_id AND {sql})", params)

    @staticmethod
    def _restriction(alias: str, way: Way) -> Sql:
        conditions: list[Sql] = [(f"{alias}.restricted = %s", [int(way.restricted)])]
        if way.provisional is not None or not way.restricted:
            # Only a restricted case is provisionally so: the index's prefix either way.
            conditions.append((f"{alias}.provisional = %s", [int(bool(way.provisional))]))
        return _and(conditions)

    def _narrowed(self, alias: str) -> Sql:
        conditions: list[Sql] = []
        if self.narrow.status is not None:
            conditions.append((f"{alias}.status = %s", [self.narrow.status]))
        if self.narrow.within is not None:
            marks = ", ".join(["%s"] * len(self.narrow.within))
            conditions.append((f"{alias}.case_id IN ({marks})",
                               [str(c) for c in self.narrow.within]))
        if self.narrow.involving is not None:
            g = self._alias()
            conditions.append((f"EXISTS (SELECT 1 FROM {TABLE} {g} "  # noqa: S608 - placeholders
                               f"WHERE {g}.case_id = {alias}.case_id AND "
                               f"{g}.kind = 'involved_agency' AND {g}.ref = %s)",
                               [self.narrow.involving]))
        return _and(conditions)

    @staticmethod
    def _not(condition: Sql) -> Sql:
        return f"NOT ({condition[0]})", condition[1]


def _and(conditions: Sequence[Sql]) -> Sql:
    parts = [c for c in conditions if c[0]]
    if not parts:
        return "1 = 1", []
    return " AND ".join(f"({s})" for s, _ in parts), [p for _, ps in parts for p in ps]


def _ordered(ways: Sequence[Way]) -> list[Way]:
    """The ways as index ranges in the list's order: a restricted case's way that does not
    say whether provisionally reads both ranges, each in order."""
    return [split for way in ways for split in (
        [replace(way, provisional=False), replace(way, provisional=True)]
        if way.restricted and way.provisional is None else [way])]


def _may_overlap(a: Way, b: Way) -> bool:
    """Whether two ways may reach one case: a case is restricted or not, provisionally or
    not, in all its rows."""
    return a.restricted == b.restricted and (
        a.provisional is None or b.provisional is None or a.provisional == b.provisional
        or not a.restricted)


def _counted(alias: str, fact: Fact) -> str:
    return "COUNT(*)" if fact.kind in ONCE_PER_CASE else f"COUNT(DISTINCT {alias}.case_id)"
