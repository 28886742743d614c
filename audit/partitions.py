"""Monthly partitions of the audit trail on PostgreSQL, so that a DPO's query by time reads
only its months.

The records are range-partitioned on their time (`at`, stored as UTC ISO 8601 text in the
"C" collation, so the text orders as the times do and a bound on it prunes). Partitions are
made by their owner ahead of need: the append function (SECURITY DEFINER) makes the month of
the record it writes, if missing, and the next one; the application's role needs no DDL right.
A trail made unpartitioned by an earlier release keeps working as it is; the owner's `marac db
setup` moves it into partitions (partition_existing). SQLite stays one table. The DDL is
storage/migrations' (migration 0001).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from audit.chain import FIELDS
from storage.database import Cursor, Database
from storage.migrations.m0001_previous_release import (
    append_function,
    append_only_postgres,
    audit_records,
    partition_function,
)

TABLE = "audit_trail"
# The partitions' names: audit_trail_y2026m11 holds November 2026.
PREFIX = f"{TABLE}_y"
PARTITION_FUNCTION = "marac_audit_partitions(text)"
# Taken by every append before anything else: holding it stops appends.
HEAD_LOCK = "SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"
_LEGACY = f"{TABLE}_unpartitioned"


def make_partitions(cur: Cursor, schema: str, at: str) -> None:
    """The partitions of `at`'s month and the next, where missing; as their owner, under the
    head row's lock (or with no appends running)."""
    cur.execute(f'SELECT "{schema}".marac_audit_partitions(%s)', (at,))


def is_partitioned(cur: Cursor, schema: str) -> bool | None:
    """Whether the trail is partitioned; None when it does not exist yet."""
    cur.execute("SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                (schema, TABLE))
    row = cur.fetchone()
    return None if row is None else row[0] == "p"


def partitions(cur: Cursor, schema: str) -> list[str]:
    """The trail's partitions, oldest month first."""
    cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n "
                "ON n.oid = p.relnamespace WHERE n.nspname = %s AND p.relname = %s "
                "ORDER BY c.relname", (schema, TABLE))
    return [str(row[0]) for row in cur.fetchall()]


def migrate_unpartitioned(cur: Cursor, schema: str, create_table: list[str],
                          stop_appends: str) -> int:
    """An unpartitioned trail, copied into partitions in this one transaction (all or
    nothing): the rows as they are, byte for byte, in seq order, so the chain, the checkpoints
    and the mentions (which name records by seq) stay valid. Appends wait meanwhile (the head
    row's lock, `stop_appends`), readers too (the old table's lock). Returns the rows moved.

    `create_table`: the partitioned table's DDL and its indexes (migration 0001), made after
    the old table is out of their way; every other index the old table had (a later
    migration's) is made again on the new one. Run by the owner (`marac db setup`); the
    application never rewrites the trail on its own start."""
    q = f'"{schema}"'
    cur.execute(stop_appends)
    cur.execute(f"LOCK TABLE {q}.{TABLE} IN ACCESS EXCLUSIVE MODE")
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
                "AND tablename = %s AND indexname <> %s", (schema, TABLE, f"{TABLE}_pkey"))
    indexes = cur.fetchall()
    cur.execute(f"ALTER TABLE {q}.{TABLE} RENAME TO {_LEGACY}")
    cur.execute(f"ALTER TABLE {q}.{_LEGACY} RENAME CONSTRAINT {TABLE}_pkey TO {_LEGACY}_pkey")
    for name, _ in indexes:
        cur.execute(f'DROP INDEX IF EXISTS {q}."{name}"')
    for statement in create_table:
        cur.execute(statement)
    for _, definition in indexes:  # as pg_indexes gives it: on the trail, which is now the new
        cur.execute(re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX IF NOT EXISTS ",
                           str(definition)))
    cur.execute(partition_function(schema))
    cur.execute(f"SELECT DISTINCT left(at, 7) FROM {q}.{_LEGACY}")  # noqa: S608
    for (month,) in cur.fetchall():
        make_partitions(cur, schema, f"{month}-01")
    columns = ", ".join(("seq", *FIELDS, "prev_hash", "hash"))
    cur.execute(f"INSERT INTO {q}.{TABLE} ({columns}) SELECT {columns} "  # noqa: S608
                f"FROM {q}.{_LEGACY} ORDER BY seq")
    moved = int(cur.rowcount)
    cur.execute(f"DROP TABLE {q}.{_LEGACY}")
    return moved


def partition_existing(owner: Database) -> int:
    """As the trail's owner (`marac db setup`): a trail an earlier release made unpartitioned
    is moved into monthly partitions, and its append function made to create them; the
    application never rewrites the trail on its own start. Returns the rows moved (0: it was
    partitioned already)."""
    schema = owner.url.schema
    with owner.transaction() as cur:
        if is_partitioned(cur, schema) is not False:
            return 0
        moved = migrate_unpartitioned(cur, schema, audit_records("postgresql"), HEAD_LOCK)
        for statement in append_only_postgres(schema):
            cur.execute(statement)
        make_partitions(cur, schema, datetime.now(UTC).isoformat())
        cur.execute(append_function(schema, partitioned=True))
    return moved
