"""The audit trail's owner and the application's role on a real PostgreSQL: set up by `marac db
setup`, the application appends and reads, and every statement that could rewrite, empty or
unprotect the trail is refused to it by the database's privileges."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.cli import main
from api.settings import Settings
from audit import witness as witnesses
from audit.checkpoints import CheckpointLog
from audit.ownership import APPENDED_DIRECTLY
from audit.partitions import is_partitioned, partitions
from audit.proofs import TrailTree
from audit.trail import AUDIT_TABLES, AuditTrail
from audit.verify import verify
from security.kek import KeyMaterial
from storage.database import Database
from storage.url import parse_database_url
from tests.integration.test_audit_partitions import LEGACY, MONTHS, at
from tests.integration.test_audit_trail import fill, one

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Roles:
    owner_url: str
    app_url: str
    app_role: str
    owner_role: str
    schema: str


@pytest.fixture
def roles(postgres_server: str) -> Iterator[Roles]:
    """Two real login roles, neither a superuser, and a schema the owner owns."""
    suffix = uuid.uuid4().hex[:12]
    owner, app, schema = f"marac_owner_{suffix}", f"marac_app_{suffix}", f"t_{suffix}"
    server = parse_database_url(postgres_server)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER CREATEROLE')
        conn.execute(f'CREATE ROLE "{app}" LOGIN NOSUPERUSER')
        conn.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"')
    base = f"@{server.host}:{server.port}/{server.dbname}?schema={schema}"
    yield Roles(f"postgresql://{owner}{base}", f"postgresql://{app}{base}", app, owner, schema)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        for role in (app, owner):
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def app_platform(roles: Roles, tmp_path: Path) -> Iterator[Platform]:
    assert main(["db", "setup", "--owner-url", roles.owner_url,
                 "--app-role", roles.app_role]) == 0
    settings = Settings(data_dir=tmp_path / "data", database_url=roles.app_url, demo=True)
    built = build_platform(settings, material=KeyMaterial.generate(demo=True))
    yield built
    built.close()


@pytest.fixture
def witness_role(roles: Roles, postgres_server: str) -> Iterator[str]:
    """The witness's role, as `marac db setup --witness-role` creates it."""
    role = f"{roles.app_role}_witness"
    yield role
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_the_witness_role_reads_the_trail_and_nothing_else(
        roles: Roles, witness_role: str, postgres_server: str, tmp_path: Path) -> None:
    """It co-signs and verifies through its own role; every write, and any read outside
    the audit tables, is refused by privileges, even once it turns its read-only sessions
    off (which it can: they are a guard against mistakes, the privileges are the boundary)."""
    assert main(["db", "setup", "--owner-url", roles.owner_url, "--app-role", roles.app_role,
                 "--witness-role", witness_role]) == 0
    settings = Settings(data_dir=tmp_path / "data", database_url=roles.app_url, demo=True)
    platform = build_platform(settings, material=KeyMaterial.generate(demo=True))
    try:
        fill(platform, 3)
        assert platform.checkpoints.issue() is not None
        signer = platform.checkpoints.signer
    finally:
        platform.close()
    directory = tmp_path / "witness"
    witnesses.init(directory, [signer.public_key])
    witness_url = roles.app_url.replace(f"//{roles.app_role}@", f"//{witness_role}@")
    database = Database(witness_url, pool_size=1)
    try:
        trail = AuditTrail(database)
        witness = witnesses.Witness(directory)
        try:
            seen = witness.observe(CheckpointLog(trail), TrailTree(trail))
        finally:
            witness.close()
        assert (seen.alarm, seen.witnessed_size) == (None, 3)
        report = verify(trail, CheckpointLog(trail), None, {signer.key_id: signer.public_key},
                        witnesses.evidence(directory))
        assert report.ok, report
        assert report.witnessed_size == 3
    finally:
        database.close()

    schema = roles.schema
    with psycopg.connect(postgres_server) as conn:
        others = [str(r[0]) for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
            if r[0] not in AUDIT_TABLES]
    months = [t for t in others if t.startswith("audit_trail_")]
    assert months  # the partitions, read only through the trail
    assert len(others) > len(months)  # the application's own tables: events, keys, …
    with psycopg.connect(witness_url.split("?")[0]) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
    statements = [f'CREATE TABLE "{schema}".witness_notes (a int)',
                  f'SELECT "{schema}".marac_audit_append(ARRAY[]::text[])',
                  *[f'SELECT * FROM "{schema}".{t}' for t in others]]  # noqa: S608
    for table in AUDIT_TABLES:  # names from AUDIT_TABLES
        statements += [f'INSERT INTO "{schema}".{table} SELECT * FROM "{schema}".{table}',  # noqa: S608
                       f'DELETE FROM "{schema}".{table}',  # noqa: S608
                       f'TRUNCATE "{schema}".{table}',
                       f'ALTER TABLE "{schema}".{table} DISABLE TRIGGER USER']
    for statement in statements:
        with psycopg.connect(witness_url.split("?")[0]) as conn:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            conn.commit()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_application_role_appends_and_reads_the_trail(app_platform: Platform) -> None:
    fill(app_platform, 5)
    one(app_platform, action="break_glass", case_id=uuid.uuid4())
    assert app_platform.checkpoints.issue() is not None
    report = verify(app_platform.audit, app_platform.checkpoints,
                    app_platform.settings.audit_checkpoint_dir)
    assert report.ok, report
    assert report.records == 6


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_application_role_cannot_rewrite_empty_or_unprotect_an_audit_table(
        app_platform: Platform, roles: Roles, table: str) -> None:
    fill(app_platform, 3)
    assert app_platform.checkpoints.issue() is not None
    conninfo = app_platform.database.url.conninfo
    schema = app_platform.database.url.schema
    # Names from AUDIT_TABLES.
    statements = [
        f'UPDATE "{schema}".{table} SET {_first_column(conninfo, schema, table)} = NULL',  # noqa: S608
        f'DELETE FROM "{schema}".{table}',  # noqa: S608
        f'TRUNCATE "{schema}".{table}',
        f'ALTER TABLE "{schema}".{table} DISABLE TRIGGER USER',
        f'ALTER TABLE "{schema}".{table} DISABLE TRIGGER ALL',
        f'DROP TABLE "{schema}".{table}',
        f'ALTER TABLE "{schema}".{table} OWNER TO "{roles.app_role}"',
    ]
    if table not in APPENDED_DIRECTLY:  # the rest only through the append function
        statements.append(f'INSERT INTO "{schema}".{table} SELECT * FROM "{schema}".{table}')  # noqa: S608
    for statement in statements:
        with psycopg.connect(conninfo) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    report = verify(app_platform.audit, app_platform.checkpoints,
                    app_platform.settings.audit_checkpoint_dir)
    assert report.ok, report
    assert report.records == 3


