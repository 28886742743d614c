"""Each record's hash checked in worker processes: the same answers, in the same order, as
in one process, and `verify` names the same first bad record either way (SQLite and
PostgreSQL; ranges made tiny so that a few records use several workers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import uuid4

import pytest

from api.bootstrap import Platform
from audit import chain_check
from audit.chain import input_hash, record_hash
from audit.chain_check import checked
from audit.trail import AuditRecord
from tests.integration import test_audit_trail as scenarios
from tests.integration.test_audit_trail import as_attacker, fill


@pytest.fixture
def in_workers() -> Iterator[None]:
    saved = chain_check.RANGE, chain_check.PARALLEL_FROM, chain_check.WORKERS
    chain_check.RANGE, chain_check.PARALLEL_FROM, chain_check.WORKERS = 3, 0, 2
    yield
    chain_check.RANGE, chain_check.PARALLEL_FROM, chain_check.WORKERS = saved


def in_one_process(platform: Platform) -> list[chain_check.Checked]:
    saved = chain_check.WORKERS
    chain_check.WORKERS = 1
    try:
        return list(checked(platform.audit))
    finally:
        chain_check.WORKERS = saved


def test_workers_answer_as_one_process_does_in_order(platform: Platform,
                                                     in_workers: None) -> None:
    fill(platform, 14)
    with as_attacker(platform) as cur:
        cur.execute("UPDATE audit_trail SET actor = 'someone-else' WHERE seq = 5")
        cur.execute("DELETE FROM audit_trail WHERE seq IN (8, 9, 10, 11)")
        cur.execute("UPDATE audit_trail SET hash = %s WHERE seq = 13", (b"\x01" * 31,))
    found = list(checked(platform.audit))
    assert [seq for seq, *_ in found] == [1, 2, 3, 4, 5, 6, 7, 12, 13, 14]
    assert [seq for seq, _, _, recomputes in found if not recomputes] == [5, 13]
    assert found[8][2] == b"\x01" * 31  # as stored, neither padded nor cut
    assert found == in_one_process(platform)


def test_records_appended_while_checking_are_checked_too(platform: Platform,
                                                        in_workers: None) -> None:
    fill(platform, 7)
    records = checked(platform.audit)
    first = next(records)
    fill(platform, 2)
    rest = list(records)
    assert [seq for seq, *_ in [first, *rest]] == list(range(1, 10))
    assert all(recomputes for *_, recomputes in [first, *rest])


@pytest.mark.parametrize("scenario", [
    scenarios.test_an_untouched_trail_verifies_with_its_checkpoints,
    scenarios.test_a_changed_byte_is_named,
    scenarios.test_a_deleted_row_is_named,
    scenarios.test_two_swapped_rows_are_named,
    scenarios.test_a_truncated_tail_is_named,
    scenarios.test_a_truncation_that_also_rewinds_the_head_is_caught_by_the_checkpoints,
], ids=lambda scenario: scenario.__name__.removeprefix("test_"))
def test_verify_with_workers_names_what_it_names_in_one_process(
        platform: Platform, in_workers: None, scenario: Callable[[Platform], None]) -> None:
    scenario(platform)


def test_the_fields_the_database_joins_hash_as_record_hash_hashes_them(
        platform: Platform) -> None:
    """Verification reads each record's fields joined by the database
    (audit/chain.py, hash_input_sql): None, empty, non-ASCII and JSON text all hash alike."""
    for actor, purpose, client, items in [("staff-1", None, None, ()),
                                          ("zoë-ß-名", "", "client-ü", ("referral", "é")),
                                          ("x", "research", "", ('"quoted"', "\\"))]:
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=actor, actor_kind="person", agency_id=uuid4(),
            client_id=client, roles=("b", "a"), action="read", purpose=purpose,
            case_id=None, outcome="allowed", item_ids=items, area_id=None))
    rows = platform.audit.between(0, 3)
    joined = platform.audit.hash_inputs(0, 3)
    assert [r[0] for r in joined] == [1, 2, 3]
    for row, (seq, prev, digest, fields) in zip(rows, joined, strict=True):
        assert record_hash(bytes(prev), seq, row[1:-2]) == bytes(digest)
        assert input_hash(bytes(prev), seq, bytes(fields)) == bytes(digest)
    assert all(recomputes for *_, recomputes in checked(platform.audit))


def test_a_function_planted_in_the_schema_does_not_join_the_fields(platform: Platform) -> None:
    """PostgreSQL: the application's role may create functions in the trail's schema; one
    that matches convert_to() better than the built-in must not be what verification runs."""
    if platform.database.dialect != "postgresql":
        pytest.skip("SQLite runs no function a database user made")
    fill(platform, 3)
    with as_attacker(platform) as cur:
        cur.execute("CREATE FUNCTION convert_to(t text, e text) RETURNS bytea "
                    "LANGUAGE sql AS $$ SELECT pg_catalog.convert_to('same', 'UTF8') $$")
    assert all(recomputes for *_, recomputes in checked(platform.audit))
