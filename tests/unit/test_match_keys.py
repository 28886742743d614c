"""The match keys a possible repeat is found by (domain/match_keys.py): variants of one
person's identifiers that agencies write differently still share a key."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.match_keys import (
    DOB,
    DOB_ANY_ORDER,
    NAME,
    PHONE,
    dob_any_order,
    forename_forms,
    known_fields,
    match_keys,
    phone_numbers,
    postcode_district,
    sound_codes,
    two_of_three,
)
from domain.subjects import Subject


def person(forenames: str = "Katherine", surname: str = "Smith", **changes: object) -> Subject:
    fields: dict[str, object] = {"date_of_birth": date(1990, 3, 5), **changes}
    return Subject(uuid4(), "victim", forenames, surname, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("a", "b"), [
    ("Smith", "Smyth"), ("Khan", "Kahn"), ("Singh", "Sing"), ("Clarke", "Clark"),
    ("Reid", "Reed"), ("Stephenson", "Stevenson"), ("McDonald", "Macdonald"),
    ("Mohammed", "Muhammad"), ("O'Brien", "OBRIEN"), ("Kowalski", "Kowalsky"),
    ("Thomas", "Tomas"), ("Hussain", "Husain"),
])
def test_surnames_spelt_differently_share_a_sound_code(a: str, b: str) -> None:
    assert sound_codes(a) & sound_codes(b)


@pytest.mark.parametrize(("a", "b"), [("Smith", "Jones"), ("Robinson", "Robertson"),
                                      ("Shaw", "Shore")])
def test_different_surnames_share_none(a: str, b: str) -> None:
    assert not sound_codes(a) & sound_codes(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Katherine", "Kate"), ("Katherine", "Kathy"), ("Kate", "Kathy"), ("Catherine", "Katherine"),
    ("Elizabeth", "Liz"), ("Liz", "Beth"), ("Rebecca", "Becky"), ("Deborah", "Debbie"),
    ("Samantha", "Sam"), ("Jennifer", "Jenny"), ("Susan", "Sue"), ("Amanda", "Mandy"),
])
def test_other_forms_of_a_forename_meet(a: str, b: str) -> None:
    assert forename_forms(a) & forename_forms(b)


@pytest.mark.parametrize(("a", "b"), [("Katherine", "Sarah"), ("Emma", "Laura"),
                                      ("Rebecca", "Rachel")])
def test_different_forenames_do_not(a: str, b: str) -> None:
    assert not forename_forms(a) & forename_forms(b)


def test_a_date_with_day_and_month_swapped_meets_the_date() -> None:
    assert dob_any_order(date(1990, 3, 5)) == dob_any_order(date(1990, 5, 3))
    assert dob_any_order(date(1990, 3, 5)) != dob_any_order(date(1990, 3, 6))


def test_dates_with_a_slip_in_one_part_share_two_of_three() -> None:
    dob = date(1990, 3, 5)
    for slip in (date(1990, 3, 6), date(1990, 4, 5), date(1991, 3, 5)):
        assert len(set(two_of_three(dob)) & set(two_of_three(slip))) == 1
    assert not set(two_of_three(dob)) & set(two_of_three(date(1991, 4, 5)))


def test_swapped_dates_share_the_any_order_key_but_not_the_date() -> None:
    a, b = match_keys(person()), match_keys(person(date_of_birth=date(1990, 5, 3)))
    shared = {kind for kind, _ in a & b}
    assert DOB_ANY_ORDER in shared
    assert DOB not in shared


def test_without_a_date_of_birth_the_name_still_matches() -> None:
    undated = person("Kate", "Smyth", date_of_birth=None)
    assert not any(kind.endswith(("dob", "year")) or kind == DOB_ANY_ORDER
                   for kind, _ in match_keys(undated))
    assert {kind for kind, _ in match_keys(person()) & match_keys(undated)} == {NAME}
    assert known_fields(undated) == frozenset()
    assert known_fields(person()) == {DOB}


def test_an_old_surname_given_as_an_alias_still_matches() -> None:
    married = person(surname="Jones", aliases=("Kate Smith",), date_of_birth=None)
    assert {kind for kind, _ in match_keys(person()) & match_keys(married)} == {NAME}


@pytest.mark.parametrize(("address", "district"), [
    ("17 Any Street, Maidstone ME14 1XX", "ME14"), ("flat 2, SW1A 1AA", "SW1A"),
    ("1 Road, tn9 2ab", "TN9"), ("no fixed abode", ""), (None, ""),
])
def test_the_postcode_district_is_the_outward_code(address: str | None, district: str) -> None:
    assert postcode_district(address) == district


def test_phone_numbers_are_read_as_national_digits() -> None:
    text = "mobile 07700 900123, or +44 7700 900456; texts only after 6pm"
    assert phone_numbers(text) == {"07700900123", "07700900456"}
    assert phone_numbers("mobile, texts only after 6pm") == set()
    shared = match_keys(person(safe_contact="07700900123")) & match_keys(
        person("Ann", "Jones", date_of_birth=None, safe_contact="call 07700 900123"))
    assert {kind for kind, _ in shared} == {PHONE}


def test_names_in_other_scripts_are_kept_as_written() -> None:
    assert sound_codes("Иванова") == {"иванова"}
    assert forename_forms("Ольга") == {"ольга"}
