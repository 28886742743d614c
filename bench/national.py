"""National scale: every goal of issue 19 from the benchmark that owns it, run one after the
other at sizes this run states, each against the baseline its own benchmark measures in the
same run, and a case's footprint measured on a Kent-sized year, from which the sizing for
120,000 cases a year over seven years is worked out.

Each part is its owner's benchmark (bench/<part>.py, `marac bench <part>`), asked for at the
stated size; this module adds nothing to their timing. A goal is met or not as measured: the
output says which, with the figure, the goal and the ratio to the part's baseline.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from api.bootstrap import build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from security.kek import KeyMaterial

# The country (seed 001, SafeLives): about 120,000 cases heard a year by about 290 MARACs; a
# Kent-sized area hears about 1,745 a year; records are kept seven years (DOMAIN.md).
CASES_A_YEAR = 120_000
RETENTION_YEARS = 7
KENT_CASES = 1_745
# A case's events over its life at national scale (issue 19's figure: referral, corrections,
# decision, hearings, actions and their updates, shares, grants, reviews).
NATIONAL_EVENTS_PER_CASE = 40
# The large area issue 19 asks for: 50,000 cases of about 40 events (2M events).
AREA_CASES = 50_000


@dataclass(frozen=True)
class Goal:
    """One goal: the figure measured, what it must be, whether it is, and the baseline the
    owning benchmark measured beside it."""

    name: str
    measured: float | None
    unit: str
    goal: str
    met: bool
    baseline: float | None = None
    baseline_is: str = ""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.baseline:
            return None
        return round(self.measured / self.baseline, 2)


def at_least(name: str, measured: float | None, floor: float, unit: str, *,
             baseline: float | None = None, baseline_is: str = "") -> Goal:
    return Goal(name, measured, unit, f">= {floor:g} {unit}",
                measured is not None and measured >= floor, baseline, baseline_is)


def at_most(name: str, measured: float | None, ceiling: float, unit: str, *,
            baseline: float | None = None, baseline_is: str = "") -> Goal:
    return Goal(name, measured, unit, f"<= {ceiling:g} {unit}",
                measured is not None and measured <= ceiling, baseline, baseline_is)


@dataclass(frozen=True)
class Part:
    """A benchmark this one runs, and the goals read from its JSON."""

    name: str
    run: Callable[[], dict[str, Any]]
    goals: Callable[[dict[str, Any]], list[Goal]]


@dataclass(frozen=True)
class Footprint:
    """What a case costs at rest, measured on a built year of one area."""

    cases: int
    events: int
    database_bytes: int
    event_log_bytes: int  # the event table and its indexes alone

    @property
    def events_per_case(self) -> float:
        return round(self.events / self.cases, 1)

    @property
    def bytes_per_case(self) -> int:
        return round(self.database_bytes / self.cases)

    @property
    def bytes_per_event(self) -> int:
        """Everything at rest (events, keys, read models, indexes) over the events."""
        return round(self.database_bytes / self.events)

    @property
    def bytes_per_event_row(self) -> int:
        """One more event of a case: its row in the log with the log's indexes."""
        return round(self.event_log_bytes / self.events)

    def national(self, events_per_case: float = NATIONAL_EVENTS_PER_CASE) -> dict[str, Any]:
        """The country's database after `RETENTION_YEARS` years at `CASES_A_YEAR` a year, each
        case with `events_per_case` events: a built case's whole footprint, plus each event
        it lacks at the log's bytes per row (read models hold a case's current state, so
        they do not grow with every event; the upper bound takes every byte to grow with
        the events). The audit trail is sized apart (its records follow the views)."""
        kept = CASES_A_YEAR * RETENTION_YEARS
        events = kept * events_per_case
        more = max(0.0, events_per_case - self.events / self.cases)
        per_case = self.database_bytes / self.cases + more * self.bytes_per_event_row
        return {"cases_kept": kept, "events_per_case": events_per_case,
                "events": round(events),
                "database_gb": round(kept * per_case / 1e9, 1),
                "database_gb_upper_bound": round(events * self.bytes_per_event / 1e9, 1),
                "events_per_s_average": round(CASES_A_YEAR * events_per_case
                                              / (365 * 86_400), 3)}


