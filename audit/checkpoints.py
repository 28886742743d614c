"""Signed checkpoints: Ed25519 signatures over the Merkle root of the first N audit records.

Each checkpoint is stored in the database and exported, once, as a read-only file to a
directory the application never rewrites (ideally mounted from storage it cannot write to
afterwards). Anyone holding the public key can check that the trail still has the history the
checkpoint signed: a rewrite of the database, even with its triggers disabled, shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.merkle import MerkleAccumulator
from audit.trail import TABLE, AuditTrail

PUBLIC_KEY_FILE = "audit-signing-key.pub"


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: bytes
    head_hash: bytes
    signed_at: str
    key_id: str
    signature: bytes

    def statement(self) -> bytes:
        return (f"marac-audit-checkpoint/1\n{self.size}\n{self.root.hex()}\n"
                f"{self.head_hash.hex()}\n{self.signed_at}\n{self.key_id}").encode()

    def to_json(self, public_key: bytes | None = None) -> str:
        """`public_key`: exported with the checkpoint so a reader can check it without asking
        the application; a verifier should still take the key from somewhere it trusts."""
        doc = {"size": self.size, "root": self.root.hex(), "head_hash": self.head_hash.hex(),
               "signed_at": self.signed_at, "key_id": self.key_id,
               "signature": self.signature.hex()}
        if public_key is not None:
            doc["public_key"] = public_key.hex()
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        d = json.loads(text)
        return cls(int(d["size"]), bytes.fromhex(d["root"]), bytes.fromhex(d["head_hash"]),
                   d["signed_at"], d["key_id"], bytes.fromhex(d["signature"]))

    def signed_by(self, public_key: bytes) -> bool:
        return signature_holds(public_key, self.signature, self.statement())


def signature_holds(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `message` by `public_key`; any error
    in either gives False, never raises."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


class CheckpointSigner:
    """Signs checkpoints with an Ed25519 key: `sign` makes a statement's signature, in this
    process from the private key's bytes, or inside a token (audit/hsm_signing_key.py)."""

    def __init__(self, public_key: bytes, sign: Callable[[bytes], bytes]) -> None:
        self.public_key = public_key
        self.key_id = key_id(public_key)
        self._sign = sign

    @classmethod
    def from_private_key(cls, private_key: bytes) -> CheckpointSigner:
        key = Ed25519PrivateKey.from_private_bytes(private_key)
        return cls(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), key.sign)

    def sign(self, size: int, root: bytes, head_hash: bytes, at: datetime) -> Checkpoint:
        unsigned = Checkpoint(size, root, head_hash, at.astimezone(UTC).isoformat(),
                              self.key_id, b"")
        return Checkpoint(size, root, head_hash, unsigned.signed_at, self.key_id,
                          self._sign(unsigned.statement()))


