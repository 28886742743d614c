"""/api/v1/reports: an area's performance indicators and SafeLives return, for its
coordinators, chairs, strategic leads and performance officers. Counts only: no case is named
or linked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import Audit, CurrentPlatform, CurrentViewer
from api.casework import Forbidden
from api.errors import AUTHENTICATED
from api.reports import Chart, Kind, Report, build_report, period_of
from api.schemas import IsoDate
from security.policy import may_read_exact_figures, may_read_reports

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


def _report(kind: Kind, asked: ReportQuery, *, viewer: CurrentViewer, audit: Audit,
            platform: CurrentPlatform, what: str) -> Report:
    """Who may ask is decided from the caller's standing and the request alone: no answer,
    refusal or error code here depends on which cases a report counts."""
    p = viewer.principal
    area = asked.area_id or p.area_id
    span = period_of(asked.period, asked.start, asked.end)
    # What was asked for, and how: no case, and nothing about anyone, is in it.
    items = (f"{kind}:{span.label}:{asked.disclosure}:{what}",)
    if area is None or not may_read_reports(p, area):
        # In the area asked about, so that its DPO sees the attempt.
        audit.record("report", "denied", items=items, area_id=area)
        raise Forbidden("Reports are for the area's coordinators, chairs, strategic leads and "
                        "performance officers")
    exact = asked.disclosure == "exact"
    if exact and not may_read_exact_figures(p, area):
        audit.record("report", "denied", items=items, area_id=area)
        raise Forbidden("Exact figures are for the area's performance officers",
                        code="exact_figures_forbidden")
    audit.record("report", "allowed", items=items, area_id=area)
    return build_report(platform, kind, area, span, exact=exact)


def _respond(report: Report, export: str) -> Response:
    name = f"{report.kind}-{report.area['code']}-{report.period.label}".replace(" ", "_")
    if export == "csv":
        return Response(report.to_csv(), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(json.dumps(report.to_json()), media_type="application/json")


@router.get("/indicators")
def view_indicators(*, asked: Asked, viewer: CurrentViewer, audit: Audit,
                     platform: CurrentPlatform, export: Format = "json") -> Response:
    """The West Midlands framework indicators for a month, quarter, year or custom range."""
    report = _report("indicators", asked, viewer=viewer, audit=audit, platform=platform,
                     what=export)
    return _respond(report, export)


@router.get("/safelives-return")
def view_safelives_return(*, asked: Asked, viewer: CurrentViewer, audit: Audit,
                     platform: CurrentPlatform, export: Format = "json") -> Response:
    """SafeLives' quarterly return: a line per meeting, and the total."""
    report = _report("safelives_return", asked, viewer=viewer, audit=audit, platform=platform,
                     what=export)
    return _respond(report, export)


@router.get("/indicators/charts/{chart}.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                             "description": "The chart, as SVG"}})
def view_indicator_chart(chart: Annotated[Chart, Path()], *, asked: Asked, viewer: CurrentViewer,
                    audit: Audit, platform: CurrentPlatform) -> Response:
    """A chart of the indicators (monthly trend, referrals by agency) as SVG."""
    report = _report("indicators", asked, viewer=viewer, audit=audit, platform=platform,
                     what=f"chart:{chart}")
    return Response(report.chart(chart), media_type="image/svg+xml")
