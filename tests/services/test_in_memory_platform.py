"""The in-memory platform is the real one with its storage in memory: events sealed under each
case's key in the library's in-memory recorder, the key stored with them, the audit chain and
its checkpoints verifiable, erasure by destroying the key."""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from api.bootstrap import Platform
from api.settings import Settings
from audit.verify import verify
from domain.exceptions import CaseErased
from security.keyring import NewDataKey
from security.recorders import KeyedPOPORecorder, SealedEvent
from storage.database import Database
from storage.url import MEMORY_URL
from tests.factories import VICTIM_SURNAME, area_with_agency, referral
from tests.services.actors import person


def data_key_scopes(platform: Platform) -> set[str]:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT scope_id FROM data_keys")
        return {row[0] for row in cur.fetchall()}


def test_events_are_sealed_under_the_case_key_which_is_stored_with_them(
        platform: Platform) -> None:
    area_id, police = area_with_agency(platform.marac)
    case_id = platform.marac.refer(referral(area_id, police))

    recorder = platform.marac.recorder
    assert isinstance(recorder, KeyedPOPORecorder)
    stored = recorder.select_events(case_id)
    assert stored
    assert all(VICTIM_SURNAME.encode() not in e.state for e in stored)
    assert str(case_id) in data_key_scopes(platform)
    assert platform.marac.get_case(case_id).victim.surname == VICTIM_SURNAME


def test_an_append_refused_for_a_duplicate_event_stores_no_key(platform: Platform) -> None:
    area_id, police = area_with_agency(platform.marac)
    case_id = platform.marac.refer(referral(area_id, police))
    recorder = platform.marac.recorder
    recorded = recorder.select_events(case_id)[0]
    newcomer = uuid4()
    key = NewDataKey(newcomer, "kek", b"wrapped", "2026-01-12T09:00:00+00:00")
    fresh = SealedEvent(originator_id=newcomer, originator_version=1, topic=recorded.topic,
                        state=b"sealed", new_key=key)

    with pytest.raises(IntegrityError):
        recorder.insert_events([fresh, recorded])

    assert str(newcomer) not in data_key_scopes(platform)
    assert recorder.select_events(newcomer) == []


def test_the_audit_chain_and_its_checkpoints_verify(platform: Platform) -> None:
    area_id, police = area_with_agency(platform.marac)
    platform.runner.catch_up()
    for subject in ("police-rep", "police-rep-2"):
        rep = person(platform, subject, area_id, police, "representative")
        rep.audit.record("list", "allowed", area_id=area_id)
    assert platform.checkpoints.issue() is not None

    report = verify(platform.audit, platform.checkpoints,
                    platform.settings.audit_checkpoint_dir)

    assert report.ok
    assert report.records == 2
    assert report.checkpoints_checked == 1


def test_erasure_destroys_the_key_and_the_case_with_it(platform: Platform) -> None:
    area_id, police = area_with_agency(platform.marac)
    case_id = platform.marac.refer(referral(area_id, police))

    platform.eraser.erase(case_id, "lawful_erasure_decision")

    assert str(case_id) not in data_key_scopes(platform)
    with pytest.raises(CaseErased):
        platform.marac.get_case(case_id)


def test_every_thread_uses_the_one_in_memory_database() -> None:
    db = Database(MEMORY_URL)
    db.execute_script(["CREATE TABLE notes (n INTEGER)"])
    seen: list[int] = []

    def on_another_thread() -> None:
        with db.transaction() as cur:
            cur.execute("INSERT INTO notes (n) VALUES (1)")
            cur.execute("SELECT count(*) FROM notes")
            seen.append(cur.fetchone()[0])  # type: ignore[index]

    worker = threading.Thread(target=on_another_thread)
    worker.start()
    worker.join()
    db.close()

    assert seen == [1]


def test_memory_is_refused_outside_demo_mode(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="demo mode only"):
        Settings(data_dir=tmp_path, database_url=MEMORY_URL)
