"""`marac bench …`: benchmarks that print JSON (see bench/)."""

from __future__ import annotations

import argparse
import json


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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from bench.store import StoreBenchmark  # noqa: PLC0415 - keeps benchmarks off serve's path

    result = StoreBenchmark(
        backend=args.backend, database_url=args.database_url, saves=args.saves,
        rounds=args.rounds,
    ).run()
    print(json.dumps(result, indent=2))
    return 0
