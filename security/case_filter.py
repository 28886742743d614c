"""Which cases a viewer may see in a list, as facts a read model answers in one query.

`security.policy.list_filter` states the rules of `case_visibility` for every case at once as
a `CaseFilter`: a case is listed when one of the filter's ways holds of it and none of its
`unless` facts does. `case_facts` is what a case holds, from the same `CaseAccess` the policy
decides one case from. The case list read model stores those facts and answers the filter in
SQL (projections/case_list.py); `admits` answers it here, over the same facts, so that tests
hold the query, the filter and the single-case policy to one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from security.policy import CaseAccess

FactKind = Literal["area", "involved_agency", "agency_grant", "person_grant", "break_glass",
                   "member", "member_agency", "excluded"]


@dataclass(frozen=True)
class Fact:
    """The case holds `kind` for `ref`: an area's or agency's id, or a person's keyed digest."""

    kind: FactKind
    ref: str


@dataclass(frozen=True)
class HeldFact:
    """A fact and the window in which it holds (grants expire; break-glass opens and ends)."""

    fact: Fact
    opened_at: datetime | None = None  # None: from the start
    expires_at: datetime | None = None  # None: until withdrawn

    def holds_at(self, now: datetime) -> bool:
        return ((self.opened_at is None or self.opened_at <= now)
                and (self.expires_at is None or now < self.expires_at))


@dataclass(frozen=True)
class Way:
    """One way a viewer reaches a case: each of `facts` holds now, and the case is restricted
    (and its restriction provisional) as stated. The first fact is the one a query starts
    from, so every way names at least one."""

    facts: tuple[Fact, ...]
    restricted: bool
    provisional: bool | None = None  # None: either

    def __post_init__(self) -> None:
        if not self.facts:
            raise ValueError("a way names at least one fact: one without would read every case")


@dataclass(frozen=True)
class CaseFilter:
    """The cases a viewer may see at `at`: those one of `ways` reaches and no `unless` fact
    holds of (exclusion beats everything). No ways: nothing."""

    ways: tuple[Way, ...]
    unless: tuple[Fact, ...]
    at: datetime


@dataclass(frozen=True)
class CaseFacts:
    """What a case holds that a `CaseFilter` reads: its restriction and its facts."""

    restricted: bool
    provisional: bool  # restricted at referral, members not yet named: never when unrestricted
    held: tuple[HeldFact, ...]


def case_facts(access: CaseAccess) -> CaseFacts:
    """The facts of a case's access (a repeat's, merged with its case's: see
    projections.cases.inherit), as the list read model stores them: those that still give
    sight of it (`standing_access`)."""
    from security.policy import standing_access  # noqa: PLC0415 - the policy imports this module

    access = standing_access(access)
    held = [HeldFact(Fact("area", str(access.area_id)))]
    held += [HeldFact(Fact("involved_agency", str(a))) for a in access.involved_agencies]
    held += [HeldFact(Fact("agency_grant", str(a)), None, expiry)
             for a, expiry in access.agency_grants]
    held += [HeldFact(Fact("person_grant", ref), None, expiry)
             for ref, expiry in access.person_grants]
    held += [HeldFact(Fact("break_glass", ref), opened, expires)
             for ref, opened, expires in access.break_glass]
    held += [HeldFact(Fact("member", ref)) for ref in access.members]
    held += [HeldFact(Fact("member_agency", str(a))) for a in access.member_agencies]
    held += [HeldFact(Fact("excluded", ref)) for ref in access.excluded]
    return CaseFacts(access.restricted, access.restricted and access.restriction_provisional,
                     tuple(dict.fromkeys(held)))


def admits(case_filter: CaseFilter, facts: CaseFacts) -> bool:
    """The filter's answer for one case, as the SQL query gives it for many."""
    now = case_filter.at
    held = {h.fact for h in facts.held if h.holds_at(now)}
    if any(fact in held for fact in case_filter.unless):
        return False
    return any(
        way.restricted == facts.restricted
        and (way.provisional is None or way.provisional == facts.provisional)
        and all(fact in held for fact in way.facts)
        for way in case_filter.ways)
