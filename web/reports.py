"""The reports pages: an area's performance indicators and SafeLives return for a chosen
period, its figures as tables, the indicators' charts (the API's SVGs), the withheld figures
explained, and each report's CSV. Through the API's own use case (services/reports.py): the
same policy, the same audit record (the kind, period, disclosure and form asked for), the
same figures. Counts only: no case is named or linked.

A period's figures under disclosure control are released the first time they are asked for,
once the period has settled (services/report_releases.py): there is no separate step to
offer, so the page says when they were released."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.exceptions import DomainError
from services.report import WITHHELD, WITHHELD_MEANS, Chart, Kind, Report, flatten
from services.reports import ReportRequest, read_report, report_choices
from web.session import CurrentPerson, SignedIn, actor_of, layout, platform_of
from web.templates import PAGE_HEADERS, render

router = APIRouter(include_in_schema=False)

KINDS: dict[Kind, str] = {"indicators": "Performance indicators",
                          "safelives_return": "SafeLives quarterly return"}
Disclosure = Literal["controlled", "exact"]
DISCLOSURES: dict[Disclosure, str] = {
    "controlled": "Released figures, small counts withheld",
    "exact": "Exact figures, for compiling a return"}
# As the API's query bounds a period (api/routes/reports.py `PeriodQuery`).
MAX_PERIOD = 10
# The service's refusals of a period, shown at the period field; the message is the service's
# own (it names the rule, never a case).
PERIOD_REFUSALS = frozenset({"invalid_report_period"})


DateParts = tuple[str, str, str]
NO_DATE: DateParts = ("", "", "")


def _day(parts: DateParts) -> date | None:
    """A GOV.UK date input's day, month and year as a date (None: not a real date)."""
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


@dataclass(frozen=True)
class ReportChoice:
    """Which report the page was asked for, and what is wrong with the asking. A period
    (2026-Q1) or, for exact figures, a range of days from `start` to `end` (each as the
    date input's day, month and year)."""

    kind: Kind = "indicators"
    period: str = ""
    disclosure: Disclosure = "controlled"
    errors: dict[str, str] = field(default_factory=dict)
    start: DateParts = NO_DATE
    end: DateParts = NO_DATE

    @classmethod
    def of(cls, request: Request) -> ReportChoice:
        given = request.query_params

        def parts(prefix: str) -> DateParts:
            return (given.get(f"{prefix}-day", "").strip(),
                    given.get(f"{prefix}-month", "").strip(),
                    given.get(f"{prefix}-year", "").strip())

        kind_text = given.get("report", "indicators")
        period = (given.get("period") or "").strip()
        disclosure_text = given.get("disclosure", "controlled")
        start, end = parts("start"), parts("end")
        ranged = any(start + end)
        errors: dict[str, str] = {}
        kind: Kind = "indicators"
        if kind_text == "safelives_return":
            kind = "safelives_return"
        elif kind_text != "indicators":
            errors["report"] = "Select the indicators or the SafeLives return"
        disclosure: Disclosure = "exact" if disclosure_text == "exact" else "controlled"
        if disclosure_text not in DISCLOSURES:
            errors["disclosure"] = "Select released or exact figures"
        if ranged:
            if period:
                errors["period"] = "Choose a period or a range of days, not both"
            for name, day in (("start", start), ("end", end)):
                if _day(day) is None:
                    errors[f"{name}-day"] = (f"The {name} of the range must be a real date, "
                                             "like 1 4 2026")
        elif "period" in given and not period:
            errors["period"] = "Select the period the report covers"
        elif len(period) > MAX_PERIOD:
            errors["period"] = ("Enter a month (2026-03), a quarter (2026-Q1) or a year "
                                "(2026)")
        return cls(kind, period, disclosure, errors, start, end)

    @property
    def ranged(self) -> bool:
        return any(self.start + self.end)

    @property
    def asked(self) -> bool:
        return (bool(self.period) or self.ranged) and not self.errors

    def query(self, **changes: str) -> str:
        """The query string of this report (its CSV's, its charts'): no personal data in it."""
        chosen: dict[str, str] = {"report": self.kind, "period": self.period,
                                  "disclosure": self.disclosure}
        if self.ranged:
            for prefix, day in (("start", self.start), ("end", self.end)):
                chosen |= dict(zip((f"{prefix}-day", f"{prefix}-month", f"{prefix}-year"),
                                   day, strict=True))
        return urlencode({**chosen, **changes})

    def request(self, form: str, kind: Kind | None = None) -> ReportRequest:
        return ReportRequest(kind or self.kind, period=self.period or None,
                             start=_day(self.start), end=_day(self.end),
                             disclosure=self.disclosure, form=form)

    def refused(self, message: str) -> ReportChoice:
        """The service's refusal of the period (or range), at its field."""
        where = "start-day" if self.ranged and not self.period else "period"
        return ReportChoice(self.kind, self.period, self.disclosure,
                            {where: message[:1].upper() + message[1:]}, self.start, self.end)