class NationalBenchmark:
    def __init__(self, backend: str, database_url: str | None, *, parts: Sequence[str],
                 kent_cases: int = KENT_CASES, seconds: float = 8.0,
                 area_cases: int = AREA_CASES,
                 area_events_per_case: int = NATIONAL_EVENTS_PER_CASE) -> None:
        self.backend, self.database_url = backend, database_url
        self.kent_cases, self.seconds = kent_cases, seconds
        self.area_cases, self.area_events_per_case = area_cases, area_events_per_case
        known = {p.name: p for p in self.parts()}
        unknown = set(parts) - set(known)
        if unknown:
            raise ValueError(f"no such part: {', '.join(sorted(unknown))}")
        self.chosen = [known[name] for name in parts]

    def parts(self) -> list[Part]:
        b, url = self.backend, self.database_url
        return [
            Part("footprint", self._footprint, lambda r: []),
            Part("referrals", lambda: _referrals(b, url, self.seconds), _referral_goals),
            Part("projection-lag", lambda: _projection_lag(b, url, self.seconds), _lag_goals),
            Part("rebuild", lambda: _rebuild(b, url), _rebuild_goals),
            Part("feeds", lambda: _feeds(b, url), _feed_goals),
            Part("reports", lambda: _reports(b, url, self.kent_cases), _report_goals),
            Part("repeats", lambda: _repeats(b, url, self.kent_cases), _repeat_goals),
            Part("read", lambda: _read(b, url), _read_goals),
            Part("area", lambda: _area(b, url, self.area_cases, self.area_events_per_case),
                 _area_goals),
            Part("audit", lambda: _audit(b, url), _audit_goals),
        ]

    def run(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        goals: list[Goal] = []
        for part in self.chosen:
            started = timer.perf_counter()
            result = part.run()
            result["part_seconds"] = round(timer.perf_counter() - started, 1)
            results[part.name] = result
            goals += part.goals(result)
        return {
            "benchmark": "national",
            "backend": self.backend,
            "machine": machine(),
            "config": {"parts": [p.name for p in self.chosen], "kent_cases": self.kent_cases,
                       "seconds_per_phase": self.seconds, "area_cases": self.area_cases,
                       "area_events_per_case": self.area_events_per_case},
            "goals": [{**asdict(g), "ratio_to_baseline": g.ratio} for g in goals],
            "goals_met": sum(g.met for g in goals),
            "goals_not_met": [g.name for g in goals if not g.met],
            "parts": results,
        }

    def _footprint(self) -> dict[str, Any]:
        """A Kent-sized year built through the domain (bench/reports.py's area: referrals,
        decisions, hearings, actions, repeats), then measured at rest."""
        from bench.reports import AreaBuilder, Clock  # noqa: PLC0415 - a part's own imports

        with ScratchDatabases(self.backend, self.database_url) as scratch:
            clock = Clock()
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("footprint"),
                         demo=True),
                material=KeyMaterial.generate(demo=True), now=clock)
            try:
                builder = AreaBuilder(platform, clock, self.kent_cases, 0)
                started = timer.perf_counter()
                builder.build()
                platform.runner.catch_up()
                platform.report_runner.catch_up()
                built = timer.perf_counter() - started
                clock.on(date(date.today().year, 1, 20))
                cases = builder.counts["referrals"]
                events_table = platform.marac.recorder.events_table_name  # type: ignore[attr-defined]
                found = Footprint(cases, _count(platform, events_table), _bytes(platform),
                                  _bytes(platform, events_table))
            finally:
                platform.close()
        return {"build_s": round(built, 1), "cases": found.cases, "events": found.events,
                "events_per_case": found.events_per_case,
                "bytes_per_case": found.bytes_per_case,
                "bytes_per_event": found.bytes_per_event,
                "bytes_per_event_row": found.bytes_per_event_row,
                "national": found.national(), "counts": builder.counts}


def _count(platform: Any, table: str) -> int:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our own table names
        row = cur.fetchone()
    return int(row[0]) if row else 0


