"""Possible repeats: recall and precision of the suggestions on a generated area, for the
platform's rule (match keys weighed by `domain.repeat_strength`) and, as the baseline in the
same run, the previous rule (any shared search key: surname or forename with the date of birth,
Soundex surname with the year, the full name, a reference).

The area (bench/victims.py) has a lead-in year and a measured year of referrals, `per_year`
each (default 1,750: a Kent-sized MARAC), each referral's victim written with realistic
variation. Every referral is recorded in the real blind index (keyed HMACs in the platform's
table) in the order referred; before it is, the earlier cases each rule suggests for it are
looked up. A suggestion is right when the earlier case is about the same person. Recall: of
the measured year's repeats (the victim referred within the 12 months before), the share for
which a rule suggests at least one earlier case of hers from those months. Both rules see the
same referrals and the same index.
"""

from __future__ import annotations

import statistics
import time as timer
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from bench.victims import GeneratedReferral, Year
from domain.repeat_strength import SUGGEST_AT, strength
from domain.repeats import is_repeat
from security.blind_index import BlindIndex
from security.kek import KeyMaterial

START = date(2025, 1, 1)
WINDOW_MONTHS = 12


@dataclass
class Tally:
    """One rule's suggestions over the measured year."""

    repeats: int = 0
    repeats_found: int = 0
    suggestions: int = 0
    right: int = 0
    top_right: int = 0  # repeats whose first suggestion is an earlier case of hers
    by_variation: Counter[str] = field(default_factory=Counter)
    found_by_variation: Counter[str] = field(default_factory=Counter)
    lookup_ms: list[float] = field(default_factory=list)

    def result(self) -> dict[str, Any]:
        ms = sorted(self.lookup_ms)
        return {
            "recall": _ratio(self.repeats_found, self.repeats),
            "precision": _ratio(self.right, self.suggestions),
            "repeats": self.repeats, "repeats_found": self.repeats_found,
            "suggestions": self.suggestions, "suggestions_right": self.right,
            "first_suggestion_right_of_repeats": _ratio(self.top_right, self.repeats),
            "recall_by_variation": {
                v: {"repeats": n, "found": self.found_by_variation[v],
                    "recall": _ratio(self.found_by_variation[v], n)}
                for v, n in sorted(self.by_variation.items())},
            "lookup_p50_ms": round(statistics.median(ms), 3) if ms else None,
            "lookup_p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 3) if ms else None,
        }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


class RepeatsBenchmark:
    def __init__(self, backend: str, database_url: str | None, *, per_year: int = 1750,
                 seed: int = 19, names: tuple[str, ...] = ("census", "narrow")) -> None:
        self.backend = backend
        self.database_url = database_url
        self.per_year = per_year
        self.seed = seed
        self.names = names

    def run(self) -> dict[str, Any]:
        """One area per name pool (bench/victims.py): "census" as common as names are in
        England, "narrow" a stress case of far more alike names."""
        began = timer.perf_counter()
        result: dict[str, Any] = {"benchmark": "repeats", "machine": machine()}
        result["areas"] = {names: self._area(names) for names in self.names}
        result["backend"] = next(iter(result["areas"].values()))["backend"]
        result["seconds"] = round(timer.perf_counter() - began, 1)
        return result

    def _area(self, names: str) -> dict[str, Any]:
        began = timer.perf_counter()
        referrals = Year(self.seed, self.per_year, 2 * 365, START, names).generate()
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            stack = build_platform(
                Settings(data_dir=scratch.dir / "repeats", database_url=scratch.url("repeats"),
                         demo=True),
                material=KeyMaterial.generate(demo=True))
            try:
                tallies = self._measure(stack.blind_index, referrals)
                rows = _index_rows(stack.blind_index)
            finally:
                stack.close()
        measured = [r for r in referrals if r.referred_on >= START + timedelta(days=365)]
        new, old = tallies
        return {
            "backend": scratch.dialect,
            "config": {"names": names, "referrals_per_year": self.per_year, "lead_in_referrals":
                       len(referrals) - len(measured), "measured_referrals": len(measured),
                       "persons": len({r.person_id for r in referrals}), "seed": self.seed,
                       "suggest_at": SUGGEST_AT, "window_months": WINDOW_MONTHS,
                       "blind_index_rows": rows},
            "new_rule": new.result(),
            "old_rule_baseline": old.result(),
            "seconds": round(timer.perf_counter() - began, 1),
        }

    def _measure(self, index: BlindIndex,
                 referrals: list[GeneratedReferral]) -> tuple[Tally, Tally]:
        area = UUID(int=self.seed)
        new, old = Tally(), Tally()
        person_of: dict[UUID, int] = {}
        referred_on: dict[UUID, date] = {}
        history: dict[int, list[GeneratedReferral]] = {}
        measure_from = START + timedelta(days=365)
        for referral in referrals:
            if referral.referred_on >= measure_from:
                earlier = history.get(referral.person_id, [])
                within = {r.case_id for r in earlier
                          if is_repeat(r.referred_on, referral.referred_on, WINDOW_MONTHS)}
                latest = max((r for r in earlier if r.case_id in within),
                             key=lambda r: r.referred_on, default=None)
                variations = _variations(referral, latest)

                t0 = timer.perf_counter()
                evidence = index.repeat_evidence(area, referral.subject)
                judged = sorted(((strength(e), c) for c, e in evidence.items()),
                                key=lambda p: -p[0].points)
                new_found = [c for s, c in judged if s.suggested]
                new.lookup_ms.append((timer.perf_counter() - t0) * 1000)

                t0 = timer.perf_counter()
                # The previous rule ranked nothing: the latest referred first, as it listed them.
                old_found = sorted(index.matches(area, referral.subject, "victim"),
                                   key=lambda c: (-referred_on[c].toordinal(), str(c)))
                old.lookup_ms.append((timer.perf_counter() - t0) * 1000)

                for tally, found in ((new, new_found), (old, old_found)):
                    _count(tally, found, within=within, variations=variations,
                           person_of=person_of, person=referral.person_id)
            index.record(area, referral.case_id, [referral.subject])
            person_of[referral.case_id] = referral.person_id
            referred_on[referral.case_id] = referral.referred_on
            history.setdefault(referral.person_id, []).append(referral)
        return new, old


def _variations(referral: GeneratedReferral, latest: GeneratedReferral | None) -> list[str]:
    """How this referral's victim differs, as written, from her latest within the window."""
    if latest is None:
        return []
    both = referral.variations | latest.variations
    if referral.subject.date_of_birth is None or latest.subject.date_of_birth is None:
        both |= {"dob_missing"}
    return ["all", *(sorted(both) or ["written_alike"])]


def _count(tally: Tally, found: list[UUID], *, within: set[UUID], variations: list[str],
           person_of: dict[UUID, int], person: int) -> None:
    tally.suggestions += len(found)
    tally.right += sum(1 for c in found if person_of[c] == person)
    if not within:
        return
    tally.repeats += 1
    hit = bool(within & set(found))
    tally.repeats_found += hit
    tally.top_right += bool(found) and person_of[found[0]] == person
    for v in variations:
        tally.by_variation[v] += 1
        tally.found_by_variation[v] += hit


def _index_rows(index: BlindIndex) -> int:
    with index.db.transaction(readonly=True) as cur:
        cur.execute("SELECT COUNT(*) FROM blind_index")
        row = cur.fetchone()
    return int(row[0]) if row else 0
