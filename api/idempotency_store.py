"""Idempotency keys and the first answers given under them, for 24 hours.

A row per (caller, key), both only as a keyed HMAC: the key is the client's own string, and
could be anything. The request is kept as a keyed fingerprint of its method, path and body,
never the body or a plain hash of it (a hash of a referral could be checked against a guess).
The answer (status, the headers that matter, the body) is sealed under the key-encryption key
and bound to its row, as webhook secrets are: some answers carry a secret shown once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from security.kek import KekProvider
from storage.database import Database

TABLE = "idempotency_keys"
KEPT_FOR = timedelta(hours=24)
# A first request still unanswered after this is taken to have died with its process: its key
# may be used again (a referral then finds the case it made, see api/idempotency.py).
IN_FLIGHT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    case_id: str | None = None  # the case the first request was audited against

    def seal(self) -> bytes:
        return json.dumps({"status": self.status, "headers": self.headers,
                           "body": base64.b64encode(self.body).decode(),
                           "case_id": self.case_id}).encode()

    @classmethod
    def open(cls, plain: bytes) -> Answer:
        doc = json.loads(plain)
        return cls(int(doc["status"]), tuple((k, v) for k, v in doc["headers"]),
                   base64.b64decode(doc["body"]), doc["case_id"])


@dataclass(frozen=True)
class Proceed:
    """The first request under this key (or the first since it expired or its holder died)."""


@dataclass(frozen=True)
class Replay:
    """The key's request has been answered; `answer` is None when it was not kept."""

    answer: Answer | None
    status: int


@dataclass(frozen=True)
class InFlight:
    """The first request under this key is still running."""


@dataclass(frozen=True)
class Mismatch:
    """The key was used for another request (method, path or body)."""


Outcome = Proceed | Replay | InFlight | Mismatch


def _at(when: datetime) -> str:
    # One fixed-width form, so that the text columns compare in time order.
    return when.astimezone(UTC).isoformat(timespec="microseconds")


class IdempotencyStore:
    def __init__(self, db: Database, keks: KekProvider) -> None:
        self.db = db
        self.keks = keks

    def begin(self, ref: str, fingerprint: str, now: datetime) -> Outcome:
        fresh = (fingerprint, _at(now), _at(now + KEPT_FOR), ref)
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.transaction() as cur:
            cur.execute(f"INSERT INTO {TABLE} (fingerprint, started_at, expires_at, ref) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (ref) DO NOTHING", fresh)
            if cur.rowcount == 1:
                return Proceed()
            cur.execute(f"SELECT fingerprint, started_at, expires_at, status, kek_id, answer "  # noqa: S608
                        f"FROM {TABLE} WHERE ref = %s{lock}", (ref,))
            row = cur.fetchone()
            if row is None:  # purged between the two statements: it is ours again
                cur.execute(f"INSERT INTO {TABLE} (fingerprint, started_at, expires_at, ref) "  # noqa: S608
                            "VALUES (%s, %s, %s, %s)", fresh)
                return Proceed()
            seen, started, expires, status, kek_id, sealed = row
            lapsed = status is None and started <= _at(now - IN_FLIGHT_LEASE)
            if expires <= _at(now) or (lapsed and seen == fingerprint):
                cur.execute(f"UPDATE {TABLE} SET fingerprint = %s, started_at = %s, "  # noqa: S608
                            "expires_at = %s, status = NULL, kek_id = NULL, answer = NULL "
                            "WHERE ref = %s", fresh)
                return Proceed()
        if seen != fingerprint:
            return Mismatch()
        if status is None:
            return InFlight()
        answer = None
        if sealed is not None:
            answer = Answer.open(self.keks.unwrap(kek_id, bytes(sealed), _aad(ref)))
        return Replay(answer, int(status))

    def complete(self, ref: str, answer: Answer, *, keep: bool) -> None:
        """Record the answer; `keep=False`: only that there was one (it carried personal data
        that is not kept outside its case's encryption)."""
        kek_id, sealed = self.keks.wrap(answer.seal(), _aad(ref)) if keep else (None, None)
        with self.db.transaction() as cur:
            cur.execute(f"UPDATE {TABLE} SET status = %s, kek_id = %s, answer = %s "  # noqa: S608
                        "WHERE ref = %s", (answer.status, kek_id, sealed, ref))

    def abandon(self, ref: str) -> None:
        """The request failed in a way a retry may mend (a 5xx): forget the key."""
        with self.db.transaction() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE ref = %s AND status IS NULL",  # noqa: S608
                        (ref,))

    def purge(self, now: datetime) -> int:
        """Forget the keys past their 24 hours (the worker's pass)."""
        with self.db.transaction() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE expires_at <= %s", (_at(now),))  # noqa: S608
            return cur.rowcount


def _aad(ref: str) -> bytes:
    return f"{TABLE}\x1f{ref}".encode()