def _bytes(platform: Any, table: str | None = None) -> int:
    """The database's own size: every table and index of the platform's schema, or of one
    table (SQLite: its pages, from the dbstat table when this build has it)."""
    with platform.database.transaction(readonly=True) as cur:
        if platform.database.dialect == "postgresql":
            cur.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'm') "
                        "AND (%s::text IS NULL OR c.relname = %s)", (table, table))
        elif table is None:
            cur.execute("SELECT page_count * page_size FROM pragma_page_count(), "
                        "pragma_page_size()")
        else:
            cur.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = %s OR name IN "
                        "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s)",
                        (table, table))
        row = cur.fetchone()
    return int(row[0]) if row else 0


def _referrals(backend: str, url: str | None, seconds: float) -> dict[str, Any]:
    from bench.referrals import ReferralsBenchmark  # noqa: PLC0415 - a part's own imports

    return ReferralsBenchmark(backend, url, clients=(1, 4), seconds=seconds).run()


def _referral_goals(r: dict[str, Any]) -> list[Goal]:
    return [at_least("referrals_per_s_4_clients_http", r.get("requests_per_s_4_clients"),
                     150, "referrals/s", baseline=r.get("requests_per_s_1_clients"),
                     baseline_is="1 client, same run")]


def _projection_lag(backend: str, url: str | None, seconds: float) -> dict[str, Any]:
    from bench.projection_lag import ProjectionLagBenchmark  # noqa: PLC0415 - a part's own imports

    return ProjectionLagBenchmark(backend, url, rate=500.0, seconds=seconds, writers=2,
                                  cases=200).run()


def _lag_goals(r: dict[str, Any]) -> list[Goal]:
    projected, floor = r.get("projected", {}), r.get("floor_notify_wake", {})
    achieved = projected.get("achieved_per_s")
    return [at_most("projection_lag_p99_ms_at_500_per_s", projected.get("lag_p99_ms")
                    if achieved is not None and achieved >= 500 else None, 10, "ms",
                    baseline=floor.get("lag_p99_ms"), baseline_is="NOTIFY wake alone p99"),
            at_least("projection_lag_rate_achieved_per_s", achieved, 500, "events/s",
                     baseline=r.get("config", {}).get("rate_asked_per_s"),
                     baseline_is="rate asked for")]


def _rebuild(backend: str, url: str | None) -> dict[str, Any]:
    from bench.rebuild import RebuildBenchmark  # noqa: PLC0415 - a part's own imports

    return RebuildBenchmark(backend, url, cases=400, events_per_case=30, open_at_once=150,
                            compare=False).run()


def _rebuild_goals(r: dict[str, Any]) -> list[Goal]:
    cases = r.get("rebuild", {}).get("cases", {})
    return [at_least("rebuild_case_views_events_per_s", cases.get("events_per_s"), 10_000,
                     "events/s", baseline=r.get("floor_read_and_open_log_events_per_s"),
                     baseline_is="reading and opening the log alone")]


def _feeds(backend: str, url: str | None) -> dict[str, Any]:
    from bench.feeds import FeedsBenchmark  # noqa: PLC0415 - a part's own imports

    return FeedsBenchmark(backend=backend, database_url=url, events=1000, rate=100.0).run()


def _feed_goals(r: dict[str, Any]) -> list[Goal]:
    achieved = r.get("achieved_rate_per_s")
    return [at_most("webhook_lag_p99_ms_at_100_per_s", r.get("webhook_lag_p99_ms")
                    if achieved is not None and achieved >= 95 else None, 1000, "ms",
                    baseline=r.get("baseline_post_p50_ms"),
                    baseline_is="a signed POST to the same receiver p50"),
            at_least("webhook_referrals_committed_per_s", achieved, 100, "referrals/s",
                     baseline=r.get("config", {}).get("rate_per_s_asked"),
                     baseline_is="rate asked for")]


def _reports(backend: str, url: str | None, cases: int) -> dict[str, Any]:
    from bench.reports import ReportsBenchmark  # noqa: PLC0415 - a part's own imports

    return ReportsBenchmark(backend, url, cases=cases, repeats=5, lead_in_months=12).run()


