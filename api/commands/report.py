"""`marac report`: an area's indicators or SafeLives return as JSON or CSV, with its charts.

An operator's report is audited like a user's, with the operator's login as the actor."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from api.bootstrap import build_platform
from api.commands.common import settings_from
from api.report_schemas import ReportView
from domain.area import Area
from services.report import CHARTS, Kind
from services.report_periods import InvalidReportPeriod
from services.reports import ReportRequest, operator_report
from services.system import SystemJob, operator


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="performance indicators and the SafeLives return")
    p.add_argument("kind", choices=("indicators", "safelives-return"))
    p.add_argument("--area", required=True, help="the area's code")
    p.add_argument("--period", help="2026-03, 2026-Q1 or 2026")
    p.add_argument("--start", type=date.fromisoformat, help="custom range (exact figures)")
    p.add_argument("--end", type=date.fromisoformat)
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--exact", action="store_true",
                   help="no disclosure control (for compiling the return, not for sharing)")
    p.add_argument("--charts", type=Path, metavar="DIR",
                   help="also write the indicators' charts (SVG) into DIR")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    platform = build_platform(settings_from(args))
    try:
        kind: Kind = "indicators" if args.kind == "indicators" else "safelives_return"
        asked = ReportRequest(kind, Area.create_id(args.area), args.period, args.start,
                              args.end, "exact" if args.exact else "controlled", args.format)
        job = SystemJob.named(platform.audit, platform.now, operator(getpass.getuser()))
        report = operator_report(platform, job, asked)
        if args.format == "csv":
            sys.stdout.write(report.to_csv())
        else:
            print(ReportView.of(report).model_dump_json(indent=2))
        if args.charts is not None:
            if kind != "indicators":
                raise InvalidReportPeriod("charts come with the indicators report")
            args.charts.mkdir(parents=True, exist_ok=True)
            for chart in CHARTS:
                (args.charts / f"{chart}.svg").write_text(report.chart(chart))
    finally:
        platform.close()
    return 0
