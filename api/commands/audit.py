"""`marac audit`: verify the trail and its checkpoints, or sign a checkpoint now."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.bootstrap import build_platform
from api.commands.common import platform_options, settings_from
from audit.verify import verify


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit trail")
    platform_options(p)
    a = p.add_subparsers(dest="audit_command", required=True)
    v = a.add_parser("verify", help="check every record and checkpoint; non-zero on any fault")
    v.add_argument("--checkpoints", type=Path, default=None,
                   help="exported checkpoints to check against (default: the configured dir)")
    a.add_parser("checkpoint", help="sign a checkpoint of the trail as it stands")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    platform = build_platform(settings_from(args))
    try:
        if args.audit_command == "checkpoint":
            checkpoint = platform.checkpoints.issue()
            print(json.dumps({"size": checkpoint.size if checkpoint else None}))
            return 0
        export_dir = args.checkpoints or platform.settings.audit_checkpoint_dir
        report = verify(platform.audit, platform.checkpoints, export_dir)
        print(json.dumps(report.to_dict(), indent=2))
        return 0 if report.ok else 1
    finally:
        platform.close()
