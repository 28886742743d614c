"""The case read models on SQLite and PostgreSQL: nothing personal in plaintext, replay and
rebuild give the same views, and the worker's runner wakes on new events."""

from __future__ import annotations

import threading
import time
from uuid import UUID

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from domain.access import Audience
from security.kek import KeyMaterial
from tests.conftest import Today
from tests.factories import (
    VICTIM_ADDRESS,
    VICTIM_DOB,
    VICTIM_FORENAME,
    VICTIM_SURNAME,
    area_with_agency,
    referral,
)

READ_MODEL_TABLES = ("case_index", "case_access", "case_documents", "blind_index",
                     "projection_tracking")
FREE_TEXT = "Strangulation disclosed"
NOTE = "Neighbourxq heard threats through the wall"


def snapshot(platform: Platform) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the case read models, with documents opened."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    with platform.database.transaction(readonly=True) as cur:
        for table in ("case_index", "case_access"):
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            rows[table] = sorted(tuple(str(v) for v in r) for r in cur.fetchall())
        cur.execute("SELECT case_id, version FROM case_documents")
        ids = cur.fetchall()
    rows["documents"] = sorted(
        (str(c), str(v), str(platform.cases.document(UUID(c)))) for c, v in ids)
    return rows


def populate(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency))
    app.accept(first, "coordinator-1")
    app.share(first, kind="disclosure", text=NOTE, audience=Audience("whole_case"),
              author="police-rep", author_agency=agency, for_agency=True)
    app.grant_access(first, by="coordinator-1", reason="Invited", person="health-rep")
    app.exclude(first, "hospital-cousin", by="coordinator-1", reason="Relative of the victim")
    second = app.refer(referral(area, agency))
    app.link_as_repeat(second, first, "coordinator-1")
    platform.runner.catch_up()


def test_read_model_tables_hold_no_personal_data_in_plaintext(platform: Platform) -> None:
    populate(platform)
    with platform.database.transaction(readonly=True) as cur:
        for table in READ_MODEL_TABLES:
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            text = "\n".join(str(row) for row in cur.fetchall())
            for secret in (VICTIM_SURNAME, VICTIM_FORENAME, VICTIM_ADDRESS,
                           VICTIM_DOB.isoformat(), FREE_TEXT, NOTE, "hospital-cousin",
                           "health-rep"):
                assert secret.lower() not in text.lower(), (table, secret)
    # ... while the opened documents do hold them: the search above looked at real content.
    assert NOTE in str(snapshot(platform)["documents"])


def test_rebuilding_from_zero_gives_identical_views(platform: Platform) -> None:
    populate(platform)
    before = snapshot(platform)
    assert platform.runner.rebuild() == platform.marac.recorder.max_notification_id()
    assert snapshot(platform) == before


def test_replaying_a_batch_changes_nothing(platform: Platform) -> None:
    populate(platform)
    before = snapshot(platform)
    notifications = platform.marac.recorder.select_notifications(start=1, limit=1000)
    with platform.database.transaction() as cur:
        platform.cases.project(cur, notifications)
    assert snapshot(platform) == before


def all_cases(platform: Platform) -> list[UUID]:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT case_id FROM case_index")
        return [UUID(r[0]) for r in cur.fetchall()]


def test_an_erased_case_leaves_the_read_models_for_good(platform: Platform) -> None:
    populate(platform)
    cases = platform.cases.index_rows(all_cases(platform))
    (first,) = [c for c, row in cases.items() if row.repeat_of is None]
    platform.eraser.erase(first, "retention_expired")  # and its linked repeat with it
    assert all_cases(platform) == []
    platform.runner.rebuild()
    assert all_cases(platform) == []


def test_the_worker_runner_projects_writes_from_another_process(
    platform: Platform, settings: Settings, key_material: KeyMaterial, today: Today
) -> None:
    writer = build_platform(settings, material=key_material, today=today)
    stop = threading.Event()
    # A long poll interval: on PostgreSQL the NOTIFY should wake the runner well before it.
    poll = 30.0 if platform.database.dialect == "postgresql" else 0.2
    worker = threading.Thread(target=platform.runner.run, args=(stop, poll), daemon=True)
    worker.start()
    try:
        time.sleep(0.5)  # let the runner start listening
        area, agency = area_with_agency(writer.marac)
        case_id = writer.marac.refer(referral(area, agency))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not platform.cases.access([case_id]):
            time.sleep(0.05)
        assert platform.cases.access([case_id])
    finally:
        stop.set()
        worker.join(timeout=35)
        writer.close()
    assert not worker.is_alive()


def test_projection_position_follows_the_log(platform: Platform) -> None:
    populate(platform)
    assert platform.runner.position() == platform.marac.recorder.max_notification_id()
