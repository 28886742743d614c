"""Match keys: the forms of a victim's identifiers that a possible repeat is found by.

Each key is a (kind, normalised value) pair that the blind index stores only as a keyed HMAC.
Two referrals about one person rarely spell her the same way: the surname is misspelt or has
changed (marriage, separation), the forename is another form of it (Katherine, Kate, Kathy),
the date of birth is missing or has its day and month swapped. So each identifier is reduced
to tokens that such variants share (sound codes, name forms, the date in either order), and
the keys combine two identifiers at a time: a combination is selective enough to find
candidates by (a lone birth year or initial would fetch hundreds of cases), and its digests,
unlike those of a lone initial or year, do not give their values away by their frequency.
Which kinds two referrals share is the evidence that `domain.repeat_strength` weighs.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import jellyfish
from nicknames import NickNamer

from domain.identifiers import normalise_name, normalise_reference
from domain.subjects import Subject

# The kinds, named by what two referrals agree on when they share a digest of that kind.
DOB = "dob"  # the same date of birth
DOB_ANY_ORDER = "dob_any_order"  # the same date, day and month in either order
SURNAME_YEAR = "surname_sound_year"  # a surname that sounds alike, same year of birth
SURNAME_DOB = "surname_sound_dob"  # ... and the date in either order
# ... and two of the date's three parts: a date with a slip in its day, month or year.
SURNAME_NEAR_DOB = "surname_sound_near_dob"
FORENAME_DOB = "forename_form_dob"  # a form of the forename, the date in either order
INITIAL_DOB = "initial_dob"  # the forename's initial, the date in either order
FORENAME_YEAR = "forename_form_year"  # a form of the forename, same year of birth
NAME = "name_sound"  # a surname that sounds alike and a form of the forename
DISTRICT_FORENAME = "district_forename"  # postcode district and a form of the forename
PHONE = "phone"  # a telephone number in the safe contact details
REFERENCE = "reference"  # an agency's reference (NHS or PNC number ...)

MATCH_KINDS = (DOB, DOB_ANY_ORDER, SURNAME_YEAR, SURNAME_DOB, SURNAME_NEAR_DOB, FORENAME_DOB,
               INITIAL_DOB, FORENAME_YEAR, NAME, DISTRICT_FORENAME, PHONE, REFERENCE)

# A UK postcode's outward code ("ME14" of "ME14 1XX"): the district, not the street.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*[0-9][A-Z]{2}\b")
# A UK telephone number as people write it: 07700 900123, +44 7700 900123, (01622) 123456.
_PHONE = re.compile(r"(?:\+44\s?|\b0)(?:[\s()-]*\d){9,10}\b")


@cache
def _nicknames() -> NickNamer:
    return NickNamer()  # reads the package's table once


def sound_codes(name: str) -> frozenset[str]:
    """Metaphone and NYSIIS codes of a normalised name: either agreeing counts, since each
    catches variants the other misses (Smith/Smyth by Metaphone; Khan/Kahn, Singh/Sing by
    NYSIIS). A name in another script has no code: it is kept as it is written."""
    letters = normalise_name(name)
    if not letters:
        return frozenset()
    if not letters.isascii():
        return frozenset({letters})
    return frozenset({f"m:{jellyfish.metaphone(letters)}", f"n:{jellyfish.nysiis(letters)}"})


def forename_forms(forename: str) -> frozenset[str]:
    """Sound codes of a forename and of the full names it is a short form of: Kate and Kathy
    both give Katherine's, so either meets Katherine and each other. Only the forms a name is
    short *for* are added (not every nickname of a full name), which keeps the set small."""
    letters = normalise_name(forename)
    if not letters:
        return frozenset()
    if not letters.isascii():
        return frozenset({letters})
    names = {letters, *_nicknames().canonicals_of(letters)}
    return frozenset(f"m:{jellyfish.metaphone(n)}" for n in names)


def dob_any_order(dob: date) -> str:
    """The date with its day and month in a fixed order: 3 May and 5 March meet."""
    low, high = sorted((dob.day, dob.month))
    return f"{dob.year}|{low:02d}|{high:02d}"


def two_of_three(dob: date) -> tuple[str, ...]:
    """The date with each of its parts left out in turn: two dates that differ by a slip in
    one part (1 May for 2 May, 1991 for 1990) share one of these."""
    return (f"{dob.year}|{dob.month:02d}|*", f"{dob.year}|*|{dob.day:02d}",
            f"*|{dob.month:02d}|{dob.day:02d}")


def postcode_district(address: str | None) -> str:
    """The outward code of the last postcode in an address, or "" when it has none."""
    found = _POSTCODE.findall((address or "").upper())
    return found[-1] if found else ""


def phone_numbers(text: str | None) -> set[str]:
    """Telephone numbers in the safe contact details, as national digits (0...)."""
    numbers = set()
    for match in _PHONE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group(0))
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        if len(digits) in (10, 11):
            numbers.add(digits)
    return numbers


def _names(subject: Subject) -> list[tuple[str, str]]:
    """(first forename, surname) of the recorded name and of each alias."""
    parts = subject.forenames.split()
    pairs = [(parts[0] if parts else "", subject.surname)]
    for alias in subject.aliases:
        words = alias.split()
        if len(words) >= 2:
            pairs.append((words[0], words[-1]))
        elif words:
            pairs.append(("", words[0]))
    return pairs


def match_keys(subject: Subject) -> set[tuple[str, str]]:
    """(kind, normalised value) pairs under which a subject is found as a possible repeat."""
    keys: set[tuple[str, str]] = set()
    dob = subject.date_of_birth
    either = dob_any_order(dob) if dob else ""
    if dob is not None:
        keys.add((DOB, dob.isoformat()))
        keys.add((DOB_ANY_ORDER, either))
    district = postcode_district(subject.address)
    for forename, surname in _names(subject):
        surnames, forenames = sound_codes(surname), forename_forms(forename)
        initial = normalise_name(forename)[:1]
        if dob is not None:
            keys |= {(SURNAME_YEAR, f"{s}|{dob.year}") for s in surnames}
            keys |= {(SURNAME_DOB, f"{s}|{either}") for s in surnames}
            keys |= {(SURNAME_NEAR_DOB, f"{s}|{part}") for s in surnames
                     for part in two_of_three(dob)}
            keys |= {(FORENAME_DOB, f"{f}|{either}") for f in forenames}
            keys |= {(FORENAME_YEAR, f"{f}|{dob.year}") for f in forenames}
            if initial:
                keys.add((INITIAL_DOB, f"{initial}|{either}"))
        keys |= {(NAME, f"{s}|{f}") for s in surnames for f in forenames}
        if district:
            keys |= {(DISTRICT_FORENAME, f"{district}|{f}") for f in forenames}
    keys |= {(PHONE, n) for n in phone_numbers(subject.safe_contact)}
    keys |= {(REFERENCE, r) for r in map(normalise_reference, subject.references) if r}
    return keys


# Kinds whose presence says what a record holds that a disagreement can be judged on.
HELD_KINDS = frozenset({DOB})


def known_fields(subject: Subject) -> frozenset[str]:
    """What the subject's record holds that a disagreement can be judged on, as the kinds
    of key it has: a date of birth. (A missing one is no evidence either way; a postcode
    district that differs is none either, since victims move, often to be safe.)"""
    return frozenset({DOB}) if subject.date_of_birth is not None else frozenset()
