"""An independent witness of the audit trail, as Certificate Transparency's witnesses are.

The application signs checkpoints with its own key; whoever holds that key and the database
could rewrite history and sign it again. The witness is another process, with its own key and
its own storage (a directory the application cannot write). For each new checkpoint it asks
the log for the RFC 9162 consistency proof from the last checkpoint it co-signed, checks it
against the root it holds, and co-signs only if the new tree extends the old one; otherwise it
raises an alarm and refuses, and goes on refusing. Rewriting witnessed history then needs the
witness's key too, and `marac audit verify --witness` shows any rewrite of what it saw.

It also keeps its own copy of the record hashes it has co-signed (32 bytes a record, hashes
only: no record content), so that verification can name the first record of a rewrite that
recomputed the chain, not only the checkpoint that first covers it.

Storage, all in its directory: its key (readable by it alone), the application keys it trusts,
its state (size, root, the Merkle accumulator), the record hashes, one file per co-signature
(written once) and one per alarm.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.checkpoints import (
    Checkpoint,
    CheckpointLog,
    key_id,
    parse_public_key,
    signature_holds,
)
from audit.merkle import EMPTY_ROOT, MerkleAccumulator, verify_consistency
from audit.proofs import MissingRecords, TrailTree

FORMAT: Final = "marac-audit-witness/1"
KEY_FILE: Final = "witness-key.json"
PUBLIC_KEY_FILE: Final = "witness.pub"
TRUST_FILE: Final = "trusted-checkpoint-keys.json"
STATE_FILE: Final = "state.json"
HASHES_FILE: Final = "record-hashes.bin"
COSIGNED_DIR: Final = "cosigned"
ALARMS_DIR: Final = "alarms"
LOCK_FILE: Final = "lock"
HASH_SIZE: Final = 32


class WitnessError(Exception):
    code = "witness_unusable"


@dataclass(frozen=True)
class Cosignature:
    """The witness's signature over an application checkpoint it found consistent."""

    checkpoint: Checkpoint
    witnessed_at: str
    witness_key_id: str
    signature: bytes

    def statement(self) -> bytes:
        cp = self.checkpoint
        return (f"{FORMAT}\n{cp.size}\n{cp.root.hex()}\n{cp.head_hash.hex()}\n{cp.key_id}\n"
                f"{cp.signature.hex()}\n{self.witnessed_at}\n{self.witness_key_id}").encode()

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "checkpoint": json.loads(self.checkpoint.to_json()),
                           "witnessed_at": self.witnessed_at,
                           "witness_key_id": self.witness_key_id,
                           "signature": self.signature.hex()}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Cosignature:
        doc = json.loads(text)
        return cls(Checkpoint.from_json(json.dumps(doc["checkpoint"])), doc["witnessed_at"],
                   doc["witness_key_id"], bytes.fromhex(doc["signature"]))

    def signed_by(self, public_key: bytes) -> bool:
        return signature_holds(public_key, self.signature, self.statement())


@dataclass(frozen=True)
class Alarm:
    """A checkpoint the witness refused. `kind`: bad_signature (not signed by a trusted
    application key), inconsistent (its tree does not extend the one co-signed before), or
    records_missing (the trail no longer holds records the checkpoint covers)."""

    size: int
    kind: str
    detail: str


@dataclass(frozen=True)
class Observation:
    cosigned: tuple[int, ...]
    witnessed_size: int
    alarm: Alarm | None = None


@dataclass
class _State:
    size: int = 0
    root: bytes = EMPTY_ROOT
    accumulator: MerkleAccumulator = field(default_factory=MerkleAccumulator)


