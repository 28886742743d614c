"""The reports use case: an area's performance indicators and SafeLives return, asked for by a
person through the API or by an operator at the command line (`marac report`). Counts only:
no case is named or linked. The figures themselves are made in services/report_figures.py,
and released under disclosure control by services/report_releases.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from projections.figures import WITHHELD
from projections.indicators import Period
from projections.publication import quarters_of
from security.identity import Principal
from security.policy import may_read_exact_figures, may_read_reports
from services.actor import Actor
from services.platform import Platform
from services.report import Kind, Report, ReportArea
from services.report_figures import PeriodFigures, ReportSource, area_agencies
from services.report_periods import InvalidReportPeriod, ended_periods, period_of
from services.report_releases import release
from services.system import SystemJob

Disclosure = Literal["controlled", "exact"]


@dataclass(frozen=True)
class ReportRequest:
    """Which report: its kind, the area (the caller's by default), the period (a month,
    quarter or year, or a start and end), the disclosure, and the form it is asked in
    (`json`, `csv`, `chart:<name>`), which the audit record names."""

    kind: Kind
    area_id: UUID | None = None
    period: str | None = None
    start: date | None = None
    end: date | None = None
    disclosure: Disclosure = "controlled"
    form: str = "json"


def reads_reports(principal: Principal) -> bool:
    """Whether the person reads their area's reports (the pages offer them to those only)."""
    return principal.area_id is not None and may_read_reports(principal, principal.area_id)


def reads_exact_figures(principal: Principal) -> bool:
    """Whether the person may ask for exact figures (the report page offers the choice)."""
    return (principal.area_id is not None
            and may_read_exact_figures(principal, principal.area_id))


@dataclass(frozen=True)
class ReportChoices:
    """What a person may choose a report from: the latest ended months, quarters and years,
    and whether exact figures are theirs to ask for."""

    months: tuple[str, ...]
    quarters: tuple[str, ...]
    years: tuple[str, ...]
    exact: bool


def report_choices(platform: Platform, actor: Actor) -> ReportChoices:
    """For the people who read reports (the others are refused, and recorded as refused, as
    asking for a report is); no figure is read, so no read is recorded."""
    p = actor.principal
    if not reads_reports(p):
        actor.deny("report", "Reports are for the area's coordinators, chairs, strategic leads "
                   "and performance officers", area_id=p.area_id)
    months, quarters, years = ended_periods(platform.marac.today())
    return ReportChoices(months, quarters, years, reads_exact_figures(p))


def _items(asked: ReportRequest, label: str) -> tuple[str, ...]:
    # What was asked for, and how: no case, and nothing about anyone, is in it.
    return (f"{asked.kind}:{label}:{asked.disclosure}:{asked.form}",)


def read_report(platform: Platform, actor: Actor, asked: ReportRequest) -> Report:
    """Who may ask is decided from the caller's standing and the request alone: no answer,
    refusal or error code here depends on which cases a report counts."""
    p = actor.principal
    area = asked.area_id or p.area_id
    span = period_of(asked.period, asked.start, asked.end)
    items = _items(asked, span.label)
    # Refusals are recorded in the area asked about, so that its DPO sees the attempt.
    if area is None or not may_read_reports(p, area):
        actor.deny("report", "Reports are for the area's coordinators, chairs, strategic leads "
                   "and performance officers", items=items, area_id=area)
    exact = asked.disclosure == "exact"
    actor.require(not exact or may_read_exact_figures(p, area), "report",
                  "Exact figures are for the area's performance officers", items=items,
                  area_id=area, code="exact_figures_forbidden")
    actor.audit.record("report", "allowed", items=items, area_id=area)
    return build_report(platform, asked.kind, area, span, exact=exact)


def operator_report(platform: Platform, job: SystemJob, asked: ReportRequest) -> Report:
    """A report for an operator at the command line, who holds the platform's keys and so
    asks no policy; recorded like a person's, with the operator as the actor, before
    anything is shown: no record, no report."""
    if asked.area_id is None:
        raise ValueError("an operator's report names its area")
    platform.marac.get_area(asked.area_id)  # an unknown area is refused before anything
    span = period_of(asked.period, asked.start, asked.end)
    report = build_report(platform, asked.kind, asked.area_id, span,
                          exact=asked.disclosure == "exact")
    job.step().audit.record("report", "allowed", items=_items(asked, span.label),
                            area_id=asked.area_id)
    return report


def build_report(platform: Platform, kind: Kind, area_id: UUID, period: Period, *,
                 exact: bool) -> Report:
    """The report from the reporting facts, caught up first so that it counts every event
    recorded before the request. Exact figures are computed for the period alone; under
    disclosure control the figures are the period's release."""
    if kind == "safelives_return" and period not in quarters_of(period.start.year):
        raise InvalidReportPeriod("the SafeLives return is quarterly: give a quarter, 2026-Q1")
    area = platform.marac.get_area(area_id)
    settings = area.settings
    agencies = area_agencies(platform, area_id)
    about = ReportArea(area_id, area.code, area.name, settings.model,
                       {a.code: a.name for a in agencies.values()})
    if exact:
        platform.report_runner.catch_up()
        source = ReportSource(platform, area_id, settings, agencies)
        earlier = period.year_earlier()
        previous = platform.reports.discussions_in(area_id, earlier.start, earlier.end)
        figures, rows = PeriodFigures(source, [period], {period.label: previous},
                                      exact=True).figures(kind, period.label)
        published, _ = figures.publish(frozenset(), WITHHELD)
        return Report(kind, about, period, source.as_of, None, published, 0, tuple(rows))
    released = release(platform, area_id, kind, period, settings=settings, agencies=agencies)
    return Report(kind, about, period, released.as_of, released.threshold, released.figures,
                  released.withheld, released.rows, released.released_at)
