"""`marac worker`: the background process beside the API.

It keeps the read models and the integration outbox up to date (woken by PostgreSQL's NOTIFY,
polling as the fallback and on SQLite), delivers webhooks, and keeps erasure honest: it
re-applies the shred ledger file, so a database restored from a backup loses again every key
shredded since.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from types import FrameType

import structlog

from api.actions import escalate_overdue
from api.bootstrap import Platform, build_platform
from api.commands.common import platform_options, settings_from
from api.logs import configure_logging
from api.retention import erase_expired_subject_access, run_retention
from feeds.delivery import WebhookDeliverer
from feeds.visibility import Gate

log = structlog.get_logger("worker")
RETENTION_INTERVAL = 3600.0  # an hourly pass: erasure is due on a day, not a minute


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run background work")
    platform_options(p)
    p.add_argument("--interval", type=float, default=60.0,
                   help="seconds between shred-ledger passes")
    p.add_argument("--poll", type=float, default=1.0,
                   help="projection polling interval when no notification arrives")
    p.add_argument("--feed-poll", type=float, default=0.1,
                   help="seconds between looks for webhooks to deliver")
    p.add_argument("--once", action="store_true", help="one pass of everything, then exit")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = settings_from(args)
    platform = build_platform(settings)
    stop = threading.Event()

    def _stop(signum: int, _: FrameType | None) -> None:
        log.info("worker_stopping", signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if args.once:
            platform.eraser.reapply()
            platform.runner.catch_up()
            run_retention(platform, platform.marac.today())
            erase_expired_subject_access(platform, platform.marac.today())
            platform.idempotency.purge(platform.now())
            platform.checkpoints.issue()
            log.info("projected", notifications=platform.runner.catch_up())
            platform.feed_runner.catch_up()
            platform.report_runner.catch_up()
            log.info("webhooks_delivered", size=deliverer(platform).run_once())
            return 0
        threads = [
            threading.Thread(target=platform.runner.run, args=(stop, args.poll),
                             name="projections", daemon=True),
            threading.Thread(target=platform.feed_runner.run, args=(stop, args.feed_poll),
                             name="feeds", daemon=True),
            threading.Thread(target=platform.report_runner.run, args=(stop, args.poll),
                             name="reporting", daemon=True),
            threading.Thread(target=deliver_webhooks, args=(platform, stop, args.feed_poll),
                             name="webhooks", daemon=True),
        ]
        for thread in threads:
            thread.start()
        next_ledger = next_checkpoint = next_retention = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_ledger:
                revived = platform.eraser.reapply()
                log.info("shred_ledger_reapplied", keys_destroyed=len(revived))
                next_ledger = now + args.interval
            if now >= next_retention:
                erased = run_retention(platform, platform.marac.today())
                requests = erase_expired_subject_access(platform, platform.marac.today())
                log.info("retention_run", cases_erased=len(erased),
                         subject_access_requests_erased=len(requests))
                escalated = escalate_overdue(platform, platform.marac.today())
                log.info("actions_escalated", size=len(escalated))
                purged = platform.idempotency.purge(platform.now())
                log.info("idempotency_keys_expired", size=purged)
                next_retention = now + RETENTION_INTERVAL
            if now >= next_checkpoint:
                checkpoint = platform.checkpoints.issue()
                if checkpoint is not None:
                    log.info("audit_checkpoint_signed", size=checkpoint.size)
                next_checkpoint = now + platform.settings.audit_checkpoint_seconds
            stop.wait(min(args.interval, platform.settings.audit_checkpoint_seconds, 5.0))
        for thread in threads:
            thread.join(timeout=10)
        return 0
    finally:
        platform.close()


def deliverer(platform: Platform) -> WebhookDeliverer:
    gate = Gate(platform.cases, platform.blind_index, platform.runner.catch_up, platform.now)
    return WebhookDeliverer(platform.feeds, platform.audit, platform.now, gate,
                            allow_private=platform.settings.demo)


def deliver_webhooks(platform: Platform, stop: threading.Event, idle: float) -> None:
    """Deliver whatever is due; look again after `idle` seconds when nothing was."""
    worker = deliverer(platform)
    while not stop.is_set():
        try:
            sent = worker.run_once()
        except Exception as exc:  # keep running; the next pass retries (at least once)
            log.error("webhook_delivery_failed", error_type=type(exc).__name__)
            sent = 0
        if not sent:
            stop.wait(idle)
