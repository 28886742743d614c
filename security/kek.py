"""Key-encryption keys (KEKs): the interfaces, the key document and the provider over it.

KEKs are kept in a PKCS#11 token (security/hsm_kek.py) or in the key document (a file, or the
same document in an environment variable: development and small deployments). KEKs never leave
a token, so the interfaces are wrap/unwrap, not "give me the key".
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.errors import KeyConfigurationError, TamperedCiphertext

DEMO_WARNING = "DEMO KEYS generated at run time for development; never use them for real data"
_NONCE = 12


class KekProvider(Protocol):
    def current_kek_id(self) -> str: ...
    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """Encrypt under the current KEK; returns (kek id, wrapped bytes)."""
        ...
    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes: ...


class KekStore(Protocol):
    """Where KEKs are kept (the key document, or a token: security/hsm_kek.py), each named by
    its id. Which of them is current is the roster's to say (security/kek_roster.py), so that
    every running process changes KEK together."""

    def initial_kek_id(self) -> str | None:
        """The KEK a database's roster starts with, before any rotation."""
        ...
    def create_kek(self) -> str:
        """A new KEK, durable before its id is returned; not yet current."""
        ...
    def promoted(self, kek_id: str) -> None:
        """Told when the roster makes `kek_id` current (the key document notes it)."""
        ...
    def wrap_with(self, kek_id: str, plaintext: bytes, aad: bytes) -> bytes: ...
    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes:
        """Raises KeyConfigurationError for a KEK it does not hold (having looked again)."""
        ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise KeyConfigurationError(f"{what} is not valid base64") from None


@dataclass
class KeyMaterial:
    """KEKs by id (the newest is current) and the separate blind-index HMAC key."""

    keks: dict[str, bytes]
    current: str
    blind_index_key: bytes
    demo: bool = False
    created: dict[str, str] = field(default_factory=dict)
    # Only in documents written before the checkpoint signing key had a source of its own
    # (audit/signing_key.py): still read, never generated; `marac keys move-signing-key`
    # moves it out.
    audit_signing_key: bytes | None = None

    @classmethod
    def generate(cls, *, demo: bool, with_kek: bool = True) -> KeyMaterial:
        """`with_kek=False`: the blind-index key only, for KEKs kept in a token."""
        material = cls(keks={}, current="", blind_index_key=secrets.token_bytes(32), demo=demo)
        if with_kek:
            material.add_kek()
        return material

    def add_kek(self, *, make_current: bool = True) -> str:
        now = datetime.now(UTC)
        kek_id = f"kek-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        self.keks[kek_id] = AESGCM.generate_key(bit_length=256)
        self.created[kek_id] = now.isoformat()
        if make_current:
            self.current = kek_id
        return kek_id

    def to_json(self) -> str:
        doc: dict[str, object] = {
            "format": "marac-keys/1",
            "current_kek": self.current,
            "keks": {k: _b64(v) for k, v in self.keks.items()},
            "kek_created": self.created,
            "blind_index_key": _b64(self.blind_index_key),
            "demo": self.demo,
        }
        if self.audit_signing_key is not None:
            doc["audit_signing_key"] = _b64(self.audit_signing_key)
        if self.demo:
            doc = {"warning": DEMO_WARNING, **doc}
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str, *, kek_required: bool = True) -> KeyMaterial:
        """`kek_required=False` where the KEKs are in a token: the document may then hold the
        blind-index key alone (and KEKs from before the token, for unwrapping)."""
        try:
            doc = json.loads(text)
            keks = {k: _unb64(v, f"KEK {k}") for k, v in doc["keks"].items()}
            material = cls(
                keks=keks,
                current=doc["current_kek"],
                blind_index_key=_unb64(doc["blind_index_key"], "blind_index_key"),
                demo=bool(doc.get("demo", False)),
                created=dict(doc.get("kek_created", {})),
            )
            if "audit_signing_key" in doc:
                material.audit_signing_key = _unb64(doc["audit_signing_key"], "audit_signing_key")
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError):
            raise KeyConfigurationError("key document is malformed") from None
        without_keks = not kek_required and not keks and not material.current
        if (material.current not in keks and not without_keks) or any(
                len(k) != 32 for k in keks.values()):
            raise KeyConfigurationError("key document needs a current 256-bit KEK")
        if len(material.blind_index_key) < 32:
            raise KeyConfigurationError("blind_index_key must be at least 256 bits")
        if material.audit_signing_key is not None and len(material.audit_signing_key) != 32:
            raise KeyConfigurationError("audit_signing_key must be a raw 32-byte Ed25519 key")
        return material


class KeyFile:
    """Key material in a JSON file readable by the service account only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def check_private(self) -> None:
        if self.path.stat().st_mode & 0o077:
            raise KeyConfigurationError(
                f"{self.path} is readable by others: chmod 600 it (and rotate the keys)")

    def load(self, *, kek_required: bool = True) -> KeyMaterial:
        self.check_private()
        return KeyMaterial.from_json(self.path.read_text(encoding="utf-8"),
                                     kek_required=kek_required)

    def save(self, material: KeyMaterial) -> None:
        """Atomically and durably: a rotation wraps data keys under the new KEK only after
        this returns, so the new KEK must be on disk first."""
        self.write_text(material.to_json())

    def write_text(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class LocalKekProvider:
    """AES-256-GCM key wrapping with KEKs held in process memory, from the key document.

    With its `key_file`, a KEK it does not hold sends it back to the file (another process
    may have added one: `marac keys rotate --stage`), and a new KEK is written there."""

    def __init__(self, material: KeyMaterial, key_file: KeyFile | None = None) -> None:
        self._material = material
        self._file = key_file
        self._keks = {k: AESGCM(v) for k, v in material.keks.items()}
        self._current = material.current
        self._lock = threading.Lock()

    def current_kek_id(self) -> str:
        return self._current

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        return self._current, self.wrap_with(self._current, plaintext, aad)

    def wrap_with(self, kek_id: str, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._kek(kek_id).encrypt(nonce, plaintext, aad)

    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes:
        kek = self._kek(kek_id)
        try:
            return kek.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], aad)
        except Exception:
            raise TamperedCiphertext("a wrapped data key failed authentication") from None

    def holds(self, kek_id: str) -> bool:
        return kek_id in self._keks

    def _kek(self, kek_id: str) -> AESGCM:
        kek = self._keks.get(kek_id)
        if kek is None and self._file is not None and self._file.exists():
            self._use(self._file.load(kek_required=False))
            kek = self._keks.get(kek_id)
        if kek is None:
            raise KeyConfigurationError(f"KEK {kek_id} is not available")
        return kek

    def _use(self, material: KeyMaterial) -> None:
        with self._lock:
            self._material = material
            self._keks = {k: AESGCM(v) for k, v in material.keks.items()}

    # The KekStore side: the roster (security/kek_roster.py) says which KEK is current.

    def initial_kek_id(self) -> str | None:
        return self._material.current or None

    def create_kek(self) -> str:
        with self._lock:
            material = self._file.load() if self._file is not None else self._material
            kek_id = material.add_kek(make_current=False)
            if self._file is not None:
                # Durable before anything is wrapped under it.
                self._file.save(material)
        self._use(material)
        return kek_id

    def promoted(self, kek_id: str) -> None:
        with self._lock:
            material = self._file.load() if self._file is not None else self._material
            material.current = self._current = kek_id
            if self._file is not None:
                self._file.save(material)
        self._use(material)
