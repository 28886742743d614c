"""`marac partnership`: the partnership's areas and agencies, set up and changed from its file
(`apply FILE`, idempotent) and listed (`list`). The operator acts as a system actor, recorded
in the audit trail under their login. Administrators do the same through the API."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from pathlib import Path

from api.bootstrap import build_platform
from api.commands.common import platform_options, settings_from
from services.errors import ServiceError
from services.partnership import apply_partnership, operator_listing
from services.partnership_file import PartnershipFileError, read_partnership_file
from services.system import SystemJob, operator


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("partnership", help="the partnership's areas and agencies")
    platform_options(p)
    c = p.add_subparsers(dest="partnership_command", required=True)
    apply_parser = c.add_parser(
        "apply", help="bring the areas and agencies to the partnership's YAML file "
        "(examples/partnership.yaml); a second run changes nothing")
    apply_parser.add_argument("file", type=Path)
    apply_parser.add_argument("--check", action="store_true",
                              help="only check the file; apply nothing")
    c.add_parser("list", help="the areas and agencies, with their codes, as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.partnership_command == "apply":
        try:
            described = read_partnership_file(_read(args.file))
        except PartnershipFileError as exc:
            print(f"marac: {exc.code}: {args.file}: {exc}", file=sys.stderr)
            return 2
        if args.check:
            print(json.dumps({"file": str(args.file), "areas": len(described.areas),
                              "agencies": len(described.agencies)}))
            return 0
    platform = build_platform(settings_from(args))
    try:
        job = SystemJob.named(platform.audit, platform.now, operator(getpass.getuser()))
        if args.partnership_command == "apply":
            applied = apply_partnership(platform, job, described)
            print(json.dumps({"changed": list(applied.changes)}, indent=2))
        else:
            areas, agencies = operator_listing(platform, job)
            print(json.dumps({"areas": [_plain(a) for a in areas],
                              "agencies": [_plain(a) for a in agencies]}, indent=2))
    except ServiceError as exc:
        print(f"marac: {exc.code}: {exc}", file=sys.stderr)
        return 2
    finally:
        platform.close()
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartnershipFileError(f"cannot read the file ({type(exc).__name__})",
                                   code="unreadable_partnership_file") from None


def _plain(view: object) -> dict[str, object]:
    return {k: str(v) if k.endswith("id") else v
            for k, v in dataclasses.asdict(view).items()}  # type: ignore[call-overload]
