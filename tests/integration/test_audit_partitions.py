"""The audit trail in monthly partitions on a real PostgreSQL: a query by time reads only its
months, every partition (also one made later) is append-only, and a trail made unpartitioned
by an earlier release keeps working until its owner's setup moves it into months."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from audit.partitions import is_partitioned, partition_existing, partitions
from audit.queries import AuditFilter, search, search_statement
from audit.trail import AuditRecord
from audit.verify import verify
from security.kek import KeyMaterial
from tests.integration.test_audit_trail import fill

pytestmark = pytest.mark.postgres

MONTHS = [datetime(2026, month, 15, 12, tzinfo=UTC) for month in range(1, 7)]


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """PostgreSQL only: SQLite keeps one table."""
    schema = f"t_{uuid4().hex[:16]}"
    yield f"{postgres_server}?schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def at(platform: Platform, when: datetime, case_id: UUID | None = None) -> int:
    return platform.audit.record(AuditRecord(
        request_id=str(uuid4()), actor="staff-1", actor_kind="person", agency_id=None,
        client_id=None, roles=("representative",), action="read", purpose="research",
        case_id=case_id or uuid4(), outcome="allowed", item_ids=("referral",), at=when))


def months_read(platform: Platform, flt: AuditFilter) -> set[str]:
    sql, params = search_statement(flt)
    with platform.database.transaction() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # as at scale; pruning is the same
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(str(row[0]) for row in cur.fetchall())
    return set(re.findall(r"audit_trail_y\d{4}m\d{2}", plan))


def table_partitions(platform: Platform) -> list[str]:
    with platform.database.transaction(readonly=True) as cur:
        return partitions(cur, platform.database.url.schema)


def test_each_month_has_its_partition_before_its_first_record(platform: Platform) -> None:
    now = datetime.now(UTC)
    this = f"audit_trail_y{now:%Y}m{now:%m}"
    assert this in table_partitions(platform)  # made at start, with the month after
    assert len(table_partitions(platform)) == 2
    at(platform, MONTHS[2])
    assert {"audit_trail_y2026m03", "audit_trail_y2026m04"} <= set(table_partitions(platform))


def test_a_query_by_time_reads_only_its_months(platform: Platform) -> None:
    case = uuid4()
    seqs = {when.month: at(platform, when, case) for when in MONTHS}
    fill(platform, 3)
    march = AuditFilter(since=datetime(2026, 3, 1, tzinfo=UTC),
                        until=datetime(2026, 4, 1, tzinfo=UTC))
    assert [r.seq for r in search(platform.audit, march)] == [seqs[3]]
    assert months_read(platform, march) == {"audit_trail_y2026m03"}
    spring = AuditFilter(case_id=case, since=datetime(2026, 3, 10, tzinfo=UTC),
                         until=datetime(2026, 5, 20, tzinfo=UTC))
    assert [r.seq for r in search(platform.audit, spring)] == [seqs[3], seqs[4], seqs[5]]
    assert months_read(platform, spring) == {f"audit_trail_y2026m0{m}" for m in (3, 4, 5)}
    assert len(months_read(platform, AuditFilter())) == len(table_partitions(platform))
    assert verify(platform.audit, None, None).ok


@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET actor = 'someone-else'",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
])
@pytest.mark.parametrize("table", ["audit_trail", "audit_trail_y2026m02"])
def test_a_partition_made_after_the_triggers_is_append_only(
        platform: Platform, statement: str, table: str) -> None:
    at(platform, MONTHS[1])  # the first record of February makes its partition
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"), \
            platform.database.transaction() as cur:
        cur.execute(statement.format(table=table))
    assert platform.audit.count() == 1


LEGACY = """CREATE TABLE "{schema}".audit_trail (
    seq BIGINT PRIMARY KEY, at TEXT NOT NULL, request_id TEXT NOT NULL, actor TEXT NOT NULL,
    actor_kind TEXT NOT NULL, agency_id TEXT, client_id TEXT, roles TEXT NOT NULL,
    action TEXT NOT NULL, purpose TEXT, case_id TEXT, outcome TEXT NOT NULL,
    item_ids TEXT NOT NULL, area_id TEXT, prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL)"""


def make_unpartitioned(url: str) -> None:
    """The records table as releases before partitions made it."""
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(url.split("?", maxsplit=1)[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(LEGACY.format(schema=schema))


def test_an_unpartitioned_trail_keeps_working_until_setup_moves_it_into_months(
        settings: Settings, key_material: KeyMaterial) -> None:
    make_unpartitioned(settings.database_url)
    before = build_platform(settings, material=key_material)
    try:
        case = uuid4()
        for when in MONTHS[:3]:
            at(before, when, case)
        fill(before, 2)
        assert before.checkpoints.issue() is not None
        with before.database.transaction(readonly=True) as cur:
            assert is_partitioned(cur, before.database.url.schema) is False
        assert verify(before.audit, before.checkpoints,
                      before.settings.audit_checkpoint_dir).ok
        rows = before.audit.records()
    finally:
        before.close()
    again = build_platform(settings, material=key_material)  # a restart leaves it as it is
    try:
        with again.database.transaction(readonly=True) as cur:
            assert is_partitioned(cur, again.database.url.schema) is False
        partition_existing(again.database)  # what `marac db setup` does
        with again.database.transaction(readonly=True) as cur:
            assert is_partitioned(cur, again.database.url.schema) is True
        assert again.audit.records() == rows
        assert {"audit_trail_y2026m01", "audit_trail_y2026m03"} <= set(
            table_partitions(again))
        at(again, MONTHS[4], case)
        assert again.checkpoints.issue() is not None
        report = verify(again.audit, again.checkpoints, again.settings.audit_checkpoint_dir)
        assert report.ok, report
        assert report.records == 6
        assert len(search(again.audit, AuditFilter(case_id=case))) == 4
        assert months_read(again, AuditFilter(since=datetime(2026, 1, 1, tzinfo=UTC),
                                              until=datetime(2026, 2, 1, tzinfo=UTC))
                           ) == {"audit_trail_y2026m01"}
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"), \
                again.database.transaction() as cur:
            cur.execute("DELETE FROM audit_trail_y2026m01")
    finally:
        again.close()
