"""The draft's redaction, for every text: no other person's name survives as a word, each
withheld name is listed with where and why, and the subject's own words are left alone."""

from __future__ import annotations

import re
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from services.subject_access import REDACTED, STAFF, WITHHELD, ExtraRedaction, Redactor

MARK_WORDS = {"redacted", "staff", "withheld"}
names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                min_size=2, max_size=10).filter(lambda n: n.lower() not in MARK_WORDS)
FILLER = ["threatened", "Philippa", "at", "home;", "the", "officer", "said", "(again)"]


def as_word(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None


# A modest number of examples: the rule is simple and CI runs ~1,700 tests.
@settings(max_examples=60)
@given(others=st.lists(names, min_size=1, max_size=4),
       words=st.lists(st.sampled_from(FILLER), max_size=12), data=st.data())
def test_no_other_persons_name_survives_and_each_is_listed(
        others: list[str], words: list[str], data: st.DataObject) -> None:
    mine = [w for w in words if not any(w.lower() == o.lower() for o in others)]
    text = " ".join(data.draw(st.permutations([*mine, *others, others[0].upper()])))
    redactor = Redactor(uuid4(), [(o, "perpetrator") for o in others], set(), False, ())
    cleaned = redactor.clean(text, "Information 1")
    for other in others:
        assert not as_word(other, cleaned), other
    listed = {r.text for r in redactor.redactions()}
    assert {o.lower() for o in others if as_word(o, text)} <= listed
    for word in mine:
        if not any(as_word(o, word) for o in others):
            assert word in cleaned


def test_the_dpos_phrase_goes_whole_and_staff_names_are_marked() -> None:
    redactor = Redactor(uuid4(), [("Dorian", "perpetrator")], {"officer-4471"}, True,
                         (ExtraRedaction("the neighbour at no. 4", "crime_prevention", ""),))
    cleaned = redactor.clean("Dorian shouted; officer-4471 spoke to the neighbour at no. 4",
                             "Incident summary")
    assert cleaned == f"{REDACTED} shouted; {STAFF} spoke to {WITHHELD}"
    assert redactor.staff_name("officer-9", "Referred by") == STAFF
    assert {(r.text, r.reason, r.added) for r in redactor.redactions()} == {
        ("dorian", "third_party", False), ("officer-4471", "staff", False),
        ("the neighbour at no. 4", "crime_prevention", True), ("officer-9", "staff", False)}
