"""`marac report`: an area's indicators or SafeLives return as JSON or CSV, with its charts.

An operator's report is audited like a user's, with the operator's login as the actor."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path
from uuid import uuid4

from api.bootstrap import build_platform
from api.commands.common import platform_options, settings_from
from api.reports import CHARTS, InvalidReportPeriod, Kind, build_report, period_of
from audit.trail import AuditRecord
from domain.area import Area


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="performance indicators and the SafeLives return")
    platform_options(p)
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
        area_id = Area.create_id(args.area)
        platform.marac.get_area(area_id)
        period = period_of(args.period, args.start, args.end)
        kind: Kind = "indicators" if args.kind == "indicators" else "safelives_return"
        mode = "exact" if args.exact else "controlled"
        report = build_report(platform, kind, area_id, period, exact=args.exact)
        # Written before anything is shown, as for the API: no record, no report.
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=f"cli:{getpass.getuser()}", actor_kind="system",
            agency_id=None, client_id=None, roles=(), action="report", purpose=None,
            case_id=None, outcome="allowed", at=platform.now(), area_id=area_id,
            item_ids=(f"{kind}:{period.label}:{mode}:{args.format}",)))
        if args.format == "csv":
            sys.stdout.write(report.to_csv())
        else:
            print(json.dumps(report.to_json(), indent=2))
        if args.charts is not None:
            if kind != "indicators":
                raise InvalidReportPeriod("charts come with the indicators report")
            args.charts.mkdir(parents=True, exist_ok=True)
            for chart in CHARTS:
                (args.charts / f"{chart}.svg").write_text(report.chart(chart))
    finally:
        platform.close()
    return 0
