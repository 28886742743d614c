"""The restore drill (README, "Backups and restore"), on a real PostgreSQL with the real tools:
`pg_dump` a database in use, erase a case, restore the older dump in its place, start the
platform again: the case stays erased (the shred ledger, a file beside the database, is
re-applied at start-up) and `marac audit verify` passes on the restored trail. A checkpoint
signed after the backup, though, makes the loss of the records since visible: a restore is
never silent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from audit.sink import TrailAudit
from domain.exceptions import CaseErased
from security.identity import Principal
from security.kek import KeyMaterial
from tests.conftest import Today, fresh_database
from tests.factories import area_with_agency, referral

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("the drill needs PostgreSQL's pg_dump and pg_restore on the PATH")
    yield from fresh_database("postgres", request, tmp_path)


def _server_and_schema(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    schema = parse_qs(parts.query)["schema"][0]
    return parts._replace(query="").geturl(), schema


def dump(url: str, into: Path) -> None:
    server, schema = _server_and_schema(url)
    subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}",  # noqa: S603, S607
                    f"--file={into}", server], check=True)


def restore(url: str, dumped: Path) -> None:
    """The database as the dump has it: what was there is dropped first."""
    server, schema = _server_and_schema(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    subprocess.run(["pg_restore", "--exit-on-error", f"--dbname={server}",  # noqa: S603, S607
                    str(dumped)], check=True)


def viewed(platform: Platform, *cases: UUID) -> None:
    """Each case viewed by its coordinator, as the service layer records it."""
    principal = Principal("coordinator-1", "person", None, None, frozenset({"coordinator"}))
    for case_id in cases:  # one request, one record
        TrailAudit(platform.audit, principal, platform.now).record_before_response(
            "read", "allowed", case_id=case_id)


def audit_verify(settings: Settings) -> tuple[int, dict[str, object]]:
    """`marac audit verify`, as an operator runs it, in its own process."""
    env = {**os.environ, "MARAC_DATABASE_URL": settings.database_url,
           "MARAC_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run([sys.executable, "-m", "api.cli", "audit", "verify"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    return done.returncode, json.loads(done.stdout)


def test_a_restored_backup_keeps_an_erased_case_erased_and_its_trail_verifies(
        database_url: str, tmp_path: Path, key_material: KeyMaterial, today: Today) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, demo=True)
    platform = build_platform(settings, material=key_material, today=today)
    try:
        area, agency = area_with_agency(platform.marac)
        erased = platform.marac.refer(referral(area, agency))
        kept = platform.marac.refer(referral(area, agency))
        viewed(platform, erased, kept)
        assert platform.checkpoints.issue() is not None
        dump(database_url, tmp_path / "backup.dump")
        platform.eraser.erase(erased, "lawful_erasure_decision")
        with pytest.raises(CaseErased):
            platform.marac.get_case(erased)
    finally:
        platform.close()

    restore(database_url, tmp_path / "backup.dump")
    # The restored database holds the erased case's key again ...
    server, schema = _server_and_schema(database_url)
    with psycopg.connect(server) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}".data_keys WHERE scope_id = %s',  # noqa: S608 (our schema name)
                           (str(erased),)).fetchone()
    assert row == (1,)

    restarted = build_platform(settings, material=key_material, today=today)
    try:
        # ... which start-up destroys again from the ledger: the case stays erased.
        with pytest.raises(CaseErased):
            restarted.marac.get_case(erased)
        assert restarted.marac.get_case(kept).id == kept
    finally:
        restarted.close()
    status, report = audit_verify(settings)
    assert status == 0, report
    assert report["ok"] is True


def test_a_checkpoint_signed_after_the_backup_shows_what_the_restore_lost(
        database_url: str, tmp_path: Path, key_material: KeyMaterial, today: Today) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, demo=True)
    platform = build_platform(settings, material=key_material, today=today)
    try:
        area, agency = area_with_agency(platform.marac)
        erased = platform.marac.refer(referral(area, agency))
        viewed(platform, erased)
        assert platform.checkpoints.issue() is not None
        dump(database_url, tmp_path / "backup.dump")
        platform.eraser.erase(erased, "lawful_erasure_decision")
        viewed(platform, erased)  # refused now, and recorded
        assert platform.checkpoints.issue() is not None  # exported beside the database
    finally:
        platform.close()
    restore(database_url, tmp_path / "backup.dump")
    status, report = audit_verify(settings)
    assert status != 0
    assert report["ok"] is False
