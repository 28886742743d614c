"""Performance reports for an area and period: the West Midlands indicators and the SafeLives
quarterly return, as JSON, CSV and charts, with disclosure control. Served by the API and by
`marac report`; the caller decides who may ask (security/policy.py) and audits the request."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, get_args
from uuid import UUID

from api.bootstrap import Platform
from api.charts import breakdown_svg, trend_svg
from domain.area import AreaSettings
from domain.exceptions import DomainError
from projections.figures import Figures, Path
from projections.indicators import AgencyInfo, Heard, Period, heard, indicators
from projections.publication import quarters_of, standard_periods, withheld_in_year
from projections.reporting import Facts
from projections.safelives import Return, closed_shares, quarterly_return, to_csv

Kind = Literal["indicators", "safelives_return"]
Chart = Literal["monthly_trend", "referrals_by_agency"]
CHARTS: tuple[str, ...] = get_args(Chart)
# A custom range is at most this long: reports are per month, quarter or year.
LONGEST_RANGE = timedelta(days=3 * 366)


class InvalidReportPeriod(DomainError):
    code = "invalid_report_period"


def period_of(period: str | None, start: date | None, end: date | None) -> Period:
    """`2026-03` (a month), `2026-Q1` (a calendar quarter), `2026` (a year), or a custom
    `start`..`end` range (both days included)."""
    if period is not None and (start or end):
        raise InvalidReportPeriod("give a period or a start and end, not both")
    if period is None:
        if start is None or end is None:
            raise InvalidReportPeriod("give a period (2026-03, 2026-Q1, 2026) or start and end")
        if end < start or end - start > LONGEST_RANGE:
            raise InvalidReportPeriod("a range ends after it starts and spans at most 3 years")
        return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InvalidReportPeriod("a month is 01 to 12")
        first = date(year, month, 1)
        return Period(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1),
                      period)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        year, quarter = int(m[1]), int(m[2])
        first = date(year, 3 * quarter - 2, 1)
        after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(first, after - timedelta(days=1), period)
    if re.fullmatch(r"\d{4}", period) and int(period) >= 1:
        return Period(date(int(period), 1, 1), date(int(period), 12, 31), period)
    raise InvalidReportPeriod("a period is a month (2026-03), a quarter (2026-Q1) or a year")


@dataclass(frozen=True)
class Report:
    kind: Kind
    area: dict[str, Any]
    period: Period
    as_of: date
    threshold: int | None  # None: exact figures
    figures: Figures
    withheld: frozenset[Path]
    rows: list[str]

    def published(self) -> tuple[dict[str, Any], int]:
        return self.figures.publish(self.withheld, f"<{self.threshold}")

    def to_json(self) -> dict[str, Any]:
        figures, withheld = self.published()
        return {
            "report": self.kind,
            "area": self.area,
            "period": {"label": self.period.label, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat(), "days": self.period.days},
            "as_of": self.as_of.isoformat(),
            "disclosure": {
                "controlled": self.threshold is not None,
                "threshold": self.threshold,
                "withheld_label": f"<{self.threshold}" if self.threshold else None,
                "withheld_figures": withheld,
            },
            "figures": figures,
        }

    def to_csv(self) -> str:
        figures, _ = self.published()
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
        figures, _ = self.published()
        label = f"<{self.threshold}" if self.threshold else "<5"

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
    recorded before the request. Exact figures are computed for the period alone; under
    disclosure control, for the period's whole calendar year at once
    (projections/publication.py), so that no two reports can be subtracted."""
    if kind == "safelives_return" and period not in quarters_of(period.start.year):
        raise InvalidReportPeriod("the SafeLives return is quarterly: give a quarter, 2026-Q1")
    if not exact and period not in standard_periods(period.start.year):
        raise InvalidReportPeriod("with disclosure control a report covers a month, a "
                                  "quarter or a year; custom ranges are for exact figures")
    platform.report_runner.catch_up()
    area = platform.marac.get_area(area_id)
    source = _Source(platform, area_id, area.settings)
    if exact:
        earlier = period.year_earlier()
        previous = platform.reports.discussions_in(area_id, earlier.start, earlier.end)
        year = _Year(source, period.start.year, {period.label: previous}, periods=[period])
        withheld: frozenset[Path] = frozenset()
    else:
        before = _Year(source, period.start.year - 1, {}, periods=None)
        published = before.published_totals(area.settings.suppress_below)
        # The same period a year earlier, as its own report published it.
        year = _Year(source, period.start.year, {
            p.label: published[e.label] for p, e in zip(
                standard_periods(period.start.year), standard_periods(period.start.year - 1),
                strict=True)}, periods=None)
        withheld = year.withheld(area.settings.suppress_below).get((kind, period.label),
                                                                   frozenset())
    if kind == "indicators":
        figures, rows = year.indicators[period.label], []
    else:
        ret = year.returns[period.label]
        figures, rows = ret.figures, ret.rows
    return Report(
        kind=kind,
        area={"id": str(area_id), "code": area.code, "name": area.name,
              "model": area.settings.model,
              "agencies": {a.code: a.name for a in source.agencies.values()}},
        period=period, as_of=source.as_of,
        threshold=None if exact else area.settings.suppress_below,
        figures=figures, withheld=withheld, rows=rows)


