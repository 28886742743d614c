"""A report's period, as asked for: a month, a calendar quarter, a year, or a custom range of
days, within the years reports cover."""

from __future__ import annotations

import re
from datetime import date, timedelta

from domain.exceptions import DomainError
from projections.indicators import Period

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


def ended_periods(today: date, *, months: int = 12, quarters: int = 8,
                  years: int = 3) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The latest months, quarters and years that have ended by `today`, latest first, as
    `period_of` reads them: what a report page offers to choose from (a period is released
    some days after it ends; asking too soon is answered with the day it will be)."""
    month = (today.year, today.month)

    def back(year: int, m: int, by: int) -> tuple[int, int]:
        index = year * 12 + (m - 1) - by
        return index // 12, index % 12 + 1

    month_labels = tuple("{:04d}-{:02d}".format(*back(*month, n)) for n in range(1, months + 1))
    quarter = (today.year, (today.month - 1) // 3 + 1)
    quarter_labels = []
    for n in range(1, quarters + 1):
        index = quarter[0] * 4 + (quarter[1] - 1) - n
        quarter_labels.append(f"{index // 4:04d}-Q{index % 4 + 1}")
    year_labels = tuple(str(today.year - n) for n in range(1, years + 1))
    return month_labels, tuple(quarter_labels), year_labels
