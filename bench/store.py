"""The encrypted event store against the bare eventsourcing library, in one run.

Both sides are the same application class on the same database server (separate SQLite files
in one directory, or separate schemas of one PostgreSQL database); the only difference is the
mapper: per-case envelope encryption or none. Rounds alternate sides so that drift in the
machine's speed falls on both.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import Aggregate, event

from bench.databases import ScratchDatabases
from bench.machine import machine
from domain.application import Marac
from security.kek import KeyMaterial, LocalKekProvider
from security.keyring import Keyring
from security.mapper import EncryptingMapper, encrypted_store_env
from storage.database import Database
from storage.migrations import upgrade

# About the size of a research note or a disclosure.
NOTE = "Research note: contact with the agency's records; relevant history shared. " * 5


class BenchCase(Aggregate):
    @event("Opened")
    def __init__(self, area: str) -> None:
        self.area = area
        self.notes = 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes += 1


@dataclass
class Side:
    name: str
    app: Marac
    ids: list[uuid.UUID] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    loads_ms: list[float] = field(default_factory=list)

    def timed(self, key: str, count: int, started: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - started
        self.counts[key] = self.counts.get(key, 0) + count

    def rate(self, key: str) -> float:
        return self.counts[key] / self.timings[key]


class StoreBenchmark:
    def __init__(self, backend: str, database_url: str | None, saves: int, rounds: int) -> None:
        self.backend = backend
        self.database_url = database_url
        self.saves = saves
        self.rounds = rounds

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            return self._run(scratch)

    def _run(self, scratch: ScratchDatabases) -> dict[str, Any]:
        self.dialect = scratch.dialect
        databases: list[Database] = []
        try:
            bare_db = Database(scratch.url("bare"))
            enc_db = Database(scratch.url("encrypted"))
            databases += [bare_db, enc_db]
            keyring = Keyring(enc_db, LocalKekProvider(KeyMaterial.generate(demo=True)))
            upgrade(enc_db)  # the platform's schema (storage/migrations)
            bare = Side("bare", Marac(env=bare_db.url.eventsourcing_env()))
            encrypted = Side("encrypted", Marac(
                env=encrypted_store_env(enc_db),
                mapper_factory=lambda t: EncryptingMapper(t, keyring),
            ))
            for _ in range(self.rounds):
                for side in (bare, encrypted):
                    self._round(side)
            return self._report(bare, encrypted)
        finally:
            for db in databases:
                db.close()

    def _round(self, side: Side) -> None:
        per_round = max(self.saves // self.rounds, 10)
        new_ids: list[uuid.UUID] = []
        started = time.perf_counter()
        for _ in range(per_round // 4):
            case = BenchCase(area="bench")
            side.app.save(case)
            new_ids.append(case.id)
        side.timed("create", len(new_ids), started)
        side.ids += new_ids

        cases: list[BenchCase] = [side.app.repository.get(i) for i in new_ids]
        started = time.perf_counter()
        for n in range(per_round):
            case = cases[n % len(cases)]
            case.note(NOTE)
            side.app.save(case)
        side.timed("append", per_round, started)

        started = time.perf_counter()
        batches = max(per_round // 10, 1)
        for n in range(batches):
            case = cases[n % len(cases)]
            for _ in range(10):
                case.note(NOTE)
            side.app.save(case)
        side.timed("batch10", batches * 10, started)

        for i in new_ids[:200]:
            started = time.perf_counter()
            side.app.repository.get(i)
            side.loads_ms.append((time.perf_counter() - started) * 1000)

    def _report(self, bare: Side, encrypted: Side) -> dict[str, Any]:
        def figures(side: Side) -> dict[str, float]:
            q = statistics.quantiles(side.loads_ms, n=100)
            return {
                "create_per_s": round(side.rate("create"), 1),
                "single_event_saves_per_s": round(side.rate("append"), 1),
                "batch10_events_per_s": round(side.rate("batch10"), 1),
                "load_p50_ms": round(q[49], 3),
                "load_p99_ms": round(q[98], 3),
            }

        b, e = figures(bare), figures(encrypted)
        events_per_load = round(statistics.mean(
            bare.app.repository.get(i).version for i in bare.ids[:50]))
        return {
            "benchmark": "store",
            "backend": self.dialect,
            "machine": machine(),
            "config": {"saves_per_side": self.saves, "rounds": self.rounds,
                       "event_payload_bytes": len(NOTE), "events_per_loaded_aggregate":
                       events_per_load},
            "bare": b,
            "encrypted": e,
            "encrypted_over_bare_append": round(
                e["single_event_saves_per_s"] / b["single_event_saves_per_s"], 3),
            "encrypted_over_bare_create": round(e["create_per_s"] / b["create_per_s"], 3),
            "encrypted_over_bare_batch10": round(
                e["batch10_events_per_s"] / b["batch10_events_per_s"], 3),
            "encrypted_over_bare_load_p50": round(e["load_p50_ms"] / b["load_p50_ms"], 3),
            "encrypted_over_bare_load_p99": round(e["load_p99_ms"] / b["load_p99_ms"], 3),
        }
