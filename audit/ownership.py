"""Who owns the audit trail on PostgreSQL.

An owner role creates the audit tables, their triggers and the append function, and keeps
them: only an owner (or a superuser) can disable a trigger, truncate, drop or replace them.
The application's role gets the least that running needs: SELECT on every audit table,
EXECUTE on the append function (SECURITY DEFINER: it writes the records, the head and the
mentions as the owner, so the chain is only ever extended by its own code), and INSERT on
the two tables the application adds rows to itself (signed checkpoints and break-glass
reviews; their triggers refuse any change after). Every other table (event store, keys, read
models …) is made by the owner's migrations (storage/migrations) and the application gets
SELECT, INSERT, UPDATE and DELETE on it (SELECT only on `schema_version`: it reads its version,
never writes it). It also keeps USAGE and CREATE on the schema, as before the migrations.

The witness (audit/witness.py) gets a role of its own, read-only: USAGE on the schema and
SELECT on the audit tables, nothing else (no other table, no function, no CREATE), and its
sessions start read-only. It checks the trail; it never needs to write it, and a witness that
could write it would be one more insider.

The records' monthly partitions (audit/partitions.py) are the owner's too: the append function
makes them as it, and the application has no privilege on one (it reads through the trail).

Run as the owner, before the application first starts and after each upgrade: it applies the
release's migrations, moves a trail made before partitions into them, and grants the
application what the new tables need.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from audit.partitions import PARTITION_FUNCTION, partition_existing, partitions
from audit.trail import AUDIT_TABLES
from storage.database import Database
from storage.migrations import VERSION_TABLE, upgrade
from storage.migrations.m0001_previous_release import (
    append_function,
    append_only_postgres,
    partition_function,
)
from storage.url import DatabaseUrlError, sql_identifier

# The only audit tables the application writes rows to directly; the rest it reaches only
# through the append function.
APPENDED_DIRECTLY = ("audit_checkpoints", "audit_reviews")
APPEND_FUNCTION = "marac_audit_append(text[])"
FUNCTIONS = (APPEND_FUNCTION, "marac_append_only()", PARTITION_FUNCTION)


class UnsafeSchema(Exception):
    """The schema holds another role's function named like a built-in, or an operator: the
    owner's session, which resolves names there, could run it with the owner's rights.
    Someone removes it and runs the setup again."""


def set_up(owner: Database, app_role: str, app_password: str | None = None, *,
           witness_role: str | None = None, witness_password: str | None = None) -> None:
    """Connected as the owner: create the application's role (and the witness's, if named)
    if it does not exist, take over audit objects made earlier by another role, create the
    trail and grant the application its share and the witness its read."""
    if owner.dialect != "postgresql":
        raise DatabaseUrlError("database roles exist only on PostgreSQL")
    sql_identifier(app_role, "the application's role")
    if witness_role is not None:
        sql_identifier(witness_role, "the witness's role")
        if witness_role == app_role:
            raise DatabaseUrlError("the witness needs a role of its own, not the application's")
    schema = sql.Identifier(owner.url.schema)
    app = sql.Identifier(app_role)
    with psycopg.connect(owner.url.conninfo, autocommit=True) as conn:
        # Only the catalogue here: nothing in a schema another role can write to.
        conn.execute("SET search_path TO pg_catalog")
        _refuse_planted_routines(conn, owner.url.schema)
        _ensure_role(conn, app_role, app_password)
        if witness_role is not None:
            _ensure_role(conn, witness_role, witness_password)
            # Belt and braces under the privileges below: its sessions start read-only.
            conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(
                sql.Identifier(witness_role)))
        taken = _take_over(conn, owner.url.schema)
    if taken:
        _redefine_audit_functions(owner)
    # The release's schema, as its owner; and a trail made before partitions moved into them.
    upgrade(owner)
    partition_existing(owner)
    with psycopg.connect(owner.url.conninfo) as conn, conn.transaction():
        conn.execute("SET LOCAL search_path TO pg_catalog")
        conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(schema, app))
        with conn.cursor() as cur:
            months = partitions(cur, owner.url.schema)
        for partition in months:
            # Read through the trail only: the database checks a read of the parent against
            # the parent's grants, and a statement naming a partition against the partition's.
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(
                sql.Identifier(owner.url.schema, partition), app))
        for table in AUDIT_TABLES:
            name = sql.Identifier(owner.url.schema, table)
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(name, app))
            conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, app))
            if table in APPENDED_DIRECTLY:
                conn.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(name, app))
        _grant_application(conn, owner.url.schema, app)
        for function in FUNCTIONS:
            # Signatures are this module's constants; the schema is a validated identifier.
            target = sql.SQL(f"{{}}.{function}").format(schema)
            conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC, {}").format(
                target, app))
        conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
            sql.SQL(f"{{}}.{APPEND_FUNCTION}").format(schema), app))
        if witness_role is not None:
            _grant_witness(conn, owner.url.schema, months, witness_role)


def _grant_witness(conn: psycopg.Connection[tuple[object, ...]], schema: str,
                   months: list[str], role: str) -> None:
    """The witness reads the audit tables and nothing else. Tables the application creates
    grant nothing to others, and the audit functions none to PUBLIC (above), so SELECT on
    these and USAGE on the schema (not CREATE) is all it holds there."""
    witness = sql.Identifier(role)
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(
        sql.Identifier(schema), witness))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
        sql.Identifier(schema), witness))
    for partition in months:  # read through the trail, as the application does
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(
            sql.Identifier(schema, partition), witness))
    for table in AUDIT_TABLES:
        name = sql.Identifier(schema, table)
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(name, witness))
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, witness))
    for function in FUNCTIONS:
        conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM {}").format(
            sql.SQL(f"{{}}.{function}").format(sql.Identifier(schema)), witness))


def refuse_planted_routines(owner: Database) -> None:
    """Before the owner's migrations (`marac db upgrade`): raises UnsafeSchema as the setup
    does."""
    with psycopg.connect(owner.url.conninfo, autocommit=True) as conn:
        conn.execute("SET search_path TO pg_catalog")
        _refuse_planted_routines(conn, owner.url.schema)


def _refuse_planted_routines(conn: psycopg.Connection[tuple[object, ...]],
                             schema: str) -> None:
    """The application's role may create objects in the schema (its own tables; the event
    store also makes a function of its own name there). A function named like a built-in, or
    any operator, would be resolved by the owner's statements below, possibly as a better
    match than the built-in, and run with the owner's rights."""
    rows = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
        "AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) "
        "AND p.proname IN (SELECT proname FROM pg_proc "
        "                  WHERE pronamespace = 'pg_catalog'::regnamespace) "
        "UNION ALL SELECT o.oid::regoperator::text FROM pg_operator o "
        "JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = %s "
        "AND o.oprowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        (schema, schema)).fetchall()
    if rows:
        found = sorted(str(row[0]) for row in rows)
        raise UnsafeSchema(f"schema {schema} holds another role's functions named like "
                           f"built-ins, or operators, which the owner could run: {found}")


