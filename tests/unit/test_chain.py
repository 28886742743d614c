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



def test_fields_that_shift_a_separator_would_hash_alike_so_records_refuse_them() -> None:
    # Why AuditRecord refuses control characters: without it these two differ and hash alike.
    assert record_hash(b"", 1, ["a\x1f\x01b", "c"]) == record_hash(b"", 1, ["a", "b\x1f\x01c"])
    import pytest  # noqa: PLC0415

    from audit.trail import AuditRecord, AuditUnavailable  # noqa: PLC0415

    for field in ("actor", "request_id", "client_id"):
        args = {"request_id": "r", "actor": "staff", "actor_kind": "person", "agency_id": None,
                "client_id": None, "roles": (), "action": "read", "purpose": None,
                "case_id": None, "outcome": "allowed", field: "a\x1f\x01b"}
        with pytest.raises(AuditUnavailable):
            AuditRecord(**args)  # type: ignore[arg-type]
