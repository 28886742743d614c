"""The tamper-evident audit trail on SQLite and PostgreSQL: append-only in the database, and
`verify` names the first changed, deleted, reordered or truncated record."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from audit import merkle
from audit.actions import AuditAction
from audit.chain import FIELDS, record_hash
from audit.checkpoints import Checkpoint, Checkpoints, CheckpointSigner, exported
from audit.queries import AuditFilter, review_break_glass, search, search_statement
from audit.trail import AUDIT_TABLES, TABLE, AuditRecord, AuditUnavailable
from audit.verify import Report, verify
from security.documents import DocumentSealer
from storage.database import Cursor, Database
from storage.migrations import MIGRATIONS, VERSION_TABLE, upgrade
from storage.migrations.m0001_previous_release import APPEND_ONLY_SQLITE
from tests.integration.raw import holding_the_audit_head


def fill(platform: Platform, count: int) -> None:
    for n in range(count):
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=f"staff-{n % 3}", actor_kind="person",
            agency_id=None, client_id=None, roles=("representative",), action="read",
            purpose="research", case_id=uuid4(), outcome="allowed", item_ids=("referral",)))


def one(platform: Platform, *, action: AuditAction = "read", case_id: UUID | None = None,
        items: tuple[str, ...] = ()) -> int:
    return platform.audit.record(AuditRecord(
        request_id=str(uuid4()), actor="staff-1", actor_kind="person", agency_id=None,
        client_id=None, roles=("representative",), action=action, purpose="research",
        case_id=case_id, outcome="allowed", item_ids=items))


def check(platform: Platform) -> Report:
    return verify(platform.audit, platform.checkpoints, platform.settings.audit_checkpoint_dir)


@contextmanager
def as_attacker(platform: Platform) -> Iterator[Cursor]:
    """Someone with full rights on the database: triggers off, then back on."""
    db = platform.database
    if db.dialect == "sqlite":
        with db.transaction() as cur:
            cur.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            for name, table in cur.fetchall():
                if table in AUDIT_TABLES:
                    cur.execute(f"DROP TRIGGER {name}")
            yield cur
        with db.transaction() as cur:  # as migration 0001 makes them
            for statement in APPEND_ONLY_SQLITE:
                cur.execute(statement)
        return
    with db.transaction() as cur:
        for table in AUDIT_TABLES:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cur
        for table in AUDIT_TABLES:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_an_untouched_trail_verifies_with_its_checkpoints(platform: Platform) -> None:
    fill(platform, 15)
    assert platform.checkpoints.issue() is not None
    fill(platform, 5)
    assert platform.checkpoints.issue() is not None
    assert platform.checkpoints.issue() is None  # nothing new to sign
    report = check(platform)
    assert report.ok, report
    assert (report.records, report.checkpoints_checked) == (20, 2)


def test_checkpoints_signed_as_the_trail_grows_sign_the_root_of_every_record(
    platform: Platform,
) -> None:
    """The signer reads only the records added since its last checkpoint; a new signer (another
    process) reads them all once. Either way the root is that of the whole prefix."""
    signers = [platform.checkpoints]
    for step, grow in enumerate((1, 2, 3, 7, 1, 16, 5)):
        fill(platform, grow)
        if step == 3:
            signers.append(Checkpoints(platform.audit, platform.checkpoints.signer, None))
        checkpoint = signers[-1].issue()
        assert checkpoint is not None
        leaves = [bytes(row[-1]) for row in platform.audit.scan()][: checkpoint.size]
        assert checkpoint.root == merkle.root(leaves)
    assert check(platform).ok


def test_two_workers_signing_the_same_size_at_once_store_and_export_it_once(
    platform: Platform,
) -> None:
    """Each worker signs checkpoints (scale-out): here one signs the size while the other is
    between reading the trail and storing its own signature of it. The first stands; the
    second is no error, and neither stored nor exported again."""
    fill(platform, 4)
    first = platform.checkpoints
    signer = first.signer
    won: list[Checkpoint | None] = []

    def sign_while_the_other_signs(statement: bytes) -> bytes:
        won.append(first.issue())
        return signer._sign(statement)

    second = Checkpoints(platform.audit, CheckpointSigner(signer.public_key,
                                                          sign_while_the_other_signs),
                         first.export_dir)
    assert second.issue() is None
    assert [c.size for c in won if c] == [4]
    assert [c.size for c in first.stored()] == [4]
    assert [c.size for c in exported(first.export_dir)] == [4]
    assert check(platform).ok


@pytest.mark.parametrize("statement", [
    "UPDATE audit_trail SET actor = 'someone-else' WHERE seq = 3",
    "DELETE FROM audit_trail WHERE seq = 3",
    "UPDATE audit_head SET seq = 1 WHERE id = 1",
    "DELETE FROM audit_head",
])
def test_the_database_refuses_to_change_the_trail(platform: Platform, statement: str) -> None:
    fill(platform, 5)
    with pytest.raises(Exception, match=r"append-only|only moves forward|cannot be deleted"), \
            platform.database.transaction() as cur:
        cur.execute(statement)
    assert check(platform).ok


def _columns(db: Database, cur: Cursor, table: str) -> list[str]:
    if db.dialect == "sqlite":
        cur.execute(f"PRAGMA table_info({table})")
        return [str(row[1]) for row in cur.fetchall()]
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position", (db.url.schema, table))
    return [str(row[0]) for row in cur.fetchall()]


def _count(db: Database, table: str) -> int:
    with db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_every_audit_table_refuses_update_and_delete(platform: Platform, table: str) -> None:
    """AUDIT_TABLES is the one list; a table added to the trail is added there, and so here."""
    db = platform.database
    fill(platform, 3)
    assert platform.checkpoints.issue() is not None
    use = one(platform, action="break_glass", case_id=uuid4())
    review_break_glass(platform.audit, use, decision="justified", note="Checked",
                       sealer=DocumentSealer(platform.keyring), reviewer="dpo-1",
                       at=datetime.now(UTC), area_id=None)
    before = _count(db, table)
    assert before >= 1  # a DELETE of no rows would fire no row trigger
    with db.transaction(readonly=True) as cur:
        column = _columns(db, cur, table)[-1]
    # Names from AUDIT_TABLES and the catalogue.
    statements = [f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"]  # noqa: S608
    if db.dialect == "postgresql":
        statements.append(f"TRUNCATE {table}")
    for statement in statements:
        with pytest.raises(Exception, match=r"append-only|only moves forward|cannot be deleted"), \
                db.transaction() as cur:
            cur.execute(statement)
        assert _count(db, table) == before, statement
    assert check(platform).ok


def test_emptying_the_whole_table_is_refused(platform: Platform) -> None:
    # PostgreSQL's TRUNCATE; SQLite has none, and an unqualified DELETE is its equivalent
    # (its truncate optimisation is off when the table has triggers).
    fill(platform, 3)
    statement = ("TRUNCATE audit_trail" if platform.database.dialect == "postgresql"
                 else "DELETE FROM audit_trail")
    with pytest.raises(Exception, match="append-only"), platform.database.transaction() as cur:
        cur.execute(statement)
    assert platform.audit.count() == 3


def test_a_changed_byte_is_named(platform: Platform) -> None:
    fill(platform, 12)
    with as_attacker(platform) as cur:
        cur.execute("UPDATE audit_trail SET outcome = 'denied' WHERE seq = 7")
    report = check(platform)
    assert not report.ok
    assert report.first_fault is not None
    assert (report.first_fault.seq, report.first_fault.kind) == (7, "changed")


def test_a_deleted_row_is_named(platform: Platform) -> None:
    fill(platform, 12)
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_trail WHERE seq = 7")
    report = check(platform)
    assert report.first_fault is not None
    assert (report.first_fault.seq, report.first_fault.kind) == (7, "deleted")


def test_two_swapped_rows_are_named(platform: Platform) -> None:
    fill(platform, 12)
    columns = [*FIELDS, "prev_hash", "hash"]
    with as_attacker(platform) as cur:
        rows = {}
        for seq in (4, 9):
            cur.execute(f"SELECT {', '.join(columns)} FROM audit_trail "  # noqa: S608
                        "WHERE seq = %s", (seq,))
            found = cur.fetchone()
            assert found is not None
            rows[seq] = found
        for seq, other in ((4, 9), (9, 4)):
            cur.execute(f"UPDATE audit_trail SET {', '.join(f'{c} = %s' for c in columns)} "  # noqa: S608
                        "WHERE seq = %s", (*rows[other], seq))
    report = check(platform)
    assert report.first_fault is not None
    assert (report.first_fault.seq, report.first_fault.kind) == (4, "reordered")


def test_a_truncated_tail_is_named(platform: Platform) -> None:
    fill(platform, 12)
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_trail WHERE seq > 9")
    report = check(platform)
    assert report.first_fault is not None
    assert (report.first_fault.seq, report.first_fault.kind) == (10, "truncated")


def test_a_truncation_that_also_rewinds_the_head_is_caught_by_the_checkpoints(
    platform: Platform
) -> None:
    fill(platform, 12)
    platform.checkpoints.issue()
    with as_attacker(platform) as cur:
        cur.execute("SELECT hash FROM audit_trail WHERE seq = 9")
        row = cur.fetchone()
        assert row is not None
        cur.execute("DELETE FROM audit_trail WHERE seq > 9")
        cur.execute("UPDATE audit_head SET seq = 9, hash = %s WHERE id = 1", (row[0],))
        cur.execute("DELETE FROM audit_checkpoints")
    report = check(platform)  # the exported checkpoint still says 12
    assert report.first_fault is not None
    assert (report.first_fault.seq, report.first_fault.kind) == (10, "truncated")


def test_a_consistently_rewritten_chain_is_caught_by_the_exported_checkpoint(
    platform: Platform
) -> None:
    fill(platform, 10)
    platform.checkpoints.issue()
    with as_attacker(platform) as cur:  # change record 3, then recompute every hash after it
        cur.execute(f"SELECT seq, {', '.join(FIELDS)} FROM audit_trail ORDER BY seq")  # noqa: S608
        rows = cur.fetchall()
        cur.execute("SELECT hash FROM audit_trail WHERE seq = 2")
        first = cur.fetchone()
        prev = bytes(first[0]) if first else b""
        for row in rows[2:]:
            values = list(row[1:])
            if row[0] == 3:
                values[FIELDS.index("actor")] = "nobody"
            digest = record_hash(prev, int(row[0]), values)
            cur.execute("UPDATE audit_trail SET actor = %s, prev_hash = %s, hash = %s "
                        "WHERE seq = %s", (values[FIELDS.index("actor")], prev, digest, row[0]))
            prev = digest
        cur.execute("UPDATE audit_head SET hash = %s WHERE id = 1", (prev,))
        cur.execute("DELETE FROM audit_checkpoints")
    report = check(platform)
    assert report.first_fault is not None
    assert report.first_fault.kind == "checkpoint_mismatch"


def test_a_forged_exported_checkpoint_fails_its_signature(platform: Platform) -> None:
    fill(platform, 4)
    checkpoint = platform.checkpoints.issue()
    assert checkpoint is not None
    export_dir = platform.settings.audit_checkpoint_dir
    assert export_dir is not None
    path = export_dir / f"checkpoint-{checkpoint.size:012d}.json"
    assert path.stat().st_mode & 0o222 == 0  # written once, read-only
    doc = json.loads(path.read_text())
    doc["root"] = "00" * 32
    path.chmod(0o644)
    path.write_text(json.dumps(doc))
    report = check(platform)
    assert not report.ok
    assert [f.kind for f in report.checkpoint_faults] == ["bad_signature"]


def _flush_setting(db: Database, cur: Cursor) -> str:
    cur.execute("PRAGMA synchronous" if db.dialect == "sqlite" else "SHOW synchronous_commit")
    row = cur.fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize("relaxed", [False, True])
def test_an_audit_append_waits_for_the_flush_unless_relaxed_durability_is_set(
        tmp_path: Path, relaxed: bool) -> None:
    settings = Settings(data_dir=tmp_path, demo=True, audit_relaxed_durability=relaxed)
    platform = build_platform(settings)
    try:
        assert platform.audit.relaxed is relaxed
        statements: list[str] = []
        # The statements SQLite runs on this thread's connection, the one the append uses.
        platform.database._sqlite().set_trace_callback(statements.append)
        fill(platform, 1)
        assert ("PRAGMA synchronous=NORMAL" in statements) is relaxed
        assert any(s.startswith("INSERT INTO audit_trail") for s in statements)
    finally:
        platform.close()


@pytest.mark.parametrize("relaxed", [False, True])
def test_a_record_appended_on_the_trails_own_thread_is_flushed_unless_relaxed(
        tmp_path: Path, relaxed: bool) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True,
                                       audit_relaxed_durability=relaxed))
    try:
        db = platform.database
        platform.audit.hands_over = True  # not SQLite's default, but flushed all the same
        before = set(map(id, db._sqlite_connections))
        platform.audit.submit(record_of("staff-0")).wait()  # its thread opens a connection
        (theirs,) = [c for c in db._sqlite_connections if id(c) not in before]
        statements: list[str] = []
        theirs.set_trace_callback(statements.append)
        platform.audit.submit(record_of("staff-1")).wait()
        assert ("PRAGMA synchronous=NORMAL" in statements) is relaxed
        assert [s for s in statements if s in {"BEGIN IMMEDIATE", "COMMIT"}] == [
            "BEGIN IMMEDIATE", "COMMIT"]
        assert any(s.startswith("INSERT INTO audit_trail") for s in statements)
    finally:
        platform.close()


def test_an_append_that_skips_the_flush_leaves_every_other_commit_flushed(
        platform: Platform) -> None:
    """Relaxed audit appends commit without waiting for the disk (AuditTrail.record); the
    setting must not leak into other commits, nor into a transaction the append runs inside."""
    platform.audit.relaxed = True
    db = platform.database
    fill(platform, 3)
    with db.transaction() as cur:
        assert _flush_setting(db, cur) == ("2" if db.dialect == "sqlite" else "on")
    if db.dialect == "postgresql":
        # Called inside a larger transaction, the function leaves that transaction flushed.
        with db.transaction() as cur:
            cur.execute(f'SELECT "{db.url.schema}".marac_audit_append(%s)',
                        ([str(v) if v is not None else None for v in AuditRecord(
                            str(uuid4()), "staff-x", "person", None, None, ("dpo",), "read",
                            None, None, "allowed", ()).values()],))
            assert _flush_setting(db, cur) == "on"
    assert check(platform).ok


def test_sqlite_goes_back_to_flushed_commits_when_an_unflushed_commit_fails(
        tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'flush.db'}")
    try:
        db.execute_script([
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id)"
            " DEFERRABLE INITIALLY DEFERRED)"])
        with pytest.raises(sqlite3.IntegrityError), db.transaction(flush=False) as cur:
            cur.execute("INSERT INTO child (id, parent_id) VALUES (1, 99)")  # fails at COMMIT
        with pytest.raises(ZeroDivisionError), db.transaction(flush=False):
            raise ZeroDivisionError
        with db.transaction() as cur:  # the connection is usable, and flushed again
            assert _flush_setting(db, cur) == "2"
            cur.execute("SELECT COUNT(*) FROM child")
            assert cur.fetchone() == (0,)
        with db.transaction(flush=False), pytest.raises(RuntimeError), db.transaction():
            pass  # flushed work may not ride in an unflushed commit
    finally:
        db.close()


def test_records_queued_behind_a_busy_trail_are_committed_together_and_keep_the_chain(
        platform: Platform) -> None:
    """Group commit: records that wait while a commit is under way share the next one, in
    the order they came, chained exactly as one by one."""
    trail = platform.audit
    trail.hands_over = True  # PostgreSQL's default; SQLite's queue keeps the chain as well
    fill(platform, 2)
    with holding_the_audit_head(platform):
        first = trail.submit(record_of("staff-0"))
        while trail._queue.waiting:  # the trail's thread has taken it, and waits
            time.sleep(0.001)
        rest = [trail.submit(record_of(f"staff-{n}")) for n in range(1, 6)]
    seqs = [p.wait() for p in [first, *rest]]
    assert seqs == list(range(3, 9))
    assert [r["actor"] for r in trail.records()][2:] == [f"staff-{n}" for n in range(6)]
    assert check(platform).ok
    if platform.database.dialect == "postgresql":  # rows of one transaction share its id
        with platform.database.transaction(readonly=True) as cur:
            cur.execute(f"SELECT seq, xmin::text FROM {TABLE} WHERE seq >= 3 ORDER BY seq")  # noqa: S608
            xids = [x for _, x in cur.fetchall()]
        assert len(set(xids)) == 2
        assert len(set(xids[1:])) == 1


def test_the_trails_thread_fails_an_append_its_lost_connection_cannot_commit_then_reconnects(
        platform: Platform) -> None:
    """PostgreSQL: the trail's thread appends on a connection of its own
    (audit/append_connection.py). Lost, it fails the append it was making (the request
    fails: fail closed), and the next append opens another."""
    if platform.database.dialect != "postgresql":
        pytest.skip("SQLite appends on the caller's connection")
    trail = platform.audit
    assert trail.submit(record_of("staff-0")).wait() == 1
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE %s AND pid <> pg_backend_pid()",
                    (f'%"{platform.database.url.schema}".marac_audit_append%',))
        assert cur.fetchall() == [(True,)]  # one connection appended: the thread's own
    with pytest.raises(AuditUnavailable):
        trail.submit(record_of("staff-1")).wait()
    assert trail.submit(record_of("staff-2")).wait() == 2
    assert [r["actor"] for r in trail.records()] == ["staff-0", "staff-2"]
    assert check(platform).ok


def test_a_record_handed_over_inside_a_transaction_joins_it(platform: Platform) -> None:
    """On SQLite the trail's thread would wait for the write lock this thread holds."""
    with platform.database.transaction() as cur:
        cur.execute("SELECT 1")
        seq = platform.audit.submit(record_of("staff-1")).wait()
    assert seq == 1
    assert check(platform).ok


