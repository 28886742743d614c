"""Reports under disclosure control are released once and then served as released: a quarter
with its months and its return, once it has ended and settled, suppressed together
(projections/publication.py); a year from its four released quarters."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.area import AreaSettings
from projections.figures import WITHHELD, Published
from projections.indicators import AgencyInfo, Period, indicators
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
from services.platform import Platform
from services.report import flatten, group
from services.report_figures import PeriodFigures, ReportSource
from services.report_periods import InvalidReportPeriod


def release(platform: Platform, area_id: UUID, kind: str, period: Period, *,
            settings: AreaSettings, agencies: dict[UUID, AgencyInfo]) -> Release:
    """The period's release under disclosure control, made now if it has not been, for the
    area with these settings and agencies (the caller has read them for the report)."""
    kept = platform.releases.get(area_id, kind, period.label)
    if kept is not None:
        return kept
    if period not in standard_periods(period.start.year):
        raise InvalidReportPeriod("with disclosure control a report covers a month, a quarter "
                                  "or a year; custom ranges are for exact figures (performance "
                                  "officers)")
    released_by = period if period == year_of(period.start.year) else next(
        q for q in quarters_of(period.start.year) if q.start <= period.start <= q.end)
    if platform.marac.today() <= released_by.end + timedelta(days=settings.report_settle_days):
        raise InvalidReportPeriod(
            f"{period.label} is released with {released_by.label}, "
            f"{settings.report_settle_days} days after it ends, once late records have "
            "settled; until then, exact figures are for the performance officers")
    platform.report_runner.catch_up()
    source = ReportSource(platform, area_id, settings, agencies)
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
        total = group(kept.figures["cases_heard"])["total"] if kept else None
        # A total is a count, or the withheld label where it was suppressed.
        found[p.label] = total if isinstance(total, int | str) else None
    return found


def _release_quarter(platform: Platform, source: ReportSource, quarter: Period) -> None:
    periods = [*months_in(quarter), quarter]
    computed = PeriodFigures(source, periods,
                             _earlier_totals(platform, source.area_id, periods), exact=False)
    threshold = source.settings.suppress_below
    withheld = withheld_in_quarter(computed.indicators, computed.returns[quarter.label],
                                   computed.hidden, quarter, threshold)
    releases: dict[tuple[str, str], Release] = {}
    for p in periods:
        for kind in ("indicators", "safelives_return") if p == quarter else ("indicators",):
            figures, rows = computed.figures(kind, p.label)
            published, hidden = figures.publish(withheld.get((kind, p.label), frozenset()),
                                                WITHHELD)
            releases[(kind, p.label)] = _released(platform, source, published, hidden, rows)
    platform.releases.put(source.area_id, platform.now(), releases)


def _release_year(platform: Platform, source: ReportSource, year: Period) -> None:
    quarters = [_quarter(platform, source, q) for q in quarters_of(year.start.year)]
    # The year's figures are its quarters' (year_from_quarters): counted again they could only
    # tell what the quarters withheld. So the year's own facts are not read; its figures are
    # laid out from none, which gives their places and the area's settings, nothing counted.
    earlier = _earlier_totals(platform, source.area_id, [year])
    layout = indicators(year, Facts.none(), [], previous_year=earlier[year.label], exact=False,
                        agencies=source.agencies, settings=source.settings, as_of=source.as_of)
    published = year_from_quarters(layout, [dict(q.figures) for q in quarters])
    hidden = sum(1 for _, v in flatten(published) if v == WITHHELD)
    kept = _released(platform, source, published, hidden, [])
    platform.releases.put(source.area_id, platform.now(),
                          {("indicators", year.label): kept})


def _quarter(platform: Platform, source: ReportSource, quarter: Period) -> Release:
    """The quarter's indicators as released, releasing it now if it has not been (it has
    settled: its year has)."""
    kept = platform.releases.get(source.area_id, "indicators", quarter.label)
    if kept is None:
        _release_quarter(platform, source, quarter)
        # Another process may have released it first: the first release stands.
        kept = platform.releases.get(source.area_id, "indicators", quarter.label)
    if kept is None:  # pragma: no cover - a release keeps every report of its period
        raise InvalidReportPeriod(f"{quarter.label} could not be released")
    return kept


def _released(platform: Platform, source: ReportSource, published: Published, hidden: int,
              rows: list[str]) -> Release:
    return Release(source.as_of, platform.now(), source.settings.suppress_below, published,
                   hidden, tuple(rows))
