"""An audit trail made before reviews kept a note still works after the upgrade: the column is
added (by migration 0001 completing a database made before versions: in demo mode at start, or
on PostgreSQL with roles by `marac db setup`), earlier reviews stay as they were, and a new
review keeps its sealed note."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.cli import main
from api.settings import Settings
from audit.queries import review_break_glass
from security.documents import DocumentSealer
from security.kek import KeyMaterial
from storage.migrations import VERSION_TABLE
from tests.integration.test_audit_roles import Roles, roles  # noqa: F401 - its fixture
from tests.integration.test_audit_trail import one


def reviews(platform: Platform) -> list[tuple[object, ...]]:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT seq, decision, note_sealed IS NOT NULL FROM audit_reviews "
                    "ORDER BY seq")
        return [tuple(row) for row in cur.fetchall()]


def old_review(platform: Platform) -> int:
    """A review as the earlier code wrote it, then the column taken away: the old shape."""
    seq = one(platform, action="break_glass", case_id=uuid4())
    with platform.database.transaction() as cur:
        cur.execute("INSERT INTO audit_reviews (seq, decision, reviewer, reviewed_at) "
                    "VALUES (%s, 'justified', 'dpo-1', '2026-01-01T00:00:00+00:00')", (seq,))
    platform.database.execute_script(["ALTER TABLE audit_reviews DROP COLUMN note_sealed",
                                      f"DROP TABLE {VERSION_TABLE}"])
    return seq


def new_review(platform: Platform) -> int:
    """A review with its note, on a case whose key exists (a record in the keyring)."""
    case_id = uuid4()
    _, pending = platform.keyring.encryption_key(case_id)
    assert pending is not None
    with platform.database.transaction() as cur:
        cur.execute("INSERT INTO data_keys (scope_id, kek_id, wrapped, created_at) "
                    "VALUES (%s, %s, %s, %s)", (str(case_id), pending.kek_id, pending.wrapped,
                                                pending.created_at))
    seq = one(platform, action="break_glass", case_id=case_id)
    review_break_glass(platform.audit, seq, decision="not_justified", note="Asked Jo",
                       sealer=DocumentSealer(platform.keyring), reviewer="dpo-1",
                       at=datetime.now(UTC), area_id=None)
    return seq


def test_an_earlier_trail_gets_the_note_column_and_keeps_its_reviews(
        settings: Settings, key_material: KeyMaterial) -> None:
    first = build_platform(settings, material=key_material)
    old = old_review(first)
    first.close()
    upgraded = build_platform(settings, material=key_material)
    try:
        seq = new_review(upgraded)
        assert reviews(upgraded) == [(old, "justified", False), (seq, "not_justified", True)]
    finally:
        upgraded.close()


@pytest.mark.postgres
def test_with_roles_the_owner_adds_the_column_and_the_application_writes_notes(
        roles: Roles, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    setup = ["db", "setup", "--owner-url", roles.owner_url, "--app-role", roles.app_role]
    assert main(setup) == 0
    settings = Settings(data_dir=tmp_path / "data", database_url=roles.app_url, demo=True)
    material = KeyMaterial.generate(demo=True)
    app = build_platform(settings, material=material)
    seq = one(app, action="break_glass", case_id=uuid4())
    with psycopg.connect(roles.owner_url.split("?")[0]) as conn:
        conn.execute(f'ALTER TABLE "{roles.schema}".audit_reviews DROP COLUMN note_sealed')
        conn.execute(f'DROP TABLE "{roles.schema}".{VERSION_TABLE}')  # before versions
    with app.database.transaction() as cur:  # the application's INSERT, as before the upgrade
        cur.execute("INSERT INTO audit_reviews (seq, decision, reviewer, reviewed_at) "
                    "VALUES (%s, 'justified', 'dpo-1', '2026-01-01T00:00:00+00:00')", (seq,))
    app.close()
    assert main(setup) == 0  # the upgrade's setup, as the owner
    upgraded = build_platform(settings, material=material)
    try:
        noted = new_review(upgraded)
        assert reviews(upgraded) == [(seq, "justified", False), (noted, "not_justified", True)]
    finally:
        upgraded.close()
