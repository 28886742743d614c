from datetime import date
from uuid import uuid4

import pytest

from domain.identifiers import identifier_keys, normalise_name, soundex
from domain.subjects import Subject


@pytest.mark.parametrize("variant", ["O'Brien", "OBRIEN", "Ó Brien", " o-brien "])
def test_spelling_variants_normalise_alike(variant: str) -> None:
    assert normalise_name(variant) == "obrien"


@pytest.mark.parametrize(("name", "code"), [
    ("Robert", "R163"), ("Rupert", "R163"), ("Ashcraft", "A261"), ("Tymczak", "T522"),
    ("Pfister", "P236"), ("Lee", "L000"),
])
def test_soundex_matches_the_census_algorithm(name: str, code: str) -> None:
    assert soundex(name) == code


def test_aliases_and_references_are_indexed() -> None:
    s = Subject(uuid4(), "victim", "Ann", "Smith", aliases=("Anna Jones",),
                date_of_birth=date(1990, 1, 2), references=("pnc 12/345x",))
    keys = identifier_keys(s)
    assert ("surname_dob", "jones|1990-01-02") in keys
    assert ("forename_dob", "anna|1990-01-02") in keys
    assert ("reference", "PNC12345X") in keys


def test_without_a_date_of_birth_only_the_full_name_is_indexed() -> None:
    s = Subject(uuid4(), "victim", "Ann", "Smith")
    assert identifier_keys(s) == {("full_name", "ann|smith")}


@pytest.mark.parametrize(("a", "b"), [("Øster", "Oster"), ("Łucja", "Lucja"),
                                      ("Æbelø", "aebelo")])
def test_latin_letters_without_accents_fold_alike(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_names_in_other_scripts_are_indexed_not_dropped() -> None:
    s = Subject(uuid4(), "victim", "Ольга", "Иванова", date_of_birth=date(1990, 1, 2))
    keys = identifier_keys(s)
    assert ("surname_dob", "иванова|1990-01-02") in keys
    assert not any(kind == "phonetic_surname_year" for kind, _ in keys)
