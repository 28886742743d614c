"""The West Midlands MARAC performance framework's indicators for one area and period,
computed from the reporting facts. Percentages of cases are of the cases heard, as SafeLives
computes them; percentages of referrals are of the referrals received."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import get_args
from uuid import UUID

from domain.area import AreaSettings
from domain.criteria import Criterion
from domain.marrac import MES
from domain.safeguarding import ONWARD_TO, OTHER_MARAC
from projections.figures import Figures, Path, one_place, pct
from projections.reporting import Discussion, Facts, Profile, Referral

# SafeLives' expected volume: cases heard a year per 10,000 adult women.
RECOMMENDED_PER_10K = 40
CRITERIA: tuple[str, ...] = get_args(Criterion)
VICTIM_FLAGS: dict[str, Callable[[Profile], bool]] = {
    "male": lambda p: p.male, "minoritised": lambda p: p.minoritised,
    "lgbt_plus": lambda p: p.lgbt_plus, "disabled": lambda p: p.disabled}


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: str
    agency_type: str


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[str, date, date]]:
        found, day = [], self.start
        while day <= self.end:
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            found.append((first.strftime("%Y-%m"), max(first, self.start),
                          min(following - timedelta(days=1), self.end)))
            day = following
        return found

    @property
    def year_earlier_label(self) -> str:
        """The label of the same standard period a year earlier (2025-Q1 for 2026-Q1)."""
        year = str(int(self.label[:4]) - 1)
        return year + self.label[4:]

    def year_earlier(self) -> Period:
        def back(d: date) -> date:
            return d.replace(year=d.year - 1) if (d.month, d.day) != (2, 29) else \
                d.replace(year=d.year - 1, day=28)
        return Period(back(self.start), back(self.end), f"{self.label} (a year earlier)")


@dataclass(frozen=True)
class Heard:
    """A discussion with the referral it discussed and what it counts about the people."""

    discussion: Discussion
    referral: Referral
    profile: Profile
    by_police: bool


def heard(facts: Facts, referrals: Mapping[UUID, Referral],
          agencies: Mapping[UUID, AgencyInfo]) -> list[Heard]:
    """Each discussion with its referral, counting the people as that referral describes
    them (a repeat's victim at the repeat's date, its household as it is now) and the
    safeguarding links of the case heard."""
    found = []
    for d in facts.discussions:
        if d.referral_case_id not in referrals or d.case_id not in facts.profiles:
            continue
        described = facts.profiles.get(d.referral_case_id, facts.profiles[d.case_id])
        profile = facts.profiles[d.case_id].described_by(described)
        found.append(Heard(d, referrals[d.referral_case_id], profile,
                           is_police(referrals[d.referral_case_id].referring_agency_id,
                                     agencies)))
    return found


def is_police(agency_id: UUID, agencies: Mapping[UUID, AgencyInfo]) -> bool:
    info = agencies.get(agency_id)
    return info is not None and info.agency_type == "police"


def indicators(period: Period, facts: Facts, cases: list[Heard], *,
               previous_year: int | str | None, exact: bool,
               agencies: Mapping[UUID, AgencyInfo], settings: AreaSettings,
               as_of: date) -> Figures:
    """`previous_year`: the cases heard in the same period a year earlier; with disclosure
    control (`exact` false), as that period's report published it (maybe withheld)."""
    f = Figures()
    _referrals(f, facts, agencies)
    _heard(f, period, cases, previous_year, settings, exact=exact)
    _monthly(f, period, facts, cases)
    _meetings(f, facts, agencies)
    _actions(f, facts, agencies, as_of)
    if settings.model == "marrac":
        _marrac(f, facts)
    return f


def _referrals(f: Figures, facts: Facts, agencies: Mapping[UUID, AgencyInfo]) -> None:
    rs = facts.referrals
    total = f.count(("referrals", "total"), len(rs))
    outcomes = {"meeting_threshold": "accepted", "not_meeting_threshold": "declined",
                "linked_as_repeat": "linked_as_repeat", "awaiting_decision": None}
    parts = []
    for name, outcome in outcomes.items():
        parts.append(f.count(("referrals", name), sum(1 for r in rs if r.outcome == outcome)))
        f.share(("referrals", f"{name}_pct"), parts[-1], total)
    f.sums(parts, total)
    for criterion in CRITERIA:
        f.count(("referrals", "meeting_threshold_by_criterion", criterion),
                sum(1 for r in rs if r.outcome == "accepted" and criterion in r.criteria))
    consent = f.count(("referrals", "with_consent"), sum(1 for r in rs if r.consent_given))
    f.share(("referrals", "with_consent_pct"), consent, total)
    police = f.count(("referrals", "from_police"),
                     sum(1 for r in rs if is_police(r.referring_agency_id, agencies)))
    partners = f.count(("referrals", "from_partner_agencies"), len(rs) - f.counts[police])
    f.share(("referrals", "from_partner_agencies_pct"), partners, total)
    f.sums((police, partners), total)
    by_agency = {agency_id: f.count(("referrals", "by_agency", info.code),
                                    sum(1 for r in rs if r.referring_agency_id == agency_id))
                 for agency_id, info in agencies.items()}
    f.sums(list(by_agency.values()), total)
    # The police and partner figures are sums of the agencies' too.
    for side, paths in ((police, [p for a, p in by_agency.items() if is_police(a, agencies)]),
                        (partners, [p for a, p in by_agency.items()
                                    if not is_police(a, agencies)])):
        if paths:
            f.sums(paths, side)