def record_of(actor: str) -> AuditRecord:
    return AuditRecord(str(uuid4()), actor, "person", None, None, ("representative",), "read",
                       "research", uuid4(), "allowed", ("referral", str(uuid4())))


def _by_case_the_slow_way(platform: Platform, case_id: UUID) -> list[int]:
    """What a query by case means: the records about the case, and those listing it."""
    return [int(r["seq"]) for r in platform.audit.records()
            if r["case_id"] == str(case_id) or str(case_id) in json.loads(r["item_ids"])]


def test_a_query_by_case_finds_its_records_and_every_record_listing_it(
        platform: Platform) -> None:
    a, b = uuid4(), uuid4()
    one(platform, case_id=a)
    one(platform, case_id=b, items=(str(a),))
    one(platform, items=(str(a), str(b)))
    one(platform, items=("referral", f"x{a}"))  # not a mention: not the id itself
    one(platform, case_id=a, items=(str(a), str(a)))
    fill(platform, 4)
    one(platform, action="search", items=(str(b),))
    for case in (a, b, uuid4()):
        found = [r.seq for r in search(platform.audit, AuditFilter(case_id=case))]
        assert found == _by_case_the_slow_way(platform, case)
    assert [r.seq for r in search(platform.audit, AuditFilter(case_id=a, after_seq=2,
                                                                 limit=1))] == [3]
    assert [r.seq for r in search(platform.audit, AuditFilter(
        case_id=b, action="search"))] == [10]


