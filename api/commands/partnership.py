"""`marac partnership`: the partnership's areas and agencies, set up and changed from its file
(`apply FILE`, idempotent; `--check` says what it would change) and listed (`list`). The
operator acts as a system actor, recorded in the audit trail under their login.
Administrators do the same through the API.

What changed (or would) is printed as JSON on standard output, one label a change
(`area:wex-north created`, `agency:wex-north/police renamed`, `area:wex-south
settings_changed: retention_months`); a one-line summary for the person goes to standard
error."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from pathlib import Path

from api.bootstrap import build_platform
from api.commands.common import settings_from
from api.progress import Progress
from services.errors import ServiceError
from services.partnership import apply_partnership, check_partnership, operator_listing
from services.partnership_file import (
    PartnershipFile,
    PartnershipFileError,
    read_partnership_file,
)
from services.system import SystemJob, operator


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("partnership", help="the partnership's areas and agencies")
    c = p.add_subparsers(dest="partnership_command", required=True)
    apply_parser = c.add_parser(
        "apply", help="bring the areas and agencies to the partnership's YAML file "
        "(examples/partnership.yaml); a second run changes nothing")
    apply_parser.add_argument("file", type=Path)
    apply_parser.add_argument("--check", action="store_true",
                              help="check the file and print what applying it would change; "
                              "apply nothing")
    c.add_parser("list", help="the areas and agencies, with their codes, as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.partnership_command == "apply":
        try:
            described = read_partnership_file(_read(args.file))
        except PartnershipFileError as exc:
            print(f"marac: {exc.code}: {args.file}: {exc}", file=sys.stderr)
            return 2
    platform = build_platform(settings_from(args))
    try:
        job = SystemJob.named(platform.audit, platform.now, operator(getpass.getuser()))
        if args.partnership_command == "apply":
            doc: dict[str, object]
            if args.check:
                changes = check_partnership(platform, job, described).changes
                doc = {"file": str(args.file), "areas": len(described.areas),
                       "agencies": len(described.agencies), "would_change": list(changes)}
            else:
                # Three steps: the file was read and checked; the changes are applied (one
                # transaction, so nothing finer to show); the read models take them in.
                progress = Progress("partnership apply", "steps")
                progress(1, 3)
                changes = apply_partnership(platform, job, described).changes
                progress(2, 3)
                platform.runner.catch_up()
                progress(3, 3)
                progress.finish()
                doc = {"changed": list(changes)}
            print(json.dumps(doc, indent=2))
            print(_summary(args.file, described, changes, check=args.check), file=sys.stderr)
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


def _summary(path: Path, described: PartnershipFile, changes: tuple[str, ...], *,
             check: bool) -> str:
    """One line for the person at the terminal."""
    what = (f"{path}: {len(described.areas)} areas, {len(described.agencies)} agency "
            "registrations described")
    if not changes:
        return f"marac: {what}; no change: the recorded partnership already matches it"
    if check:
        return f"marac: {what}; {len(changes)} changes would be applied (--check: none was)"
    return f"marac: {what}; {len(changes)} changes applied, in one transaction"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartnershipFileError(f"cannot read the file ({type(exc).__name__})",
                                   code="unreadable_partnership_file") from None


def _plain(view: object) -> dict[str, object]:
    return {k: str(v) if k.endswith("id") else v
            for k, v in dataclasses.asdict(view).items()}  # type: ignore[call-overload]