def _heard(f: Figures, period: Period, cases: list[Heard], previous_year: int | str | None,
           settings: AreaSettings, *, exact: bool) -> None:
    section = "cases_heard"
    total = f.count((section, "total"), len(cases))
    def change(now: int, then: int) -> float | None:
        return one_place((now - then) * 100 / then) if then else None

    if isinstance(previous_year, int) and exact:
        before = f.count((section, "a_year_earlier"), previous_year)
        f.derive((section, "year_on_year_change_pct"), (total, before), change)
    elif isinstance(previous_year, int):
        # As the earlier period's own report published it: comparing adds nothing to it.
        f.operational((section, "a_year_earlier"), previous_year)
        f.derive((section, "year_on_year_change_pct"), (total,),
                 lambda now: change(now, previous_year))
    else:
        f.operational((section, "a_year_earlier"), previous_year)
        f.operational((section, "year_on_year_change_pct"), previous_year)
    population = settings.adult_female_population
    if population:
        f.derive((section, "per_10k_adult_female_annualised"), (total,),
                 lambda n: one_place(n * 10_000 / population * 365 / period.days))
        f.operational((section, "recommended_for_period"),
                      one_place(RECOMMENDED_PER_10K * population / 10_000 * period.days / 365))
    repeats = f.count((section, "repeats"), sum(1 for c in cases if c.discussion.repeat))
    f.share((section, "repeats_pct"), repeats, total)
    police = f.count((section, "referred_by_police"),
                     sum(1 for c in cases if c.by_police))
    partners = f.count((section, "referred_by_partner_agencies"),
                       len(cases) - f.counts[police])
    f.share((section, "referred_by_partner_agencies_pct"), partners, total)
    f.sums((police, partners), total)
    days = sorted((c.discussion.heard_on - c.referral.referred_on).days for c in cases)
    f.derive((section, "days_referral_to_hearing_median"), (total,),
             lambda _: statistics.median(days) if days else None)
    f.derive((section, "days_referral_to_hearing_mean"), (total,),
             lambda _: one_place(statistics.fmean(days)) if days else None)

    _victims(f, cases, total, settings)
    _safeguarding(f, cases, total)


def _victims(f: Figures, cases: list[Heard], total: Path, settings: AreaSettings) -> None:
    population_pct = {"minoritised": settings.population_minoritised_pct,
                      "lgbt_plus": settings.population_lgbt_pct,
                      "disabled": settings.population_disabled_pct}
    for flag, holds in VICTIM_FLAGS.items():
        n = f.count(("victims", flag), sum(1 for c in cases if holds(c.profile)))
        f.share(("victims", f"{flag}_pct"), n, total)
        if population_pct.get(flag) is not None:
            f.operational(("victims", f"{flag}_local_population_pct"), population_pct[flag])
    ages = {"aged_16_17": (16, 17), "aged_55_plus": (55, 200)}
    for name, (low, high) in ages.items():
        n = f.count(("victims", name),
                    sum(1 for c in cases if c.profile.age is not None
                        and low <= c.profile.age <= high))
        f.share(("victims", f"{name}_pct"), n, total)
    with_children = f.count(("children", "cases_with_children"),
                            sum(1 for c in cases if c.profile.children))
    f.share(("children", "cases_with_children_pct"), with_children, total)
    f.count(("children", "children"), sum(c.profile.children for c in cases))
    f.count(("perpetrators", "aged_17_or_under"),
            sum(1 for c in cases if c.profile.young_perpetrator))



