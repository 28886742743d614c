"""`marac bench …`: benchmarks that print JSON (see bench/)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from api.logs import configure_logging


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print JSON")
    bs = p.add_subparsers(dest="bench_command", required=True)
    store = bs.add_parser("store", help="encrypted event store against the bare library")
    store.add_argument("--json", action="store_true", help="print JSON (the only format)")
    store.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    store.add_argument("--database-url", default=None,
                       help="PostgreSQL URL (default postgresql://root@127.0.0.1:5432/test)")
    store.add_argument("--saves", type=int, default=2000, help="single-event saves per side")
    store.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    store.set_defaults(bench=_store)
    read = _benchmark(bs, "read", "need-to-know case view against a plain read of the row")
    read.add_argument("--cases", type=int, default=10_000, help="cases in the database")
    read.add_argument("--reads", type=int, default=2000, help="views (and plain reads)")
    read.add_argument("--parts", nargs="+", choices=["view", "lists"], default=["view", "lists"],
                      help="the case view, and case lists and searches by persona")
    read.add_argument("--list-cases", type=int, nargs="+", default=[10_000, 50_000],
                      help="cases in the area for lists and searches (built in bulk)")
    read.add_argument("--list-requests", type=int, default=200,
                      help="lists, list queries and searches per persona (and plain pages)")
    read.set_defaults(bench=_read)
    audit = _benchmark(bs, "audit", "audit overhead on a case view; verify throughput")
    audit.add_argument("--cases", type=int, default=500)
    audit.add_argument("--views", type=int, default=2000, help="views per side")
    audit.add_argument("--records", type=int, default=200_000, help="records to verify")
    audit.set_defaults(bench=_audit)
    witness = _benchmark(bs, "witness", "the witness co-signing a checkpoint against signing it")
    witness.add_argument("--records", type=int, default=200_000, help="records before timing")
    witness.add_argument("--step", type=int, default=1000, help="records between checkpoints")
    witness.add_argument("--rounds", type=int, default=10, help="checkpoints timed")
    witness.set_defaults(bench=_witness)
    append = _benchmark(bs, "audit-append", "where one audit append's time goes")
    append.add_argument("--appends", type=int, default=2000, help="appends per side")
    append.set_defaults(bench=_audit_append)
    feeds = _benchmark(bs, "feeds", "webhook lag from commit to receipt; pull throughput")
    feeds.add_argument("--events", type=int, default=1000, help="referrals committed")
    feeds.add_argument("--rate", type=float, default=20.0, help="referrals per second asked")
    feeds.add_argument("--clients", type=int, default=2, help="threads committing referrals")
    feeds.add_argument("--no-hanging", dest="hanging", action="store_false",
                       help="without a second subscriber whose receiver never answers")
    feeds.set_defaults(bench=_feeds)
    reports = _benchmark(bs, "reports", "disclosure-controlled reports against exact figures")
    reports.add_argument("--cases", type=int, default=480, help="cases heard in the year")
    reports.add_argument("--repeats", type=int, default=10, help="timed runs of each report")
    reports.add_argument("--lead-in-months", type=int, default=12, choices=range(13),
                         metavar="0-12", help="months of the year before with hearings")
    reports.set_defaults(bench=_reports)
    referrals = _benchmark(bs, "referrals", "referral submissions/s over HTTP, 1 and N clients")
    referrals.add_argument("--clients", type=int, nargs="+", default=[1, 4],
                           help="client counts to run, one phase each")
    referrals.add_argument("--seconds", type=float, default=10.0, help="seconds per phase")
    referrals.set_defaults(bench=_referrals)
    retention = _benchmark(bs, "retention",
                           "the retention pass over subject access requests; a full count")
    retention.add_argument("--events", type=int, default=1_000_000, help="events in the log")
    retention.add_argument("--requests", type=int, default=20, help="subject access requests")
    retention.set_defaults(bench=_retention)
    _add_issue_19(bs)
    p.set_defaults(run=run)


def _add_issue_19(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The pages' benchmark and national scale's (issue 19)."""
    _add_repeats(sub)
    _add_web(sub)
    _add_national(sub)
    _add_projections(sub)


