"""The platform's background work: the loops `marac worker` runs, and `marac serve --demo` runs
beside the API in the same process.

- Read models, the integration outbox and the reporting facts kept current (each its own
  tracking position; woken by PostgreSQL's NOTIFY, polling as the fallback and on SQLite).
- Webhooks delivered.
- Notifications e-mailed (when an SMTP server is configured): their outbox is kept current
  always, so nothing is lost before one is; restriction reviews due are noticed daily.
- The shred ledger re-applied, so a database restored from a backup loses again every key
  shredded since.
- Signed audit checkpoints, every `audit_checkpoint_seconds` when the trail has grown.
- The process's heartbeat on the KEK roster (`marac keys rotate`'s two phases).
- The day's jobs (retention, subject-access retention, escalation of overdue actions, expired
  Idempotency-Keys): hourly, and at once when the platform's date changes, so that work due
  on a day is done on that day (and, in the demo, as soon as its clock is moved on).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

import structlog

from api.actions import escalate_overdue
from api.bootstrap import Platform, smtp_config
from api.heartbeat import beat, heartbeat_path
from api.retention import erase_expired_subject_access, run_retention
from feeds.delivery import WebhookDeliverer
from feeds.visibility import Gate
from notifications.reviews import restriction_reviews
from notifications.sender import NotificationSender

log = structlog.get_logger("worker")


@dataclass(frozen=True)
class Intervals:
    """Seconds between passes."""

    poll: float = 1.0  # projections, when no notification arrives
    feed_poll: float = 0.1  # looks for webhooks to deliver
    mail_poll: float = 1.0  # looks for notifications to send
    ledger: float = 60.0  # shred-ledger passes
    day_jobs: float = 3600.0  # erasure is due on a day, not a minute


class Background:
    """The loops, in threads of this process; `stop()` ends them and waits for each."""

    def __init__(self, platform: Platform, intervals: Intervals = Intervals()) -> None:
        self.platform = platform
        self.intervals = intervals
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def loops(self) -> tuple[str, ...]:
        mail = ("notifications",) if smtp_config(self.platform.settings) else ()
        return ("projections", "feeds", "reporting", "notices", "webhooks", *mail,
                "housekeeping", "keys")

    def start(self) -> None:
        p, i = self.platform, self.intervals
        targets = {
            "projections": lambda: p.runner.run(self._stop, i.poll),
            "feeds": lambda: p.feed_runner.run(self._stop, i.feed_poll),
            "reporting": lambda: p.report_runner.run(self._stop, i.poll),
            "notices": lambda: p.notice_runner.run(self._stop, i.poll),
            "webhooks": lambda: deliver_webhooks(p, self._stop, i.feed_poll),
            "notifications": lambda: send_notifications(p, self._stop, i.mail_poll),
            "housekeeping": self._housekeeping,
            "keys": lambda: keep_kek_roster(p, self._stop),
        }
        for name in self.loops:
            thread = threading.Thread(target=targets[name], name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def wait(self) -> None:
        """Until `stop()` is called (by a signal handler, say)."""
        self._stop.wait()

    def run_once(self) -> None:
        """One pass of everything, in this thread."""
        p = self.platform
        p.eraser.reapply()
        p.runner.catch_up()
        self._day_jobs(p.marac.today())
        p.checkpoints.issue()
        log.info("projected", notifications=p.runner.catch_up())
        p.feed_runner.catch_up()
        p.report_runner.catch_up()
        p.notice_runner.catch_up()
        log.info("webhooks_delivered", size=deliverer(p).run_once())
        sender = notification_sender(p)
        if sender is not None:
            log.info("notifications_sent", size=sender.run_once())

    def _housekeeping(self) -> None:
        p, i = self.platform, self.intervals
        next_ledger = next_checkpoint = next_day_jobs = 0.0
        last_day: date | None = None
        while not self._stop.is_set():
            try:
                now, today = time.monotonic(), p.marac.today()
                if now >= next_ledger:
                    revived = p.eraser.reapply()
                    log.info("shred_ledger_reapplied", keys_destroyed=len(revived))
                    next_ledger = now + i.ledger
                if now >= next_day_jobs or today != last_day:
                    self._day_jobs(today)
                    last_day, next_day_jobs = today, now + i.day_jobs
                if now >= next_checkpoint:
                    checkpoint = p.checkpoints.issue()
                    if checkpoint is not None:
                        log.info("audit_checkpoint_signed", size=checkpoint.size)
                    next_checkpoint = now + p.settings.audit_checkpoint_seconds
                # Alive only while every loop is: a dead thread stops the heartbeat.
                if all(t.is_alive() for t in self._threads):
                    beat(heartbeat_path(p.settings.data_dir))
            except Exception as exc:  # keep running; the next pass retries
                log.error("housekeeping_failed", error_type=type(exc).__name__)
            # Short, so that a change of date is acted on within seconds.
            self._stop.wait(min(i.ledger, p.settings.audit_checkpoint_seconds, 1.0))

    def _day_jobs(self, today: date) -> None:
        # One worker at a time: two erasing the same expired case would both record the
        # erasure, and two escalating one action would both notify (seen with two workers).
        with self.platform.database.exclusively("day-jobs") as held:
            if held:
                self._day_jobs_held(today)
            else:
                log.info("day_jobs_skipped", reason="another worker is running them")

    def _day_jobs_held(self, today: date) -> None:
        p = self.platform
        erased = run_retention(p, today)
        requests = erase_expired_subject_access(p, today)
        log.info("retention_run", cases_erased=len(erased),
                 subject_access_requests_erased=len(requests))
        escalated = escalate_overdue(p, today)
        log.info("actions_escalated", size=len(escalated))
        purged = p.idempotency.purge(p.now())
        log.info("idempotency_keys_expired", size=purged)
        reviews = restriction_reviews(p.notices, p.cases, p.marac, p.now())
        log.info("restriction_reviews_noticed", size=reviews)


def deliverer(platform: Platform) -> WebhookDeliverer:
    gate = Gate(platform.cases, platform.blind_index, platform.runner.catch_up, platform.now)
    return WebhookDeliverer(platform.feeds, platform.audit, platform.now, gate,
                            allow_private=platform.settings.demo,
                            delivered=platform.metrics.webhook_latency.observe)


def deliver_webhooks(platform: Platform, stop: threading.Event, idle: float) -> None:
    """Deliver whatever is due, each subscription in a thread of its own; look again after
    `idle` seconds when nothing was."""
    def failed(exc: BaseException) -> None:  # the next pass retries (at least once)
        log.error("webhook_delivery_failed", error_type=type(exc).__name__)

    deliverer(platform).run(stop, idle, failed=failed)


def notification_sender(platform: Platform) -> NotificationSender | None:
    config = smtp_config(platform.settings)
    if config is None:
        return None
    return NotificationSender(platform.marac, platform.notices, platform.audit, platform.now,
                              platform.cases, config=config)


def send_notifications(platform: Platform, stop: threading.Event, idle: float) -> None:
    """Send whatever is due, every `idle` seconds; a failure waits for its retry."""
    sender = notification_sender(platform)
    while sender is not None and not stop.is_set():
        try:
            sender.run_once()
        except Exception as exc:  # keep running; the outbox keeps what was not sent
            log.error("notification_sending_failed", error_type=type(exc).__name__)
        stop.wait(idle)


def keep_kek_roster(platform: Platform, stop: threading.Event) -> None:
    """This process's heartbeat on the KEK roster (security/kek_roster.py), every
    `key_roster_seconds`: it proves here a KEK that was staged, takes up one that was
    promoted, and says it is alive, so that a promotion waits for it."""
    while not stop.is_set():
        try:
            platform.kek_roster.heartbeat()
        except Exception as exc:  # keep running; a promotion waits meanwhile
            log.error("kek_roster_heartbeat_failed", error_type=type(exc).__name__)
        stop.wait(platform.settings.key_roster_seconds)
