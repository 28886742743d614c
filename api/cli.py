"""The `marac` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api.commands import (
    audit,
    bench,
    db,
    dev_idp,
    doctor,
    keys,
    partnership,
    projections,
    report,
    retention,
    serve,
    worker,
)
from api.commands.common import platform_options, with_platform_options
from domain.exceptions import DomainError
from security.errors import SecurityError
from storage.migrations import SchemaOutOfDate
from storage.url import DatabaseUrlError

# The commands that open the platform: each takes the global options (--data-dir, --demo)
# anywhere on its line. The benchmarks make their own stores; the stand-in identity provider
# keeps its own directory.
PLATFORM_COMMANDS = (serve, worker, keys, projections, audit, retention, report, db,
                     partnership, doctor)
OTHER_COMMANDS = (bench, dev_idp)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="marac", description="MARAC information-sharing platform")
    platform_options(p)
    sub = p.add_subparsers(dest="command", required=True)
    for module in PLATFORM_COMMANDS:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            with_platform_options(sub.choices[name])
    for other in OTHER_COMMANDS:
        other.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (DomainError, SecurityError, DatabaseUrlError, SchemaOutOfDate) as exc:
        print(f"marac: {getattr(exc, 'code', 'error')}: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
