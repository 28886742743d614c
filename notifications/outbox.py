"""The notifications outbox: notices waiting to be e-mailed, sent, or held for a digest.

A notice is appended in the projector's transaction, keyed by its derived message id, so a
replayed batch adds nothing. A row holds ids, kinds, states and times only: no address (looked
up when sending, so a changed mailbox is used at once) and no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from notifications.notices import Notice, NoticeKind
from storage.database import Cursor, Database

# Long enough for one attempt (SMTP's timeout is 10 s).
CLAIM = timedelta(seconds=60)
COLUMNS = ("message_id", "kind", "area_id", "recipient", "case_id", "meeting_id", "created_at",
           "attempts")


@dataclass(frozen=True)
class Queued:
    notice: Notice
    created_at: datetime
    attempts: int


def _queued(row: tuple[object, ...]) -> Queued:
    message_id, kind, area_id, recipient, case_id, meeting_id, created_at, attempts = row
    return Queued(Notice(UUID(str(message_id)), cast(NoticeKind, kind), UUID(str(area_id)),
                         str(recipient), UUID(str(case_id)) if case_id else None,
                         UUID(str(meeting_id)) if meeting_id else None),
                  datetime.fromisoformat(str(created_at)), int(str(attempts)))


class NotificationOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_tables(self) -> None:
        self.db.execute_script([
            """CREATE TABLE IF NOT EXISTS notification_outbox (
                message_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                area_id TEXT NOT NULL,
                recipient TEXT NOT NULL,
                case_id TEXT,
                meeting_id TEXT,
                created_at TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at TEXT NOT NULL,
                sent_at TEXT,
                last_error TEXT)""",
            "CREATE INDEX IF NOT EXISTS notification_outbox_due"
            " ON notification_outbox (state, next_attempt_at)",
            "CREATE INDEX IF NOT EXISTS notification_outbox_case"
            " ON notification_outbox (case_id)",
        ])

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
        """Pending notices whose next attempt is due, oldest first, each claimed for this
        sender for a while: several workers may run, and each notice goes out from one of
        them (a sender that dies holding one lets it lapse, and it is sent again)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(COLUMNS)}, next_attempt_at"  # noqa: S608
                        " FROM notification_outbox"
                        " WHERE state = 'pending' AND next_attempt_at <= %s"
                        " ORDER BY created_at, message_id LIMIT %s", (now.isoformat(), limit))
            rows = cur.fetchall()
        claimed = []
        with self.db.transaction() as cur:
            for row in rows:
                cur.execute("UPDATE notification_outbox SET next_attempt_at = %s"
                            " WHERE message_id = %s AND state = 'pending'"
                            " AND next_attempt_at = %s",
                            ((now + CLAIM).isoformat(), row[0], row[-1]))
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

    def retry(self, message_ids: list[UUID], at: datetime, error: str) -> None:
        """A failed attempt: tried again from `at`. Never given up on: nothing is lost while
        the mail server is down."""
        with self.db.transaction() as cur:
            for message_id in message_ids:
                cur.execute("UPDATE notification_outbox SET attempts = attempts + 1,"
                            " next_attempt_at = %s, last_error = %s WHERE message_id = %s",
                            (at.isoformat(), error, str(message_id)))

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
