"""`marac worker`: the background process beside the API (api/background.py says what it
does). In demo mode `marac serve --demo` runs the same loops in its own process instead."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

import structlog

from api.background import Background, Intervals
from api.bootstrap import build_platform
from api.commands.common import settings_from
from api.heartbeat import DEFAULT_MAX_AGE, age, heartbeat_path
from api.logs import configure_logging
from api.metrics import serve_metrics

log = structlog.get_logger("worker")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run background work")
    p.add_argument("--interval", type=float, default=60.0,
                   help="seconds between shred-ledger passes")
    p.add_argument("--poll", type=float, default=1.0,
                   help="projection polling interval when no notification arrives")
    p.add_argument("--feed-poll", type=float, default=0.1,
                   help="seconds between looks for webhooks to deliver")
    p.add_argument("--once", action="store_true", help="one pass of everything, then exit")
    p.add_argument("--alive", action="store_true",
                   help="a healthcheck: exit 0 when a worker using this data dir beat within "
                        "--max-age seconds, 1 otherwise")
    p.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE,
                   help="seconds since the last heartbeat still counted alive (--alive)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = settings_from(args)
    if args.alive:
        return _alive(heartbeat_path(settings.data_dir), args.max_age)
    platform = build_platform(settings)
    background = Background(platform, Intervals(poll=args.poll, feed_poll=args.feed_poll,
                                                ledger=args.interval))

    def _stop(signum: int, _: FrameType | None) -> None:
        log.info("worker_stopping", signal=signum)
        background.stop(timeout=0)  # the main thread joins them below

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    metrics = None
    try:
        if args.once:
            background.run_once()
            return 0
        # The loops' own metrics (lags, backlogs, dead letters, delivery latency, checkpoint
        # and witness ages), served by this process, which measures them.
        metrics = serve_metrics(platform, api=False, worker=True)
        background.start()
        log.info("worker_started", loops="/".join(background.loops),
                 metrics=metrics.url if metrics else None)
        background.wait()
        background.stop()
        return 0
    finally:
        if metrics is not None:
            metrics.stop()
        platform.close()


def _alive(path: Path, max_age: float) -> int:
    """No platform built (no database, no keys): only the heartbeat's age."""
    seconds = age(path)
    if seconds is None:
        print("no heartbeat yet: the worker has not completed a pass", file=sys.stderr)
        return 1
    if seconds > max_age:
        print(f"last heartbeat {seconds:.0f} s ago (more than {max_age:.0f})", file=sys.stderr)
        return 1
    return 0
