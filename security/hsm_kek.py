"""KEKs kept in a PKCS#11 token: AES-256 keys that are sensitive and never extractable.

Data keys are wrapped and unwrapped inside the token (CKM_AES_GCM, with the caller's associated
data, so a wrapped key moved to another case fails as it does under the key file); only the
data key crosses to the process, never a KEK. A KEK's id is its label in the token.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from pkcs11 import (
    Attribute,
    DecryptMixin,
    EncryptMixin,
    GCMParams,
    KeyType,
    Mechanism,
    ObjectClass,
)
from pkcs11 import exceptions as p11

from security.errors import KeyConfigurationError, TamperedCiphertext
from security.kek import LocalKekProvider
from security.pkcs11_token import Token

_NONCE = 12
# What SoftHSM2 and HSMs answer for a tag that does not verify; anything else (a lost session,
# a removed device) is an outage, not tampering, and goes up as it is.
_FAILED_AUTHENTICATION = (p11.GeneralError, p11.EncryptedDataInvalid, p11.EncryptedDataLenRange,
                          p11.FunctionFailed)

# The key's attributes, set at generation and refused any change: the token keeps it secret
# (SENSITIVE), never lets it out even wrapped (EXTRACTABLE false), and uses it for one thing.
KEK_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.MODIFIABLE: False,
    Attribute.ENCRYPT: True,
    Attribute.DECRYPT: True,
    Attribute.WRAP: False,
    Attribute.UNWRAP: False,
    Attribute.SIGN: False,
    Attribute.VERIFY: False,
    Attribute.DERIVE: False,
}


class _TokenKek(Protocol):
    """What python-pkcs11 gives for a secret key allowed to encrypt and decrypt."""

    def encrypt(self, data: bytes, buffer_size: int = ...,
                **kwargs: Any) -> bytes | Iterator[bytes]: ...
    def decrypt(self, data: bytes, buffer_size: int = ...,
                **kwargs: Any) -> bytes | Iterator[bytes]: ...


class HsmKekStore:
    """KEKs labelled `<prefix>-<time>-<random>` in one token (security/kek.py `KekStore`).

    `earlier`: the key document's KEKs from before the token, used for the ids it holds, so
    that a deployment moving to the token reads what it wrote; `marac keys rotate` then
    re-wraps every data key under the token's KEK, after which the document needs none."""

    def __init__(self, token: Token, prefix: str,
                 earlier: LocalKekProvider | None = None) -> None:
        self.token = token
        self.prefix = prefix
        self._earlier = earlier
        self._handles: dict[str, _TokenKek] = {}

    def kek_ids(self) -> list[str]:
        """This store's KEKs in the token, oldest first (labels sort by creation time)."""
        with self.token.session() as session:
            labels = [str(key[Attribute.LABEL]) for key in session.get_objects(
                {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES})]
        return sorted(label for label in labels if label.startswith(self.prefix + "-"))

    def initial_kek_id(self) -> str | None:
        found = self.kek_ids()
        if found:
            return found[-1]
        return self._earlier.initial_kek_id() if self._earlier is not None else None

    def create_kek(self) -> str:
        kek_id = f"{self.prefix}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        with self.token.session() as session:
            # Generated inside the token: the key exists nowhere else, ever.
            session.generate_key(KeyType.AES, 256, label=kek_id, store=True,
                                 template=KEK_TEMPLATE)
        return kek_id

    def promoted(self, kek_id: str) -> None:
        """Nothing to note: which KEK is current is the roster's alone."""

    def wrap_with(self, kek_id: str, plaintext: bytes, aad: bytes) -> bytes:
        if self._is_earlier(kek_id):
            assert self._earlier is not None  # noqa: S101 - _is_earlier said so
            return self._earlier.wrap_with(kek_id, plaintext, aad)
        nonce = os.urandom(_NONCE)
        with self.token.session():
            sealed = self._handle(kek_id).encrypt(
                plaintext, mechanism=Mechanism.AES_GCM, mechanism_param=GCMParams(nonce, aad))
        return nonce + _bytes(sealed)

    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes:
        if self._is_earlier(kek_id):
            assert self._earlier is not None  # noqa: S101 - _is_earlier said so
            return self._earlier.unwrap(kek_id, wrapped, aad)
        if len(wrapped) <= _NONCE:
            raise TamperedCiphertext("a wrapped data key failed authentication")
        with self.token.session():
            key = self._handle(kek_id)
            try:
                opened = key.decrypt(wrapped[_NONCE:], mechanism=Mechanism.AES_GCM,
                                     mechanism_param=GCMParams(wrapped[:_NONCE], aad))
            except _FAILED_AUTHENTICATION:
                raise TamperedCiphertext("a wrapped data key failed authentication") from None
        return _bytes(opened)

    def _is_earlier(self, kek_id: str) -> bool:
        return (not kek_id.startswith(self.prefix + "-") and self._earlier is not None
                and self._earlier.holds(kek_id))

    def _handle(self, kek_id: str) -> _TokenKek:
        """The key's handle, looked up in the token the first time (another process may have
        created it since this one started). Call with the token's session held."""
        handle = self._handles.get(kek_id)
        if handle is not None:
            return handle
        with self.token.session() as session:
            try:
                found = session.get_key(ObjectClass.SECRET_KEY, KeyType.AES, label=kek_id)
            except p11.NoSuchKey:
                raise KeyConfigurationError(f"KEK {kek_id} is not available") from None
        if not (isinstance(found, EncryptMixin) and isinstance(found, DecryptMixin)):
            raise KeyConfigurationError(f"KEK {kek_id} cannot encrypt and decrypt")
        self._handles[kek_id] = found
        return found


def _bytes(result: object) -> bytes:
    if not isinstance(result, bytes):  # one buffer in, one out: never a stream
        raise TypeError("PKCS#11 answered a stream for a single buffer")
    return result
