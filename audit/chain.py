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
_TEXT_NONE = "\x00"
_TEXT_SEP = "\x1f"


def record_hash(prev: bytes, seq: int, values: Sequence[object]) -> bytes:
    """SHA-256 of prev, seq as 8 big-endian bytes, then each value followed by 0x1f: None as
    0x00, anything else as 0x01 and its text in UTF-8. Joined as text and hashed once,
    which is twice as fast as a field at a time (verify hashes every record)."""
    if not values:
        return hashlib.sha256(prev + seq.to_bytes(8, "big")).digest()
    try:
        fields = _TEXT_SEP.join([_TEXT_NONE if v is None else "\x01" + v  # type: ignore[operator]
                                 for v in values])
    except TypeError:  # a value that is not text: hashed as its text
        fields = _TEXT_SEP.join([_TEXT_NONE if v is None else "\x01" + str(v) for v in values])
    return hashlib.sha256(prev + seq.to_bytes(8, "big") + (fields + "\x1f").encode()).digest()
