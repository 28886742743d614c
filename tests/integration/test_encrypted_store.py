"""The encrypted event store on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from domain.exceptions import CaseErased
from security.errors import TamperedCiphertext
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
from tests.integration.raw import events_table, execute, raw_contents


def refer_one(platform: Platform) -> UUID:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    app.accept(case_id, "coordinator-1")
    victim = app.get_case(case_id).victim
    app.correct_subject(case_id, victim.subject_id, {"aliases": (f"{VICTIM_FORENAME} Q",)}, "x",
                        "Alias missed")
    return case_id


def test_the_raw_database_never_holds_a_victims_identity(platform: Platform) -> None:
    refer_one(platform)
    platform.close()  # checkpoint nothing away: read the file and its WAL as they are
    raw = raw_contents(platform)
    assert raw  # the search below is over real content
    for secret in (VICTIM_SURNAME, VICTIM_FORENAME, VICTIM_ADDRESS, VICTIM_DOB.isoformat(),
                   VICTIM_DOB.strftime("%d/%m/%Y"), "Strangulation"):
        assert secret.encode() not in raw, secret
        assert secret.lower().encode() not in raw.lower(), secret


def test_the_same_raw_search_finds_plaintext_when_it_is_there(platform: Platform) -> None:
    # Shows the search above can fail: a plaintext row is found.
    execute(platform, "INSERT INTO shred_ledger VALUES (%s, %s, %s)",
            ("canary", "2026-01-01", VICTIM_SURNAME))
    platform.close()
    assert VICTIM_SURNAME.encode() in raw_contents(platform)


def test_a_ciphertext_moved_to_another_row_fails_to_decrypt(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first, second = app.refer(referral(area, agency)), app.refer(referral(area, agency))
    table = events_table(platform)
    ids = (first.hex, second.hex) if platform.database.dialect == "sqlite" else (first, second)
    execute(platform, f"UPDATE {table} SET state = (SELECT state FROM {table} "  # noqa: S608
            "WHERE originator_id = %s AND originator_version = 1) "
            "WHERE originator_id = %s AND originator_version = 1", ids)
    with pytest.raises(TamperedCiphertext):
        app.get_case(second)
    assert app.get_case(first).victim.surname == VICTIM_SURNAME


def test_a_tampered_ciphertext_fails_to_decrypt(platform: Platform) -> None:
    case_id = refer_one(platform)
    table = events_table(platform)
    oid = case_id.hex if platform.database.dialect == "sqlite" else case_id
    with platform.database.transaction() as cur:
        cur.execute(f"SELECT state FROM {table} WHERE originator_id = %s "  # noqa: S608
                    "AND originator_version = 2", (oid,))
        row = cur.fetchone()
        assert row is not None
        state = bytearray(row[0])
        state[-20] ^= 0xFF
        cur.execute(f"UPDATE {table} SET state = %s WHERE originator_id = %s "  # noqa: S608
                    "AND originator_version = 2", (bytes(state), oid))
    with pytest.raises(TamperedCiphertext):
        platform.marac.get_case(case_id)


def test_kek_rotation_keeps_every_case_readable(
    settings: Settings, key_material: KeyMaterial, today: Today
) -> None:
    platform = build_platform(settings, material=key_material, today=today)
    area, agency = area_with_agency(platform.marac)
    cases = [platform.marac.refer(referral(area, agency)) for _ in range(5)]
    old_kek = key_material.current
    platform.close()

    rotated = build_platform(settings, material=key_material, today=today)
    new_kek = rotated.kek_roster.stage()
    assert rotated.kek_roster.promote() == new_kek
    assert rotated.keyring.rotate(batch=2) == 5 + 2  # five cases, the area and the agency
    assert rotated.keyring.keys_by_kek() == {new_kek: 7}
    rotated.close()

    # Without the old KEK at all, every case still reads: every data key was re-wrapped.
    del key_material.keks[old_kek]
    fresh = build_platform(settings, material=key_material, today=today)
    try:
        assert all(fresh.marac.get_case(c).victim.surname == VICTIM_SURNAME for c in cases)
    finally:
        fresh.close()


def test_shredding_erases_one_case_and_leaves_the_others(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    doomed, kept = app.refer(referral(area, agency)), app.refer(referral(area, agency))
    app.accept(doomed, "coordinator-1")
    platform.eraser.erase(doomed, "retention_expired")
    platform.keyring.forget_cached()

    with pytest.raises(CaseErased):
        app.get_case(doomed)
    assert app.get_case(kept).victim.surname == VICTIM_SURNAME
    assert platform.keyring.is_shredded(doomed)
    assert [r.scope_id for r in platform.keyring.shred_ledger()] == [doomed]
    # Its blind-index entries are gone: a search for the victim finds only the other case.
    victim = app.get_case(kept).victim
    assert set(platform.blind_index.matches(area, victim, "victim")) == {kept}


def test_an_erased_case_takes_no_new_events(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    case = app.get_case(case_id)
    platform.eraser.erase(case_id, "lawful_erasure_decision")
    case.accept("coordinator-1", case.referral.referred_on,
                app.evaluate_threshold(app.refer(referral(area, agency))))
    with pytest.raises(CaseErased):
        app.save(case)


def test_erasure_takes_the_repeat_referrals_merged_into_the_case(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency))
    app.accept(first, "coordinator-1")
    repeat = app.refer(referral(area, agency))
    app.link_as_repeat(repeat, first, "coordinator-1")
    records = platform.eraser.erase(first, "retention_expired")
    assert {r.scope_id for r in records} == {first, repeat}
    platform.keyring.forget_cached()
    for case_id in (first, repeat):
        with pytest.raises(CaseErased):
            app.get_case(case_id)


def test_a_restored_backup_does_not_bring_a_shredded_key_back(
    platform: Platform, settings: Settings, key_material: KeyMaterial, today: Today
) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    with platform.database.transaction() as cur:
        cur.execute("SELECT scope_id, kek_id, wrapped, created_at FROM data_keys "
                    "WHERE scope_id = %s", (str(case_id),))
        backup = cur.fetchone()
    platform.eraser.erase(case_id, "lawful_erasure_decision")
    # "Restore" the old key row and lose the database's ledger, as an old backup would.
    execute(platform, "INSERT INTO data_keys VALUES (%s, %s, %s, %s)", tuple(backup or ()))
    execute(platform, "DELETE FROM shred_ledger")
    platform.close()

    restarted = build_platform(settings, material=key_material, today=today)
    try:
        with pytest.raises(CaseErased):
            restarted.marac.get_case(case_id)
    finally:
        restarted.close()


def test_a_repeat_is_found_through_the_blind_index(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    other_area = area_with_agency(app, code="elsewhere")
    first = app.refer(referral(area, agency))
    app.accept(first, "coordinator-1")
    unrelated = app.refer(referral(*other_area))  # same person, another partnership
    app.accept(unrelated, "coordinator-1")

    from tests.factories import victim  # noqa: PLC0415

    spelled_differently = victim(surname=VICTIM_SURNAME.upper(), forenames="Pippa")
    again = app.refer(referral(area, agency, subjects=(
        spelled_differently, *app.get_case(first).perpetrators)))
    found = app.possible_repeats(again)
    assert [p.case_id for p in found] == [first]
    assert found[0].within_window
    assert "surname_sound_dob" in found[0].matched_on
    assert "same date of birth" in found[0].reason
    assert "similar surname" in found[0].reason
    app.link_as_repeat(again, first, "coordinator-1")
    assert app.get_case(first).repeat_referrals == [again]


def test_the_database_ledger_wins_over_a_restored_key_row(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    with platform.database.transaction() as cur:
        cur.execute("SELECT scope_id, kek_id, wrapped, created_at FROM data_keys "
                    "WHERE scope_id = %s", (str(case_id),))
        backup = cur.fetchone()
    platform.eraser.erase(case_id, "lawful_erasure_decision")
    execute(platform, "INSERT INTO data_keys VALUES (%s, %s, %s, %s)", tuple(backup or ()))
    platform.keyring.forget_cached()
    with pytest.raises(CaseErased):
        app.get_case(case_id)


def test_nothing_another_process_writes_after_erasure_becomes_readable(
    platform: Platform, settings: Settings, key_material: KeyMaterial, today: Today
) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    other = build_platform(settings, material=key_material, today=today)
    try:
        stale = other.marac.get_case(case_id)  # the other process now caches the key
        platform.eraser.erase(case_id, "lawful_erasure_decision")
        # Within its cache's lifetime the other process can still append, under a key that
        # no longer exists anywhere ...
        stale.correct_subject(stale.victim.subject_id, {"surname": "Later"}, "x", "Misspelt")
        other.marac.save(stale)
        # ... but it cannot index the case again, and nobody can read what it wrote.
        with pytest.raises(CaseErased):
            other.marac.correct_subject(case_id, stale.victim.subject_id, {"surname": "L"}, "x",
                                        "Misspelt")
        assert platform.blind_index.matches(area, stale.victim, None) == {}
        other.runner.catch_up()
        assert other.cases.access([case_id]) == {}
        other.keyring.forget_cached()  # what the cache's expiry does within seconds
        with pytest.raises(CaseErased):
            other.marac.get_case(case_id)
        with pytest.raises(CaseErased):
            app.get_case(case_id)
    finally:
        other.close()


def test_an_interrupted_erasure_finishes_the_family_on_retry(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency))
    app.accept(first, "coordinator-1")
    repeat = app.refer(referral(area, agency))
    app.link_as_repeat(repeat, first, "coordinator-1")
    platform.runner.catch_up()
    platform.keyring.shred(first, "retention_expired")  # ... and then the process died
    platform.keyring.forget_cached()
    platform.eraser.erase(first, "retention_expired")
    with pytest.raises(CaseErased):
        app.get_case(repeat)


def test_a_restore_does_not_bring_back_index_rows(
    platform: Platform, settings: Settings, key_material: KeyMaterial, today: Today
) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    case_id = app.refer(referral(area, agency))
    with platform.database.transaction() as cur:
        cur.execute("SELECT * FROM data_keys WHERE scope_id = %s", (str(case_id),))
        key_row = cur.fetchone()
        cur.execute("SELECT * FROM blind_index WHERE case_id = %s", (str(case_id),))
        index_rows = cur.fetchall()
    assert index_rows
    platform.eraser.erase(case_id, "retention_expired")
    with platform.database.transaction() as cur:  # an old backup comes back
        cur.execute("INSERT INTO data_keys VALUES (%s, %s, %s, %s)", tuple(key_row or ()))
        cur.executemany("INSERT INTO blind_index VALUES (%s, %s, %s, %s, %s)", index_rows)
        cur.execute("DELETE FROM shred_ledger")
    platform.close()
    restarted = build_platform(settings, material=key_material, today=today)
    try:
        with restarted.database.transaction() as cur:
            cur.execute("SELECT COUNT(*) FROM blind_index WHERE case_id = %s", (str(case_id),))
            row = cur.fetchone()
        assert row is not None
        assert row[0] == 0
    finally:
        restarted.close()


def test_keys_warmed_for_a_list_are_cached_and_an_erased_case_s_never_is(
        platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    kept, erased = app.refer(referral(area, agency)), app.refer(referral(area, agency))
    with platform.database.transaction() as cur:
        cur.execute("SELECT scope_id, kek_id, wrapped, created_at FROM data_keys "
                    "WHERE scope_id = %s", (str(erased),))
        backup = cur.fetchone()
    platform.eraser.erase(erased, "lawful_erasure_decision")
    execute(platform, "INSERT INTO data_keys VALUES (%s, %s, %s, %s)", tuple(backup or ()))
    platform.keyring.forget_cached()

    platform.keyring.warm([kept, erased])
    # The kept case's key came in the one round trip: it is read from the cache now.
    execute(platform, "DELETE FROM data_keys WHERE scope_id = %s", (str(kept),))

    assert app.get_case(kept).victim.surname == VICTIM_SURNAME
    with pytest.raises(CaseErased):  # the ledger wins over the restored key row
        app.get_case(erased)