CASES = [uuid4() for _ in range(3)]
_items = st.lists(st.sampled_from([*map(str, CASES), "referral", f"x{CASES[0]}", CASES[1].hex]),
                  max_size=4)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([None, *CASES]), _items), max_size=6))
def test_a_query_by_case_finds_what_its_definition_finds_for_every_history(
        platform: Platform, history: list[tuple[UUID | None, list[str]]]) -> None:
    """Examples share the platform: the trail grows, and the definition reads all of it."""
    for case_id, items in history:
        one(platform, case_id=case_id, items=tuple(items))
    for case in CASES:
        found = [r.seq for r in search(platform.audit, AuditFilter(case_id=case))]
        assert found == _by_case_the_slow_way(platform, case)


def test_a_query_by_case_reads_the_mention_index_not_the_records(platform: Platform) -> None:
    """The plan, not a time: the records table is looked up by key, never scanned. On
    PostgreSQL sequential scans are priced out, as at scale, so that a plan without one
    shows that an index path exists (a LIKE in an OR has none)."""
    fill(platform, 20)
    db = platform.database
    sql, params = search_statement(AuditFilter(case_id=uuid4()))
    with db.transaction() as cur:
        if db.dialect == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cur.fetchall())
            assert not re.search(r"\bSCAN (audit_trail|t)\b", plan), plan
            assert re.search(r"SEARCH t USING .*\(seq=\?\)", plan), plan
        else:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(str(row[0]) for row in cur.fetchall())
            assert not re.search(r"(Seq|Heap) Scan on audit_trail", plan), plan
            assert "Index Cond: (seq = m.seq)" in plan, plan
    assert "audit_case_mentions" in plan, plan


def test_a_trail_written_before_the_mentions_is_indexed_once_by_the_upgrade(
        platform: Platform) -> None:
    a = uuid4()
    one(platform, case_id=a)
    one(platform, items=(str(a),))
    one(platform, case_id=uuid4())
    with platform.database.transaction() as cur:  # as an earlier release left the database
        cur.execute("DROP TABLE audit_case_mentions")
        cur.execute(f"DROP TABLE {VERSION_TABLE}")
    # No version table: each migration of this release runs, each idempotent over what exists.
    assert [(step.version, step.how) for step in upgrade(platform.database)] == [
        (m.version, "applied") for m in MIGRATIONS]
    assert upgrade(platform.database) == []  # idempotent
    assert [r.seq for r in search(platform.audit, AuditFilter(case_id=a))] == [1, 2]
    one(platform, case_id=a)
    assert [r.seq for r in search(platform.audit, AuditFilter(case_id=a))] == [1, 2, 4]
    assert check(platform).ok
