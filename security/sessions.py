"""People's sign-in sessions for the pages (web/), kept in the database, not in the cookie.

The browser holds only a random session id. A row is found by the id's SHA-256 (the id is 256
random bits, so a digest cannot be guessed back), so that a copy of the table opens no session;
what the session holds (the access token, the name to show, the CSRF token, a sign-in in
progress, a form's draft) is sealed under the key-encryption key and bound to its row, as the
API's stored answers are. One table on SQLite and PostgreSQL; `memory:` keeps it in its
in-memory SQLite.

A session ends when idle for `SessionLimits.idle`, at the latest `absolute` after it began, and
when its person signs out. One not yet signed in (a sign-in under way) lasts `pending`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from security.kek import KekProvider
from storage.database import Database

TABLE = "web_sessions"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=8)
    # From the sign-in page to the identity provider's answer: a person picks who they are.
    pending: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class SessionData:
    """What a session holds, sealed. `sign_in`: the OAuth client's state for a sign-in under
    way (its PKCE verifier, nonce and redirect), until the identity provider answers."""

    csrf_token: str
    access_token: str | None = None
    person_name: str = ""
    agency_name: str = ""
    # The purpose last given for reading case content, offered again (always changeable).
    purpose: str | None = None
    sign_in: dict[str, Any] = field(default_factory=dict)
    # Forms in progress that span several pages (a referral's draft), by form, as each form's
    # module writes them: sealed with the rest, and gone with the session.
    drafts: dict[str, Any] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.access_token is not None


@dataclass(frozen=True)
class Session:
    """A live session: `session_id` is the cookie's value (never stored)."""

    session_id: str
    started_at: datetime
    data: SessionData


def expired(started_at: datetime, last_seen_at: datetime, signed_in: bool, now: datetime,
            limits: SessionLimits) -> bool:
    """The one rule for when a session ends by time."""
    if not signed_in:
        return now >= started_at + limits.pending
    return now >= last_seen_at + limits.idle or now >= started_at + limits.absolute


def _at(when: datetime) -> str:
    # One fixed width in UTC, so that the text columns compare in time order.
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _ref(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _aad(ref: str) -> bytes:
    return f"{TABLE}\x1f{ref}".encode()


class SessionStore:
    def __init__(self, db: Database, keks: KekProvider,
                 limits: SessionLimits | None = None) -> None:
        self.db = db
        self.keks = keks
        self.limits = limits or SessionLimits()

    def start(self, now: datetime, data: SessionData | None = None) -> Session:
        """A new session with a new id and CSRF token (never one carried over from another
        session: signing in starts a new one, so an id planted before sign-in is useless)."""
        session = Session(secrets.token_urlsafe(32), now,
                          data or SessionData(csrf_token=secrets.token_urlsafe(32)))
        ref = _ref(session.session_id)
        kek_id, sealed = self.keks.wrap(self._seal(session.data), _aad(ref))
        with self.db.transaction() as cur:
            # The sessions past their end go as new ones come: the table holds live ones.
            cur.execute(f"DELETE FROM {TABLE} WHERE ends_at <= %s", (_at(now),))  # noqa: S608
            cur.execute(f"INSERT INTO {TABLE} (ref, started_at, last_seen_at, ends_at, "  # noqa: S608
                        "kek_id, data) VALUES (%s, %s, %s, %s, %s, %s)",
                        (ref, _at(now), _at(now), _at(self._ends(now, now, session.data)),
                         kek_id, sealed))
        return session

    def signed_in(self, pending: Session, now: datetime, data: SessionData) -> Session:
        """The person has signed in: the pending session ends and a new one (new id, new CSRF
        token) begins, holding `data`."""
        self.end(pending.session_id)
        return self.start(now, replace(data, csrf_token=secrets.token_urlsafe(32), sign_in={}))

    def find(self, session_id: str, now: datetime) -> Session | None:
        """The live session with this id, seen now (which keeps it from idling out); None when
        there is none or it has ended (it is then removed)."""
        if not session_id or len(session_id) > 100:
            return None
        ref = _ref(session_id)
        with self.db.transaction() as cur:
            cur.execute(f"SELECT started_at, last_seen_at, kek_id, data FROM {TABLE} "  # noqa: S608
                        "WHERE ref = %s", (ref,))
            row = cur.fetchone()
            if row is None:
                return None
            started_at = datetime.fromisoformat(row[0])
            data = self._open(self.keks.unwrap(row[2], bytes(row[3]), _aad(ref)))
            if expired(started_at, datetime.fromisoformat(row[1]), data.signed_in, now,
                       self.limits):
                cur.execute(f"DELETE FROM {TABLE} WHERE ref = %s", (ref,))  # noqa: S608
                return None
            cur.execute(f"UPDATE {TABLE} SET last_seen_at = %s, ends_at = %s "  # noqa: S608
                        "WHERE ref = %s",
                        (_at(now), _at(self._ends(started_at, now, data)), ref))
        return Session(session_id, started_at, data)

    def save(self, session: Session, data: SessionData) -> Session:
        """Replace what the session holds (its id and times stay)."""
        ref = _ref(session.session_id)
        kek_id, sealed = self.keks.wrap(self._seal(data), _aad(ref))
        with self.db.transaction() as cur:
            cur.execute(f"UPDATE {TABLE} SET kek_id = %s, data = %s WHERE ref = %s",  # noqa: S608
                        (kek_id, sealed, ref))
        return replace(session, data=data)

    def end(self, session_id: str) -> None:
        """Sign-out: the session is gone; its id opens nothing any more."""
        with self.db.transaction() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE ref = %s",  # noqa: S608
                        (_ref(session_id),))

    def _ends(self, started_at: datetime, last_seen_at: datetime, data: SessionData) -> datetime:
        """When the session ends if not seen again: for the purge, not the check."""
        if not data.signed_in:
            return started_at + self.limits.pending
        return min(last_seen_at + self.limits.idle, started_at + self.limits.absolute)

    @staticmethod
    def _seal(data: SessionData) -> bytes:
        return json.dumps(asdict(data)).encode()

    @staticmethod
    def _open(plain: bytes) -> SessionData:
        return SessionData(**json.loads(plain))
