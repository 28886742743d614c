"""Versioned migrations on a real SQLite file and PostgreSQL: a database made by the previous
release (tests/fixtures/previous_release, the demo's synthetic data) is upgraded by `marac db
upgrade` and keeps its data (the case views decrypt, the audit trail verifies); upgrading
twice changes nothing; the application refuses to start on a schema behind its own; a fresh
database migrated from nothing has exactly the previous release's schema."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.cli import main
from api.commands.projections import reindex
from api.demo import PERSONAS, demo_ids
from api.settings import Settings
from audit.checkpoints import CheckpointLog
from audit.queries import AuditFilter, search_statement
from audit.verify import verify
from security.kek import KeyMaterial
from storage.database import Database
from storage.migrations import LATEST, MIGRATIONS, SchemaOutOfDate, status, upgrade
from storage.migrations.m0001_previous_release import EVENTS_SQLITE, events_postgres
from tests.integration.test_audit_trail import fill

FIXTURES = Path(__file__).parents[1] / "fixtures" / "previous_release"
FACTS = json.loads((FIXTURES / "facts.json").read_text())
DUMPED_SCHEMA = "marac_previous_release"


def load_previous_release(database_url: str) -> None:
    """The previous release's database, from its SQL dump, at `database_url`."""
    db = Database(database_url, pool_size=1)  # makes the PostgreSQL schema's name free
    try:
        if db.dialect == "sqlite":
            assert db.url.path is not None
            with sqlite3.connect(db.url.path) as conn:
                conn.executescript((FIXTURES / "sqlite.sql").read_text())
            return
        schema = db.url.schema
        with db.transaction() as cur:
            cur.execute(f'DROP SCHEMA "{schema}"')
        dump = (FIXTURES / "postgresql.sql").read_text().replace(DUMPED_SCHEMA, schema)
        # pg_dump's \restrict guard lines, which a psql older than 15.14 does not know.
        dump = re.sub(r"^\\(un)?restrict .*$", "", dump, flags=re.MULTILINE)
        server = database_url.split("?", maxsplit=1)[0]
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", server],  # noqa: S603, S607
                       input=dump, text=True, check=True, capture_output=True)
    finally:
        db.close()


def facts(database_url: str) -> dict[str, Any]:
    backend: dict[str, Any] = FACTS["sqlite" if database_url.startswith("sqlite") else
                                    "postgresql"]
    return backend


def schema_of(database_url: str) -> dict[str, list[str]]:
    """What a database's schema is made of, without its rows or the names of the months its
    audit partitions cover."""
    db = Database(database_url, pool_size=1)
    try:
        with db.transaction(readonly=True) as cur:
            if db.dialect == "sqlite":
                cur.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
                objects = [" ".join(str(r[:3])) + " " + " ".join(str(r[3]).split())
                           for r in cur.fetchall()]
                return {"objects": objects}
            schema = db.url.schema
            found: dict[str, list[str]] = {}
            queries = {
                "columns": "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, "
                           "c.collation_name, c.column_default FROM information_schema.columns c "
                           "JOIN pg_class r ON r.relname = c.table_name JOIN pg_namespace n "
                           "ON n.oid = r.relnamespace AND n.nspname = c.table_schema "
                           "WHERE c.table_schema = %s AND NOT r.relispartition",
                "indexes": "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class r "
                           "ON r.relname = i.tablename JOIN pg_namespace n ON n.oid = "
                           "r.relnamespace AND n.nspname = i.schemaname "
                           "WHERE i.schemaname = %s AND NOT r.relispartition",
                "triggers": "SELECT t.tgname, r.relname, t.tgenabled FROM pg_trigger t "
                            "JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON "
                            "n.oid = r.relnamespace WHERE n.nspname = %s "
                            "AND NOT r.relispartition AND NOT t.tgisinternal",
                "functions": "SELECT p.proname, p.prosecdef, p.proconfig::text, p.prosrc "
                             "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                             "WHERE n.nspname = %s",
                "types": "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON "
                         "n.oid = t.typnamespace WHERE n.nspname = %s AND t.typtype = 'c' "
                         "AND t.typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c')",
            }
            for part, query in queries.items():
                cur.execute(query, (schema,))
                found[part] = sorted(" ".join(" ".join(str(v).split()) for v in row)
                                     .replace(schema, "SCHEMA") for row in cur.fetchall())
            return found
    finally:
        db.close()


