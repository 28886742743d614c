"""The cost of auditing a case view, and how fast the whole trail verifies.

`audit_overhead_ratio`: a case view as its user gets it, `GET /api/v1/cases/{id}` served by
uvicorn on loopback to a keep-alive HTTP client (a real signed token verified, the policy, the
sealed document opened, the response serialised and logged),
with its audit record written durably (the default: the commit waits for the disk flush; on
PostgreSQL appended on the trail's own thread while the response is built, the response waiting
for it; on SQLite on the request's thread), against the same request with the record
discarded, in rounds that rotate on the same cases;
`audit_overhead_ratio_relaxed`: the same in the same rounds with the relaxed durability mode
(MARAC_AUDIT_RELAXED_DURABILITY=1); `audit_overhead_ratio_inline`: durable again, but appended
on the request's thread before the response is built (as writes append, and reads did before
their append overlapped the response). `use_case_audit_overhead_ratio`: the same comparison on
`services.case_view.view` alone, without HTTP (no response to overlap: the append runs on the
caller's thread), where the audit write is a far larger share; both are reported so that neither
hides the other. `verify_records_per_s`: a trail of N chained records (built in bulk, their
times spread over a year, so PostgreSQL's trail has its thirteen monthly partitions; appending
is not what is timed) verified end to end
with its Merkle root, as `marac audit verify` does, with each record's hash checked on
every core (audit/chain_check.py); in the same run, `verify_one_process_records_per_s`, the
same in one process, and `chain_hash_records_per_s`, the record hash alone over records in
memory. `query_by_case_p99_ms`: the DPO's query by
case (`audit.queries.search`) over that same trail, whose records each belong to one of N/20
cases and one in ten lists three cases among its items, with their case mentions as the append
writes them; cases drawn at random, each query a fresh read transaction.
"""

from __future__ import annotations

import http.client
import random
import resource
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn

from api.app import create_app
from api.auth import RequestAudit
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from audit import chain_check
from audit.append_queue import PendingAppend
from audit.chain import FIELDS, record_hash
from audit.partitions import make_partitions, partitions
from audit.queries import AuditFilter, search
from audit.trail import MENTIONS, TABLE, AuditRecord, AuditTrail, mentioned_cases
from audit.verify import Report, verify
from bench.databases import ScratchDatabases
from bench.machine import machine
from bench.read import bench_referral
from security.identity import Principal
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from security.policy import Viewer
from services import case_view
from services.actor import Actor

ROUNDS = 12  # a multiple of the sides' number, so each goes first equally often
SIDES = ("durable", "relaxed", "inline", "none")
CASE_QUERIES = 500
HASH_SAMPLE = 200_000
BULK_SPAN = timedelta(days=365)


class InlineTrail(AuditTrail):
    """The durable append on the request's own thread, before the response is built: how a
    read appended before its append overlapped its response, and how a write still does."""

    def submit(self, rec: AuditRecord) -> PendingAppend:
        return PendingAppend.settled(self._counted([rec.values()])[0])


class NoTrail(AuditTrail):
    """The same trail, except that nothing is written: the view without its audit."""

    def record(self, rec: AuditRecord) -> int:
        return 0

    def submit(self, rec: AuditRecord) -> PendingAppend:
        return PendingAppend.settled(0)


@contextmanager
def served(platform: Platform) -> Iterator[int]:
    """The API under uvicorn, as `marac serve` runs it, on a free loopback port."""
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=0,
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        thread.join()


def _verify_timed(trail: AuditTrail) -> tuple[Report, float, float]:
    """verify's report, with the CPU seconds of this process and of its finished workers."""
    cpu, workers = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    report = verify(trail, None, None)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (report, time.process_time() - cpu,
            after.ru_utime + after.ru_stime - workers.ru_utime - workers.ru_stime)