def _write_once(path: Path, text: str, mode: int = 0o444) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _replace(path: Path, text: str) -> None:
    """Atomically: a crash leaves the old file or the new, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def init(directory: Path, checkpoint_keys: list[bytes]) -> bytes:
    """Create a witness in `directory` (empty or new) trusting `checkpoint_keys`, the
    application's public checkpoint keys; returns the witness's public key."""
    if not checkpoint_keys:
        raise WitnessError("a witness needs the application's public checkpoint key")
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / KEY_FILE).exists():
        raise WitnessError(f"{directory} already holds a witness")
    private = secrets.token_bytes(32)
    public = Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)
    _write_once(directory / KEY_FILE, json.dumps({"format": FORMAT, "private_key": private.hex()}),
                0o400)
    _write_once(directory / PUBLIC_KEY_FILE, public.hex() + "\n")
    trust(directory, checkpoint_keys)
    (directory / COSIGNED_DIR).mkdir(exist_ok=True)
    (directory / ALARMS_DIR).mkdir(exist_ok=True)
    _replace(directory / STATE_FILE, json.dumps({"size": 0, "root": EMPTY_ROOT.hex(),
                                                 "subtrees": []}))
    return public


def trust(directory: Path, checkpoint_keys: list[bytes]) -> None:
    """Add application checkpoint keys (a key rotation) to those the witness accepts."""
    path = directory / TRUST_FILE
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    _replace(path, json.dumps(sorted({*known, *(k.hex() for k in checkpoint_keys)})))


class Witness:
    """A witness directory opened for work: one process at a time (a lock on the directory)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            doc = json.loads((directory / KEY_FILE).read_text(encoding="utf-8"))
            self._key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(doc["private_key"]))
            self.trusted = {key_id(k): k for k in (
                parse_public_key(h) for h in
                json.loads((directory / TRUST_FILE).read_text(encoding="utf-8")))}
            state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
            accumulator = MerkleAccumulator.restore(
                int(state["size"]), [bytes.fromhex(h) for h in state["subtrees"]])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"{directory} does not hold a usable witness") from exc
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(self.public_key)
        self._state = _State(accumulator.size, bytes.fromhex(state["root"]), accumulator)
        if accumulator.root() != self._state.root:
            raise WitnessError("the witness's state does not match its own root")
        self._lock = open(directory / LOCK_FILE, "a")  # noqa: SIM115 (held while open)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise WitnessError("another witness process holds this directory") from None
        self._hashes = open(directory / HASHES_FILE, "ab+")  # noqa: SIM115
        # A crash between appending hashes and saving the state leaves extra hashes: the
        # state is the truth.
        self._hashes.truncate(self._state.size * HASH_SIZE)

    @property
    def witnessed_size(self) -> int:
        return self._state.size

    def close(self) -> None:
        self._hashes.close()
        self._lock.close()

    def observe(self, log: CheckpointLog, tree: TrailTree,
                now: datetime | None = None) -> Observation:
        """Check and co-sign, in order, every checkpoint newer than the last co-signed one;
        stop at the first that fails, with an alarm (recorded in the directory)."""
        cosigned: list[int] = []
        for checkpoint in (c for c in log.stored() if c.size > self._state.size):
            alarm = self._check(checkpoint, tree)
            if alarm is not None:
                self._raise(alarm)
                return Observation(tuple(cosigned), self._state.size, alarm)
            cosigned.append(checkpoint.size)
        return Observation(tuple(cosigned), self._state.size)

    def _check(self, checkpoint: Checkpoint, tree: TrailTree) -> Alarm | None:
        state, size = self._state, checkpoint.size
        public_key = self.trusted.get(checkpoint.key_id)
        if public_key is None or not checkpoint.signed_by(public_key):
            return Alarm(size, "bad_signature",
                         f"checkpoint {size} is not signed by a key the witness trusts")
        try:
            added = tree.record_hashes(state.size, size)
            tree.learn(state.size, added)  # read once: the proof needs their blocks too
            proof = tree.consistency_proof(state.size, size)
        except MissingRecords as exc:
            return Alarm(size, "records_missing", str(exc))
        if not verify_consistency(state.size, size, state.root, checkpoint.root, proof):
            return Alarm(size, "inconsistent", f"checkpoint {size} does not extend checkpoint "
                                               f"{state.size}, co-signed before")
        # The proof joins the roots; the records themselves must give the signed root too, or
        # the copy kept here would not be the history co-signed.
        accumulator = MerkleAccumulator.restore(state.size, state.accumulator.snapshot())
        accumulator.extend(added)
        if accumulator.root() != checkpoint.root or added[-1] != checkpoint.head_hash:
            return Alarm(size, "inconsistent", f"the records do not give checkpoint {size}")
        self._cosign(checkpoint, added, accumulator)
        return None

    def _cosign(self, checkpoint: Checkpoint, added: list[bytes],
                accumulator: MerkleAccumulator) -> None:
        self._hashes.seek(0, os.SEEK_END)
        self._hashes.write(b"".join(added))
        self._hashes.flush()
        os.fsync(self._hashes.fileno())
        at = datetime.now(UTC).isoformat()
        unsigned = Cosignature(checkpoint, at, self.key_id, b"")
        cosignature = Cosignature(checkpoint, at, self.key_id,
                                  self._key.sign(unsigned.statement()))
        path = self.directory / COSIGNED_DIR / f"cosignature-{checkpoint.size:012d}.json"
        with contextlib.suppress(FileExistsError):  # co-signed before a crash: keep the first
            _write_once(path, cosignature.to_json())
        _replace(self.directory / STATE_FILE, json.dumps({
            "size": checkpoint.size, "root": checkpoint.root.hex(),
            "subtrees": [h.hex() for h in accumulator.snapshot()]}))
        self._state = _State(checkpoint.size, checkpoint.root, accumulator)

    def _raise(self, alarm: Alarm) -> None:
        path = self.directory / ALARMS_DIR / f"alarm-{alarm.size:012d}-{alarm.kind}.json"
        with contextlib.suppress(FileExistsError):  # raised already: the file says since when
            _write_once(path, json.dumps({"size": alarm.size, "kind": alarm.kind,
                                          "detail": alarm.detail,
                                          "raised_at": datetime.now(UTC).isoformat()}))