def _refused_on_every_partition(platform: Platform, roles: Roles) -> list[str]:
    """Every partition of the trail, and each statement that could rewrite, empty, detach or
    unprotect one, tried as the application; returns the partitions."""
    conninfo = platform.database.url.conninfo
    schema = platform.database.url.schema
    with platform.database.transaction(readonly=True) as cur:
        months = partitions(cur, schema)
    for month in months:
        table = f'"{schema}".{month}'
        for statement in [
            f"UPDATE {table} SET actor = NULL",  # noqa: S608
            f"DELETE FROM {table}",  # noqa: S608
            f"TRUNCATE {table}",
            f"ALTER TABLE {table} DISABLE TRIGGER USER",
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            f"DROP TABLE {table}",
            f'ALTER TABLE {table} OWNER TO "{roles.app_role}"',
            f"INSERT INTO {table} SELECT * FROM {table}",  # noqa: S608
            f'ALTER TABLE "{schema}".audit_trail DETACH PARTITION {table}',
        ]:
            with psycopg.connect(conninfo) as conn, \
                    pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    return months


def test_the_application_role_cannot_rewrite_empty_or_unprotect_a_partition(
        app_platform: Platform, roles: Roles) -> None:
    """Also the partitions the append function makes as the records need them."""
    fill(app_platform, 2)
    at(app_platform, MONTHS[0])  # a month the setup did not make
    assert app_platform.checkpoints.issue() is not None
    months = _refused_on_every_partition(app_platform, roles)
    assert {"audit_trail_y2026m01", "audit_trail_y2026m02"} <= set(months)
    assert len(months) >= 4  # this month and the next, made at setup
    report = verify(app_platform.audit, app_platform.checkpoints,
                    app_platform.settings.audit_checkpoint_dir)
    assert report.ok, report
    assert report.records == 3


