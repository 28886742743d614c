"""Subscriptions and their outboxes.

Each subscription has its own gap-free cursor: the outbox projector appends an event with the
next cursor in the same transaction as its tracking position, so replaying the log can neither
skip nor repeat a cursor. Webhook secrets are kept wrapped under the key-encryption key, and a
rotated-out secret keeps signing beside the new one for a day, so receivers can switch over.
Rows hold ids, types and times only; no personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from feeds.events import IntegrationEvent
from security.kek import KekProvider
from storage.database import Cursor, Database

ROTATION_OVERLAP = timedelta(hours=24)
COLUMNS = ("subscription_id", "client_id", "agency_id", "area_id", "event_types", "endpoint",
           "status", "next_cursor", "delivered_cursor", "next_attempt_at", "last_status",
           "last_error", "start_position", "created_at")
# Renewed with every attempt (each at most 10 s); a dead worker's lease lapses this soon.
LEASE = timedelta(seconds=15)


@dataclass(frozen=True)
class Subscription:
    subscription_id: UUID
    client_id: str
    agency_id: UUID
    area_id: UUID
    event_types: frozenset[str]
    endpoint: str | None
    status: str
    next_cursor: int
    delivered_cursor: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    # Events from after this position in the log (its activation) only.
    start_position: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        return cls(UUID(row["subscription_id"]), row["client_id"], UUID(row["agency_id"]),
                   UUID(row["area_id"]), frozenset(json.loads(row["event_types"])),
                   row["endpoint"], row["status"], int(row["next_cursor"]),
                   int(row["delivered_cursor"]),
                   datetime.fromisoformat(row["next_attempt_at"]) if row["next_attempt_at"]
                   else None, row["last_status"], row["last_error"],
                   int(row["start_position"]), datetime.fromisoformat(row["created_at"]))


@dataclass(frozen=True)
class OutboxEvent:
    """An event in a subscription's outbox, at its cursor."""

    cursor: int
    event: IntegrationEvent


@dataclass(frozen=True)
class Backlog:
    undelivered: int  # events queued for active webhook subscriptions, not yet settled
    oldest: datetime | None  # when the oldest of them happened
    dead_letters: int  # events whose retry budget ran out, until replayed


def _aad(subscription_id: UUID) -> bytes:
    return f"marac:feed-secret:{subscription_id}".encode()