class _Source:
    """An area's reporting facts, read a year at a time."""

    def __init__(self, platform: Platform, area_id: UUID, settings: AreaSettings) -> None:
        self.platform = platform
        self.area_id = area_id
        self.settings = settings
        self.as_of = platform.marac.today()
        self.agencies = {a.id: AgencyInfo(a.code, a.name, a.agency_type)
                         for a in sorted(platform.marac.agencies(), key=lambda a: a.code)
                         if a.area_id == area_id}

    def facts(self, start: date, end: date) -> tuple[Facts, list[Heard]]:
        facts = self.platform.reports.facts(self.area_id, start, end)
        referrals = self.platform.reports.referrals_of(
            sorted({d.referral_case_id for d in facts.discussions}, key=str))
        return facts, heard(facts, referrals, self.agencies)


class _Year:
    """The figures of a calendar year's periods (or of the given ones) and returns."""

    def __init__(self, source: _Source, year: int, previous: dict[str, int | str], *,
                 periods: list[Period] | None) -> None:
        self.source, self.year = source, year
        exact = periods is not None
        periods = periods or standard_periods(year)
        start, end = min(p.start for p in periods), max(p.end for p in periods)
        facts, cases = source.facts(start, end)
        self.indicators: dict[str, Figures] = {}
        self.returns: dict[str, Return] = {}
        for p in periods:
            part = facts.within(p.start, p.end)
            heard_in = [c for c in cases if p.start <= c.discussion.heard_on <= p.end]
            self.indicators[p.label] = indicators(
                p, part, heard_in, previous_year=previous.get(p.label, 0), exact=exact,
                agencies=source.agencies, settings=source.settings, as_of=source.as_of)
            if p in quarters_of(p.start.year):
                self.returns[p.label] = quarterly_return(p, part.meetings, heard_in,
                                                         source.agencies)
        self.hidden = closed_shares(facts.meetings, cases, source.agencies)

    def withheld(self, threshold: int) -> dict[tuple[str, str], frozenset[Path]]:
        return withheld_in_year(self.indicators, self.returns, self.hidden, self.year,
                                threshold)

    def published_totals(self, threshold: int) -> dict[str, int | str]:
        """Each period's cases heard as its own report publishes them."""
        withheld = self.withheld(threshold)
        total = ("cases_heard", "total")
        return {label: f"<{threshold}" if total in withheld.get(("indicators", label), ())
                else f.counts[total] for label, f in self.indicators.items()}
