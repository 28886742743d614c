"""The people a referral is about: victim, perpetrators, children, other household members."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, get_args
from uuid import UUID

from domain.exceptions import InvalidReferral, SubjectNameRequired
from domain.monitoring import ANSWERS, ETHNICITIES, GENDERS, SEXUALITIES, check_coded

Role = Literal["victim", "perpetrator", "child", "household_member"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class Subject:
    subject_id: UUID
    role: Role
    forenames: str
    surname: str
    aliases: tuple[str, ...] = ()
    date_of_birth: date | None = None
    # Equality monitoring, coded (domain/monitoring.py) so that reports count them exactly.
    gender: str | None = None
    ethnicity: str | None = None
    sexuality: str | None = None
    disability: str | None = None
    trans: str | None = None
    address: str | None = None
    safe_contact: str | None = None
    # Agencies' own reference numbers (e.g. a police PNC id), matched through the blind index.
    references: tuple[str, ...] = ()
    # Who they are to the victim ("ex-partner", "son"), as the referrer put it.
    relationship: str | None = None

    def check_valid(self) -> None:
        if self.role not in ROLES:
            raise InvalidReferral(f"subject role must be one of {ROLES}")
        if not (self.forenames.strip() or self.surname.strip()):
            raise SubjectNameRequired("every subject needs a forename or a surname")
        for field, allowed in (("gender", GENDERS), ("ethnicity", ETHNICITIES),
                               ("sexuality", SEXUALITIES), ("disability", ANSWERS),
                               ("trans", ANSWERS)):
            problem = check_coded(field, getattr(self, field), allowed)
            if problem:
                raise InvalidReferral(problem)

    def corrected(self, changes: dict[str, Any]) -> Subject:
        fixed = {"subject_id", "role"}
        if fixed & changes.keys():
            raise InvalidReferral("a subject's id and role cannot be corrected")
        unknown = changes.keys() - set(self.__dataclass_fields__)
        if unknown:
            raise InvalidReferral(f"{len(unknown)} corrections name no subject field")
        new = replace(self, **changes)
        new.check_valid()
        return new


def check_subjects(subjects: tuple[Subject, ...]) -> None:
    """Exactly one victim and at least one perpetrator; ids unique."""
    for s in subjects:
        s.check_valid()
    roles = [s.role for s in subjects]
    if roles.count("victim") != 1:
        raise InvalidReferral("a referral names exactly one victim")
    if roles.count("perpetrator") < 1:
        raise InvalidReferral("a referral names at least one perpetrator")
    if len({s.subject_id for s in subjects}) != len(subjects):
        raise InvalidReferral("subject ids must be unique")


def _initial(name: str) -> str:
    """A name's initial: its first letter, in capitals ("o'Brien" is O)."""
    return next((c.upper() for c in name if c.isalpha()), "")


def case_label(subjects: Iterable[Subject]) -> str | None:
    """What coordinators call a case: the victim's initials (first forename, surname) and
    year of birth, "J.S. 1987"; "J.S." when the date of birth is not known. Personal data:
    derived from the case's decrypted record, sealed wherever it is kept, never logged or
    audited. None when the referral names no victim (it always names one)."""
    victim = next((s for s in subjects if s.role == "victim"), None)
    if victim is None:
        return None
    forename = victim.forenames.split()[0] if victim.forenames.split() else ""
    initials = "".join(f"{i}." for i in (_initial(forename), _initial(victim.surname)) if i)
    year = f" {victim.date_of_birth.year}" if victim.date_of_birth else ""
    return f"{initials}{year}".strip() or None
