"""Read-model documents sealed under their case's data key, bound to their table and case.

Erasing the case's key makes its documents unreadable, like its events.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from security.envelope import key_id_of, open_sealed, seal
from security.errors import MissingDataKey, TamperedCiphertext
from security.keyring import Keyring


def _context(table: str, case_id: UUID) -> bytes:
    return f"read-model|{table}|".encode() + case_id.bytes


class DocumentSealer:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def seal(self, table: str, case_id: UUID, document: dict[str, Any]) -> bytes:
        aead, new_key = self.keyring.encryption_key(case_id)
        if new_key is not None:
            # Documents are derived from stored events, so the case's key is already stored.
            raise MissingDataKey(f"no stored data key for {case_id}")
        plaintext = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        return seal(aead, case_id, plaintext, _context(table, case_id))

    def open(self, table: str, case_id: UUID, sealed: bytes) -> dict[str, Any]:
        if key_id_of(sealed) != case_id:
            raise TamperedCiphertext(f"document for {case_id} is sealed under another key")
        plaintext = open_sealed(self.keyring.decryption_key(case_id), sealed,
                                _context(table, case_id))
        document: dict[str, Any] = json.loads(plaintext)
        return document
