"""Performance reports for an area and period: the West Midlands indicators and the SafeLives
quarterly return, as JSON, CSV and charts, with disclosure control. The use case that asks
the policy and audits the request is services/reports.py."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal, get_args
from uuid import UUID

from domain.area import AreaSettings
from domain.exceptions import DomainError
from projections.figures import WITHHELD, WITHHELD_MEANS, Figures
from projections.indicators import AgencyInfo, Heard, Period, heard, indicators
from projections.publication import (
    months_in,
    quarters_of,
    standard_periods,
    withheld_in_quarter,
    year_from_quarters,
    year_of,
)
from projections.releases import Release
from projections.reporting import Facts
from projections.safelives import Return, closed_shares, quarterly_return, to_csv
from services.charts import breakdown_svg, trend_svg
from services.platform import Platform

Kind = Literal["indicators", "safelives_return"]
Chart = Literal["monthly_trend", "referrals_by_agency"]
CHARTS: tuple[str, ...] = get_args(Chart)
# A custom range is at most this long: reports are per month, quarter or year.
LONGEST_RANGE = timedelta(days=3 * 366)
# The years a report may cover (a year earlier is compared, and MARACs began in 2003).
FIRST_YEAR, LAST_YEAR = 2000, 2999


class InvalidReportPeriod(DomainError):
    code = "invalid_report_period"


def period_of(period: str | None, start: date | None, end: date | None) -> Period:
    """`2026-03` (a month), `2026-Q1` (a calendar quarter), `2026` (a year), or a custom
    `start`..`end` range (both days included)."""
    for day in (start, end):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidReportPeriod(f"reports cover {FIRST_YEAR} to {LAST_YEAR}")
    if period is not None and (start or end):
        raise InvalidReportPeriod("give a period or a start and end, not both")
    if period is None:
        if start is None or end is None:
            raise InvalidReportPeriod("give a period (2026-03, 2026-Q1, 2026) or start and end")
        if end < start or end - start > LONGEST_RANGE:
            raise InvalidReportPeriod("a range ends after it starts and spans at most 3 years")
        return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        year, month = _year(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InvalidReportPeriod("a month is 01 to 12")
        first = date(year, month, 1)
        return Period(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1),
                      period)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        year, quarter = _year(m[1]), int(m[2])
        first = date(year, 3 * quarter - 2, 1)
        after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(first, after - timedelta(days=1), period)
    if re.fullmatch(r"\d{4}", period):
        year = _year(period)
        return Period(date(year, 1, 1), date(year, 12, 31), period)
    raise InvalidReportPeriod("a period is a month (2026-03), a quarter (2026-Q1) or a year")


def _year(text: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidReportPeriod(f"reports cover {FIRST_YEAR} to {LAST_YEAR}")
    return year


@dataclass(frozen=True)
class Report:
    kind: Kind
    area: dict[str, Any]
    period: Period
    as_of: date
    threshold: int | None  # None: exact figures
    figures: dict[str, Any]  # as published: withheld ones show WITHHELD
    withheld: int
    rows: list[str]
    released_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "report": self.kind,
            "area": self.area,
            "period": {"label": self.period.label, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat(), "days": self.period.days},
            "as_of": self.as_of.isoformat(),
            "released_at": self.released_at,
            "disclosure": {
                "controlled": self.threshold is not None,
                "threshold": self.threshold,
                "withheld_label": WITHHELD if self.threshold else None,
                "withheld_means": WITHHELD_MEANS if self.threshold else None,
                "withheld_figures": self.withheld,
            },
            "figures": self.figures,
        }

    def to_csv(self) -> str:
        figures = self.figures
        if self.kind == "safelives_return":
            return to_csv(self.area["code"], self.period, figures, self.rows)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["MARAC", "Period", "Indicator", "Value"])
        for path, value in _flatten(figures):
            writer.writerow([self.area["code"], self.period.label, ".".join(path),
                             "" if value is None else value])
        return out.getvalue()

    def chart(self, name: str) -> str:
        """A chart of the published (disclosure-controlled) figures: it shows no more than
        the table does."""
        figures, label = self.figures, WITHHELD

        def shown(value: Any) -> int | None:
            return value if isinstance(value, int) else None

        if name == "monthly_trend":
            return trend_svg(f"Cases heard per month, {self.area['name']}, {self.period.label}",
                             [(month, shown(v["cases_heard"]))
                              for month, v in figures["monthly"].items()],
                             withheld_label=label)
        if name == "referrals_by_agency":
            return breakdown_svg(f"Referrals by agency, {self.area['name']}, "
                                 f"{self.period.label}",
                                 [(self.area["agencies"].get(code, code), shown(v))
                                  for code, v in figures["referrals"]["by_agency"].items()],
                                 withheld_label=label)
        raise InvalidReportPeriod(f"a chart is one of {CHARTS}")


def _flatten(node: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                             Any]]:
    rows: list[tuple[tuple[str, ...], Any]] = []
    for key, value in node.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, (*prefix, key)))
        else:
            rows.append(((*prefix, key), value))
    return rows


def build_report(platform: Platform, kind: Kind, area_id: UUID, period: Period, *,
                 exact: bool) -> Report:
    """The report from the reporting facts, caught up first so that it counts every event
    recorded before the request. Exact figures are computed for the period alone. Under
    disclosure control figures are released once and then served as released: a quarter
    with its months and its return, once it has ended and settled, suppressed together
    (projections/publication.py); a year from its four released quarters."""
    if kind == "safelives_return" and period not in quarters_of(period.start.year):
        raise InvalidReportPeriod("the SafeLives return is quarterly: give a quarter, 2026-Q1")
    area = platform.marac.get_area(area_id)
    settings = area.settings
    agencies = area_agencies(platform, area_id)
    about = {"id": str(area_id), "code": area.code, "name": area.name, "model": settings.model,
             "agencies": {a.code: a.name for a in agencies.values()}}
    if exact:
        platform.report_runner.catch_up()
        source = _Source(platform, area_id, settings, agencies)
        earlier = period.year_earlier()
        previous = platform.reports.discussions_in(area_id, earlier.start, earlier.end)
        figures, rows = _Periods(source, [period], {period.label: previous}, exact=True).figures(
            kind, period.label)
        published, _ = figures.publish(frozenset(), WITHHELD)
        return Report(kind, about, period, source.as_of, None, published, 0, rows)
    released = release(platform, area_id, kind, period)
    return Report(kind, about, period, released.as_of, released.threshold, released.figures,
                  released.withheld, list(released.rows), released.released_at.isoformat())


def release(platform: Platform, area_id: UUID, kind: str, period: Period) -> Release:
    """The period's release under disclosure control, made now if it has not been."""
    kept = platform.releases.get(area_id, kind, period.label)
    if kept is not None:
        return kept
    if period not in standard_periods(period.start.year):
        raise InvalidReportPeriod("with disclosure control a report covers a month, a quarter "
                                  "or a year; custom ranges are for exact figures (performance "
                                  "officers)")
    settings = platform.marac.get_area(area_id).settings
    released_by = period if period == year_of(period.start.year) else next(
        q for q in quarters_of(period.start.year) if q.start <= period.start <= q.end)
    if platform.marac.today() <= released_by.end + timedelta(days=settings.report_settle_days):
        raise InvalidReportPeriod(
            f"{period.label} is released with {released_by.label}, "
            f"{settings.report_settle_days} days after it ends, once late records have "
            "settled; until then, exact figures are for the performance officers")
    platform.report_runner.catch_up()
    source = _Source(platform, area_id, settings, area_agencies(platform, area_id))
    if released_by == period and period.label.isdigit():
        _release_year(platform, source, period)
    else:
        _release_quarter(platform, source, released_by)
    kept = platform.releases.get(area_id, kind, period.label)
    if kept is None:  # pragma: no cover - a release keeps every report of its period
        raise InvalidReportPeriod(f"{period.label} could not be released")
    return kept


