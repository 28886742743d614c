"""How strongly two referrals' victims look like one person, from the match keys they share.

A score in the manner of Fellegi and Sunter: each identifier that agrees adds points roughly
in proportion to how unlikely two different people in one area are to agree on it (a date of
birth more than a surname, a surname more than a forename), and each that both records hold
and that differs takes points away. A possible repeat is suggested at `SUGGEST_AT` or more:
a same date of birth alone is not enough (in an area of a few thousand referrals many pairs
of women share one), nor is a name whose dates of birth differ; a same date of birth with a
form of the forename, or a full name when one referral has no date of birth, is.

The points were chosen from that reasoning and checked, not fitted, on the generated year of
`marac bench repeats` (bench/repeats.py), which reports recall and precision.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.match_keys import (
    DISTRICT_FORENAME,
    DOB,
    DOB_ANY_ORDER,
    FORENAME_DOB,
    FORENAME_YEAR,
    INITIAL_DOB,
    NAME,
    PHONE,
    REFERENCE,
    SURNAME_DOB,
    SURNAME_NEAR_DOB,
    SURNAME_YEAR,
    known_fields,
    match_keys,
)
from domain.subjects import Subject

SUGGEST_AT = 14
STRONG_AT = 20  # shown as a strong match

# Points for what agrees, and for what both hold and differs.
# The same year with another day or month is a date that differs (a slip of a day is rarer
# than two women of one surname and forename born in one year), if less so than another year.
# Two of its three parts the same with a similar surname is most likely a slip in the third.
SAME_DOB, SWAPPED_DOB, NEAR_DOB, SAME_YEAR_ONLY, DOB_DIFFERS = 12, 8, 2, -2, -6
SURNAME_ALIKE, SURNAME_DIFFERS = 8, -2  # surnames change on marriage or separation
FORENAME_ALIKE, INITIAL_ONLY, FORENAME_DIFFERS = 6, 1, -6
SAME_DISTRICT = 3
SAME_PHONE = 12
SAME_REFERENCE = 14
# A name (surname sound and forename form) that this many other cases in the area hold too is
# weaker evidence alone: in the manner of a term-frequency adjustment, from the digests' counts
# in the index (never a name). It matters where the name is all that links two referrals.
COMMON_NAME_AT, COMMON_NAME = 4, -3
COMMON_NAME_NOTE = "a name several cases in the area share"


@dataclass(frozen=True)
class Evidence:
    """What two victims' records share (match-key kinds with a common digest), and which
    identifiers each holds at all: a date of birth missing from one is no disagreement."""

    shared: frozenset[str]
    probe_known: frozenset[str] = frozenset()
    candidate_known: frozenset[str] = frozenset()
    # How many other cases in the area hold the rarest name digest the two share (0: none).
    name_shared_by: int = 0

    def both_hold(self, kind: str) -> bool:
        return kind in self.probe_known and kind in self.candidate_known


@dataclass(frozen=True)
class Strength:
    points: int
    # Agreements, strongest first, then differences ("surname differs"), for people to read.
    reasons: tuple[str, ...]

    @property
    def suggested(self) -> bool:
        return self.points >= SUGGEST_AT

    @property
    def label(self) -> str:
        return "strong" if self.points >= STRONG_AT else "possible"

    @property
    def reason(self) -> str:
        """"same date of birth and a form of the forename; surname differs"."""
        caveat = [r for r in self.reasons if r.endswith("differs") or r == COMMON_NAME_NOTE]
        agree = [r for r in self.reasons if r not in caveat]
        text = " and ".join([", ".join(agree[:-1]), agree[-1]] if len(agree) > 1 else agree)
        return "; ".join([t for t in (text, ", ".join(caveat)) if t])


# Identifiers that only ever add: (kind shared, points, reason).
_SUPPORTING = ((DISTRICT_FORENAME, SAME_DISTRICT, "same postcode district"),
               (PHONE, SAME_PHONE, "same telephone number"),
               (REFERENCE, SAME_REFERENCE, "same agency reference"))


def strength(evidence: Evidence) -> Strength:
    """The score of a pair and why. More shared kinds never lower it (tests hold it so)."""
    shared = evidence.shared
    parts = [p for p in (_date(evidence), _surname(shared), _forename(shared)) if p]
    parts += [(points, reason) for kind, points, reason in _SUPPORTING if kind in shared]
    if _name_alone(shared) and evidence.name_shared_by >= COMMON_NAME_AT:
        parts.append((COMMON_NAME, COMMON_NAME_NOTE))
    ordered = sorted(parts, key=lambda p: -p[0])
    return Strength(sum(p for p, _ in parts), tuple(r for _, r in ordered))


def _name_alone(shared: frozenset[str]) -> bool:
    """The surname agrees only as part of the name: no date of birth agrees with it."""
    return NAME in shared and not {SURNAME_YEAR, SURNAME_DOB, SURNAME_NEAR_DOB} & shared


def _date(evidence: Evidence) -> tuple[int, str] | None:
    shared = evidence.shared
    if DOB in shared:
        return SAME_DOB, "same date of birth"
    if DOB_ANY_ORDER in shared:
        return SWAPPED_DOB, "date of birth with day and month swapped"
    if SURNAME_NEAR_DOB in shared:
        return NEAR_DOB, "date of birth differing in one part"
    if {SURNAME_YEAR, FORENAME_YEAR} & shared:
        return SAME_YEAR_ONLY, "same year of birth"
    if evidence.both_hold(DOB):
        return DOB_DIFFERS, "date of birth differs"
    return None


def _surname(shared: frozenset[str]) -> tuple[int, str] | None:
    if {SURNAME_YEAR, SURNAME_DOB, SURNAME_NEAR_DOB, NAME} & shared:
        return SURNAME_ALIKE, "similar surname"
    if {DOB, DOB_ANY_ORDER, FORENAME_YEAR} & shared:
        # With the date (or year) agreeing, a surname that sounded alike would have shared
        # its combined key: so it differs.
        return SURNAME_DIFFERS, "surname differs"
    return None


def _forename(shared: frozenset[str]) -> tuple[int, str] | None:
    if {FORENAME_DOB, FORENAME_YEAR, NAME, DISTRICT_FORENAME} & shared:
        return FORENAME_ALIKE, "same forename or a form of it"
    if INITIAL_DOB in shared:
        return INITIAL_ONLY, "same forename initial"
    if {DOB, DOB_ANY_ORDER} & shared:
        return FORENAME_DIFFERS, "forename differs"  # as the surname, by its combined key
    return None


def evidence_between(probe: Subject, candidate: Subject) -> Evidence:
    """What the blind index finds between two subjects, worked out on their identifiers
    instead of their keyed digests (equal digests are equal keys: same area, kind and value)."""
    shared = frozenset(kind for kind, _ in match_keys(probe) & match_keys(candidate))
    return Evidence(shared, known_fields(probe), known_fields(candidate))
