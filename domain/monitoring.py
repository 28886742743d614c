"""Equality monitoring: the coded answers a referral records about each person, and the
categories the SafeLives return and the West Midlands framework count. Coded, because a count
over free text is a guess."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

Gender = Literal["female", "male", "non_binary", "other", "not_known"]
GENDERS: tuple[str, ...] = get_args(Gender)
# The 2021 census categories for England and Wales, plus "not_known".
Ethnicity = Literal[
    "white_british", "white_irish", "white_gypsy_or_irish_traveller", "white_roma",
    "white_other", "mixed_white_and_black_caribbean", "mixed_white_and_black_african",
    "mixed_white_and_asian", "mixed_other", "asian_indian", "asian_pakistani",
    "asian_bangladeshi", "asian_chinese", "asian_other", "black_african", "black_caribbean",
    "black_other", "other_arab", "other_any", "not_known",
]
ETHNICITIES: tuple[str, ...] = get_args(Ethnicity)
Sexuality = Literal["heterosexual", "gay_or_lesbian", "bisexual", "other", "not_known"]
SEXUALITIES: tuple[str, ...] = get_args(Sexuality)
Answer = Literal["yes", "no", "not_known"]
ANSWERS: tuple[str, ...] = get_args(Answer)

# Who counts as Black, Asian or racially minoritised: every recorded group but White British,
# as SafeLives' dataset (and the ONS "ethnic minority" measure) counts them. Not known is not
# counted either way.
NOT_MINORITISED = frozenset({"white_british", "not_known"})
LGB_PLUS = frozenset({"gay_or_lesbian", "bisexual", "other"})


def racially_minoritised(ethnicity: str | None) -> bool:
    return ethnicity is not None and ethnicity not in NOT_MINORITISED


def lgbt_plus(sexuality: str | None, gender: str | None, trans: str | None) -> bool:
    """Lesbian, gay, bisexual or another minority sexuality; or trans or non-binary."""
    return sexuality in LGB_PLUS or trans == "yes" or gender == "non_binary"


def age_on(date_of_birth: date | None, day: date) -> int | None:
    if date_of_birth is None:
        return None
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def check_coded(field: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    """The message for a value outside its code list, or None when it is fine."""
    if value is None or value in allowed:
        return None
    return f"{field} must be one of {allowed}"
