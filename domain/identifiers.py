"""Normalised identifiers of a subject, the inputs of the blind index.

Normalising first means "O'Brien", "OBRIEN" and "Ó Brien" meet in the same index entry,
so spelling variants between agencies' systems still find a possible repeat.
"""

from __future__ import annotations

import re
import unicodedata

from domain.subjects import Subject

_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


# Latin letters that carry no combining mark to strip, as agencies' systems commonly key them.
_LATIN_FOLDS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae",
                              "œ": "oe", "\u0131": "i", "ħ": "h", "ŧ": "t"})


def normalise_name(name: str) -> str:
    """Letters only (of any script), accents removed, case folded: "Øster" and "Oster"
    meet, and a name in Cyrillic or Arabic script is indexed rather than dropped."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_LATIN_FOLDS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare.translate(_LATIN_FOLDS) if c.isalpha())


def normalise_reference(reference: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", reference.upper())


def soundex(name: str) -> str:
    """American Soundex (as used by the US census), on a normalised name."""
    letters = normalise_name(name)
    if not letters or not letters.isascii():
        return ""  # Soundex is defined for Latin letters only
    first, digits, previous = letters[0], [], _SOUNDEX_CODES.get(letters[0], "")
    for c in letters[1:]:
        code = _SOUNDEX_CODES.get(c, "")
        if code and code != previous:
            digits.append(code)
        if c not in "hw":  # h and w do not separate letters with the same code
            previous = code
    return (first.upper() + "".join(digits) + "000")[:4]


def _name_variants(subject: Subject) -> list[tuple[str, str]]:
    """(forename, surname) pairs: the recorded name and each alias ("forenames surname")."""
    pairs = [(subject.forenames.split()[0] if subject.forenames.split() else "", subject.surname)]
    for alias in subject.aliases:
        parts = alias.split()
        if len(parts) >= 2:
            pairs.append((parts[0], parts[-1]))
        elif parts:
            pairs.append(("", parts[0]))
    return pairs


def identifier_keys(subject: Subject) -> set[tuple[str, str]]:
    """(kind, normalised value) pairs under which the subject is indexed."""
    keys: set[tuple[str, str]] = set()
    dob = subject.date_of_birth
    for forename, surname in _name_variants(subject):
        sur, fore = normalise_name(surname), normalise_name(forename)
        if dob is not None:
            if sur:
                keys.add(("surname_dob", f"{sur}|{dob.isoformat()}"))
                if soundex(sur):
                    keys.add(("phonetic_surname_year", f"{soundex(sur)}|{dob.year}"))
            if fore:
                keys.add(("forename_dob", f"{fore}|{dob.isoformat()}"))
        elif sur and fore:
            # Without a date of birth, only the full name is distinctive enough to suggest.
            keys.add(("full_name", f"{fore}|{sur}"))
    for ref in subject.references:
        if normalise_reference(ref):
            keys.add(("reference", normalise_reference(ref)))
    return keys
