"""How strongly two referrals' victims look like one person (domain/repeat_strength.py):
realistic variants are suggested with the reason shown; coincidences are not; and the rules
that must hold whatever the identifiers are held for every one hypothesis makes up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.match_keys import DOB, HELD_KINDS, MATCH_KINDS
from domain.repeat_strength import Evidence, evidence_between, strength
from domain.subjects import Subject

DOB_1990 = date(1990, 3, 5)


def victim(forenames: str = "Katherine", surname: str = "Smith", **changes: object) -> Subject:
    fields: dict[str, object] = {"date_of_birth": DOB_1990, **changes}
    return Subject(uuid4(), "victim", forenames, surname, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("again", "reason"), [
    (victim(), "same date of birth, similar surname and same forename or a form of it"),
    (victim("Kate", "Smyth"),
     "same date of birth, similar surname and same forename or a form of it"),
    (victim("Kathy", "Jones"), "same date of birth and same forename or a form of it; "
                               "surname differs"),
    (victim(date_of_birth=None), "similar surname and same forename or a form of it"),
    (victim(date_of_birth=date(1990, 5, 3)),
     "date of birth with day and month swapped, similar surname and same forename or a form "
     "of it"),
    (victim(date_of_birth=date(1990, 3, 6)),  # a slip in the day
     "similar surname, same forename or a form of it and date of birth differing in one part"),
    (victim(date_of_birth=date(1991, 3, 5)),  # ... or the year
     "similar surname, same forename or a form of it and date of birth differing in one part"),
    (victim("Kate", "Jones", aliases=("Kate Smith",), date_of_birth=None),
     "similar surname and same forename or a form of it"),
    (victim("Ann", "Jones", date_of_birth=None, references=("NHS 943 476 5919",)),
     "same agency reference"),
])
def test_variants_of_one_victim_are_suggested_with_the_reason(again: Subject,
                                                              reason: str) -> None:
    before = victim(references=("NHS 9434765919",))
    judged = strength(evidence_between(again, before))
    assert judged.suggested
    assert judged.reason == reason


@pytest.mark.parametrize("other", [
    victim("Sarah", "Jones"),  # shares only a date of birth
    victim(date_of_birth=date(1971, 8, 20)),  # a namesake born another year
    victim(date_of_birth=date(1990, 7, 9)),  # a namesake born the same year
    victim("Kelly", "Jones", date_of_birth=None),
    victim("Karen", "Jones"),  # a date of birth and an initial
])
def test_coincidences_are_not_suggested(other: Subject) -> None:
    assert not strength(evidence_between(other, victim())).suggested


def test_a_fuller_match_is_ranked_above_a_weaker_one() -> None:
    exact = strength(evidence_between(victim(), victim()))
    changed_surname = strength(evidence_between(victim("Kate", "Jones"), victim()))
    undated = strength(evidence_between(victim(date_of_birth=None), victim()))
    assert exact.points > changed_surname.points > undated.points
    assert exact.label == "strong"
    assert undated.label == "possible"


def test_a_name_many_cases_share_is_weaker_evidence_alone() -> None:
    undated = evidence_between(victim(date_of_birth=None), victim())
    rare, common = replace(undated, name_shared_by=1), replace(undated, name_shared_by=6)
    assert strength(rare).suggested
    assert not strength(common).suggested
    assert strength(common).reason == ("similar surname and same forename or a form of it; "
                                       "a name several cases in the area share")
    dated = replace(evidence_between(victim(), victim()), name_shared_by=6)
    assert strength(dated).points == strength(evidence_between(victim(), victim())).points


# Names of several kinds: with other forms, spelling variants, and in other scripts.
FORENAMES = st.sampled_from(["Katherine", "Kate", "Kathy", "Elizabeth", "Liz", "Sarah", "Emma",
                             "Aisha", "Ayesha", "Agnieszka", "Ольга", "Jo", "Ann", ""])
SURNAMES = st.sampled_from(["Smith", "Smyth", "Khan", "Kahn", "O'Brien", "Nowak", "Jones",
                            "Quennevillexq", "Иванова", "Ng"])
DATES = st.one_of(st.none(), st.dates(date(1940, 1, 1), date(2010, 12, 31)))
SUBJECTS = st.builds(
    lambda f, s, d, a, pc, ph: Subject(uuid4(), "victim", f, s, aliases=a, date_of_birth=d,
                                       address=pc, safe_contact=ph),
    FORENAMES, SURNAMES, DATES,
    st.lists(st.builds(lambda f, s: f"{f} {s}".strip(), FORENAMES, SURNAMES),
             max_size=2).map(tuple),
    st.sampled_from([None, "1 Road, ME14 1XX", "2 Lane, TN9 2AB"]),
    st.sampled_from([None, "mobile 07700 900123", "07700 900456"]))


@given(SUBJECTS, SUBJECTS)
def test_the_strength_is_the_same_either_way_round(a: Subject, b: Subject) -> None:
    assert strength(evidence_between(a, b)) == strength(evidence_between(b, a))


@given(SUBJECTS)
def test_a_victim_written_again_alike_is_always_suggested_if_she_has_a_full_name(
        a: Subject) -> None:
    if a.forenames.strip() and a.surname.strip():
        assert strength(evidence_between(replace(a, subject_id=uuid4()), a)).suggested


@given(SUBJECTS, st.sampled_from(["dob_missing", "dob_swapped", "other_form", "misspelt"]))
def test_one_variation_of_a_full_name_and_date_is_always_suggested(a: Subject,
                                                                   variation: str) -> None:
    if not (a.forenames.strip() and a.surname.strip() and a.date_of_birth):
        return
    dob = a.date_of_birth
    again = {
        "dob_missing": replace(a, date_of_birth=None),
        "dob_swapped": replace(a, date_of_birth=dob.replace(day=dob.month, month=dob.day)
                               if dob.day <= 12 else dob),
        "other_form": replace(a, forenames={"Katherine": "Kate", "Elizabeth": "Liz",
                                            "Aisha": "Ayesha"}.get(a.forenames, a.forenames)),
        "misspelt": replace(a, surname={"Smith": "Smyth", "Khan": "Kahn",
                                        "O'Brien": "OBRIEN"}.get(a.surname, a.surname)),
    }[variation]
    assert strength(evidence_between(again, a)).suggested


EVIDENCE = st.builds(
    lambda shared, probe, candidate, sharers: Evidence(
        frozenset(shared), frozenset(probe) | ({DOB} if shared & {"dob", "dob_any_order"}
                                               else frozenset()),
        frozenset(candidate) | ({DOB} if shared & {"dob", "dob_any_order"} else frozenset()),
        sharers),
    st.sets(st.sampled_from(MATCH_KINDS)), st.sets(st.sampled_from(sorted(HELD_KINDS))),
    st.sets(st.sampled_from(sorted(HELD_KINDS))), st.integers(0, 20))


@given(EVIDENCE, st.sets(st.sampled_from(MATCH_KINDS)))
def test_sharing_more_never_weakens_a_match(evidence: Evidence, more: set[str]) -> None:
    fuller = Evidence(evidence.shared | more, evidence.probe_known | (
        {DOB} if more & {"dob", "dob_any_order"} else set()), evidence.candidate_known | (
        {DOB} if more & {"dob", "dob_any_order"} else set()), evidence.name_shared_by)
    assert strength(fuller).points >= strength(evidence).points


@given(EVIDENCE)
def test_every_suggestion_says_why(evidence: Evidence) -> None:
    judged = strength(evidence)
    if judged.suggested:
        assert judged.reason
        assert not judged.reason.startswith(";")
