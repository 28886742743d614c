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
    keys,
    partnership,
    projections,
    report,
    retention,
    serve,
    worker,
)
from domain.exceptions import DomainError
from security.errors import SecurityError
from storage.migrations import SchemaOutOfDate
from storage.url import DatabaseUrlError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="marac", description="MARAC information-sharing platform")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (serve, worker, keys, projections, audit, retention, report, bench, db,
                   partnership, dev_idp):
        module.add_parser(sub)
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
