"""The ciphertext format: version byte, key id, nonce, AES-256-GCM ciphertext and tag.

The header and the ciphertext's position (aggregate id, version, topic) are associated data:
a ciphertext copied to another row, or a header edited, fails authentication.
"""

from __future__ import annotations

import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.errors import TamperedCiphertext

FORMAT_V1 = 1
_HEADER = 1 + 16
_NONCE = 12


def position(originator_id: UUID | str, version: int, topic: str) -> bytes:
    """Associated data that pins a stored event to its place in the store."""
    oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
    return b"%s|%d|%s" % (oid.bytes, version, topic.encode())


def seal(aead: AESGCM, key_id: UUID, plaintext: bytes, context: bytes) -> bytes:
    header = bytes([FORMAT_V1]) + key_id.bytes
    nonce = os.urandom(_NONCE)
    return header + nonce + aead.encrypt(nonce, plaintext, header + context)


def key_id_of(sealed: bytes) -> UUID:
    if len(sealed) < _HEADER + _NONCE + 16 or sealed[0] != FORMAT_V1:
        raise TamperedCiphertext("unknown ciphertext format")
    return UUID(bytes=bytes(sealed[1:_HEADER]))


def open_sealed(aead: AESGCM, sealed: bytes, context: bytes) -> bytes:
    key_id_of(sealed)
    header, nonce = sealed[:_HEADER], sealed[_HEADER:_HEADER + _NONCE]
    try:
        return aead.decrypt(nonce, sealed[_HEADER + _NONCE:], header + context)
    except InvalidTag:
        raise TamperedCiphertext("ciphertext failed authentication") from None