class FeedStore:
    def __init__(self, db: Database, keks: KekProvider) -> None:
        self.db = db
        self.keks = keks

    # Subscriptions ------------------------------------------------------------------------

    def subscribe(self, *, client_id: str, agency_id: UUID, area_id: UUID,
                  event_types: frozenset[str], endpoint: str | None, secret: str,
                  now: datetime) -> UUID:
        """A pending subscription: nothing is kept for it until its client activates it. Who
        set it up is in the audit trail; no staff id is kept here."""
        subscription_id = uuid4()
        kek, wrapped = self.keks.wrap(secret.encode(), _aad(subscription_id))
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO feed_subscriptions (subscription_id, client_id, agency_id, area_id,"
                " event_types, endpoint, status, created_at, next_cursor, delivered_cursor,"
                " secret_kek, secret, start_position)"
                " VALUES (%s, %s, %s, %s, %s, %s, 'pending', %s, 1, 0, %s, %s, 0)",
                (str(subscription_id), client_id, str(agency_id), str(area_id),
                 json.dumps(sorted(event_types)), endpoint, now.isoformat(), kek, wrapped))
        return subscription_id

    def activate(self, subscription_id: UUID, secret: str, position: int) -> None:
        """The client takes the subscription on: a fresh secret, and events from `position`
        (the log's end now) on."""
        kek, wrapped = self.keks.wrap(secret.encode(), _aad(subscription_id))
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET status = 'active', secret_kek = %s,"
                        " secret = %s, start_position = %s WHERE subscription_id = %s"
                        " AND status = 'pending'",
                        (kek, wrapped, position, str(subscription_id)))
            if cur.rowcount != 1:
                raise LookupError("not a pending subscription")

    def rotate(self, subscription_id: UUID, secret: str, now: datetime) -> None:
        """The new secret signs from now; the old one signs beside it for a day."""
        kek, wrapped = self.keks.wrap(secret.encode(), _aad(subscription_id))
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE feed_subscriptions SET previous_kek = secret_kek,"
                " previous_secret = secret, previous_until = %s, secret_kek = %s, secret = %s"
                " WHERE subscription_id = %s",
                ((now + ROTATION_OVERLAP).isoformat(), kek, wrapped, str(subscription_id)))

    def secrets(self, subscription_id: UUID, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, then the previous one
        while its overlap lasts."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT secret_kek, secret, previous_kek, previous_secret,"
                        " previous_until FROM feed_subscriptions WHERE subscription_id = %s",
                        (str(subscription_id),))
            row = cur.fetchone()
        if row is None:
            return []
        aad = _aad(subscription_id)
        found = [self.keks.unwrap(row[0], bytes(row[1]), aad).decode()]
        if row[3] is not None and row[4] and now < datetime.fromisoformat(row[4]):
            found.append(self.keks.unwrap(row[2], bytes(row[3]), aad).decode())
        return found

    def get(self, subscription_id: UUID) -> Subscription | None:
        found = self._select("WHERE subscription_id = %s", (str(subscription_id),))
        return found[0] if found else None

    def active(self, cur: Cursor | None = None) -> list[Subscription]:
        return self._select("WHERE status = 'active'", (), cur)

    def in_area(self, area_id: UUID) -> list[Subscription]:
        """An area's subscriptions, newest first (an area has a few: one or two an agency)."""
        return self._select("WHERE area_id = %s", (str(area_id),), newest_first=True)

    def _select(self, where: str, params: tuple[object, ...], cur: Cursor | None = None, *,
                newest_first: bool = False) -> list[Subscription]:
        order = ("created_at DESC, subscription_id DESC" if newest_first
                 else "created_at, subscription_id")
        sql = (f"SELECT {', '.join(COLUMNS)} FROM feed_subscriptions {where} "  # noqa: S608
               f"ORDER BY {order}")
        if cur is not None:
            cur.execute(sql, params)
            rows = cur.fetchall()
        else:
            with self.db.transaction(readonly=True) as own:
                own.execute(sql, params)
                rows = own.fetchall()
        return [Subscription.from_row(dict(zip(COLUMNS, r, strict=True))) for r in rows]

    def set_status(self, subscription_id: UUID, status: str, error: str | None = None) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET status = %s, last_error = %s"
                        " WHERE subscription_id = %s", (status, error, str(subscription_id)))

    # The outbox -------------------------------------------------------------------------

    def append(self, cur: Cursor, subscription_id: UUID, event: IntegrationEvent) -> int:
        """Inside the projector's transaction: the next cursor, gap-free."""
        cur.execute("UPDATE feed_subscriptions SET next_cursor = next_cursor + 1"
                    " WHERE subscription_id = %s RETURNING next_cursor - 1",
                    (str(subscription_id),))
        row = cur.fetchone()
        if row is None:
            raise LookupError("no such subscription")
        position = int(row[0])
        cur.execute(
            "INSERT INTO feed_outbox (subscription_id, cursor, event_id, type, case_id, body,"
            " state, attempts) VALUES (%s, %s, %s, %s, %s, %s, 'pending', 0)",
            (str(subscription_id), position, str(event.event_id), event.type,
             str(event.case_id) if event.case_id else None,
             json.dumps(event.body(), sort_keys=True, separators=(",", ":"))))
        return position

    def events(self, subscription_id: UUID, after: int, limit: int) -> list[OutboxEvent]:
        """The outbox after a cursor: what a pull returns (dead letters included: a pull
        has no retry budget)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT cursor, body FROM feed_outbox WHERE subscription_id = %s"
                        " AND cursor > %s ORDER BY cursor LIMIT %s",
                        (str(subscription_id), after, limit))
            rows = cur.fetchall()
        return [OutboxEvent(int(c), IntegrationEvent.from_body(json.loads(b))) for c, b in rows]

    def pending(self, subscription_id: UUID, limit: int) -> list[tuple[int, str, int]]:
        """The next events a webhook must deliver, in order: (cursor, body, attempts)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT cursor, body, attempts FROM feed_outbox"
                        " WHERE subscription_id = %s AND state = 'pending'"
                        " ORDER BY cursor LIMIT %s", (str(subscription_id), limit))
            return [(int(r[0]), str(r[1]), int(r[2])) for r in cur.fetchall()]

    def settle(self, subscription_id: UUID, position: int, state: str, status: int | None,
               error: str | None, *, holder: str | None = None, now: datetime | None = None,
               retry_at: datetime | None = None, deferred: bool = False) -> bool:
        """An attempt ended: delivered, dead (retry budget spent), or still pending, with when
        to try again (`retry_at`; None clears a deferral). Given its `holder`, only while that
        deliverer still holds the subscription's lease, which it renews from `now`: a
        deliverer whose lease lapsed and was taken settles nothing (its event goes out again
        from the new holder, at least once), so two workers never both move a cursor.
        False when the lease was lost."""
        moved = ", delivered_cursor = %s" if state != "pending" else ""
        params: list[object] = [status, error]
        if state != "pending":
            params.append(position)
        sql = ("UPDATE feed_subscriptions SET last_status = %s,"  # noqa: S608
               " last_error = %s" + moved)
        if deferred or retry_at is not None:
            sql += ", next_attempt_at = %s"
            params.append(retry_at.isoformat() if retry_at else None)
        if holder is not None and now is not None:
            sql += ", leased_until = %s"
            params.append((now + LEASE).isoformat())
        sql += " WHERE subscription_id = %s"
        params.append(str(subscription_id))
        if holder is not None:
            sql += " AND leased_by = %s"
            params.append(holder)
        outbox = ("UPDATE feed_outbox SET state = %s, attempts = attempts + 1"
                  " WHERE subscription_id = %s AND cursor = %s AND state = 'pending'")
        if self.db.dialect == "postgresql":
            # One statement that commits itself: one round trip an attempt, not four.
            with self.db.single_statement() as cur:
                cur.execute(
                    f"WITH s AS ({sql} RETURNING subscription_id),"  # noqa: S608
                    " o AS (" + outbox.replace("subscription_id = %s", "subscription_id IN"
                                               " (SELECT subscription_id FROM s)")
                    + " RETURNING 1) SELECT count(*) FROM s",
                    (*params, state, position))
                row = cur.fetchone()
            return row is not None and int(row[0]) == 1
        with self.db.transaction() as cur:
            cur.execute(sql, params)
            if int(cur.rowcount) != 1:
                return False
            cur.execute(outbox, (state, str(subscription_id), position))
        return True

    def defer(self, subscription_id: UUID, until: datetime | None) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET next_attempt_at = %s"
                        " WHERE subscription_id = %s",
                        (until.isoformat() if until else None, str(subscription_id)))

    def replay(self, subscription_id: UUID, from_cursor: int) -> int:
        """Deliver again from a cursor (dead letters included); receivers de-duplicate by
        `webhook-id`. Re-enables a disabled subscription, never a pending one: that is its
        client's to take on (activate). Returns how many events."""
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET status = 'active',"
                        " next_attempt_at = NULL, delivered_cursor = %s"
                        " WHERE subscription_id = %s AND status <> 'pending'",
                        (max(from_cursor - 1, 0), str(subscription_id)))
            if cur.rowcount != 1:
                raise LookupError("not a subscription its client has taken on")
            cur.execute("UPDATE feed_outbox SET state = 'pending', attempts = 0"
                        " WHERE subscription_id = %s AND cursor >= %s",
                        (str(subscription_id), from_cursor))
            count = cur.rowcount
        return int(count)

    def lease(self, subscription_id: UUID, holder: str, now: datetime) -> bool:
        """One deliverer per subscription at a time (several workers may run): taken or
        renewed atomically by its holder, and lapsing soon if the holder dies."""
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET leased_by = %s, leased_until = %s"
                        " WHERE subscription_id = %s AND (leased_until IS NULL"
                        " OR leased_until < %s OR leased_by = %s)",
                        (holder, (now + LEASE).isoformat(), str(subscription_id),
                         now.isoformat(), holder))
            return int(cur.rowcount) == 1

    def release(self, subscription_id: UUID, holder: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE feed_subscriptions SET leased_by = NULL, leased_until = NULL"
                        " WHERE subscription_id = %s AND leased_by = %s",
                        (str(subscription_id), holder))

    def claim(self, holder: str, now: datetime, limit: int,
              skip: frozenset[UUID] = frozenset()) -> list[Subscription]:
        """Lease to `holder` the webhook subscriptions with events due now that nobody holds,
        oldest first, at most `limit`, in one statement: two workers split them between
        them, never share one. On PostgreSQL the rows another worker is claiming at the same
        moment are skipped rather than waited for (SKIP LOCKED); each row's lease is checked
        again under its lock either way. `skip`: held here already."""
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        free = "(leased_until IS NULL OR leased_until < %s)"
        excluded = "".join(" AND subscription_id <> %s" for _ in skip)
        sql = (f"UPDATE feed_subscriptions SET leased_by = %s, leased_until = %s"  # noqa: S608
               f" WHERE {free} AND subscription_id IN (SELECT subscription_id"
               f" FROM feed_subscriptions WHERE status = 'active' AND endpoint IS NOT NULL"
               f" AND next_cursor - 1 > delivered_cursor"
               f" AND (next_attempt_at IS NULL OR next_attempt_at <= %s) AND {free}{excluded}"
               f" ORDER BY created_at, subscription_id LIMIT %s{lock})"
               f" RETURNING {', '.join(COLUMNS)}")
        at = now.isoformat()
        with self.db.transaction() as cur:
            cur.execute(sql, (holder, (now + LEASE).isoformat(), at, at, at,
                              *(str(s) for s in skip), limit))
            rows = cur.fetchall()
        claimed = [Subscription.from_row(dict(zip(COLUMNS, r, strict=True))) for r in rows]
        return sorted(claimed, key=lambda s: (s.created_at, str(s.subscription_id)))

    def case_version(self, cur: Cursor, case_id: UUID) -> int | None:
        """The case's version as far as the outbox has read the log."""
        cur.execute("SELECT version FROM feed_case_versions WHERE case_id = %s",
                    (str(case_id),))
        row = cur.fetchone()
        return int(row[0]) if row else None

    def record_versions(self, cur: Cursor, versions: dict[UUID, int]) -> None:
        for case_id, version in versions.items():
            cur.execute("INSERT INTO feed_case_versions (case_id, version) VALUES (%s, %s)"
                        " ON CONFLICT (case_id) DO UPDATE SET version = excluded.version",
                        (str(case_id), version))

    def dead_letters(self, subscription_id: UUID) -> list[int]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT cursor FROM feed_outbox WHERE subscription_id = %s"
                        " AND state = 'dead' ORDER BY cursor", (str(subscription_id),))
            return [int(r[0]) for r in cur.fetchall()]

    def backlog(self) -> Backlog:
        """What active webhook subscriptions have still to deliver (metrics): counted from
        their cursors, since delivery settles events in order, and the oldest's time read
        from the one event next in line for each."""
        oldest: datetime | None = None
        undelivered = 0
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT subscription_id, next_cursor - 1 - delivered_cursor,"
                        " delivered_cursor FROM feed_subscriptions WHERE status = 'active'"
                        " AND endpoint IS NOT NULL")
            for subscription_id, waiting, delivered in cur.fetchall():
                if int(waiting) <= 0:
                    continue
                undelivered += int(waiting)
                cur.execute("SELECT body FROM feed_outbox WHERE subscription_id = %s"
                            " AND cursor = %s", (subscription_id, int(delivered) + 1))
                row = cur.fetchone()
                if row is not None:
                    at = datetime.fromisoformat(json.loads(row[0])["occurred_at"])
                    oldest = at if oldest is None else min(oldest, at)
            cur.execute("SELECT COUNT(*) FROM feed_outbox WHERE state = 'dead'")
            dead = cur.fetchone()
        return Backlog(undelivered, oldest, int(dead[0]) if dead else 0)

    def purge_case(self, case_id: UUID) -> None:
        """Erasure: events not yet delivered about an erased case are not sent. Taken under
        the outbox projector's tracking lock, so a batch in flight cannot add one after."""
        with self.db.transaction() as cur:
            if self.db.dialect == "postgresql":
                cur.execute("SELECT position FROM projection_tracking WHERE name = 'feeds'"
                            " FOR UPDATE")
            cur.execute("DELETE FROM feed_outbox WHERE case_id = %s", (str(case_id),))
            cur.execute("DELETE FROM feed_case_versions WHERE case_id = %s", (str(case_id),))