@dataclass(frozen=True)
class FigureRow:
    """One figure as the page's table shows it: its path in the report (the API's keys),
    its label, and its value as text."""

    path: str
    label: str
    value: str
    withheld: bool


def label_of(key: str, agencies: dict[str, str]) -> str:
    """A figure's key as people read it: an agency by its name, `cases_heard` as words."""
    if key in agencies:
        return agencies[key]
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:]


def shown(value: object) -> str:
    """A figure as text: a count as it is, a rate to one decimal place, the withheld mark,
    or a dash where there was nothing to divide by."""
    if value is None:
        return "none to divide by"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def figure_groups(report: Report) -> list[tuple[str, list[FigureRow]]]:
    """The figures by their first key (a group per indicator), in the report's order."""
    agencies = dict(report.area.agencies)
    groups: dict[str, list[FigureRow]] = {}
    for path, value in flatten(report.figures):
        rows = groups.setdefault(path[0], [])
        label = ", ".join(label_of(k, agencies) for k in path[1:]) or label_of(path[0],
                                                                              agencies)
        rows.append(FigureRow(".".join(path), label, shown(value), value == WITHHELD))
    return [(label_of(k, agencies), rows) for k, rows in groups.items()]


def withheld_labels(report: Report) -> list[str]:
    agencies = dict(report.area.agencies)
    return [", ".join(label_of(k, agencies) for k in path)
            for path in report.withheld_figures()]


@router.get("/reports")
def reports_page(request: Request, person: CurrentPerson) -> Response:
    choice = ReportChoice.of(request)
    if not choice.asked:
        return _page(request, person, choice, None, status=400 if choice.errors else 200)
    try:
        report = read_report(platform_of(request), actor_of(request, person),
                             choice.request("json"))
    except DomainError as refused:
        if refused.code not in PERIOD_REFUSALS:
            raise
        # As the API answers it: 422, the rule's own words at the period's field.
        return _page(request, person, choice.refused(str(refused)), None, status=422)
    return _page(request, person, choice, report)


@router.get("/reports/download")
def download(request: Request, person: CurrentPerson) -> Response:
    """The report's CSV: the API's own (`format=csv`), by the same use case and file name."""
    choice = ReportChoice.of(request)
    if not choice.asked:
        return _page(request, person, choice, None, status=400)
    report = read_report(platform_of(request), actor_of(request, person),
                         choice.request("csv"))
    name = f"{report.kind}-{report.area.code}-{report.period.label}".replace(" ", "_")
    return Response(report.to_csv(), media_type="text/csv", headers={
        **PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/reports/charts/{chart}.svg")
def chart(request: Request, chart: str, person: CurrentPerson) -> Response:
    """An indicators chart as SVG, as the API draws it (asked as `chart:<name>`)."""
    choice = ReportChoice.of(request)
    if chart not in get_args(Chart) or not choice.asked:
        return Response("Not found", status_code=404, media_type="text/plain",
                        headers=PAGE_HEADERS)
    report = read_report(platform_of(request), actor_of(request, person),
                         choice.request(f"chart:{chart}", "indicators"))
    return Response(report.chart(chart), media_type="image/svg+xml", headers=PAGE_HEADERS)


def _page(request: Request, person: SignedIn, choice: ReportChoice, report: Report | None,
          *, status: int = 200) -> Response:
    offered = report_choices(platform_of(request), actor_of(request, person))
    return render("reports/page.html", {
        **layout(person, "reports"), "choice": choice, "report": report, "kinds": KINDS,
        "disclosures": DISCLOSURES, "exact_offered": offered.exact,
        "periods": {"Quarters": offered.quarters, "Months": offered.months,
                    "Years": offered.years},
        "groups": figure_groups(report) if report else [],
        "withheld": withheld_labels(report) if report else [],
        "withheld_mark": WITHHELD, "withheld_means": WITHHELD_MEANS,
        "chart_titles": CHART_TITLES,
    }, status_code=status)


CHART_TITLES = {"monthly_trend": "Cases heard per month",
                "referrals_by_agency": "Referrals by agency"}
