"""The pages' sessions in the database (security/sessions.py), on a SQLite file and PostgreSQL:
found by their id only, ended when idle, when too old and at sign-out, a new id at sign-in, and
nothing of them readable in the table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from security.kek import KeyMaterial, LocalKekProvider
from security.sessions import TABLE, SessionData, SessionLimits, SessionStore
from storage.database import Database
from storage.migrations import upgrade

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
LIMITS = SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=8),
                       pending=timedelta(minutes=10))
TOKEN = "eyJ.access-token.signature"


@pytest.fixture
def store(database_url: str) -> Iterator[SessionStore]:
    db = Database(database_url)
    made = SessionStore(db, LocalKekProvider(KeyMaterial.generate(demo=True)), LIMITS)
    upgrade(db)
    yield made
    db.close()


def signed_in_at(store: SessionStore, at: datetime) -> str:
    pending = store.start(at)
    session = store.signed_in(pending, at, SessionData(csrf_token="", access_token=TOKEN,
                                                       person_name="Demo"))
    return session.session_id


def test_signing_in_gives_a_new_id_and_csrf_token_and_ends_the_pending_one(
        store: SessionStore) -> None:
    pending = store.start(T0)
    session = store.signed_in(pending, T0, SessionData(csrf_token="", access_token=TOKEN))
    assert session.session_id != pending.session_id
    assert session.data.csrf_token not in ("", pending.data.csrf_token)
    assert store.find(pending.session_id, T0) is None
    found = store.find(session.session_id, T0)
    assert found is not None
    assert found.data.access_token == TOKEN
    assert found.data.csrf_token == session.data.csrf_token


def test_a_session_seen_within_its_idle_time_lives_on_until_its_end(
        store: SessionStore) -> None:
    session_id = signed_in_at(store, T0)
    at = T0
    while at + timedelta(minutes=29) < T0 + LIMITS.absolute:
        at += timedelta(minutes=29)
        assert store.find(session_id, at) is not None
    assert store.find(session_id, T0 + LIMITS.absolute) is None


def test_an_idle_session_ends(store: SessionStore) -> None:
    session_id = signed_in_at(store, T0)
    assert store.find(session_id, T0 + timedelta(minutes=20)) is not None
    assert store.find(session_id, T0 + timedelta(minutes=50)) is None
    # Ended, not only refused: coming back sooner does not revive it.
    assert store.find(session_id, T0 + timedelta(minutes=21)) is None


def test_a_sign_in_under_way_lasts_ten_minutes(store: SessionStore) -> None:
    pending = store.start(T0)
    assert store.find(pending.session_id, T0 + timedelta(minutes=9)) is not None
    assert store.find(pending.session_id, T0 + timedelta(minutes=10)) is None


def test_signing_out_ends_the_session(store: SessionStore) -> None:
    session_id = signed_in_at(store, T0)
    store.end(session_id)
    assert store.find(session_id, T0) is None


def test_another_id_opens_nothing(store: SessionStore) -> None:
    session_id = signed_in_at(store, T0)
    assert store.find(session_id[:-1] + ("A" if session_id[-1] != "A" else "B"), T0) is None
    assert store.find("", T0) is None


def test_the_table_holds_neither_the_id_nor_the_token(store: SessionStore) -> None:
    session_id = signed_in_at(store, T0)
    with store.db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT * FROM {TABLE}")  # noqa: S608
        rows = cur.fetchall()
    assert len(rows) == 1
    dumped = repr(rows).encode()
    for secret in (session_id, TOKEN, "Demo"):
        assert secret.encode() not in dumped


def test_ended_sessions_are_purged_as_new_ones_start(store: SessionStore) -> None:
    signed_in_at(store, T0)
    store.start(T0 + timedelta(hours=9))
    with store.db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
        assert cur.fetchone() == (1,)
