"""Monthly partitions of the audit trail on PostgreSQL, so that a DPO's query by time reads
only its months.

The records are range-partitioned on their time (`at`, stored as UTC ISO 8601 text in the
"C" collation, so the text orders as the times do and a bound on it prunes). Partitions are
made by their owner ahead of need: the append function (SECURITY DEFINER) makes the month of
the record it writes, if missing, and the next one; the application's role needs no DDL right.
A trail made unpartitioned by an earlier release keeps working as it is; the owner's `marac db
setup` moves it into partitions (migrate_unpartitioned). SQLite stays one table.
"""

from __future__ import annotations

from audit.chain import FIELDS
from storage.database import Cursor

TABLE = "audit_trail"
# The partitions' names: audit_trail_y2026m11 holds November 2026.
PREFIX = f"{TABLE}_y"
PARTITION_FUNCTION = "marac_audit_partitions(text)"
# The indexes of an unpartitioned trail (trail.py's DDL), in the way of the new table's names.
_UNPARTITIONED_INDEXES = (f"{TABLE}_case", f"{TABLE}_actor", f"{TABLE}_action")
_LEGACY = f"{TABLE}_unpartitioned"


def partition_function(schema: str) -> str:
    """Makes the partition of `at`'s month and of the month after, where missing. Called
    under the head row's lock (the append, the setup), so two callers never race to make one.

    A partition gets the trail's row triggers from its parent (PostgreSQL clones them, also
    to partitions made later), but a statement trigger only fires for the table a statement
    names: each partition gets its own, so that TRUNCATE of a partition is refused too."""
    # Built only from this module's constants and the validated schema name.
    return f"""
        CREATE OR REPLACE FUNCTION "{schema}".marac_audit_partitions(at text) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            first date := make_date(substr(at, 1, 4)::integer, substr(at, 6, 2)::integer, 1);
            month date;
            name text;
        BEGIN
            FOREACH month IN ARRAY ARRAY[first, (first + interval '1 month')::date] LOOP
                name := '{PREFIX}' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
                IF to_regclass(format('%I.%I', '{schema}', name)) IS NULL THEN
                    EXECUTE format(
                        'CREATE TABLE %I.%I PARTITION OF %I.{TABLE} FOR VALUES FROM (%L) TO (%L)',
                        '{schema}', name, '{schema}',
                        to_char(month, 'YYYY-MM-DD') || 'T00:00:00.000000+00:00',
                        to_char((month + interval '1 month')::date, 'YYYY-MM-DD')
                            || 'T00:00:00.000000+00:00');
                    EXECUTE format(
                        'CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON %I.%I '
                        'FOR EACH STATEMENT EXECUTE FUNCTION %I.marac_append_only()',
                        '{schema}', name, '{schema}');
                END IF;
            END LOOP;
        END $$"""  # noqa: S608


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

    `create_table`: the partitioned table's DDL and its indexes (trail.py), made after the
    old table is out of their way. Run by the owner (`marac db setup`); the application never
    rewrites the trail on its own start."""
    q = f'"{schema}"'
    cur.execute(stop_appends)
    cur.execute(f"LOCK TABLE {q}.{TABLE} IN ACCESS EXCLUSIVE MODE")
    cur.execute(f"ALTER TABLE {q}.{TABLE} RENAME TO {_LEGACY}")
    cur.execute(f"ALTER TABLE {q}.{_LEGACY} RENAME CONSTRAINT {TABLE}_pkey TO {_LEGACY}_pkey")
    for index in _UNPARTITIONED_INDEXES:
        cur.execute(f"DROP INDEX IF EXISTS {q}.{index}")
    for statement in create_table:
        cur.execute(statement)
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
