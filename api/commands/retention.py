"""`marac retention`: erase cases past their retention period; the record of processing."""

from __future__ import annotations

import argparse
import json

from api.bootstrap import build_platform
from api.commands.common import settings_from
from api.dpo_schemas import RecordOfProcessing
from api.progress import Progress
from api.retention import erase_expired_subject_access, run_retention
from services.processing_record import record_of_processing


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("retention", help="retention and the record of processing")
    r = p.add_subparsers(dest="retention_command", required=True)
    run_parser = r.add_parser("run", help="erase every case past its area's retention period, "
                              "and the identifiers of subject access requests past theirs")
    run_parser.add_argument("--dry-run", action="store_true", help="list, erase nothing")
    r.add_parser("record-of-processing", help="print the Article 30 record as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    platform = build_platform(settings_from(args))
    try:
        if args.retention_command == "run":
            platform.runner.catch_up()
            today = platform.marac.today()
            # A dry run erases nothing: no progress to show.
            shown = not args.dry_run
            cases = Progress("retention run (cases)", "cases erased") if shown else None
            erased = run_retention(platform, today, dry_run=args.dry_run, progress=cases)
            if cases is not None:
                cases.finish()
            sars = (Progress("retention run (subject access requests)", "requests erased")
                    if shown else None)
            requests = erase_expired_subject_access(platform, today, dry_run=args.dry_run,
                                                    progress=sars)
            if sars is not None:
                sars.finish()
            key = "would_erase" if args.dry_run else "erased"
            print(json.dumps({key: [str(c) for c in erased],
                              f"subject_access_requests_{key}": [str(r) for r in requests]}))
        else:
            print(RecordOfProcessing.model_validate(record_of_processing(platform))
                  .model_dump_json(indent=2))
    finally:
        platform.close()
    return 0
