"""The chain's record hash, against its definition written field by field."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from audit.chain import record_hash


def by_definition(prev: bytes, seq: int, values: list[object]) -> bytes:
    h = hashlib.sha256(prev)
    h.update(seq.to_bytes(8, "big"))
    for value in values:
        h.update(b"\x00" if value is None else b"\x01" + str(value).encode())
        h.update(b"\x1f")
    return h.digest()


values = st.lists(st.one_of(st.none(), st.text(), st.integers()), max_size=14)


@given(st.binary(max_size=40), st.integers(0, 2**63 - 1), values)
def test_the_record_hash_is_its_definition(prev: bytes, seq: int, fields: list[object]) -> None:
    assert record_hash(prev, seq, fields) == by_definition(prev, seq, fields)

