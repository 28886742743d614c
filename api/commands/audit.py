"""`marac audit`: verify the trail and its checkpoints, or sign a checkpoint now."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.bootstrap import build_platform
from api.commands.common import platform_options, settings_from
from audit.checkpoints import CheckpointLog, key_id, parse_public_key
from audit.trail import AuditTrail
from audit.verify import verify
from storage.database import Database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit trail")
    platform_options(p)
    a = p.add_subparsers(dest="audit_command", required=True)
    v = a.add_parser("verify", help="check every record and checkpoint; non-zero on any fault "
                                    "(needs no key: only public keys)")
    v.add_argument("--checkpoints", type=Path, default=None,
                   help="exported checkpoints to check against (default: the configured dir)")
    v.add_argument("--public-key", action="append", default=[], metavar="HEX_OR_FILE",
                   help="a checkpoint public key you trust (64 hex digits, or a file holding "
                        "them; repeatable); default: the keys the export carries")
    a.add_parser("checkpoint", help="sign a checkpoint of the trail as it stands")
    p.set_defaults(run=run)


def _public_key(value: str) -> bytes:
    path = Path(value)
    return parse_public_key(path.read_text(encoding="utf-8") if path.is_file() else value)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.audit_command == "checkpoint":
        platform = build_platform(settings)
        try:
            checkpoint = platform.checkpoints.issue()
            print(json.dumps({"size": checkpoint.size if checkpoint else None}))
            return 0
        finally:
            platform.close()
    try:
        keys = [_public_key(v) for v in args.public_key]
    except (ValueError, OSError):
        print(json.dumps({"code": "invalid_public_key"}))
        return 2
    # Verification reads the records and the checkpoints only: no key material is loaded.
    database = Database(settings.database_url)
    try:
        trail = AuditTrail(database)
        report = verify(trail, CheckpointLog(trail),
                        args.checkpoints or settings.audit_checkpoint_dir,
                        {key_id(k): k for k in keys} or None)
        print(json.dumps(report.to_dict(), indent=2))
        return 0 if report.ok else 1
    finally:
        database.close()
