"""The KEK roster: which KEK is current, shared by every process through the database, and
the two-phase roll-out of a new one.

Phase 1 (`stage`): the new KEK is created and listed as staged with a probe wrapped under it;
each running process, at its heartbeat, unwraps the probe and records that it can. Phase 2
(`promote`): once every live process has, the KEK becomes current, and each process wraps new
data keys under it from its next look at the roster. So no process wraps under a KEK that a
running process cannot unwrap: a process that cannot keeps the promotion waiting.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from security.errors import KekNotReady, KeyConfigurationError, SecurityError
from security.kek import KekStore
from storage.database import Database

STAGED, CURRENT, PREVIOUS = "staged", "current", "previous"
_PROBE = b"marac:kek-probe:v1"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _probe_aad(kek_id: str) -> bytes:
    return _PROBE + b":" + kek_id.encode()


@dataclass(frozen=True)
class RosterEntry:
    kek_id: str
    state: str
    staged_at: str
    promoted_at: str | None


@dataclass(frozen=True)
class Readiness:
    """The live processes (seen within the liveness window) that have shown they can unwrap
    under a KEK, and those that have not. Ids are host/pid/random: no personal data."""

    kek_id: str
    ready: tuple[str, ...]
    not_ready: tuple[str, ...]


class KekRoster:
    """The `KekProvider` every store of the platform wraps through: KEKs from a `KekStore`,
    the current one from the database (re-read every `refresh_seconds`)."""

    def __init__(self, db: Database, store: KekStore, *, refresh_seconds: float = 5.0,
                 live_seconds: float = 30.0, now: Callable[[], datetime] = _utc_now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.store = store
        self.refresh_seconds = refresh_seconds
        # A process unseen for this long is taken to have stopped (a crash leaves its row).
        self.live_seconds = max(live_seconds, 3 * refresh_seconds)
        self.process_id = f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"
        self._now = now
        self._monotonic = monotonic
        self._current = ""
        self._fresh_until = 0.0
        self._proven: set[str] = set()
        self._registered = False  # whether it has a heartbeat row to remove on leaving
        self._lock = threading.Lock()

    def seed(self) -> None:
        """A new database's first KEK, if it has none current (its tables are migration
        0003's, storage/migrations)."""
        if self._read_current() is None:
            self._seed()

    def _seed(self) -> None:
        """A database's first KEK: the key document's current one, or the token's newest."""
        kek_id = self.store.initial_kek_id()
        if kek_id is None:
            raise KeyConfigurationError("no KEK: run `marac keys init`")
        probe = self.store.wrap_with(kek_id, _PROBE, _probe_aad(kek_id))
        with self.db.transaction() as cur:
            # Two processes starting at once both seed; the unique index keeps one.
            cur.execute("INSERT INTO kek_roster (kek_id, state, probe, staged_at, promoted_at) "
                        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        (kek_id, CURRENT, probe, self._stamp(), self._stamp()))
        if self._read_current() is None:
            raise KeyConfigurationError("the KEK roster has no current KEK")

    # KekProvider ------------------------------------------------------------------------------

    def current_kek_id(self) -> str:
        if self._monotonic() >= self._fresh_until:
            self._read_current()
        return self._current

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        kek_id = self.current_kek_id()
        return kek_id, self.store.wrap_with(kek_id, plaintext, aad)

    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes:
        return self.store.unwrap(kek_id, wrapped, aad)

    def _read_current(self) -> str | None:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT kek_id FROM kek_roster WHERE state = %s", (CURRENT,))
            row = cur.fetchone()
        if row is None:
            return None
        self._current = str(row[0])
        self._fresh_until = self._monotonic() + self.refresh_seconds
        return self._current

    # Each running process --------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Look at the roster, show which of its KEKs this process can unwrap under (by
        opening each one's probe), and say this process is alive and which KEK it wraps
        under. Run every `refresh_seconds` by the server and the worker."""
        entries = self.entries()
        for entry in entries:
            if entry.state != PREVIOUS and entry.kek_id not in self._proven:
                try:
                    if self.store.unwrap(entry.kek_id, self._probe(entry.kek_id),
                                         _probe_aad(entry.kek_id)) == _PROBE:
                        self._proven.add(entry.kek_id)
                except SecurityError:
                    continue  # not (yet) available here: the promotion waits for it
        current = self._read_current() or ""
        listed = {e.kek_id for e in entries}
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO kek_processes (process_id, seen_at, current_kek) "
                        "VALUES (%s, %s, %s) ON CONFLICT (process_id) DO UPDATE SET "
                        "seen_at = excluded.seen_at, current_kek = excluded.current_kek",
                        (self.process_id, self._stamp(), current))
            self._registered = True
            for kek_id in sorted(self._proven & listed):
                cur.execute("INSERT INTO kek_readiness (process_id, kek_id) VALUES (%s, %s) "
                            "ON CONFLICT DO NOTHING", (self.process_id, kek_id))

    def leave(self) -> None:
        """On a clean stop: a promotion need not wait for this process any more."""
        if not self._registered:
            return
        self._registered = False
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM kek_readiness WHERE process_id = %s", (self.process_id,))
            cur.execute("DELETE FROM kek_processes WHERE process_id = %s", (self.process_id,))

    # The operator's two phases ----------------------------------------------------------------

    def entries(self) -> list[RosterEntry]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT kek_id, state, staged_at, promoted_at FROM kek_roster "
                        "ORDER BY staged_at, kek_id")
            return [RosterEntry(r[0], r[1], r[2], r[3]) for r in cur.fetchall()]

    def staged(self) -> str | None:
        return next((e.kek_id for e in self.entries() if e.state == STAGED), None)

    def stage(self, kek_id: str | None = None) -> str:
        """Phase 1: a new KEK in the store (or `kek_id`, one the store already holds: a key
        document managed outside), listed as staged; nothing is wrapped under it yet."""
        with self._lock:
            entries = self.entries()
            already = next((e.kek_id for e in entries if e.state == STAGED), None)
            if already is not None:
                raise KeyConfigurationError(f"KEK {already} is staged already: promote it first")
            if kek_id is not None and kek_id in {e.kek_id for e in entries}:
                raise KeyConfigurationError(f"KEK {kek_id} is in the roster already")
            new = kek_id or self.store.create_kek()
            probe = self.store.wrap_with(new, _PROBE, _probe_aad(new))
            with self.db.transaction() as cur:
                cur.execute("INSERT INTO kek_roster (kek_id, state, probe, staged_at) "
                            "VALUES (%s, %s, %s, %s)", (new, STAGED, probe, self._stamp()))
            return new

    def readiness(self, kek_id: str) -> Readiness:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT p.process_id, EXISTS (SELECT 1 FROM kek_readiness r WHERE "
                        "r.process_id = p.process_id AND r.kek_id = %s) FROM kek_processes p "
                        "WHERE p.seen_at >= %s ORDER BY p.process_id",
                        (kek_id, self._live_since()))
            rows = cur.fetchall()
        return Readiness(kek_id, tuple(r[0] for r in rows if r[1]),
                         tuple(r[0] for r in rows if not r[1]))

    def promote(self) -> str:
        """Phase 2: the staged KEK becomes current, if every live process can unwrap under
        it; raises KekNotReady otherwise (staged it stays; try again)."""
        kek_id = self.staged()
        if kek_id is None:
            raise KeyConfigurationError("no staged KEK: run `marac keys rotate --stage` first")
        # This process too: it is about to wrap under the new KEK.
        self.store.unwrap(kek_id, self._probe(kek_id), _probe_aad(kek_id))
        readiness = self.readiness(kek_id)
        if readiness.not_ready:
            raise KekNotReady(f"{len(readiness.not_ready)} running process(es) cannot yet "
                              f"unwrap under KEK {kek_id}")
        with self.db.transaction() as cur:
            cur.execute("UPDATE kek_roster SET state = %s WHERE state = %s", (PREVIOUS, CURRENT))
            cur.execute("UPDATE kek_roster SET state = %s, promoted_at = %s "
                        "WHERE kek_id = %s AND state = %s",
                        (CURRENT, self._stamp(), kek_id, STAGED))
        self.store.promoted(kek_id)
        self._read_current()
        return kek_id

    def not_yet_using(self, kek_id: str) -> tuple[str, ...]:
        """The live processes still wrapping under another KEK (until their next look)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT process_id FROM kek_processes WHERE seen_at >= %s AND "
                        "current_kek <> %s ORDER BY process_id", (self._live_since(), kek_id))
            return tuple(r[0] for r in cur.fetchall())

    def _probe(self, kek_id: str) -> bytes:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT probe FROM kek_roster WHERE kek_id = %s", (kek_id,))
            row = cur.fetchone()
        if row is None:
            raise KeyConfigurationError(f"KEK {kek_id} is not in the roster")
        return bytes(row[0])

    def _stamp(self) -> str:
        return self._now().astimezone(UTC).isoformat(timespec="microseconds")

    def _live_since(self) -> str:
        return (self._now() - timedelta(seconds=self.live_seconds)).astimezone(UTC).isoformat(
            timespec="microseconds")
