"""The partnership's read model on a SQLite file and PostgreSQL: another process over the same
database lists what one applied; rebuilding and replaying give the same rows; an older
version never overwrites a newer one; and a database projected before the read model existed
is filled from the log when the platform starts, without a rebuild."""

from __future__ import annotations

from pathlib import Path

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from domain.agency import Agency
from domain.area import Area
from projections import partnership as read_model
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from services import partnership
from services.partnership_file import read_partnership_file
from services.system import SystemJob, operator
from storage.migrations import VERSION_TABLE

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"


def apply(platform: Platform, text: str | None = None) -> tuple[str, ...]:
    job = SystemJob.named(platform.audit, platform.now, operator("tester"))
    described = read_partnership_file(text or EXAMPLE.read_text())
    return partnership.apply_partnership(platform, job, described).changes


def rows(platform: Platform) -> dict[str, list[tuple[str, ...]]]:
    found = {}
    with platform.database.transaction(readonly=True) as cur:
        for table in read_model.TABLES:
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            found[table] = sorted(tuple(str(v) for v in r) for r in cur.fetchall())
    return found


def reopened(settings: Settings, key_material: KeyMaterial, issuer: LocalIssuer) -> Platform:
    return build_platform(settings, material=key_material, issuer=issuer)


def test_another_process_lists_what_one_applied(
    platform: Platform, settings: Settings, key_material: KeyMaterial, issuer: LocalIssuer,
) -> None:
    apply(platform)
    other = reopened(settings, key_material, issuer)
    try:
        areas = partnership.all_areas(other)
        agencies = partnership.all_agencies(other)
        assert [(a.code, a.model, a.settings.retention_months) for a in areas] == [
            ("wex-north", "marac", 84), ("wex-south", "marrac", 72)]
        assert len(agencies) == 16
        north = Area.create_id("wex-north")
        assert [(g.code, g.core) for g in partnership.all_agencies(other, north)][:3] == [
            ("acute-trust", True), ("asc", False), ("csc", True)]
        # A change made in the other process: seen here at once (one database).
        changed = EXAMPLE.read_text().replace("Wexshire Homes", "Wexshire Homes Ltd")
        assert apply(other, changed) == ("agency:wex-north/housing renamed",
                                         "agency:wex-south/housing renamed")
    finally:
        other.close()
    housing = Agency.create_id(Area.create_id("wex-south"), "housing")
    assert partnership.agency_directory(platform)[housing].name == "Wexshire Homes Ltd"
    assert apply(platform) == ("agency:wex-north/housing renamed",
                               "agency:wex-south/housing renamed")
    assert apply(platform) == ()


def test_rebuilding_or_replaying_gives_the_same_rows_and_an_old_version_never_wins(
    platform: Platform,
) -> None:
    apply(platform)
    apply(platform, EXAMPLE.read_text().replace("escalation_count: 5", "escalation_count: 6")
          .replace("marac@wexshire-mh.example.org", "mh.marac@wexshire-mh.example.org"))
    before = rows(platform)
    assert platform.runner.rebuild() == platform.marac.recorder.max_notification_id()
    assert rows(platform) == before
    with platform.database.transaction() as cur:
        platform.runner.projector.project(cur, platform.marac.recorder.select_notifications(
            start=1, limit=1000))
    assert rows(platform) == before
    # The first versions written again, as a fill racing the runner might: nothing changes.
    mental_health = Agency.create_id(Area.create_id("wex-north"), "mental-health")
    with platform.database.transaction() as cur:
        read_model.write_agency(cur, platform.marac.repository.get(mental_health, version=1))
        read_model.write_area(cur, platform.marac.repository.get(Area.create_id("wex-south"),
                                                                 version=1))
    assert rows(platform) == before
    assert partnership.agency_directory(platform)[mental_health].name == (
        "Wexshire Mental Health NHS Trust")


def test_a_database_projected_before_the_read_model_existed_is_filled_at_start(
    platform: Platform, settings: Settings, key_material: KeyMaterial, issuer: LocalIssuer,
) -> None:
    apply(platform)
    expected = rows(platform)
    position = platform.runner.position()
    assert position == platform.marac.recorder.max_notification_id()
    with platform.database.transaction() as cur:
        for table in (*read_model.TABLES, VERSION_TABLE):
            cur.execute(f"DROP TABLE {table}")
    other = reopened(settings, key_material, issuer)
    try:
        assert rows(other) == expected
        assert other.runner.position() == position  # filled, not rebuilt
    finally:
        other.close()
