"""/api/v1/reports: an area's performance indicators and SafeLives return, for its
coordinators, chairs, strategic leads and performance officers. Counts only: no case is named
or linked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import CurrentActor, CurrentPlatform
from api.errors import AUTHENTICATED
from api.report_schemas import ReportView
from api.schemas import IsoDate
from services.report import Chart, Kind, Report
from services.reports import ReportRequest, read_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=AUTHENTICATED)

PeriodQuery = Annotated[str | None, Query(max_length=10,
                                          description="a month (2026-03), a quarter (2026-Q1) "
                                                      "or a year (2026)")]
Disclosure = Annotated[Literal["controlled", "exact"], Query(
    description="`controlled` withholds small counts (the area's threshold) so that no one "
                "can be picked out; `exact` (and any custom range) is for the area's performance "
                "officers compiling a return")]
Format = Annotated[Literal["json", "csv"], Query(alias="format")]


@dataclass
class ReportQuery:
    """Which report: the area (the caller's by default), the period, and the disclosure."""

    area_id: UUID | None = None
    period: PeriodQuery = None
    start: IsoDate | None = None
    end: IsoDate | None = None
    disclosure: Disclosure = "controlled"


Asked = Annotated[ReportQuery, Depends()]


def _report(kind: Kind, asked: ReportQuery, actor: CurrentActor, platform: CurrentPlatform,
            form: str) -> Report:
    return read_report(platform, actor, ReportRequest(
        kind, asked.area_id, asked.period, asked.start, asked.end, asked.disclosure, form))


def _respond(report: Report, export: str) -> ReportView | Response:
    if export == "csv":
        name = f"{report.kind}-{report.area.code}-{report.period.label}".replace(" ", "_")
        return Response(report.to_csv(), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return ReportView.of(report)


# JSON by default, the same figures as CSV with `format=csv`.
AS_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {
    "text/csv": {"schema": {"type": "string"}}}}}


@router.get("/indicators", response_model=ReportView, responses=AS_CSV)
def view_indicators(*, asked: Asked, actor: CurrentActor, platform: CurrentPlatform,
                    export: Format = "json") -> ReportView | Response:
    """The West Midlands framework indicators for a month, quarter, year or custom range."""
    report = _report("indicators", asked, actor, platform, export)
    return _respond(report, export)


@router.get("/safelives-return", response_model=ReportView, responses=AS_CSV)
def view_safelives_return(*, asked: Asked, actor: CurrentActor, platform: CurrentPlatform,
                          export: Format = "json") -> ReportView | Response:
    """SafeLives' quarterly return: a line per meeting, and the total."""
    report = _report("safelives_return", asked, actor, platform, export)
    return _respond(report, export)


@router.get("/indicators/charts/{chart}.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                             "description": "The chart, as SVG"}})
def view_indicator_chart(chart: Annotated[Chart, Path()], *, asked: Asked, actor: CurrentActor,
                         platform: CurrentPlatform) -> Response:
    """A chart of the indicators (monthly trend, referrals by agency) as SVG."""
    report = _report("indicators", asked, actor, platform, f"chart:{chart}")
    return Response(report.chart(chart), media_type="image/svg+xml")
