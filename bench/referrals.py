"""Referral submission through HTTP, with 1 client and with several at once.

`POST /api/v1/cases` served by uvicorn on loopback, as `marac serve` runs it: a real signed
token verified, the policy, the audit record, the encrypted append with its new data key, the
blind index and the read models' catch-up (read-your-writes). Each client is a kept-alive
connection in a thread of a separate process (bench/load.py), submitting referrals for a fixed
time, first without and then with an `Idempotency-Key` (which adds the key's two writes).
Reported: requests/s per client count with each request's p50 and p99 as its client saw it,
every status seen and the 5xx among them, and whether each 201 was stored exactly once (counted
in the event store). Then, in phases of their own with one client and with the most clients
(so that charging each trip to its caller costs the timed phases nothing), the database round
trips per referral, with the one-client phase's by the module that made them
(bench/round_trips.py): what the server's process sends to PostgreSQL, the read models'
catch-up included (on SQLite, null: a file has no round trips).
"""

from __future__ import annotations

import multiprocessing
import queue
import statistics
from collections import Counter
from typing import Any

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.audit import served
from bench.databases import ScratchDatabases
from bench.load import Phase, clients
from bench.machine import machine
from bench.round_trips import RoundTrips
from domain.risk import DASH_RIC_QUESTIONS
from security.issuer import LocalIssuer
from security.kek import KeyMaterial

COUNTED_SECONDS = 3.0  # the round-trip phase: long enough for a hundred referrals or more


class ReferralsBenchmark:
    def __init__(self, backend: str, database_url: str | None, clients: tuple[int, ...],
                 seconds: float) -> None:
        self.backend = backend
        self.database_url = database_url
        self.clients = clients
        self.seconds = seconds

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            issuer = LocalIssuer()
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("referrals"),
                         demo=True),
                material=KeyMaterial.generate(demo=True), issuer=issuer)
            try:
                return self._run(platform, issuer)
            finally:
                platform.close()

    def _run(self, platform: Platform, issuer: LocalIssuer) -> dict[str, Any]:
        app = platform.marac
        area = app.create_area("benchshire", "Benchshire MARAC")
        agency = app.register_agency(area, "police", "Benchshire Police", "police", core=True)
        platform.runner.catch_up()
        tokens = [issuer.issue({"sub": f"officer-{n:03d}", "roles": ["representative"],
                                "area": str(area), "agency": str(agency)})
                  for n in range(max(self.clients))]
        answers = {q: {"value": "yes" if i < 15 else "no"}
                   for i, q in enumerate(DASH_RIC_QUESTIONS)}
        figures: dict[str, Any] = {}
        created: list[str] = []
        with served(platform) as port:
            for index, (n, keyed) in enumerate((n, k) for n in self.clients
                                               for k in (False, True)):
                phase = self._phase(port, tokens[:n], answers, index, keyed=keyed)
                created += phase.pop("created")
                figures[f"clients_{n}" + ("_keyed" if keyed else "")] = phase
            counts: dict[int, tuple[RoundTrips, int]] = {}
            for n in sorted({1, max(self.clients)}):
                trips = RoundTrips()
                with trips.counting():
                    counted = self._phase(port, tokens[:n], answers, len(figures) + n,
                                          keyed=False, seconds=min(self.seconds,
                                                                   COUNTED_SECONDS))
                created += counted.pop("created")
                counts[n] = (trips, counted["statuses"].get("201", 0))
        trips, referred = counts[1]
        busiest = max(counts)
        stored = Counter(str(x.originator_id) for x in app.recorder.select_notifications(
            start=1, limit=10_000_000) if x.topic.endswith("Case.Referred"))
        return {
            "benchmark": "referrals",
            "backend": platform.database.dialect,
            "machine": machine(),
            "config": {"clients": list(self.clients), "seconds_per_phase": self.seconds,
                       "client_process": "separate (spawned), one thread per client"},
            **{f"requests_per_s_{n}_clients": figures[f"clients_{n}"]["requests_per_s"]
               for n in self.clients},
            **{f"keyed_requests_per_s_{n}_clients":
               figures[f"clients_{n}_keyed"]["requests_per_s"] for n in self.clients},
            **{f"p50_ms_{n}_clients": figures[f"clients_{n}"]["p50_ms"] for n in self.clients},
            **{f"p99_ms_{n}_clients": figures[f"clients_{n}"]["p99_ms"] for n in self.clients},
            # psycopg's (PostgreSQL); SQLite has no round trips to count: null there.
            "round_trips_per_referral": _per(trips.total, referred)
            if platform.database.dialect == "postgresql" else None,
            # With the clients at once: writers share catch-up passes and audit commits.
            f"round_trips_per_referral_{busiest}_clients": _per(counts[busiest][0].total,
                                                                counts[busiest][1])
            if platform.database.dialect == "postgresql" else None,
            "round_trips_by_site": {site: _per(count, referred)
                                    for site, count in trips.by_site.most_common()},
            "round_trips_counted_over": referred,
            "errors_5xx": sum(f["errors_5xx"] for f in figures.values()),
            "each_201_stored_once": sorted(created) == sorted(stored)
            and all(c == 1 for c in stored.values()),
            "phases": figures,
        }

    def _phase(self, port: int, tokens: list[str], answers: dict[str, dict[str, str]],
               index: int, *, keyed: bool, seconds: float | None = None) -> dict[str, Any]:
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        phase = Phase(port, tokens, answers, seconds or self.seconds, index, keyed)
        process = context.Process(target=clients, args=(phase, results))
        process.start()
        try:
            # Waits while the clients run; a client process that died says so, not hangs.
            while True:
                try:
                    result: dict[str, Any] = results.get(timeout=1.0)
                    break
                except queue.Empty:
                    if not process.is_alive():
                        raise RuntimeError(
                            f"the client process ended ({process.exitcode})") from None
        finally:
            process.join(timeout=30)
        statuses = {int(k): v for k, v in result["statuses"].items()}
        latencies = sorted(result["latencies"])
        return {
            "requests_per_s": round(sum(statuses.values()) / result["seconds"], 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99_ms": _p99_ms(latencies),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "errors_5xx": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
            "created": result["created"],
        }


def _p99_ms(ordered: list[float]) -> float | None:
    """The 99th percentile of sorted seconds, in ms (nearest rank)."""
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1)


def _per(count: int, referrals: int) -> float | None:
    return round(count / referrals, 2) if referrals else None
