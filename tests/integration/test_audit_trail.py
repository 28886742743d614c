"""The tamper-evident audit trail on SQLite and PostgreSQL: append-only in the database, and
`verify` names the first changed, deleted, reordered or truncated record."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest

from api.bootstrap import Platform
from audit.chain import FIELDS, record_hash
from audit.trail import AuditRecord
from audit.verify import Report, verify
from storage.database import Cursor, Database


def fill(platform: Platform, count: int) -> None:
    for n in range(count):
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=f"staff-{n % 3}", actor_kind="person",
            agency_id=None, client_id=None, roles=("representative",), action="read",
            purpose="research", case_id=uuid4(), outcome="allowed", item_ids=("referral",)))


def check(platform: Platform) -> Report:
    return verify(platform.audit, platform.checkpoints, platform.settings.audit_checkpoint_dir)


@contextmanager
def as_attacker(platform: Platform) -> Iterator[Cursor]:
    """Someone with full rights on the database: triggers off, then back on."""
    db = platform.database
    if db.dialect == "sqlite":
        with db.transaction() as cur:
            for name in ("audit_trail_no_update", "audit_trail_no_delete", "audit_head_forward",
                         "audit_head_no_delete"):
                cur.execute(f"DROP TRIGGER {name}")
            yield cur
        platform.audit.create_tables()
        return
    with db.transaction() as cur:
        for table in ("audit_trail", "audit_head", "audit_checkpoints"):
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cur
        for table in ("audit_trail", "audit_head", "audit_checkpoints"):
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


def test_an_append_that_skips_the_flush_leaves_every_other_commit_flushed(
        platform: Platform) -> None:
    """Audit appends commit without waiting for the disk (AuditTrail.record); the setting
    must not leak into other commits, nor into a transaction the append runs inside."""
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
