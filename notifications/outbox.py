"""The notifications outbox: notices waiting to be e-mailed, sent, or held for a digest.

A notice is appended in the projector's transaction, keyed by its derived message id, so a
replayed batch adds nothing. A row holds ids, kinds, states and times only: no address (looked
up when sending, so a changed mailbox is used at once) and no personal data; a failure is
kept as its SMTP reply code or the kind of connection error, never the server's text (which
may quote the address).

States: `pending` (to send, from `next_attempt_at`); `awaiting_contact` (its recipient has no
mailbox on record: kept until one is set); `sent`; `withheld` (never to be sent: its case
erased, or the recipient no longer to hear of it); `failed` (refused for good, or still failing
after notifications/failures.py's bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from domain.area import COORDINATORS
from notifications.notices import Notice, NoticeKind
from services.failed_notifications import FailedNotification
from storage.database import Cursor, Database

# Long enough for one attempt (SMTP's timeout is 10 s).
CLAIM = timedelta(seconds=60)
COLUMNS = ("message_id", "kind", "area_id", "recipient", "case_id", "meeting_id", "created_at",
           "attempts", "failing_since")
# Looked at by the sender: to send, or to see whether a mailbox has been set since.
DUE_STATES = ("pending", "awaiting_contact")
@dataclass(frozen=True)
class Queued:
    notice: Notice
    created_at: datetime
    attempts: int
    # The first failed attempt of the failures since (none: not failing).
    failing_since: datetime | None = None


def _notice(row: tuple[object, ...]) -> Notice:
    message_id, kind, area_id, recipient, case_id, meeting_id = row
    return Notice(UUID(str(message_id)), cast(NoticeKind, kind), UUID(str(area_id)),
                  str(recipient), UUID(str(case_id)) if case_id else None,
                  UUID(str(meeting_id)) if meeting_id else None)


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _queued(row: tuple[object, ...]) -> Queued:
    created_at, attempts, failing_since = row[6:9]
    return Queued(_notice(row[:6]), datetime.fromisoformat(str(created_at)),
                  int(str(attempts)), _time(failing_since))


class NotificationOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, cur: Cursor, notice: Notice, at: datetime) -> None:
        cur.execute(
            "INSERT INTO notification_outbox (message_id, kind, area_id, recipient, case_id,"
            " meeting_id, created_at, state, attempts, next_attempt_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', 0, %s)"
            " ON CONFLICT (message_id) DO NOTHING",
            (str(notice.message_id), notice.kind, str(notice.area_id), notice.recipient,
             str(notice.case_id) if notice.case_id else None,
             str(notice.meeting_id) if notice.meeting_id else None, at.isoformat(),
             at.isoformat()))

    def add(self, notice: Notice, at: datetime) -> None:
        with self.db.transaction() as cur:
            self.append(cur, notice, at)

    def due(self, now: datetime, limit: int = 100) -> list[Queued]:
        """Notices whose next attempt (or look for a mailbox) is due, oldest first, each
        claimed for this sender for a while: several workers may run, and each notice goes
        out from one of them (a sender that dies holding one lets it lapse, and it is sent
        again)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(COLUMNS)}, next_attempt_at"  # noqa: S608
                        " FROM notification_outbox"
                        " WHERE state IN (%s, %s) AND next_attempt_at <= %s"
                        " ORDER BY created_at, message_id LIMIT %s",
                        (*DUE_STATES, now.isoformat(), limit))
            rows = cur.fetchall()
        claimed = []
        with self.db.transaction() as cur:
            for row in rows:
                cur.execute("UPDATE notification_outbox SET next_attempt_at = %s"
                            " WHERE message_id = %s AND state IN (%s, %s)"
                            " AND next_attempt_at = %s",
                            ((now + CLAIM).isoformat(), row[0], *DUE_STATES, row[-1]))
                if cur.rowcount == 1:
                    claimed.append(_queued(row[:-1]))
        return claimed

    def sent(self, message_ids: list[UUID], at: datetime) -> None:
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET state = 'sent', sent_at = %s,"
                            " attempts = attempts + 1, last_error = NULL"
                            " WHERE message_id = %s", (at.isoformat(), str(message_id)))

    def withheld(self, message_id: UUID) -> None:
        """Not to be sent at all (its case erased since, or no mailbox to send it to)."""
        with self.db.transaction() as cur:
            cur.execute("UPDATE notification_outbox SET state = 'withheld'"
                        " WHERE message_id = %s", (str(message_id),))

    def retry(self, message_ids: list[UUID], now: datetime, at: datetime, error: str) -> None:
        """A failed attempt at `now`, tried again from `at`: nothing is lost while the mail
        server is down (notifications/failures.py bounds how long)."""
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET attempts = attempts + 1,"
                            " next_attempt_at = %s, last_error = %s,"
                            " failing_since = COALESCE(failing_since, %s)"
                            " WHERE message_id = %s",
                            (at.isoformat(), error, now.isoformat(), str(message_id)))

    def failed(self, message_ids: list[UUID], at: datetime, error: str) -> None:
        """An attempt at `at` that ends the notice's tries: refused for good, or failing for
        too long."""
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET attempts = attempts + 1,"
                            " state = 'failed', last_error = %s, failed_at = %s,"
                            " failing_since = COALESCE(failing_since, %s)"
                            " WHERE message_id = %s",
                            (error, at.isoformat(), at.isoformat(), str(message_id)))

    def await_contact(self, message_ids: list[UUID], look_again: datetime) -> None:
        """No mailbox on record for the recipient: kept (not an attempt), and looked at
        again at `look_again` unless a mailbox is set before (`contact_set`)."""
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET state = 'awaiting_contact',"
                            " next_attempt_at = %s WHERE message_id = %s",
                            (look_again.isoformat(), str(message_id)))

    def contact_set(self, cur: Cursor, area_id: UUID, recipient: str, at: datetime) -> None:
        """The recipient has a mailbox now: what waited for one is due at once (in the
        projector's transaction)."""
        cur.execute("UPDATE notification_outbox SET state = 'pending', next_attempt_at = %s"
                    " WHERE state = 'awaiting_contact' AND area_id = %s AND recipient = %s",
                    (at.isoformat(), str(area_id), recipient))

    def failures(self, area_id: UUID) -> list[FailedNotification]:
        """The area's notices given up on, latest first (services/failed_notifications.py
        lists those the caller may see)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(COLUMNS[:8])}, last_error, failed_at"  # noqa: S608
                        " FROM notification_outbox WHERE area_id = %s AND state = 'failed'"
                        " ORDER BY failed_at DESC, message_id", (str(area_id),))
            rows = cur.fetchall()
        found = []
        for r in rows:
            notice = _notice(r[:6])
            found.append(FailedNotification(
                notice.message_id, notice.kind,
                None if notice.recipient == COORDINATORS else UUID(notice.recipient),
                notice.case_id, notice.meeting_id, datetime.fromisoformat(str(r[6])),
                datetime.fromisoformat(str(r[9])), int(str(r[7])), str(r[8])))
        return found

    def hold(self, message_ids: list[UUID], until: datetime) -> None:
        """Kept for a digest: not looked at again until `until` (not an attempt)."""
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET next_attempt_at = %s"
                            " WHERE message_id = %s", (until.isoformat(), str(message_id)))

    def states(self) -> dict[UUID, str]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT message_id, state FROM notification_outbox")
            return {UUID(str(m)): str(s) for m, s in cur.fetchall()}

    def purge_case(self, case_id: UUID) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM notification_outbox WHERE case_id = %s", (str(case_id),))