def _safeguarding(f: Figures, cases: list[Heard], total: Path) -> None:
    # Children's, adult and either: declared through the two overlaps nobody is shown, so
    # that the three cannot be played against each other.
    def open_to(test: Callable[[Profile], bool]) -> int:
        return sum(1 for c in cases if test(c.profile))

    childrens = f.count(("safeguarding", "open_to_childrens_social_care"),
                        open_to(lambda p: p.childrens_social_care))
    adult = f.count(("safeguarding", "open_to_adult_social_care"),
                    open_to(lambda p: p.adult_social_care))
    either = f.count(("safeguarding", "open_to_social_care"),
                     open_to(lambda p: p.childrens_social_care or p.adult_social_care))
    adult_only = f.hidden(("safeguarding", "adult_social_care_only"),
                          open_to(lambda p: p.adult_social_care
                                  and not p.childrens_social_care))
    both = f.hidden(("safeguarding", "both_social_care"),
                    open_to(lambda p: p.adult_social_care and p.childrens_social_care))
    f.sums((childrens, adult_only), either)
    f.sums((adult_only, both), adult)
    for path in (childrens, adult, either):
        f.share((*path[:-1], f"{path[-1]}_pct"), path, total)
    # Onward referrals are counted as referrals (a case referred to MAPPA and to MASH is
    # two), so that the arrangements add up to the total.
    arrangements = [f.count(("safeguarding", "onward_referrals", to),
                            sum(1 for c in cases if to in c.profile.onward))
                    for to in ONWARD_TO if to != OTHER_MARAC]
    others = f.count(("safeguarding", "onward_referrals_to_other_arrangements"),
                     sum(f.counts[p] for p in arrangements))
    f.sums(arrangements, others)
    to_marac = f.count(("safeguarding", "referred_to_other_marac"),
                       sum(1 for c in cases if OTHER_MARAC in c.profile.onward))
    f.share(("safeguarding", "referred_to_other_marac_pct"), to_marac, total)


def _monthly(f: Figures, period: Period, facts: Facts, cases: list[Heard]) -> None:
    referrals, heard_parts = [], []
    for month, first, last in period.months():
        referrals.append(f.count(("monthly", month, "referrals"),
                                 sum(1 for r in facts.referrals
                                     if first <= r.referred_on <= last)))
        heard_parts.append(f.count(("monthly", month, "cases_heard"),
                                   sum(1 for c in cases
                                       if first <= c.discussion.heard_on <= last)))
    f.sums(referrals, ("referrals", "total"))
    f.sums(heard_parts, ("cases_heard", "total"))


def _meetings(f: Figures, facts: Facts, agencies: Mapping[UUID, AgencyInfo]) -> None:
    """Meetings held and each agency's attendance. A closed hearing is neither counted nor
    shown: its existence, month and number would point at its cases."""
    open_meetings = [m for m in facts.meetings if m.kind != "harmful_practices"]
    f.operational(("meetings", "held"), len(open_meetings))
    for agency_id, info in agencies.items():
        attended = sum(1 for m in open_meetings if agency_id in m.agencies)
        f.operational(("meetings", "attendance", info.code, "attended"), attended)
        f.operational(("meetings", "attendance", info.code, "of"), len(open_meetings))
        f.operational(("meetings", "attendance", info.code, "pct"),
                      pct(attended, len(open_meetings)))


def _actions(f: Figures, facts: Facts, agencies: Mapping[UUID, AgencyInfo],
             as_of: date) -> None:
    """Actions agreed in the period, by owning agency: completed, and overdue (closed after
    their due day, or still open after it as of the report's day)."""
    for agency_id, info in agencies.items():
        own = [a for a in facts.actions if a.owner_agency_id == agency_id]
        completed = sum(1 for a in own if a.outcome == "completed")
        overdue = sum(1 for a in own
                      if (a.closed_on > a.due_on if a.closed_on else as_of > a.due_on))
        path = ("actions", info.code)
        f.operational((*path, "agreed"), len(own))
        f.operational((*path, "completed"), completed)
        f.operational((*path, "completed_pct"), pct(completed, len(own)))
        f.operational((*path, "overdue"), overdue)
        f.operational((*path, "overdue_pct"), pct(overdue, len(own)))


def _marrac(f: Figures, facts: Facts) -> None:
    """Lancashire's measures: the share of allocated cases whose co-ordinator found they met
    the MARRAC's purpose (accepted them), the share still meeting it at their latest review,
    and the time spent with each ME."""
    f.count(("marrac", "cases_allocated"), len(facts.marrac))
    decided = [m for m in facts.marrac if m.outcome is not None]
    f.count(("marrac", "cases_decided"), len(decided))
    meeting = f.count(("marrac", "cases_meeting_purpose"),
                      sum(1 for m in decided if m.outcome == "accepted"))
    f.share(("marrac", "cases_meeting_purpose_pct"), meeting, ("marrac", "cases_decided"))
    reviewed = [m for m in facts.marrac if m.still_meets_purpose is not None]
    f.count(("marrac", "cases_reviewed"), len(reviewed))
    still = f.count(("marrac", "reviews_still_meeting_purpose"),
                    sum(1 for m in reviewed if m.still_meets_purpose))
    f.share(("marrac", "reviews_still_meeting_purpose_pct"), still, ("marrac", "cases_reviewed"))
    for me in MES:
        contacts = [c for c in facts.contacts if c.me == me]
        counted = f.count(("marrac", "time_per_me", me, "contacts"), len(contacts))
        f.derive(("marrac", "time_per_me", me, "minutes"), (counted,),
                 lambda _, cs=contacts: sum(c.minutes for c in cs))
