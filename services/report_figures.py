"""A report's figures, computed from the area's reporting facts: the indicators of some periods
and the quarters' SafeLives returns, from one read of facts. Released under disclosure control
by services/report_releases.py; asked for through services/reports.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from uuid import UUID

from domain.area import AreaSettings
from projections.figures import Figures
from projections.indicators import AgencyInfo, Heard, Period, heard, indicators
from projections.publication import quarters_of
from projections.reporting import Facts
from projections.safelives import Return, closed_shares, quarterly_return
from services.platform import Platform


def area_agencies(platform: Platform, area_id: UUID) -> dict[UUID, AgencyInfo]:
    """The area's agencies, by code (configuration is small: read from the log)."""
    return {a.id: AgencyInfo(a.code, a.name, a.agency_type)
            for a in sorted(platform.marac.agencies(), key=lambda a: a.code)
            if a.area_id == area_id}


class ReportSource:
    """An area's reporting facts, read a year at a time."""

    def __init__(self, platform: Platform, area_id: UUID, settings: AreaSettings,
                 agencies: dict[UUID, AgencyInfo]) -> None:
        self.platform = platform
        self.area_id = area_id
        self.settings = settings
        self.as_of = platform.marac.today()
        self.agencies = agencies

    def facts(self, start: date, end: date) -> tuple[Facts, list[Heard]]:
        facts = self.platform.reports.facts(self.area_id, start, end)
        # A meeting counts once held: a scheduled one is not yet a meeting of the period.
        facts = replace(facts, meetings=[m for m in facts.meetings if m.held_on <= self.as_of])
        # Most referrals discussed were made in the period; only earlier ones are read again.
        referrals = {r.case_id: r for r in facts.referrals}
        referrals |= self.platform.reports.referrals_of(sorted(
            {d.referral_case_id for d in facts.discussions} - referrals.keys(), key=str))
        return facts, heard(facts, referrals, self.agencies)


class PeriodFigures:
    """The figures of some periods (and of the quarters' returns) from one read of facts."""

    def __init__(self, source: ReportSource, periods: list[Period],
                 previous: Mapping[str, int | str | None], *, exact: bool) -> None:
        start, end = min(p.start for p in periods), max(p.end for p in periods)
        facts, cases = source.facts(start, end)
        self.indicators: dict[str, Figures] = {}
        self.returns: dict[str, Return] = {}
        for p in periods:
            part = facts.within(p.start, p.end)
            heard_in = [c for c in cases if p.start <= c.discussion.heard_on <= p.end]
            self.indicators[p.label] = indicators(
                p, part, heard_in, previous_year=previous.get(p.label), exact=exact,
                agencies=source.agencies, settings=source.settings, as_of=source.as_of)
            if p in quarters_of(p.start.year):
                self.returns[p.label] = quarterly_return(p, part.meetings, heard_in,
                                                         source.agencies)
        self.hidden = closed_shares(facts.meetings, cases, source.agencies)

    def figures(self, kind: str, label: str) -> tuple[Figures, list[str]]:
        if kind == "indicators":
            return self.indicators[label], []
        ret = self.returns[label]
        return ret.figures, ret.rows
