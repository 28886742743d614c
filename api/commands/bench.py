"""`marac bench …`: benchmarks that print JSON (see bench/)."""

from __future__ import annotations

import argparse
import json
import sys
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
    read.set_defaults(bench=_read)
    audit = _benchmark(bs, "audit", "audit overhead on a case view; verify throughput")
    audit.add_argument("--cases", type=int, default=500)
    audit.add_argument("--views", type=int, default=2000, help="views per side")
    audit.add_argument("--records", type=int, default=200_000, help="records to verify")
    audit.set_defaults(bench=_audit)
    append = _benchmark(bs, "audit-append", "where one audit append's time goes")
    append.add_argument("--appends", type=int, default=2000, help="appends per side")
    append.set_defaults(bench=_audit_append)
    feeds = _benchmark(bs, "feeds", "webhook lag from commit to receipt; pull throughput")
    feeds.add_argument("--events", type=int, default=1000, help="referrals committed")
    feeds.add_argument("--rate", type=float, default=20.0, help="referrals per second")
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
    p.set_defaults(run=run)


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
    from bench.read import ReadBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return ReadBenchmark(
        backend=args.backend, database_url=args.database_url, cases=args.cases,
        reads=args.reads,
    ).run()


def _audit(args: argparse.Namespace) -> dict[str, Any]:
    from bench.audit import AuditBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(file=sys.stderr)  # the served requests log as in production, off stdout

    return AuditBenchmark(backend=args.backend, database_url=args.database_url, cases=args.cases,
                          views=args.views, records=args.records).run()


def _audit_append(args: argparse.Namespace) -> dict[str, Any]:
    from bench.audit_append import AuditAppendBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return AuditAppendBenchmark(backend=args.backend, database_url=args.database_url,
                                appends=args.appends).run()


def _feeds(args: argparse.Namespace) -> dict[str, Any]:
    from bench.feeds import FeedsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(file=sys.stderr)
    return FeedsBenchmark(backend=args.backend, database_url=args.database_url,
                          events=args.events, rate=args.rate).run()


def _reports(args: argparse.Namespace) -> dict[str, Any]:
    from bench.reports import ReportsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    return ReportsBenchmark(backend=args.backend, database_url=args.database_url,
                            cases=args.cases, repeats=args.repeats,
                            lead_in_months=args.lead_in_months).run()


def _referrals(args: argparse.Namespace) -> dict[str, Any]:
    from bench.referrals import ReferralsBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    configure_logging(file=sys.stderr)
    return ReferralsBenchmark(backend=args.backend, database_url=args.database_url,
                              clients=tuple(args.clients), seconds=args.seconds).run()
