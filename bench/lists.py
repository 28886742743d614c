"""Case lists and searches at scale, for several personas, against a plain page SELECT.

A list is `services.case_lists.list_cases` and its response model (the access filter from
security.policy.list_filter answered by the case list read model, the page's index rows, the
repeat links checked, the request's audit record); its query alone (`CaseList.page`) is
reported too. A search is `services.case_lists.search` (areas reached, blind-index matches,
the same query over them, the audit record). The baseline is the page a list without any
access rule would read: the area's 25 newest cases from `case_index`, no count.

Cases are built in bulk, not through the domain: their read-model rows (`case_index`,
`case_access` with each case's own access facts, `blind_index` digests made by the real
`BlindIndex`) are inserted a thousand to a statement, then the case list is filled from them
by the projector's own code (`CaseProjector.fill_case_list`, the path an existing database
takes), then the tables are vacuumed and analysed (as PostgreSQL's autovacuum does after a
bulk insert). The personas:
a coordinator of the area (sees nearly every case); a specialist agency's representative
whose agency referred 150 of them; a second coordinator named as excluded on one case in a
hundred; and a police representative (the police refer a quarter). One case in a hundred is
restricted (the first coordinator and the IDVA service are its members), one in fifty has
an agency grant (some expired), one in five hundred is a repeat linked into the case before.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from api import schemas
from api.auth import RequestAudit
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from domain.identifiers import identifier_keys
from domain.subjects import Subject
from projections.case_list import Position
from security.identity import Principal
from security.kek import KeyMaterial
from security.policy import Viewer, list_filter
from services import case_lists
from services.actor import Actor

PAGE = 25
PURPOSE = "research"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FIRST_LETTERS = "BCDFGHJKLMNPRSTVWYZA"
# One consonant of each Soundex group, so that surnames spread over Soundex codes as real
# ones do, and a phonetic search matches a handful of cases, not thousands.
SOUNDEX_GROUPS = "bdlmrc"
PERSONAS = ("coordinator", "representative_150", "excluded_coordinator", "police_representative")
AGENCIES = ("police", "idva", "health", "housing", "specialist")


def surname(n: int) -> str:
    code = n // len(FIRST_LETTERS)
    digits = [SOUNDEX_GROUPS[(code // 6 ** i) % 6] for i in range(3)]
    return f"{FIRST_LETTERS[n % len(FIRST_LETTERS)]}a{'a'.join(digits)}axq{n}"


def birth_date(n: int) -> date:
    return date(1970, 1, 1) + timedelta(days=(n * 7919) % 9000)


@dataclass(frozen=True)
class Quantiles:
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Quantiles:
        cuts = statistics.quantiles(values, n=100)
        return cls(round(cuts[49], 3), round(cuts[98], 3))


class ListBenchmark:
    def __init__(self, backend: str, database_url: str | None, sizes: Sequence[int],
                 requests: int) -> None:
        self.backend = backend
        self.database_url = database_url
        self.sizes = sizes
        self.requests = requests
        self.random = random.Random(7)  # picks pages and searches, not secrets

    def run(self) -> dict[str, Any]:
        results = []
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            for size in self.sizes:
                results.append(self._size(scratch, size))
        return {"benchmark": "lists", "backend": results[0]["backend"], "machine": machine(),
                "config": {"page_size": PAGE, "requests_per_persona": self.requests,
                           "personas": list(PERSONAS)},
                "sizes": results}

    def _size(self, scratch: ScratchDatabases, size: int) -> dict[str, Any]:
        stack = build_platform(
            Settings(data_dir=scratch.dir / f"lists-{size}", database_url=scratch.url(
                f"lists{size}"), demo=True),
            material=KeyMaterial.generate(demo=True), now=lambda: NOW)
        try:
            world = World.build(stack, size)
            return self._measure(stack, world, size)
        finally:
            stack.close()

    # Measurement ---------------------------------------------------------------------------

    def _measure(self, stack: Platform, world: World, size: int) -> dict[str, Any]:
        timings: dict[str, list[float]] = {}
        for round_no in range(4):  # rounds alternate the order, so drift falls on every side
            sides = [("plain", None), *((p, p) for p in PERSONAS)]
            for label, persona in (sides if round_no % 2 == 0 else sides[::-1]):
                for _ in range(self.requests // 4):
                    if persona is None:
                        timings.setdefault("plain_page", []).append(self._plain(stack, world))
                        continue
                    viewer = world.viewers[persona]
                    for op, timed in (("list", self._list), ("list_query", self._query),
                                      ("search", self._search)):
                        timings.setdefault(f"{label}.{op}", []).append(
                            timed(stack, world, viewer))
        report: dict[str, Any] = {"cases": size, "backend": stack.database.dialect,
                                  "build": world.build_seconds, "personas": {}}
        plain = Quantiles.of(timings["plain_page"])
        report["plain_page"] = plain.__dict__
        for persona in PERSONAS:
            viewer = world.viewers[persona]
            total = stack.cases.list.page(list_filter(viewer, NOW), size=1).total
            entry: dict[str, Any] = {"visible_cases": total}
            for op in ("list", "list_query", "search"):
                q = Quantiles.of(timings[f"{persona}.{op}"])
                entry[op] = {**q.__dict__, "p99_over_plain_p99": round(q.p99_ms / plain.p99_ms, 1)}
            report["personas"][persona] = entry
        return report

    def _timed(self, call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    def _position(self, world: World) -> Position | None:
        """The first page half the time; else the page after a random case, by cursor."""
        if self.random.random() < 0.5:
            return None
        n = self.random.randrange(world.size)
        return Position(world.referred_on[n], str(world.case_ids[n]))

    def _list(self, stack: Platform, world: World, viewer: Viewer) -> float:
        at = self._position(world)
        actor = Actor(viewer, RequestAudit(stack, viewer, str(uuid.uuid4())))
        return self._timed(lambda: schemas.CasesPage.model_validate(asdict(
            case_lists.list_cases(stack, actor, status=None, page=1, page_size=PAGE,
                                  cursor=at.token() if at else None))))

    def _query(self, stack: Platform, world: World, viewer: Viewer) -> float:
        at = self._position(world)
        return self._timed(lambda: stack.cases.list.page(list_filter(viewer, NOW), size=PAGE,
                                                         after=at))

    def _search(self, stack: Platform, world: World, viewer: Viewer) -> float:
        n = self.random.randrange(world.size)
        actor = Actor(viewer, RequestAudit(stack, viewer, str(uuid.uuid4())), PURPOSE)
        return self._timed(lambda: schemas.SearchResults.model_validate(asdict(
            case_lists.search(stack, actor, surname=surname(n), forename="",
                              date_of_birth=birth_date(n), reference=""))))

    def _plain(self, stack: Platform, world: World) -> float:
        def select() -> None:
            with stack.database.transaction(readonly=True) as cur:
                cur.execute("SELECT case_id, area_id, status, referring_agency_id, referred_on,"
                            " last_referral_on, restricted, repeat_of, version FROM case_index"
                            " WHERE area_id = %s ORDER BY referred_on DESC, case_id DESC"
                            " LIMIT %s", (str(world.area_id), PAGE))
                cur.fetchall()
        return self._timed(select)


@dataclass
class World:
    """An area with N cases' read-model rows, and the personas' viewers."""

    size: int
    area_id: UUID
    case_ids: list[UUID]
    referred_on: list[str]
    viewers: dict[str, Viewer]
    build_seconds: dict[str, float]

    @classmethod
    def build(cls, stack: Platform, size: int) -> World:
        area = stack.marac.create_area(f"bench{size}", "Benchshire MARAC")
        agencies = {code: stack.marac.register_agency(area, code, code.title(), kind, core=True)
                    for code, kind in (("police", "police"), ("idva", "idva"),
                                       ("health", "health"), ("housing", "housing"),
                                       ("specialist", "specialist_domestic_abuse"))}
        ref = stack.blind_index.person_ref
        people = {
            "coordinator": Principal("coordinator-bench", "person", None, area,
                                     frozenset({"coordinator"})),
            "representative_150": Principal("specialist-rep", "person", agencies["specialist"],
                                            area, frozenset({"representative"})),
            "excluded_coordinator": Principal("coordinator-excluded", "person", None, area,
                                              frozenset({"coordinator"})),
            "police_representative": Principal("police-rep", "person", agencies["police"], area,
                                               frozenset({"representative"})),
        }
        viewers = {k: Viewer(p, ref(p.subject)) for k, p in people.items()}
        started = time.perf_counter()
        case_ids = [uuid.uuid4() for _ in range(size)]
        referred = [(date(2025, 1, 1) + timedelta(days=n % 690)).isoformat()
                    for n in range(size)]
        index: list[tuple[Any, ...]] = []
        access: list[tuple[str, str, str, str | None, str | None]] = []
        blind: list[tuple[Any, ...]] = []
        step = max(size // 150, 1)
        for n, case_id in enumerate(case_ids):
            cid = str(case_id)
            agency = (agencies["specialist"] if n % step == 0
                      else agencies[AGENCIES[n % 4]])
            restricted = n % 100 == 50
            repeat_of = str(case_ids[n - 1]) if n % 500 == 1 else None
            status = ("linked_as_repeat" if repeat_of else
                      ("accepted", "accepted", "accepted", "referred", "closed")[n % 5])
            index.append((cid, str(area), status, str(agency), referred[n], referred[n],
                          int(restricted), repeat_of, None, 3))
            access.append((cid, "involved_agency", str(agency), None, None))
            if n % 10 == 0:
                access.append((cid, "involved_agency", str(agencies["housing"]), None, None))
            if n % 50 == 7:
                expires = NOW + timedelta(days=1 if n % 100 == 7 else -1)
                access.append((cid, "agency_grant", str(agencies["health"]), None,
                               expires.isoformat()))
            if restricted:
                access += [(cid, "restriction", "named", None, (NOW + timedelta(days=30))
                            .isoformat()),
                           (cid, "member", viewers["coordinator"].ref, None, None),
                           (cid, "member_agency", str(agencies["idva"]), None, None)]
            if n % 100 == 3:
                access.append((cid, "excluded", viewers["excluded_coordinator"].ref, None, None))
            victim = Subject(uuid.uuid4(), "victim", "Philippaxq", surname(n),
                             date_of_birth=birth_date(n))
            blind += [(cid, str(area), "victim", kind, stack.blind_index.digest(area, kind, v))
                      for kind, v in identifier_keys(victim)]
        with stack.database.transaction() as cur:
            _insert(cur, "case_index", ("case_id", "area_id", "status", "referring_agency_id",
                                        "referred_on", "last_referral_on", "restricted",
                                        "repeat_of", "closed_on", "version"), index)
            _insert(cur, "case_access", ("case_id", "relation", "ref", "opened_at",
                                         "expires_at"), access)
            _insert(cur, "blind_index", ("case_id", "area_id", "role", "kind", "digest"), blind)
        inserted = time.perf_counter()
        stack.cases.fill_case_list()  # the projector's own path
        filled = time.perf_counter()
        _vacuum_analyse(stack)
        analysed = time.perf_counter()
        return cls(size, area, case_ids, referred, viewers, {
            "insert_rows_s": round(inserted - started, 1),
            "fill_case_list_s": round(filled - inserted, 1),
            "analyse_s": round(analysed - filled, 1)})


def _vacuum_analyse(stack: Platform) -> None:
    """What PostgreSQL's autovacuum does after a bulk insert (statistics, and the visibility
    map that lets a count read the index alone); SQLite's statistics."""
    url = stack.database.url
    if url.path is not None:
        with stack.database.transaction() as cur:
            cur.execute("ANALYZE")
        return
    with psycopg.connect(url.conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{url.schema}"')
        for table in ("case_index", "case_access", "case_facts", "blind_index"):
            conn.execute(f"VACUUM ANALYZE {table}")


def _insert(cur: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
            ) -> None:
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constants
                    f"VALUES {', '.join([row] * len(chunk))}",
                    tuple(v for r in chunk for v in r))
