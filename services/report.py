"""A performance report as it is answered: the West Midlands indicators or the SafeLives
quarterly return of an area and period, its disclosure, its figures as published, and the
same figures as CSV and charts (which show no more than the table does)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args
from uuid import UUID

from projections.figures import WITHHELD, WITHHELD_MEANS, Published, Value
from projections.indicators import Period
from projections.safelives import to_csv
from services.charts import breakdown_svg, trend_svg
from services.report_periods import InvalidReportPeriod

Kind = Literal["indicators", "safelives_return"]
Chart = Literal["monthly_trend", "referrals_by_agency"]
CHARTS: tuple[str, ...] = get_args(Chart)
# Named for the pages, which show what a withheld figure is and why it is withheld.
__all__ = ["CHARTS", "WITHHELD", "WITHHELD_MEANS", "Chart", "Kind", "Report", "ReportArea",
           "flatten", "group"]


@dataclass(frozen=True)
class ReportArea:
    """The area a report is about, and its agencies' names by code (for the charts)."""

    id: UUID
    code: str
    name: str
    model: str
    agencies: Mapping[str, str]


@dataclass(frozen=True)
class Report:
    kind: Kind
    area: ReportArea
    period: Period
    as_of: date
    threshold: int | None  # None: exact figures
    figures: Published  # withheld ones show WITHHELD
    withheld: int
    rows: tuple[str, ...]
    released_at: datetime | None = None

    def to_csv(self) -> str:
        if self.kind == "safelives_return":
            return to_csv(self.area.code, self.period, self.figures, self.rows)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["MARAC", "Period", "Indicator", "Value"])
        for path, value in flatten(self.figures):
            writer.writerow([self.area.code, self.period.label, ".".join(path),
                             "" if value is None else value])
        return out.getvalue()

    @property
    def charts(self) -> tuple[str, ...]:
        """The charts drawn of this report: the indicators have them, the return does not."""
        return CHARTS if self.kind == "indicators" else ()

    def withheld_figures(self) -> tuple[tuple[str, ...], ...]:
        """Which figures are withheld (by their path in `figures`), as the tables mark them."""
        return tuple(path for path, value in flatten(self.figures) if value == WITHHELD)

    def csv_table(self) -> list[list[str]]:
        """The CSV's lines as cells, its heading first: the page's table of the same figures."""
        return list(csv.reader(io.StringIO(self.to_csv())))

    def chart(self, name: str) -> str:
        """A chart of the published (disclosure-controlled) figures."""
        figures, label = self.figures, WITHHELD

        def shown(value: Value | Published) -> int | None:
            return value if isinstance(value, int) else None

        if name == "monthly_trend":
            return trend_svg(f"Cases heard per month, {self.area.name}, {self.period.label}",
                             [(month, shown(group(v)["cases_heard"]))
                              for month, v in group(figures["monthly"]).items()],
                             withheld_label=label)
        if name == "referrals_by_agency":
            by_agency = group(group(figures["referrals"])["by_agency"])
            return breakdown_svg(f"Referrals by agency, {self.area.name}, "
                                 f"{self.period.label}",
                                 [(self.area.agencies.get(code, code), shown(v))
                                  for code, v in by_agency.items()],
                                 withheld_label=label)
        raise InvalidReportPeriod(f"a chart is one of {CHARTS}")


def group(node: Value | Published) -> Published:
    """A group of figures (a month's, the referrals'), not a figure."""
    if not isinstance(node, Mapping):
        raise TypeError("a figure where a group of figures was expected")
    return node


def flatten(node: Published, prefix: tuple[str, ...] = ()
            ) -> list[tuple[tuple[str, ...], Value]]:
    rows: list[tuple[tuple[str, ...], Value]] = []
    for key, value in node.items():
        if isinstance(value, Mapping):
            rows.extend(flatten(value, (*prefix, key)))
        else:
            rows.append(((*prefix, key), value))
    return rows