@pytest.fixture
def previous_release(database_url: str) -> str:
    load_previous_release(database_url)
    return database_url


def upgraded_platform(database_url: str, tmp_path: Path) -> Platform:
    """The platform on the upgraded database, with the previous release's keys. Demo mode
    serves the demo's identity; the schema is already current (asserted by the callers), so
    nothing is upgraded at start."""
    material = KeyMaterial.from_json((FIXTURES / "keys.json").read_text())
    return build_platform(Settings(data_dir=tmp_path / "data", database_url=database_url,
                                   demo=True), material=material)


def db_command(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["db", *args]) == 0
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_the_previous_release_is_upgraded_and_keeps_its_data(
        previous_release: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = db_command(capsys, "status", "--database-url", previous_release)
    assert (before["current"], before["unversioned"], before["up_to_date"]) == (0, True, False)

    done = db_command(capsys, "upgrade", "--database-url", previous_release)

    assert [(a["version"], a["how"]) for a in done["applied"]] == [
        (1, "recognised"), *((m.version, "applied") for m in MIGRATIONS[1:])]
    assert (done["from"], done["to"]) == (0, LATEST)
    after = db_command(capsys, "status", "--database-url", previous_release)
    assert (after["current"], after["up_to_date"]) == (LATEST, True)
    known = facts(previous_release)
    platform = upgraded_platform(previous_release, tmp_path)
    try:
        coordinator = next(p for p in PERSONAS if p.name == "coordinator")
        assert platform.issuer is not None
        token = platform.issuer.issue(demo_ids().claims(coordinator))
        with TestClient(create_app(platform)) as client:
            for name, case_id in known["cases"].items():
                response = client.get(f"/api/v1/cases/{case_id}", headers={
                    "Authorization": f"Bearer {token}", "X-Purpose": "meeting_preparation"})
                assert response.status_code == 200, name
                body = response.json()
                seen = {key: body[key] for key in ("referral", "items", "decision")}
                assert seen == known["views"][name]["body"], name  # decrypted as before
        # The event store goes on from where it was: a new event after the old ones.
        last = platform.marac.recorder.max_notification_id() or 0
        platform.marac.create_area("newshire", "Newshire MARAC")
        assert (platform.marac.recorder.max_notification_id() or 0) > last
        fill(platform, 2)  # the audit trail too, on its old chain
        key = known["checkpoint_key"]
        report = verify(platform.audit, CheckpointLog(platform.audit), None,
                        {key["key_id"]: bytes.fromhex(key["public_key"])})
        assert report.ok, report
        assert report.records == known["audit_records"] + len(known["cases"]) + 2
        assert report.checkpoints_checked >= 1  # the one the previous release signed
    finally:
        platform.close()


def test_the_previous_release_s_index_is_reindexed_for_possible_repeats(
        previous_release: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its blind index holds only the search keys: the match keys are HMACs under the
    platform's key, added by `marac projections reindex`, not by a migration."""
    db_command(capsys, "upgrade", "--database-url", previous_release)
    cases = {name: UUID(c) for name, c in facts(previous_release)["cases"].items()}
    platform = upgraded_platform(previous_release, tmp_path)
    try:
        assert platform.marac.possible_repeats(cases["repeat"]) == []
        done = reindex(platform)
        assert done["reindexed"] == done["cases"] == len(cases)
        found = platform.marac.possible_repeats(cases["repeat"])
        assert [p.case_id for p in found] == [cases["accepted"]]
        assert found[0].strong
    finally:
        platform.close()


def test_upgrading_twice_changes_nothing(
        previous_release: str, capsys: pytest.CaptureFixture[str]) -> None:
    db_command(capsys, "upgrade", "--database-url", previous_release)
    once = schema_of(previous_release)
    again = db_command(capsys, "upgrade", "--database-url", previous_release)
    assert again["applied"] == []
    assert (again["from"], again["to"]) == (LATEST, LATEST)
    assert schema_of(previous_release) == once


def test_the_application_refuses_to_start_on_the_previous_release_schema(
        previous_release: str, tmp_path: Path) -> None:
    material = KeyMaterial.from_json((FIXTURES / "keys.json").read_text())
    settings = Settings(data_dir=tmp_path / "data", database_url=previous_release,
                        oidc_issuer="https://idp.example", oidc_audience="marac",
                        oidc_jwks_url="https://idp.example/jwks")
    with pytest.raises(SchemaOutOfDate, match=r"run `marac db upgrade`") as refused:
        build_platform(settings, material=material)
    assert "made before versions were recorded" in str(refused.value)
    db = Database(previous_release, pool_size=1)
    try:
        assert status(db).current == 0  # left as it was
        upgrade(db)
        with db.transaction() as cur:  # a release later than this one upgraded it
            cur.execute("INSERT INTO schema_version (version, name, applied_at, how) "
                        "VALUES (%s, 'later', '2030-01-01T00:00:00+00:00', 'applied')",
                        (LATEST + 1,))
    finally:
        db.close()
    with pytest.raises(SchemaOutOfDate, match="newer than this release"):
        build_platform(settings, material=material)


@pytest.mark.sqlite_file
def test_demo_mode_upgrades_at_start(previous_release: str, tmp_path: Path) -> None:
    platform = upgraded_platform(previous_release, tmp_path)
    try:
        assert status(platform.database).current == LATEST
        case_id = UUID(facts(previous_release)["cases"]["accepted"])
        assert platform.cases.labels([case_id])[case_id]  # its sealed label, opened
    finally:
        platform.close()


def test_a_fresh_database_migrated_from_nothing_has_the_previous_release_schema(
        database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    db = Database(database_url, pool_size=1)
    try:
        assert (status(db).current, status(db).unversioned) == (0, False)
        with pytest.raises(SchemaOutOfDate, match="no schema yet"):
            build_platform(Settings(data_dir=tmp_path / "data", database_url=database_url,
                                    oidc_issuer="https://idp.example", oidc_audience="marac",
                                    oidc_jwks_url="https://idp.example/jwks"),
                           material=KeyMaterial.generate(demo=True))
        assert [(a.version, a.how) for a in upgrade(db)] == [
            (m.version, "applied") for m in MIGRATIONS]
    finally:
        db.close()
    other = _another_database(database_url, request, tmp_path)
    load_previous_release(other)
    upgrade_it = Database(other, pool_size=1)
    try:
        upgrade(upgrade_it)
    finally:
        upgrade_it.close()
    assert schema_of(database_url) == schema_of(other)


def _another_database(database_url: str, request: pytest.FixtureRequest,
                      tmp_path: Path) -> str:
    from tests.conftest import fresh_database  # noqa: PLC0415 - the fixtures' own helper

    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    made: Iterator[str] = fresh_database(backend, request, tmp_path / "other")
    url = next(made)
    request.addfinalizer(lambda: next(made, None))
    return url


def test_the_event_store_ddl_is_the_librarys_for_our_table_name(platform: Platform) -> None:
    """Migration 0001 holds the eventsourcing library's statements as text: an upgrade of the
    library that changed them would need a migration, and fails here first."""
    recorder: Any = platform.marac.recorder
    if platform.database.dialect == "sqlite":
        assert recorder.create_table_statements == [EVENTS_SQLITE]
        return
    with platform.database.transaction(readonly=True) as cur:
        conn = getattr(cur, "connection")  # noqa: B009 - psycopg's cursor, typed as ours
        library = {s.as_string(conn) for s in recorder.sql_create_statements}
    assert library == set(events_postgres(platform.database.url.schema))


def test_a_dpo_search_of_an_area_reads_the_area_index_of_migration_0002(
        platform: Platform) -> None:
    """Every DPO search is held to their area: the plan reads the records of that area in
    order through the index, and not the whole trail (sequential scans priced out on
    PostgreSQL, as at scale)."""
    fill(platform, 20)
    sql, params = search_statement(AuditFilter(area_id=uuid4()))
    with platform.database.transaction() as cur:
        if platform.database.dialect == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cur.fetchall())
            assert re.search(r"SEARCH t USING INDEX audit_trail_area \(area_id=\?", plan), plan
        else:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(str(row[0]) for row in cur.fetchall())
            assert re.search(r"Index Cond: \(\(area_id = '[^']+'::text\)", plan), plan