def test_setup_moves_a_trail_made_before_partitions_into_months(
        roles: Roles, postgres_server: str, tmp_path: Path) -> None:
    """A deployment from before the roles and the partitions: the application made an
    unpartitioned trail; the owner's setup takes it over and moves it into months."""
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{roles.schema}" TO "{roles.app_role}"')
        conn.execute(f'GRANT "{roles.app_role}" TO "{roles.owner_role}"')
    with psycopg.connect(roles.app_url.split("?")[0], autocommit=True) as conn:
        conn.execute(LEGACY.format(schema=roles.schema))
    settings = Settings(data_dir=tmp_path / "data", database_url=roles.app_url, demo=True)
    material = KeyMaterial.generate(demo=True)
    before = build_platform(settings, material=material)
    at(before, MONTHS[0])
    fill(before, 2)
    assert before.checkpoints.issue() is not None
    before.close()
    assert main(["db", "setup", "--owner-url", roles.owner_url,
                 "--app-role", roles.app_role]) == 0
    after = build_platform(settings, material=material)
    try:
        with after.database.transaction(readonly=True) as cur:
            assert is_partitioned(cur, roles.schema) is True
        fill(after, 1)
        assert after.checkpoints.issue() is not None
        report = verify(after.audit, after.checkpoints, settings.audit_checkpoint_dir)
        assert report.ok, report
        assert report.records == 4
        assert "audit_trail_y2026m01" in _refused_on_every_partition(after, roles)
    finally:
        after.close()


def test_the_application_role_cannot_replace_or_drop_the_append_function(
        app_platform: Platform) -> None:
    conninfo = app_platform.database.url.conninfo
    schema = app_platform.database.url.schema
    for statement in [
        f'DROP FUNCTION "{schema}".marac_audit_append(text[])',
        f'CREATE OR REPLACE FUNCTION "{schema}".marac_audit_append(v text[]) RETURNS bigint '
        "LANGUAGE sql AS 'SELECT 0::bigint'",
        f'ALTER FUNCTION "{schema}".marac_audit_append(text[]) SECURITY INVOKER',
        f'DROP FUNCTION "{schema}".marac_append_only()',
        f'DROP FUNCTION "{schema}".marac_audit_partitions(text)',
        f'SELECT "{schema}".marac_audit_partitions(\'2030-01-01\')',
        f'CREATE OR REPLACE FUNCTION "{schema}".marac_append_only() RETURNS trigger '
        "LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
    ]:
        with psycopg.connect(conninfo) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    fill(app_platform, 2)
    assert app_platform.audit.count() == 2