class AuditBenchmark:
    def __init__(self, backend: str, database_url: str | None, cases: int, views: int,
                 records: int) -> None:
        self.backend = backend
        self.database_url = database_url
        self.cases, self.views, self.records = cases, views, records
        self._cases: list[uuid.UUID] = []  # the bulk trail's cases, what queries by case ask

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            return self._run(scratch)

    def _run(self, scratch: ScratchDatabases) -> dict[str, Any]:
        platform: Platform | None = None
        try:
            issuer = LocalIssuer()
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("audit"), demo=True),
                material=KeyMaterial.generate(demo=True), issuer=issuer)
            served_ms, use_case_ms = self._views(platform, issuer)
            verify_figures = self._verify(platform)
            query_figures = self._query_by_case(platform)
            w50, r50, i50, wo50 = (statistics.median(served_ms[k]) for k in SIDES)
            uw50, ur50, _, uwo50 = (statistics.median(use_case_ms[k]) for k in SIDES)
            return {
                "benchmark": "audit",
                "backend": platform.database.dialect,
                "machine": machine(),
                "config": {"cases": self.cases, "views_per_side": len(served_ms["durable"]),
                           "records_verified": self.records,
                           "records_span_days": BULK_SPAN.days,
                           "audit_partitions": self._partitions(platform)},
                # Durable (the default): the append waits for the disk flush.
                "view_with_audit_p50_ms": round(w50, 3),
                "view_without_audit_p50_ms": round(wo50, 3),
                "audit_overhead_ratio": round(w50 / wo50, 2),
                # MARAC_AUDIT_RELAXED_DURABILITY=1, measured in the same rounds.
                "view_with_relaxed_audit_p50_ms": round(r50, 3),
                "audit_overhead_ratio_relaxed": round(r50 / wo50, 2),
                # Durable, appended on the request's thread before the response is built.
                "view_with_inline_audit_p50_ms": round(i50, 3),
                "audit_overhead_ratio_inline": round(i50 / wo50, 2),
                # A difference of medians: the append's typical cost, not its own median.
                "audit_write_p50_ms": round(uw50 - uwo50, 3),
                "audit_write_relaxed_p50_ms": round(ur50 - uwo50, 3),
                "use_case_with_audit_p50_ms": round(uw50, 3),
                "use_case_without_audit_p50_ms": round(uwo50, 3),
                "use_case_audit_overhead_ratio": round(uw50 / uwo50, 2),
                "use_case_audit_overhead_ratio_relaxed": round(ur50 / uwo50, 2),
                **verify_figures,
                **query_figures,
            }
        finally:
            if platform is not None:
                platform.close()

    def _views(self, platform: Platform, issuer: LocalIssuer
               ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        app = platform.marac
        area = app.create_area("benchshire", "Benchshire MARAC")
        agency = app.register_agency(area, "police", "Benchshire Police", "police", core=True)
        case_ids = [app.refer(bench_referral(area, agency, n)) for n in range(self.cases)]
        platform.runner.catch_up()
        principal = Principal("coordinator-bench", "person", None, area,
                              frozenset({"coordinator"}))
        viewer = Viewer(principal, platform.blind_index.person_ref(principal.subject))
        headers = {"Authorization": "Bearer " + issuer.issue(
            {"sub": principal.subject, "roles": ["coordinator"], "area": str(area)}),
            "X-Purpose": "meeting_preparation"}

        def use_case(case_id: uuid.UUID) -> None:
            audit = RequestAudit(platform, viewer, str(uuid.uuid4()))
            case_view.view(platform, Actor(viewer, audit, "meeting_preparation"), case_id)

        with served(platform) as port:
            client = http.client.HTTPConnection("127.0.0.1", port)  # one kept-alive connection

            def request(case_id: uuid.UUID) -> None:
                client.request("GET", f"/api/v1/cases/{case_id}", headers=headers)
                response = client.getresponse()
                response.read()
                if response.status != 200:  # a benchmark of errors would measure nothing
                    raise RuntimeError(f"case view answered {response.status}")

            try:
                served_ms = self._alternate(platform, case_ids, request)
            finally:
                client.close()
        return served_ms, self._alternate(platform, case_ids, use_case)

    def _alternate(self, platform: Platform, case_ids: list[uuid.UUID],
                   view: Callable[[uuid.UUID], None]) -> dict[str, list[float]]:
        """Rounds rotate which side goes first, so drift in the machine falls on every side."""
        real = platform.audit
        trails = {"durable": AuditTrail(platform.database, relaxed=False),
                  "relaxed": AuditTrail(platform.database, relaxed=True),
                  "inline": InlineTrail(platform.database),
                  "none": NoTrail(platform.database)}
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        per_round = max(self.views // ROUNDS, 1)
        try:
            for r in range(ROUNDS):
                for side in SIDES[r % len(SIDES):] + SIDES[:r % len(SIDES)]:
                    platform.audit = trails[side]
                    for n in range(per_round):
                        case_id = case_ids[(r * per_round + n) % len(case_ids)]
                        started = time.perf_counter()
                        view(case_id)
                        times[side].append((time.perf_counter() - started) * 1000)
        finally:
            platform.audit = real
            for trail in trails.values():
                trail.close()
        return times

    def _verify(self, platform: Platform) -> dict[str, Any]:
        trail = platform.audit
        seq, prev = trail.head()
        started = time.perf_counter()
        batch: list[tuple[object, ...]] = []
        mentions: list[tuple[str, int]] = []
        marks = ", ".join(["%s"] * (len(FIELDS) + 3))
        insert = (f"INSERT INTO {TABLE} (seq, {', '.join(FIELDS)}, prev_hash, hash) "  # noqa: S608
                  f"VALUES ({marks})")
        draw = random.Random(13)
        self._cases = [uuid.uuid4() for _ in range(max(1, self.records // 20))]
        # A year of records, in order of time, so that PostgreSQL's trail has its thirteen
        # monthly partitions, as a trail in service would, for the verify and the queries.
        end = datetime.now(UTC)
        start = end - BULK_SPAN
        if trail.db.dialect == "postgresql":
            with trail.db.transaction() as cur:
                month = start
                while month < end:
                    make_partitions(cur, trail.db.url.schema, month.isoformat())
                    month += timedelta(days=28)
        for n in range(self.records):
            seq += 1
            listing = n % 10 == 9  # a list or search: no case of its own, three among its items
            case = None if listing else draw.choice(self._cases)
            items = tuple(str(c) for c in draw.sample(self._cases, min(3, len(self._cases)))
                          ) if listing else ("referral",)
            rec = AuditRecord(str(uuid.uuid4()), f"staff-{n % 200}", "person", None, None,
                              ("representative",), "list" if listing else "read", "research",
                              case, "allowed", items,
                              at=start + BULK_SPAN * (n / self.records))
            values = rec.values()
            digest = record_hash(prev, seq, values)
            batch.append((seq, *values, prev, digest))
            mentions += [(c, seq) for c in mentioned_cases(str(case) if case else None, items)]
            prev = digest
            if len(batch) == 10_000 or n == self.records - 1:
                # The head row is left behind on purpose: it moves one step per update only,
                # and nothing appends after this; verify reads the chain itself.
                with trail.db.transaction() as cur:
                    cur.executemany(insert, batch)
                    cur.executemany(f"INSERT INTO {MENTIONS} (case_id, seq) "  # noqa: S608
                                    "VALUES (%s, %s)", mentions)
                batch, mentions = [], []
        built = time.perf_counter() - started
        report, cpu, workers_cpu = _verify_timed(trail)
        # Baselines from the same run: verify in one process, and the chain hash alone over
        # records already in memory (what the machine can do without a database or a root).
        saved = chain_check.WORKERS
        chain_check.WORKERS = 1
        try:
            alone, alone_cpu, _ = _verify_timed(trail)
        finally:
            chain_check.WORKERS = saved
        sample = trail.between(0, min(seq, HASH_SAMPLE))
        started = time.perf_counter()
        for row in sample:
            record_hash(bytes(row[-2]), int(row[0]), row[1:-2])
        hashed = time.perf_counter() - started
        return {"verify_records": report.records,
                "verify_seconds": report.seconds,
                "verify_records_per_s": round(report.records / report.seconds),
                "verify_workers": chain_check.workers_for(report.records),
                "verify_one_process_records_per_s": round(alone.records / alone.seconds),
                # CPU time per record, which a loaded machine changes less than the rate: this
                # process and its workers (the database server's own is not counted).
                "verify_cpu_us_per_record": round(cpu / report.records * 1e6, 2),
                "verify_workers_cpu_us_per_record": round(workers_cpu / report.records * 1e6, 2),
                "verify_one_process_cpu_us_per_record": round(alone_cpu / alone.records * 1e6, 2),
                "chain_hash_records_per_s": round(len(sample) / hashed),
                "bulk_build_seconds": round(built, 1)}

    def _partitions(self, platform: Platform) -> int:
        if platform.database.dialect != "postgresql":
            return 0
        with platform.database.transaction(readonly=True) as cur:
            return len(partitions(cur, platform.database.url.schema))

    def _query_by_case(self, platform: Platform) -> dict[str, Any]:
        trail = platform.audit
        if trail.db.dialect == "postgresql":  # as autovacuum would after a bulk load
            with trail.db.transaction() as cur:
                cur.execute(f"ANALYZE {TABLE}")
                cur.execute(f"ANALYZE {MENTIONS}")
        draw = random.Random(8)
        times: list[float] = []
        found = 0
        for _ in range(CASE_QUERIES):
            case = draw.choice(self._cases)
            started = time.perf_counter()
            found += len(search(trail, AuditFilter(case_id=case)))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        return {"query_by_case_records": trail.count(),
                "query_by_case_queries": CASE_QUERIES,
                "query_by_case_mean_found": round(found / CASE_QUERIES, 1),
                "query_by_case_p50_ms": round(statistics.median(times), 3),
                "query_by_case_p99_ms": round(times[int(0.99 * (len(times) - 1))], 3)}
