"""The sender: e-mails what the outbox holds, at least once, each attempt audited.

Each notice is recorded in the audit trail as a disclosure of metadata (`notify`: its kind and
its recipient agency, never the address) by the system's notifier, before it is sent; a failed
attempt adds a `failed` record and the notice is tried again later with a growing wait, or
fails for good (notifications/failures.py). A recipient with no mailbox on record yet is not
told, and nothing is disclosed: the notice is kept until one is set. A recipient in the area's
`digest_recipients` gets one e-mail a day with everything of the previous days instead. Each
notice about a case is asked of the policy again when it is sent, so an agency that lost sight
of the case in between is not told of it.
"""

from __future__ import annotations

import random
import smtplib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

import structlog

from audit.trail import AuditTrail
from domain.application import Marac
from domain.area import COORDINATORS
from domain.exceptions import CaseErased, CaseNotFound
from notifications.failures import Failure, failure, gives_up
from notifications.mail import SmtpConfig, compose, send
from notifications.notices import Notice
from notifications.outbox import NotificationOutbox, Queued
from notifications.projector import may_be_told
from projections.cases import CaseProjector
from services.actor import Actor
from services.system import NOTIFIER, SystemJob

log = structlog.get_logger("notifications")

MAX_WAIT = 3600.0
# A notice kept for a recipient with no mailbox is due again once one is set (the projector
# sees the change); and looked at again after this, should it have missed it.
LOOK_AGAIN = timedelta(hours=1)


def backoff(attempts: int, rng: random.Random, base: float = 5.0) -> float:
    """Seconds before the next attempt: doubling from `base`, jittered, at most an hour."""
    wait: float = min(MAX_WAIT, base * 2 ** (attempts - 1))
    return wait * (0.5 + rng.random() / 2)


class NotificationSender:
    def __init__(self, marac: Marac, outbox: NotificationOutbox, trail: AuditTrail,
                 now: Callable[[], datetime], cases: CaseProjector, *, config: SmtpConfig,
                 rng: random.Random | None = None) -> None:
        self.marac = marac
        self.outbox = outbox
        self.cases = cases
        self.config = config
        self.now = now
        self.job = SystemJob.named(trail, now, NOTIFIER)
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret

    def run_once(self) -> int:
        """Send what is due; returns how many notices went out."""
        now = self.now()
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo)
        groups: dict[tuple[UUID, str], list[Queued]] = {}
        held: list[UUID] = []
        for queued in self.outbox.due(now):
            n = queued.notice
            if not self._still_told(n, now):
                continue
            if self._digest(n) and queued.created_at.date() >= now.date():
                held.append(n.message_id)  # for tomorrow's digest
                continue
            groups.setdefault((n.area_id, n.recipient), []).append(queued)
        self.outbox.hold(held, tomorrow)
        sent = 0
        for (area_id, recipient), group in groups.items():
            address = self._address(area_id, recipient)
            if address is None:  # nobody to tell yet: nothing disclosed, kept until set
                self.outbox.await_contact([q.notice.message_id for q in group],
                                          now + LOOK_AGAIN)
                continue
            batches = [group] if self._digest(group[0].notice) else [[q] for q in group]
            for batch in batches:
                sent += self._send(address, batch)
        return sent

    def _send(self, address: str, batch: list[Queued]) -> int:
        notices = [q.notice for q in batch]
        ids = [n.message_id for n in notices]
        message_id = ids[0] if len(ids) == 1 else uuid5(
            NAMESPACE_URL, "marac:digest:" + ",".join(sorted(map(str, ids))))
        now = self.now()
        audits = [self._audit(n, q.attempts + 1) for n, q in zip(notices, batch, strict=True)]
        try:
            send(self.config, compose(self.config, message_id, address, notices, now))
        except (OSError, smtplib.SMTPException) as exc:
            for n, step in zip(notices, audits, strict=True):
                step.audit.record_failed_save("notify", case_id=n.case_id, area_id=n.area_id)
            self._failed(batch, failure(exc), now)
            return 0
        self.outbox.sent(ids, now)
        return len(ids)

    def _failed(self, batch: list[Queued], failed: Failure, now: datetime) -> None:
        """Tried again later, or (refused for good, or failing too long) failed."""
        ended = [q.notice.message_id for q in batch
                 if failed.permanent or gives_up(q.failing_since, now)]
        going_on = [q for q in batch if q.notice.message_id not in ended]
        self.outbox.failed(ended, now, failed.error)
        if going_on:
            wait = backoff(max(q.attempts for q in going_on) + 1, self.rng)
            self.outbox.retry([q.notice.message_id for q in going_on], now,
                              now + timedelta(seconds=wait), failed.error)
        log.warning("notification_failed", error=failed.error, given_up=len(ended),
                    size=len(batch))

    def _audit(self, n: Notice, attempt: int) -> Actor:
        step = self.job.step()
        recipient = "coordinators" if n.recipient == COORDINATORS else f"agency:{n.recipient}"
        items = [n.kind, recipient, f"message:{n.message_id}", f"attempt:{attempt}"]
        if n.meeting_id is not None:
            items.append(f"meeting:{n.meeting_id}")
        step.audit.record("notify", "allowed", case_id=n.case_id, items=tuple(items),
                          area_id=n.area_id)
        return step

    def _still_told(self, n: Notice, now: datetime) -> bool:
        """Asked again when sending, as the case is now: a case erased, restricted or
        revoked from the agency since it was noticed is not announced (recorded `withheld`)."""
        if n.case_id is None or n.recipient == COORDINATORS:
            return True
        try:
            case: object = self.marac.get_case(n.case_id)
        except (CaseErased, CaseNotFound):
            case = None
        if case is not None and may_be_told(self.cases, n, case, now):
            return True
        self.job.step().audit.record("notify", "withheld", case_id=n.case_id,
                                     items=(n.kind, f"agency:{n.recipient}",
                                            f"message:{n.message_id}"), area_id=n.area_id)
        self.outbox.withheld(n.message_id)
        return False

    def _digest(self, n: Notice) -> bool:
        recipients = self.marac.get_area(n.area_id).settings.digest_recipients
        if n.recipient == COORDINATORS:
            return COORDINATORS in recipients
        return self.marac.get_agency(UUID(n.recipient)).code in recipients

    def _address(self, area_id: UUID, recipient: str) -> str | None:
        if recipient == COORDINATORS:
            return self.marac.get_area(area_id).settings.coordinators_email
        return self.marac.get_agency(UUID(recipient)).spoc_email