def _write_once(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


class CheckpointLog:
    """The checkpoints stored beside the trail: all a verifier reads, no key needed."""

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail

    def stored(self) -> list[Checkpoint]:
        with self.trail.db.transaction(readonly=True) as cur:
            cur.execute("SELECT size, root, head_hash, signed_at, key_id, signature "
                        "FROM audit_checkpoints ORDER BY size")
            rows = cur.fetchall()
        return [Checkpoint(int(r[0]), bytes(r[1]), bytes(r[2]), r[3], r[4], bytes(r[5]))
                for r in rows]


    def latest(self) -> tuple[int, datetime] | None:
        """The newest checkpoint's size and when it was signed (metrics: how long the tail
        of the trail has gone unsigned)."""
        with self.trail.db.transaction(readonly=True) as cur:
            cur.execute("SELECT size, signed_at FROM audit_checkpoints ORDER BY size DESC "
                        "LIMIT 1")
            row = cur.fetchone()
        return (int(row[0]), datetime.fromisoformat(row[1])) if row else None

    def latest_size(self) -> int:
        with self.trail.db.transaction(readonly=True) as cur:
            cur.execute("SELECT MAX(size) FROM audit_checkpoints")
            row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


class Checkpoints(CheckpointLog):
    def __init__(self, trail: AuditTrail, signer: CheckpointSigner,
                 export_dir: Path | None) -> None:
        super().__init__(trail)
        self.signer = signer
        self.export_dir = export_dir
        # The Merkle accumulator of the records this process has already read: a checkpoint
        # every few seconds reads only the records added since, not the whole trail (the
        # first one in a process reads everything once).
        self._accumulator = MerkleAccumulator()
        self._read_through = 0  # the last seq it holds

    def _root(self, size: int) -> bytes:
        if self._read_through > size:  # the head went back: start again (verify will tell)
            self._accumulator, self._read_through = MerkleAccumulator(), 0
        while self._read_through < size:
            with self.trail.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT seq, hash FROM {TABLE} WHERE seq > %s AND seq <= %s "  # noqa: S608
                            "ORDER BY seq LIMIT 20000", (self._read_through, size))
                rows = cur.fetchall()
            if not rows:  # fewer records than the head says: sign what is there, as before
                break
            for row in rows:
                self._accumulator.append(bytes(row[1]))
            self._read_through = int(rows[-1][0])
        return self._accumulator.root()

    def issue(self, at: datetime | None = None) -> Checkpoint | None:
        """Sign the trail as it stands, unless nothing was added since the last checkpoint.
        Several workers may sign the same size at once: the first stored stands, and the
        others are neither stored nor exported (None, as when there was nothing to sign)."""
        size, head_hash = self.trail.head()
        if size == 0 or self.latest_size() >= size:
            return None
        checkpoint = self.signer.sign(size, self._root(size), head_hash,
                                      at or datetime.now(UTC))
        with self.trail.db.transaction() as cur:
            cur.execute("INSERT INTO audit_checkpoints (size, root, head_hash, signed_at, key_id,"
                        " signature) VALUES (%s, %s, %s, %s, %s, %s)"
                        " ON CONFLICT (size) DO NOTHING",
                        (checkpoint.size, checkpoint.root, checkpoint.head_hash,
                         checkpoint.signed_at, checkpoint.key_id, checkpoint.signature))
            stored = cur.rowcount == 1
        if not stored:
            return None
        self._export(checkpoint)
        return checkpoint

    def _export(self, checkpoint: Checkpoint) -> None:
        if self.export_dir is None:
            return
        self.export_dir.mkdir(parents=True, exist_ok=True)
        public = self.export_dir / PUBLIC_KEY_FILE
        if not public.exists():
            # Another worker exporting its first checkpoint to the same directory may write
            # it first: the key file is written once, by whichever came first.
            with contextlib.suppress(FileExistsError):
                _write_once(public, self.signer.public_key.hex() + "\n")
        _write_once(self.export_dir / f"checkpoint-{checkpoint.size:012d}.json",
                    checkpoint.to_json(self.signer.public_key))


def exported(export_dir: Path | None) -> list[Checkpoint]:
    if export_dir is None or not export_dir.exists():
        return []
    return sorted((Checkpoint.from_json(p.read_text(encoding="utf-8"))
                   for p in export_dir.glob("checkpoint-*.json")), key=lambda c: c.size)


def exported_public_keys(export_dir: Path | None) -> dict[str, bytes]:
    """Public keys by key id from an export: its key file and the keys its checkpoints carry."""
    if export_dir is None or not export_dir.exists():
        return {}
    found = [p.read_text(encoding="utf-8").strip() for p in export_dir.glob(PUBLIC_KEY_FILE)]
    for p in export_dir.glob("checkpoint-*.json"):
        found.append(str(json.loads(p.read_text(encoding="utf-8")).get("public_key", "")))
    keys: dict[str, bytes] = {}
    for text in found:
        try:
            public = parse_public_key(text)
        except ValueError:
            continue
        keys[key_id(public)] = public
    return keys


def parse_public_key(text: str) -> bytes:
    """A raw Ed25519 public key written as 64 hex digits."""
    public = bytes.fromhex(text.strip())
    if len(public) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes (64 hex digits)")
    return public