def _ensure_role(conn: psycopg.Connection[tuple[object, ...]], role: str,
                 password: str | None) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    if password is None:
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        return
    conn.execute(sql.SQL(f"{verb} ROLE {{}} LOGIN PASSWORD {{}}").format(
        sql.Identifier(role), sql.Literal(password)))


def _take_over(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> list[str]:
    """A deployment where the application made tables itself (every table before the
    migrations, the audit trail before the roles): they become the owner's, so that its
    migrations can change them and its grants apply (this needs the owner to be a superuser or
    a member of their current owner). Of the functions, only the audit trail's are taken, and
    returned: the owner defines them again (_redefine_audit_functions), so that none keeps a
    body another role gave it; any other function stays with whoever made it."""
    # ALTER TABLE … OWNER does not reach a partitioned table's partitions: each is named
    # (they are tables of their own, relkind 'r').
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
        "AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        (schema,)).fetchall()
    for (table,) in rows:
        conn.execute(sql.SQL("ALTER TABLE {} OWNER TO CURRENT_USER").format(
            sql.Identifier(schema, str(table))))
    functions = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
        "AND p.proname IN ('marac_audit_append', 'marac_append_only', 'marac_audit_partitions') "
        "AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        (schema,)).fetchall()
    for (signature,) in functions:
        # regprocedure's text is the function's qualified, quoted signature.
        conn.execute(sql.SQL(f"ALTER FUNCTION {signature} OWNER TO CURRENT_USER"))
    return [str(row[0]) for row in functions]


def _redefine_audit_functions(owner: Database) -> None:
    """The audit functions just taken over, as migration 0001 defines them (the only
    definition so far: a migration that changes one comes after, in `upgrade`)."""
    schema = owner.url.schema
    with owner.transaction() as cur:
        cur.execute("SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = %s "
                    "AND c.relname = 'audit_trail'", (schema,))
        row = cur.fetchone()
        for statement in [*append_only_postgres(schema), partition_function(schema),
                          append_function(schema, row is not None and row[0] == "p")]:
            cur.execute(statement)


def _grant_application(conn: psycopg.Connection[tuple[object, ...]], schema: str,
                       app: sql.Identifier) -> None:
    """The application's share of the tables outside the audit trail (made by the owner's
    migrations): read and write their rows; read the schema's version; use the sequences
    (the event store's notification ids)."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND c.relname <> ALL(%s)", (schema, list(AUDIT_TABLES))).fetchall()
    for (table,) in rows:
        name = sql.Identifier(schema, str(table))
        rights = "SELECT" if table == VERSION_TABLE else "SELECT, INSERT, UPDATE, DELETE"
        conn.execute(sql.SQL(f"GRANT {rights} ON {{}} TO {{}}").format(name, app))
    conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
        sql.Identifier(schema), app))