def alarms(directory: Path) -> list[str]:
    """The alarms raised and not yet resolved (their files' names: size and kind)."""
    found = directory / ALARMS_DIR
    return sorted(p.stem for p in found.glob("alarm-*.json")) if found.is_dir() else []


@dataclass(frozen=True)
class WitnessProgress:
    """How far a witness has got, and when it last moved: its state file is rewritten at
    each co-signature (and at init), so its time of change is the newest one's."""

    witnessed_size: int
    changed_at: datetime


def progress(directory: Path) -> WitnessProgress | None:
    """For metrics, read only (no key, no signature checked): None where the directory holds
    no readable witness state."""
    path = directory / STATE_FILE
    try:
        size = int(json.loads(path.read_text(encoding="utf-8"))["size"])
        changed = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return WitnessProgress(size, changed)


@dataclass(frozen=True)
class WitnessEvidence:
    """What a verifier reads from a witness directory: no secret, only its public key."""

    directory: Path
    public_key: bytes
    key_from: str  # "given" (the verifier's own copy) or "directory" (as found, weaker)
    cosignatures: tuple[Cosignature, ...]  # those whose witness signature holds, by size
    bad_signatures: tuple[int, ...]
    alarms: tuple[Alarm, ...]

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @property
    def witnessed_size(self) -> int:
        return self.cosignatures[-1].checkpoint.size if self.cosignatures else 0

    def record_hashes(self) -> Iterator[bytes]:
        """The record hashes the witness co-signed, in order, up to its newest co-signature."""
        remaining = self.witnessed_size
        path = self.directory / HASHES_FILE
        if not path.exists():
            return
        with open(path, "rb", buffering=1 << 20) as f:
            while remaining:
                chunk = f.read(HASH_SIZE * min(remaining, 1 << 15))
                if not chunk:
                    return
                for i in range(0, len(chunk) - HASH_SIZE + 1, HASH_SIZE):
                    yield chunk[i:i + HASH_SIZE]
                remaining -= len(chunk) // HASH_SIZE


def evidence(directory: Path, public_key: bytes | None = None) -> WitnessEvidence:
    """`public_key`: the witness's key as the verifier knows it; else the directory's."""
    key_from = "given"
    if public_key is None:
        key_from = "directory"
        try:
            public_key = parse_public_key(
                (directory / PUBLIC_KEY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WitnessError(f"no witness public key in {directory}") from exc
    good: list[Cosignature] = []
    bad: list[int] = []
    for path in sorted((directory / COSIGNED_DIR).glob("cosignature-*.json")):
        try:
            cosignature = Cosignature.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            bad.append(_size_in_name(path))
            continue
        (good.append(cosignature) if cosignature.signed_by(public_key)
         else bad.append(cosignature.checkpoint.size))
    alarms = []
    for path in sorted((directory / ALARMS_DIR).glob("alarm-*.json")):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            doc = json.loads(path.read_text(encoding="utf-8"))
            alarms.append(Alarm(int(doc["size"]), str(doc["kind"]), str(doc["detail"])))
    good.sort(key=lambda c: c.checkpoint.size)
    return WitnessEvidence(directory, public_key, key_from, tuple(good), tuple(bad),
                           tuple(alarms))


def _size_in_name(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits) if digits else 0