def _report_goals(r: dict[str, Any]) -> list[Goal]:
    # The year's first request, the projection kept current by the worker's loop (a served
    # release is read back, not made).
    first = r.get("first_year_release", {})
    return [at_most("first_report_release_kent_year_ms", first.get("first_request_ms"), 1000,
                    "ms", baseline=first.get("baseline_exact_quarter_p50_ms"),
                    baseline_is="exact quarter indicators p50, same run")]


def _repeats(backend: str, url: str | None, cases: int) -> dict[str, Any]:
    from bench.repeats import RepeatsBenchmark  # noqa: PLC0415 - a part's own imports

    return RepeatsBenchmark(backend, url, per_year=cases).run()


def _repeat_goals(r: dict[str, Any]) -> list[Goal]:
    goals: list[Goal] = []
    for pool, figures in r.get("areas", {}).items():
        new, old = figures.get("new_rule", {}), figures.get("old_rule_baseline", {})
        goals.append(at_least(f"repeats_recall_{pool}_names", new.get("recall"), 0.95,
                              "of repeats", baseline=old.get("recall"),
                              baseline_is="previous rule, same referrals"))
        goals.append(at_least(f"repeats_precision_{pool}_names", new.get("precision"), 0.80,
                              "of suggestions", baseline=old.get("precision"),
                              baseline_is="previous rule, same referrals"))
    return goals


def _read(backend: str, url: str | None) -> dict[str, Any]:
    from bench.lists import ListBenchmark  # noqa: PLC0415 - a part's own imports
    from bench.read import ReadBenchmark  # noqa: PLC0415 - a part's own imports

    result = ReadBenchmark(backend, url, cases=10_000, reads=1000).run()
    result["lists"] = ListBenchmark(backend, url, sizes=[50_000], requests=200).run()
    return result


def _read_goals(r: dict[str, Any]) -> list[Goal]:
    """DESIGN.md: case view p99 <= 10 ms; list page and search p99 <= 20 ms for every
    persona."""
    goals = [at_most("case_view_p99_ms", r.get("view_p99_ms"), 10, "ms",
                     baseline=r.get("plain_p99_ms"), baseline_is="plain read of the row p99")]
    for size in r.get("lists", {}).get("sizes", []):
        for persona, ops in size.get("personas", {}).items():
            for op in ("list", "search"):
                q = ops.get(op, {})
                plain = (q["p99_ms"] / q["p99_over_plain_p99"]
                         if q.get("p99_over_plain_p99") else None)
                goals.append(at_most(f"{op}_p99_ms_{size['cases']}_cases_{persona}",
                                     q.get("p99_ms"), 20, "ms", baseline=plain,
                                     baseline_is="plain page of the index p99"))
    return goals


def _area(backend: str, url: str | None, cases: int, events_per_case: int) -> dict[str, Any]:
    from bench.area import AreaBenchmark  # noqa: PLC0415 - a part's own imports

    return AreaBenchmark(backend, url, cases=cases, events_per_case=events_per_case).run()


def _area_goals(r: dict[str, Any]) -> list[Goal]:
    config = r.get("config", {})
    size = f"{config.get('cases', 0)}_cases_{config.get('events', 0)}_events"
    return [
        at_least(f"rebuild_case_views_events_per_s_{size}",
                 config.get("rebuild_cases_events_per_s"), 10_000, "events/s",
                 baseline=config.get("floor_read_and_open_log_events_per_s"),
                 baseline_is="reading and opening the log alone"),
        at_most(f"case_view_p99_ms_{size}", r.get("view_p99_ms"), 10, "ms",
                baseline=r.get("plain_p99_ms"), baseline_is="plain read of the row p99"),
    ]


def _audit(backend: str, url: str | None) -> dict[str, Any]:
    from bench.audit import AuditBenchmark  # noqa: PLC0415 - a part's own imports

    return AuditBenchmark(backend=backend, database_url=url, cases=500, views=1000,
                          records=200_000).run()


def _audit_goals(r: dict[str, Any]) -> list[Goal]:
    return [
        at_most("audit_query_by_case_p99_ms", r.get("query_by_case_p99_ms"), 50, "ms"),
        at_least("audit_verify_records_per_s", r.get("verify_records_per_s"), 250_000,
                 "records/s", baseline=r.get("chain_hash_records_per_s"),
                 baseline_is="chain hash alone"),
    ]
