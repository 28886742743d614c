"""Referral submission through HTTP, with 1 client and with several at once.

`POST /api/v1/cases` served by uvicorn on loopback, as `marac serve` runs it: a real signed
token verified, the policy, the audit record, the encrypted append with its new data key, the
blind index and the read models' catch-up (read-your-writes). Each client is a kept-alive
connection in a thread of a separate process (bench/load.py), submitting referrals for a fixed
time, first without and then with an `Idempotency-Key` (which adds the key's two writes).
Reported: requests/s per client count, every status seen and the 5xx among them, and whether
each 201 was stored exactly once (counted in the event store).
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter
from typing import Any

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.audit import served
from bench.databases import ScratchDatabases
from bench.load import Phase, clients
from bench.machine import machine
from domain.risk import DASH_RIC_QUESTIONS
from security.issuer import LocalIssuer
from security.kek import KeyMaterial


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
                phase = self._phase(port, tokens[:n], answers, index, keyed)
                created += phase.pop("created")
                figures[f"clients_{n}" + ("_keyed" if keyed else "")] = phase
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
            "errors_5xx": sum(f["errors_5xx"] for f in figures.values()),
            "each_201_stored_once": sorted(created) == sorted(stored)
            and all(c == 1 for c in stored.values()),
            "phases": figures,
        }

    def _phase(self, port: int, tokens: list[str], answers: dict[str, dict[str, str]],
               index: int, keyed: bool) -> dict[str, Any]:
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        phase = Phase(port, tokens, answers, self.seconds, index, keyed)
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
        return {
            "requests_per_s": round(sum(statuses.values()) / result["seconds"], 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "errors_5xx": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
            "created": result["created"],
        }