def test_a_function_the_application_plants_in_the_schema_never_runs_as_the_owner(
        app_platform: Platform, roles: Roles) -> None:
    """The application may create objects in the schema; the append function runs as the
    owner, so a function it resolved from there (a better match for `convert_to(text,
    'UTF8')` than the built-in) would run with the owner's rights."""
    conninfo = app_platform.database.url.conninfo
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"""CREATE FUNCTION "{roles.schema}".convert_to(t text, e text)
            RETURNS bytea LANGUAGE plpgsql AS $$ BEGIN
                ALTER TABLE "{roles.schema}".audit_trail DISABLE TRIGGER USER;
                RETURN pg_catalog.convert_to(t, e::name);
            END $$""")
    fill(app_platform, 2)
    with psycopg.connect(conninfo) as conn:
        disabled = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled = 'D'",
            (f'"{roles.schema}".audit_trail',)).fetchone()
    assert disabled == (0,)
    assert verify(app_platform.audit, app_platform.checkpoints,
                  app_platform.settings.audit_checkpoint_dir).ok


def test_setup_refuses_a_schema_where_another_role_planted_functions_or_operators(
        app_platform: Platform, roles: Roles, capsys: pytest.CaptureFixture[str]) -> None:
    """The owner's own session resolves names in the schema too (its tables are there), so
    a routine another role put there could run with the owner's rights during the setup."""
    with psycopg.connect(app_platform.database.url.conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE FUNCTION "{roles.schema}".pg_has_role(n name, p text) '
                     "RETURNS boolean LANGUAGE sql AS 'SELECT true'")
    capsys.readouterr()
    assert main(["db", "setup", "--owner-url", roles.owner_url,
                 "--app-role", roles.app_role]) == 2
    assert "pg_has_role(name,text)" in capsys.readouterr().err


def test_the_application_starts_again_on_a_trail_its_owner_set_up(
        app_platform: Platform, tmp_path: Path) -> None:
    fill(app_platform, 2)
    again = build_platform(app_platform.settings, material=KeyMaterial.generate(demo=True))
    try:
        fill(again, 1)
        assert again.audit.count() == 3
    finally:
        again.close()


def test_setup_is_repeatable_and_creates_a_missing_application_role(
        roles: Roles, postgres_server: str) -> None:
    new_role = f"{roles.app_role}_new"
    try:
        for _ in range(2):
            assert main(["db", "setup", "--owner-url", roles.owner_url,
                         "--app-role", new_role]) == 0
        with psycopg.connect(postgres_server) as conn:
            row = conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s",
                               (new_role,)).fetchone()
        assert row == (True, False)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{new_role}"')
            conn.execute(f'DROP ROLE "{new_role}"')


def test_setup_refuses_sqlite(tmp_path: Path) -> None:
    assert main(["db", "setup", "--owner-url", f"sqlite:///{tmp_path}/x.sqlite",
                 "--app-role", "marac_app"]) == 2


def test_setup_takes_over_a_trail_the_application_made_itself(
        roles: Roles, postgres_server: str, tmp_path: Path) -> None:
    """A deployment from before the roles: the application's role created and owns the trail.
    The owner (here a member of that role; or a superuser) takes it over."""
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{roles.schema}" TO "{roles.app_role}"')
        conn.execute(f'GRANT "{roles.app_role}" TO "{roles.owner_role}"')
    settings = Settings(data_dir=tmp_path / "data", database_url=roles.app_url, demo=True)
    material = KeyMaterial.generate(demo=True)
    before = build_platform(settings, material=material)
    fill(before, 2)
    before.close()
    assert main(["db", "setup", "--owner-url", roles.owner_url,
                 "--app-role", roles.app_role]) == 0
    after = build_platform(settings, material=material)
    try:
        fill(after, 1)
        assert after.checkpoints.issue() is not None
        report = verify(after.audit, after.checkpoints, settings.audit_checkpoint_dir)
        assert report.ok, report
        assert report.records == 3
        with psycopg.connect(after.database.url.conninfo) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'ALTER TABLE "{roles.schema}".audit_trail DISABLE TRIGGER USER')
    finally:
        after.close()


def _first_column(conninfo: str, schema: str, table: str) -> str:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT column_name FROM information_schema.columns "
                           "WHERE table_schema = %s AND table_name = %s "
                           "AND is_nullable = 'NO' ORDER BY ordinal_position",
                           (schema, table)).fetchone()
    assert row is not None
    return str(row[0])
