"""Per-case data keys: created on first use, wrapped by a KEK, cached briefly, destroyable.

Destroying a case's data key (crypto-shredding) makes every event, snapshot and read model
encrypted under it unreadable, wherever copies of the ciphertext lie. A shred ledger, in the
database and in an append-only file outside it, keeps a restored backup from bringing the key
back: `reapply_ledger` destroys any key the file says was shredded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.exceptions import CaseErased
from security.errors import MissingDataKey
from security.kek import KekProvider
from storage.database import Cursor, Database, chunks


@dataclass(frozen=True)
class NewDataKey:
    """A wrapped data key not yet stored: it rides with the first events sealed under it."""

    scope_id: UUID
    kek_id: str
    wrapped: bytes
    created_at: str


@dataclass(frozen=True)
class ShredRecord:
    scope_id: UUID
    shredded_at: str
    reason: str


SHRED_REASONS = (
    "retention_expired",
    "lawful_erasure_decision",
    "subject_erasure_request",
    "entered_in_error",
)


def _wrap_aad(scope_id: UUID) -> bytes:
    # Binds a wrapped key to its case: swapping two cases' wrapped keys fails to unwrap.
    return b"marac:dek:v1:" + scope_id.bytes


class Keyring:
    def __init__(
        self,
        db: Database,
        keks: KekProvider,
        *,
        ledger_file: Path | None = None,
        cache_size: int = 10_000,
        cache_seconds: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.keks = keks
        self.ledger_file = ledger_file
        # Unwrapped keys are cached for a short time: long enough to keep KEK unwrapping off
        # the hot path, short enough that every process stops using a destroyed key within
        # seconds of a shred elsewhere (see security/recorders.py for what that window allows).
        self._cache: OrderedDict[UUID, tuple[AESGCM, float]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: dict[UUID, tuple[AESGCM, NewDataKey]] = {}

    # Keys -------------------------------------------------------------------------------------

    def encryption_key(self, scope_id: UUID) -> tuple[AESGCM, NewDataKey | None]:
        """The scope's key. A scope with no stored key gets a new one, returned with the
        wrapped form that must be stored in the same transaction as the events sealed under
        it (see security/recorders.py): a key is never stored without its events, and events
        are never stored without their key. Refused for a shredded scope."""
        cached = self._cached(scope_id)
        if cached is not None:
            return cached, None
        # Always ask the database first: another process may hold this scope's key.
        with self.db.transaction(readonly=True) as cur:
            row = self._select(cur, scope_id, check_shredded=True)
        if row is not None:
            self._pending.pop(scope_id, None)
            return self._remember(scope_id, row), None
        with self._lock:
            # Under the lock: two threads saving the same new aggregate must seal under the
            # same pending key, or one of them would commit events under a key never stored.
            pending = self._pending.get(scope_id)
            if pending is None:
                key = AESGCM.generate_key(bit_length=256)
                kek_id, wrapped = self.keks.wrap(key, _wrap_aad(scope_id))
                pending = (AESGCM(key), NewDataKey(scope_id, kek_id, wrapped, _now()))
                self._pending[scope_id] = pending
        return pending

    def decryption_key(self, scope_id: UUID) -> AESGCM:
        cached = self._cached(scope_id)
        if cached is not None:
            return cached
        with self.db.transaction(readonly=True) as cur:
            row = self._select(cur, scope_id, check_shredded=True)
        if row is None:
            raise MissingDataKey(f"no data key for {scope_id}")
        return self._remember(scope_id, row)

    def warm(self, scope_ids: Sequence[UUID]) -> None:
        """Fetch the keys of these scopes that are not cached, in one round trip per chunk,
        so that an answer opening many cases' sealed rows (a list with each case's label)
        does not ask for each key alone. A shredded scope is left out: its reads refuse
        (`decryption_key`) as ever."""
        missing = [s for s in scope_ids if self._cached(s) is None]
        for chunk in chunks(missing):
            marks = ", ".join(["%s"] * len(chunk))
            with self.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT k.scope_id, k.kek_id, k.wrapped FROM data_keys k "  # noqa: S608
                            f"WHERE k.scope_id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM "
                            "shred_ledger s WHERE s.scope_id = k.scope_id)",
                            [str(s) for s in chunk])
                rows = cur.fetchall()
            for scope_id, kek_id, wrapped in rows:
                self._remember(UUID(scope_id), (kek_id, bytes(wrapped)))

    def _select(
        self, cur: Cursor, scope_id: UUID, *, check_shredded: bool = False
    ) -> tuple[str, bytes] | None:
        """The stored key, in one round trip with the ledger check when asked for it."""
        if not check_shredded:
            cur.execute(
                "SELECT kek_id, wrapped FROM data_keys WHERE scope_id = %s", (str(scope_id),))
            found = cur.fetchone()
            return None if found is None else (found[0], bytes(found[1]))
        cur.execute(
            "SELECT k.kek_id, k.wrapped, "
            "EXISTS (SELECT 1 FROM shred_ledger WHERE scope_id = %s) "
            "FROM (SELECT 1 AS one) AS probe "
            "LEFT JOIN data_keys AS k ON k.scope_id = %s",
            (str(scope_id), str(scope_id)),
        )
        row = cur.fetchone()
        # The ledger wins even over a key row that a restored backup brought back.
        if row is not None and row[2]:
            raise CaseErased(f"case {scope_id} has been erased")
        if row is None or row[0] is None:
            return None
        return row[0], bytes(row[1])

    def _remember(self, scope_id: UUID, row: tuple[str, bytes]) -> AESGCM:
        aead = AESGCM(self.keks.unwrap(row[0], row[1], _wrap_aad(scope_id)))
        with self._lock:
            self._cache[scope_id] = (aead, self._monotonic() + self._cache_seconds)
            self._cache.move_to_end(scope_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return aead

    def _cached(self, scope_id: UUID) -> AESGCM | None:
        # A lock-free read: dict.get is atomic, and a stale miss only costs a lookup.
        entry = self._cache.get(scope_id)
        if entry is None or entry[1] < self._monotonic():
            return None
        return entry[0]

    def forget_cached(self) -> None:
        with self._lock:
            self._cache.clear()
            self._pending.clear()

    # Shredding -----------------------------------------------------------------------------

    def shred(self, scope_id: UUID, reason: str) -> ShredRecord:
        """Destroy the scope's data key and record it in the ledger (idempotent). The reason
        is a code, not free text: the ledger is plaintext and outlives the case."""
        if reason not in SHRED_REASONS:
            raise ValueError(f"shred reason must be one of {SHRED_REASONS}")
        record = ShredRecord(scope_id, _now(), reason)
        # The file first: if the database step then fails, the next reapply finishes the job.
        self._append_to_ledger_file(record)
        with self.db.transaction() as cur:
            self._shred_in(cur, record)
        with self._lock:
            self._cache.pop(scope_id, None)
            self._pending.pop(scope_id, None)
        return record

    def _shred_in(self, cur: Cursor, record: ShredRecord) -> None:
        cur.execute("DELETE FROM data_keys WHERE scope_id = %s", (str(record.scope_id),))
        cur.execute(
            "INSERT INTO shred_ledger (scope_id, shredded_at, reason) VALUES (%s, %s, %s) "
            "ON CONFLICT (scope_id) DO NOTHING",
            (str(record.scope_id), record.shredded_at, record.reason),
        )

    def is_shredded(self, scope_id: UUID) -> bool:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT 1 FROM shred_ledger WHERE scope_id = %s", (str(scope_id),))
            return cur.fetchone() is not None

    def shredded(self, scope_ids: Sequence[UUID]) -> set[UUID]:
        """Those of these scopes the ledger names, in one round trip per chunk (a projector's
        batch asks for all its cases at once)."""
        found: set[UUID] = set()
        for chunk in chunks(scope_ids):
            marks = ", ".join(["%s"] * len(chunk))
            with self.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT scope_id FROM shred_ledger "  # noqa: S608
                            f"WHERE scope_id IN ({marks})", [str(s) for s in chunk])
                found.update(UUID(r[0]) for r in cur.fetchall())
        return found

    def shred_ledger(self) -> list[ShredRecord]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT scope_id, shredded_at, reason FROM shred_ledger ORDER BY 2, 1")
            return [ShredRecord(UUID(r[0]), r[1], r[2]) for r in cur.fetchall()]

    def _append_to_ledger_file(self, record: ShredRecord) -> None:
        if self.ledger_file is None:
            return
        self.ledger_file.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"scope_id": str(record.scope_id), "shredded_at": record.shredded_at,
                           "reason": record.reason})
        with self.ledger_file.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()

    def reapply_ledger(self) -> list[UUID]:
        """Destroy again every key the ledger file names (after a restore from backup);
        returns the scopes whose key had come back, for the rest of erasure to run again."""
        if self.ledger_file is None or not self.ledger_file.exists():
            return []
        destroyed: list[UUID] = []
        with self.db.transaction() as cur:
            for line in self.ledger_file.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                doc = json.loads(line)
                record = ShredRecord(UUID(doc["scope_id"]), doc["shredded_at"], doc["reason"])
                cur.execute("SELECT 1 FROM data_keys WHERE scope_id = %s",
                            (str(record.scope_id),))
                if cur.fetchone() is not None:
                    destroyed.append(record.scope_id)
                self._shred_in(cur, record)
        self.forget_cached()
        return destroyed

    def start_ledger_file(self) -> None:
        """An empty ledger file where nothing has been shredded yet, so that from then on its
        absence means something (a volume not mounted, a file lost): readiness says so
        (api/readiness.py). Where the database names shredded keys, a missing file is left
        missing: writing an empty one would hide the loss."""
        if self.ledger_file is None or self.ledger_file.exists():
            return
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT 1 FROM shred_ledger LIMIT 1")
            if cur.fetchone() is not None:
                return
        self.ledger_file.parent.mkdir(parents=True, exist_ok=True)
        self.ledger_file.touch()

    def check_ledger_file(self) -> None:
        """Raises OSError unless the ledger file is there and can be read (the worker
        re-applies it after a restore: a file it cannot read protects nothing)."""
        if self.ledger_file is None:
            return
        with self.ledger_file.open("rb") as f:
            f.read(1)

    def check_unwrap(self) -> None:
        """Raises unless the configured KEKs open the stored data keys: the newest one is
        unwrapped, so a wrong key document fails here rather than at a case's first read;
        with none stored yet, a probe is wrapped and unwrapped."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT scope_id, kek_id, wrapped FROM data_keys "
                        "ORDER BY created_at DESC, scope_id LIMIT 1")
            row = cur.fetchone()
        if row is not None:
            self.keks.unwrap(row[1], bytes(row[2]), _wrap_aad(UUID(row[0])))
            return
        probe = UUID(int=0)
        kek_id, wrapped = self.keks.wrap(b"\0" * 32, _wrap_aad(probe))
        self.keks.unwrap(kek_id, wrapped, _wrap_aad(probe))

    # KEK rotation --------------------------------------------------------------------------

    def rotate(self, batch: int = 500) -> int:
        """Re-wrap every data key not under the current KEK. Events are not re-encrypted."""
        current = self.keks.current_kek_id()
        rewrapped = 0
        while True:
            with self.db.transaction() as cur:
                cur.execute(
                    "SELECT scope_id, kek_id, wrapped FROM data_keys WHERE kek_id <> %s "
                    "ORDER BY scope_id LIMIT %s",
                    (current, batch),
                )
                rows = cur.fetchall()
                for scope, kek_id, wrapped in rows:
                    aad = _wrap_aad(UUID(scope))
                    key = self.keks.unwrap(kek_id, bytes(wrapped), aad)
                    new_kek, new_wrapped = self.keks.wrap(key, aad)
                    cur.execute(
                        "UPDATE data_keys SET kek_id = %s, wrapped = %s WHERE scope_id = %s",
                        (new_kek, new_wrapped, scope),
                    )
            rewrapped += len(rows)
            if len(rows) < batch:
                return rewrapped

    def keys_by_kek(self) -> dict[str, int]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT kek_id, COUNT(*) FROM data_keys GROUP BY kek_id ORDER BY kek_id")
            return {r[0]: int(r[1]) for r in cur.fetchall()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