NATIONAL_PARTS = ("footprint", "referrals", "projection-lag", "rebuild", "feeds", "reports",
                  "repeats", "read", "area", "audit")


def _add_national(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    national = _benchmark(sub, "national",
                          "every national-scale goal from its own benchmark, and the sizing")
    national.add_argument("--parts", nargs="+", choices=NATIONAL_PARTS, default=NATIONAL_PARTS,
                          help="which benchmarks to run (all by default)")
    national.add_argument("--kent-cases", type=int, default=1745,
                          help="cases a year in the Kent-sized area (footprint, reports, repeats)")
    national.add_argument("--seconds", type=float, default=8.0,
                          help="seconds per timed phase (referrals)")
    national.add_argument("--area-cases", type=int, default=50_000,
                          help="cases in the large area (area: its rebuild and case view)")
    national.add_argument("--area-events-per-case", type=int, default=40,
                          help="events of each case in the large area")
    national.set_defaults(bench=_national)


def _add_repeats(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    repeats = _benchmark(sub, "repeats",
                         "possible repeats' recall and precision against the previous rule")
    repeats.add_argument("--per-year", type=int, default=1750,
                         help="referrals a year (a lead-in year and a measured year)")
    repeats.add_argument("--seed", type=int, default=19, help="of the generated people")
    repeats.add_argument("--names", nargs="+", choices=["census", "narrow"],
                         default=["census", "narrow"],
                         help="name pools: as common as in England, or far more alike")
    repeats.set_defaults(bench=_repeats)


def _add_projections(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rebuild = _benchmark(sub, "rebuild", "read models rebuilt from zero against reading the log")
    rebuild.add_argument("--cases", type=int, default=400, help="cases in the log")
    rebuild.add_argument("--events-per-case", type=int, default=30, help="events of each case")
    rebuild.add_argument("--open-at-once", type=int, default=150,
                         help="cases worked at a time (how far a case's events spread)")
    rebuild.add_argument("--no-compare", action="store_true",
                         help="skip the slow comparison with nothing held across batches")
    rebuild.set_defaults(bench=_rebuild)
    lag = _benchmark(sub, "projection-lag",
                     "case views' lag behind the store at a sustained rate, against NOTIFY's")
    lag.add_argument("--rate", type=float, default=500.0, help="events per second asked for")
    lag.add_argument("--seconds", type=float, default=10.0, help="seconds of appends per side")
    lag.add_argument("--writers", type=int, default=2, help="appending processes")
    lag.add_argument("--cases", type=int, default=200, help="cases the appends go to")
    lag.set_defaults(bench=_projection_lag)


def _rebuild(args: argparse.Namespace) -> dict[str, Any]:
    from bench.rebuild import RebuildBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return RebuildBenchmark(backend=args.backend, database_url=args.database_url,
                            cases=args.cases, events_per_case=args.events_per_case,
                            open_at_once=args.open_at_once, compare=not args.no_compare).run()


def _projection_lag(args: argparse.Namespace) -> dict[str, Any]:
    from bench.projection_lag import ProjectionLagBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return ProjectionLagBenchmark(backend=args.backend, database_url=args.database_url,
                                  rate=args.rate, seconds=args.seconds, writers=args.writers,
                                  cases=args.cases).run()


def _add_web(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = _benchmark(sub, "web", "the cases page and case page against the API's JSON")
    web.add_argument("--cases", type=int, default=10_000, help="cases in the database")
    web.add_argument("--requests", type=int, default=500,
                     help="requests per side (page, API) per persona")
    web.set_defaults(bench=_web)


def _benchmark(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
               summary: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=summary)
    p.add_argument("--json", action="store_true", help="print JSON (the only format)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--database-url", default=None,
                   help="PostgreSQL URL (default postgresql://root@127.0.0.1:5432/test)")
    return p


def run(args: argparse.Namespace) -> int:
    result: dict[str, Any] = args.bench(args)
    print(json.dumps(result, indent=2))
    return 0


def _store(args: argparse.Namespace) -> dict[str, Any]:
    from bench.store import StoreBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return StoreBenchmark(
        backend=args.backend, database_url=args.database_url, saves=args.saves,
        rounds=args.rounds,
    ).run()


def _read(args: argparse.Namespace) -> dict[str, Any]:
    from bench.lists import ListBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path
    from bench.read import ReadBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    result: dict[str, Any] = {"benchmark": "read"}
    if "view" in args.parts:
        result = ReadBenchmark(
            backend=args.backend, database_url=args.database_url, cases=args.cases,
            reads=args.reads,
        ).run()
    if "lists" in args.parts:
        result["lists"] = ListBenchmark(
            backend=args.backend, database_url=args.database_url, sizes=args.list_cases,
            requests=args.list_requests,
        ).run()
    return result


def _audit(args: argparse.Namespace) -> dict[str, Any]:
    from bench.audit import AuditBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(to="stderr")  # the served requests log as in production, off stdout

    return AuditBenchmark(backend=args.backend, database_url=args.database_url, cases=args.cases,
                          views=args.views, records=args.records).run()


def _witness(args: argparse.Namespace) -> dict[str, Any]:
    from bench.witness import WitnessBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return WitnessBenchmark(backend=args.backend, database_url=args.database_url,
                            records=args.records, step=args.step, rounds=args.rounds).run()


def _audit_append(args: argparse.Namespace) -> dict[str, Any]:
    from bench.audit_append import AuditAppendBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return AuditAppendBenchmark(backend=args.backend, database_url=args.database_url,
                                appends=args.appends).run()


def _feeds(args: argparse.Namespace) -> dict[str, Any]:
    from bench.feeds import FeedsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(to="stderr")
    return FeedsBenchmark(backend=args.backend, database_url=args.database_url,
                          events=args.events, rate=args.rate, clients=args.clients,
                          hanging=args.hanging).run()


def _reports(args: argparse.Namespace) -> dict[str, Any]:
    from bench.reports import ReportsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return ReportsBenchmark(backend=args.backend, database_url=args.database_url,
                            cases=args.cases, repeats=args.repeats,
                            lead_in_months=args.lead_in_months).run()


def _referrals(args: argparse.Namespace) -> dict[str, Any]:
    from bench.referrals import ReferralsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(to="stderr")
    return ReferralsBenchmark(backend=args.backend, database_url=args.database_url,
                              clients=tuple(args.clients), seconds=args.seconds).run()


def _retention(args: argparse.Namespace) -> dict[str, Any]:
    from bench.retention import RetentionBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return RetentionBenchmark(backend=args.backend, database_url=args.database_url,
                              events=args.events, requests=args.requests).run()


def _repeats(args: argparse.Namespace) -> dict[str, Any]:
    from bench.repeats import RepeatsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return RepeatsBenchmark(backend=args.backend, database_url=args.database_url,
                            per_year=args.per_year, seed=args.seed,
                            names=tuple(args.names)).run()


def _national(args: argparse.Namespace) -> dict[str, Any]:
    from bench.national import NationalBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(to="stderr")  # the served requests log as in production, off stdout
    return NationalBenchmark(args.backend, args.database_url, parts=args.parts,
                             kent_cases=args.kent_cases, seconds=args.seconds,
                             area_cases=args.area_cases,
                             area_events_per_case=args.area_events_per_case).run()


def _web(args: argparse.Namespace) -> dict[str, Any]:
    from bench.web import WebBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(to="stderr")  # the served requests log as in production, off stdout
    return WebBenchmark(backend=args.backend, database_url=args.database_url,
                        cases=args.cases, requests=args.requests).run()
