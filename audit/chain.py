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


def hash_input_sql(dialect: str) -> str:
    """The fields of a record as record_hash() hashes them after `prev` and `seq`, built by
    the database as one blob: verification reads this instead of the thirteen fields, so a
    record costs a few Python objects, not sixteen (audit/chain_check.py). record_hash()
    stays the rule; tests hold the two equal for every kind of value.

    On PostgreSQL every function and operator is named in pg_catalog: the application's role
    may create objects in the trail's schema, and a better-matching `||` or convert_to()
    there would otherwise be called in place of the built-in (as for the append function)."""
    if dialect == "sqlite":
        parts = [f"COALESCE(x'01' || {field}, x'00') || x'1f'" for field in FIELDS]
        return f"CAST({' || '.join(parts)} AS BLOB)"
    cat = " OPERATOR(pg_catalog.||) "
    parts = [f"COALESCE('\\x01'::pg_catalog.bytea{cat}pg_catalog.convert_to({field}, 'UTF8'), "
             f"'\\x00'::pg_catalog.bytea){cat}'\\x1f'::pg_catalog.bytea" for field in FIELDS]
    return cat.join(parts)


def input_hash(prev: bytes, seq: int, fields: bytes) -> bytes:
    """record_hash() of a record whose fields hash_input_sql() has already joined."""
    return hashlib.sha256(prev + seq.to_bytes(8, "big") + fields).digest()


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
