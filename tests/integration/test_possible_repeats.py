"""Possible repeats through the real blind index (a SQLite file and PostgreSQL): ranked by
strength with the reason, a coincidence left out, and an index made before the match keys
brought up to date by `marac projections reindex`."""

from __future__ import annotations

from datetime import date

from api.bootstrap import Platform
from api.commands.projections import reindex
from domain.match_keys import MATCH_KINDS
from tests.factories import area_with_agency, perpetrator, referral, victim


def test_suggestions_are_ranked_by_strength_with_the_reason(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency, referred_on=date(2025, 6, 1)))
    # Another woman born the same day: a coincidence, not suggested.
    app.refer(referral(area, agency, subjects=(
        victim(forenames="Saraxq", surname="Holloxq"), perpetrator())))
    # The same name without a date of birth: possible, weaker than the full match.
    undated = app.refer(referral(area, agency, referred_on=date(2025, 9, 1), subjects=(
        victim(date_of_birth=None, address=None), perpetrator())))

    again = app.refer(referral(area, agency, referred_on=date(2026, 1, 10)))
    found = app.possible_repeats(again)

    assert [p.case_id for p in found] == [first, undated]
    assert found[0].strong
    assert not found[1].strong
    assert found[0].strength > found[1].strength
    assert found[0].reason == ("same date of birth, similar surname, same forename or a form "
                               "of it and same postcode district")
    assert found[1].reason == "similar surname and same forename or a form of it"


def test_the_day_and_month_swapped_still_find_the_case(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency, referred_on=date(2025, 6, 1), subjects=(
        victim(date_of_birth=date(1987, 3, 5)), perpetrator())))
    again = app.refer(referral(area, agency, subjects=(
        victim(date_of_birth=date(1987, 5, 3), address=None), perpetrator())))
    found = app.possible_repeats(again)
    assert [p.case_id for p in found] == [first]
    assert found[0].reason == ("date of birth with day and month swapped, similar surname and "
                               "same forename or a form of it")


def test_a_name_several_cases_share_is_not_enough_alone(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    undated = victim(date_of_birth=None, address=None)
    namesakes = [app.refer(referral(area, agency, referred_on=date(2025, 6, n), subjects=(
        undated, perpetrator()))) for n in range(1, 3)]
    again = app.refer(referral(area, agency))
    assert {p.case_id for p in app.possible_repeats(again)} == set(namesakes)

    for n in range(3, 6):  # five cases now hold the name: each has four others
        app.refer(referral(area, agency, referred_on=date(2025, 6, n), subjects=(
            undated, perpetrator())))
    assert app.possible_repeats(again) == []


def test_an_index_made_before_the_match_keys_is_brought_up_to_date(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    first = app.refer(referral(area, agency, referred_on=date(2025, 6, 1)))
    again = app.refer(referral(area, agency))
    marks = ", ".join(["%s"] * len(MATCH_KINDS))
    with platform.database.transaction() as cur:  # as the previous release left it
        cur.execute(f"DELETE FROM blind_index WHERE kind IN ({marks})",  # noqa: S608
                    MATCH_KINDS)
    assert app.possible_repeats(again) == []

    assert reindex(platform) == {"cases": 2, "reindexed": 2}
    assert [p.case_id for p in app.possible_repeats(again)] == [first]


def test_only_the_victim_has_match_keys(platform: Platform) -> None:
    app = platform.marac
    area, agency = area_with_agency(app)
    app.refer(referral(area, agency))
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT DISTINCT role, kind FROM blind_index")
        kinds = {(role, kind) for role, kind in cur.fetchall()}
    only_matching = set(MATCH_KINDS) - {"reference"}  # a reference is a search key too
    assert {k for r, k in kinds if r == "victim"} >= {"dob", "name_sound"}
    assert not {k for r, k in kinds if r != "victim"} & only_matching
