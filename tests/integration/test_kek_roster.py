"""The KEK roster's two phases: a staged KEK becomes current only once every running process
has shown it can unwrap under it; a process that has stopped holds nothing back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from security.errors import KekNotReady, KeyConfigurationError
from security.kek import KeyFile, KeyMaterial, LocalKekProvider
from security.kek_roster import KekRoster, Readiness
from storage.database import Database
from storage.migrations import upgrade

AAD = b"marac:dek:v1:probe-test"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database)  # the roster's tables are a migration's
    yield database
    database.close()


def roster(db: Database, key_file: KeyFile, clock: Clock) -> KekRoster:
    """A process on a host whose key document is `key_file` (each host has its own copy)."""
    made = KekRoster(db, LocalKekProvider(key_file.load(), key_file), refresh_seconds=0.01,
                     now=clock)
    made.seed()
    return made


@pytest.fixture
def hosts(tmp_path: Path) -> tuple[KeyFile, KeyFile]:
    material = KeyMaterial.generate(demo=True)
    here, there = KeyFile(tmp_path / "here.json"), KeyFile(tmp_path / "there.json")
    here.save(material)
    there.save(material)
    return here, there


def test_a_kek_a_running_process_cannot_unwrap_under_is_not_made_current(
    db: Database, hosts: tuple[KeyFile, KeyFile]
) -> None:
    here, there = hosts
    clock = Clock()
    a, b = roster(db, here, clock), roster(db, there, clock)
    first = a.current_kek_id()
    a.heartbeat()
    b.heartbeat()
    staged = a.stage()  # into this host's document only
    a.heartbeat()
    b.heartbeat()
    assert a.readiness(staged) == Readiness(staged, (a.process_id,), (b.process_id,))
    with pytest.raises(KekNotReady):
        a.promote()
    assert a.current_kek_id() == first
    assert a.wrap(b"data key", AAD)[0] == first

    there.save(here.load())  # the new KEK reaches the other host's document
    b.heartbeat()
    assert a.promote() == staged
    kek_id, wrapped = a.wrap(b"data key", AAD)
    assert kek_id == staged
    assert b.unwrap(kek_id, wrapped, AAD) == b"data key"
    b.heartbeat()
    assert b.current_kek_id() == staged
    assert a.not_yet_using(staged) == (a.process_id,)  # until its own next heartbeat
    a.heartbeat()
    assert a.not_yet_using(staged) == ()


def test_a_process_that_stopped_or_went_silent_holds_no_promotion_back(
    db: Database, hosts: tuple[KeyFile, KeyFile]
) -> None:
    here, there = hosts
    clock = Clock()
    a, b, c = roster(db, here, clock), roster(db, there, clock), roster(db, there, clock)
    b.heartbeat()
    c.heartbeat()
    staged = a.stage()
    with pytest.raises(KekNotReady):
        a.promote()
    assert set(a.readiness(staged).not_ready) == {b.process_id, c.process_id}
    b.leave()  # a clean stop
    assert a.readiness(staged).not_ready == (c.process_id,)
    with pytest.raises(KekNotReady):
        a.promote()
    clock.at += timedelta(seconds=a.live_seconds + 1)  # c crashed: no heartbeat since
    assert a.promote() == staged


def test_one_kek_is_staged_at_a_time(db: Database, hosts: tuple[KeyFile, KeyFile]) -> None:
    a = roster(db, hosts[0], Clock())
    first = a.current_kek_id()
    staged = a.stage()
    with pytest.raises(KeyConfigurationError, match="staged already"):
        a.stage()
    assert a.promote() == staged
    assert a.staged() is None
    assert {e.kek_id: e.state for e in a.entries()} == {first: "previous", staged: "current"}