def _earlier_totals(platform: Platform, area_id: UUID,
                    periods: list[Period]) -> dict[str, int | str | None]:
    """Cases heard in the same period a year earlier, as its release showed them (None if
    it was never released: a comparison made up now could contradict a later release)."""
    found: dict[str, int | str | None] = {}
    for p in periods:
        kept = platform.releases.get(area_id, "indicators", p.year_earlier_label)
        found[p.label] = kept.figures["cases_heard"]["total"] if kept else None
    return found


def _release_quarter(platform: Platform, source: _Source, quarter: Period) -> None:
    periods = [*months_in(quarter), quarter]
    computed = _Periods(source, periods, _earlier_totals(platform, source.area_id, periods),
                        exact=False)
    threshold = source.settings.suppress_below
    withheld = withheld_in_quarter(computed.indicators, computed.returns[quarter.label],
                                   computed.hidden, quarter, threshold)
    bodies: dict[tuple[str, str], Release] = {}
    for p in periods:
        for kind in ("indicators", "safelives_return") if p == quarter else ("indicators",):
            figures, rows = computed.figures(kind, p.label)
            published, hidden = figures.publish(withheld.get((kind, p.label), frozenset()),
                                                WITHHELD)
            bodies[(kind, p.label)] = _body(platform, source, published, hidden=hidden,
                                            rows=rows)
    platform.releases.put(source.area_id, platform.now(), bodies)


def _release_year(platform: Platform, source: _Source, year: Period) -> None:
    quarters = [release(platform, source.area_id, "indicators", q)
                for q in quarters_of(year.start.year)]
    computed = _Periods(source, [year], _earlier_totals(platform, source.area_id, [year]),
                        exact=False)
    published = year_from_quarters(computed.indicators[year.label],
                                   [q.figures for q in quarters])
    hidden = sum(1 for _, v in _flatten(published) if v == WITHHELD)
    body = _body(platform, source, published, hidden=hidden, rows=[])
    platform.releases.put(source.area_id, platform.now(), {("indicators", year.label): body})


def _body(platform: Platform, source: _Source, published: dict[str, Any], *, hidden: int,
          rows: list[str]) -> Release:
    return Release(source.as_of, platform.now(), source.settings.suppress_below, published,
                   hidden, tuple(rows))


def area_agencies(platform: Platform, area_id: UUID) -> dict[UUID, AgencyInfo]:
    """The area's agencies, by code (configuration is small: read from the log)."""
    return {a.id: AgencyInfo(a.code, a.name, a.agency_type)
            for a in sorted(platform.marac.agencies(), key=lambda a: a.code)
            if a.area_id == area_id}


class _Source:
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
        referrals = self.platform.reports.referrals_of(
            sorted({d.referral_case_id for d in facts.discussions}, key=str))
        return facts, heard(facts, referrals, self.agencies)


class _Periods:
    """The figures of some periods (and of the quarters' returns) from one read of facts."""

    def __init__(self, source: _Source, periods: list[Period],
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
