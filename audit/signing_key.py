"""The audit checkpoint signing key: its own secret, apart from the KEK document.

Whoever holds the KEKs should not thereby be able to re-sign a rewritten trail, and whoever
verifies the trail needs only the public key. So the Ed25519 private key lives in a file (or
environment variable) of its own; `marac keys init` writes it, demo mode generates a marked
demo key that is refused outside demo mode.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from security.errors import KeyConfigurationError
from security.kek import KeyFile

FORMAT = "marac-audit-signing-key/1"
DEMO_WARNING = "DEMO SIGNING KEY generated at run time for development; never use it for real data"


@dataclass(frozen=True)
class SigningKey:
    """The raw 32-byte Ed25519 private key, and whether it is a demo key."""

    private_key: bytes
    demo: bool = False

    @classmethod
    def generate(cls, *, demo: bool) -> SigningKey:
        return cls(secrets.token_bytes(32), demo)

    def to_json(self) -> str:
        doc: dict[str, object] = {"format": FORMAT,
                                  "private_key": base64.b64encode(self.private_key).decode(),
                                  "demo": self.demo}
        if self.demo:
            doc = {"warning": DEMO_WARNING, **doc}
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> SigningKey:
        try:
            doc = json.loads(text)
            if doc["format"] != FORMAT:
                raise KeyConfigurationError(f"the audit signing key is not {FORMAT}")
            key = base64.b64decode(doc["private_key"], validate=True)
            demo = bool(doc.get("demo", False))
        except (KeyError, TypeError, ValueError):
            raise KeyConfigurationError("the audit signing key document is malformed") from None
        if len(key) != 32:
            raise KeyConfigurationError("the audit signing key must be a raw 32-byte Ed25519 key")
        return cls(key, demo)


class SigningKeyFile:
    """The signing key in a JSON file readable by the service account only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Same permission check and atomic, durable write as the KEK document.
        self._file = KeyFile(path)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> SigningKey:
        self._file.check_private()
        return SigningKey.from_json(self.path.read_text(encoding="utf-8"))

    def save(self, key: SigningKey) -> None:
        self._file.write_text(key.to_json())
