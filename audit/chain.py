"""The hash chain: each audit record's hash covers its predecessor's hash, its position and
every field, so changing, removing or moving a record breaks every hash after it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

GENESIS = bytes(32)
# Fields in the order they are hashed; a None is hashed distinctly from any string (which is
# prefixed with 0x01), so no value can pass for another.
FIELDS = ("at", "request_id", "actor", "actor_kind", "agency_id", "client_id", "roles",
          "action", "purpose", "case_id", "outcome", "item_ids", "area_id")
_NONE = b"\x00"
_SEP = b"\x1f"


def record_hash(prev: bytes, seq: int, values: Sequence[object]) -> bytes:
    h = hashlib.sha256(prev)
    h.update(seq.to_bytes(8, "big"))
    for value in values:
        h.update(_NONE if value is None else b"\x01" + str(value).encode())
        h.update(_SEP)
    return h.digest()
