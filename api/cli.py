"""The `marac` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from api.commands.common import platform_options, with_platform_options
from domain.exceptions import DomainError
from security.errors import SecurityError
from storage.migrations import SchemaOutOfDate
from storage.url import DatabaseUrlError

# Each command's module, by the name typed. The commands that open the platform take the global
# options (--data-dir, --demo) anywhere on their line; the benchmarks make their own stores, the
# stand-in identity provider keeps its own directory. Only the named command's module is
# imported: `marac dev-idp token` need not load the web application (seconds of imports, each
# time a script or an orchestrator's probe runs a command).
PLATFORM_COMMANDS = {
    "serve": "serve", "worker": "worker", "keys": "keys", "projections": "projections",
    "audit": "audit", "retention": "retention", "report": "report", "db": "db",
    "partnership": "partnership", "doctor": "doctor",
}
OTHER_COMMANDS = {"bench": "bench", "dev-idp": "dev_idp"}
# The global options that take a value: the word after one is not a command's name.
VALUED_OPTIONS = ("--data-dir",)


def _named(argv: Sequence[str]) -> str | None:
    """The command named on the line, if any (the first word that is a command's name)."""
    words = iter(argv)
    for word in words:
        if word in VALUED_OPTIONS:
            next(words, None)
        elif word in PLATFORM_COMMANDS or word in OTHER_COMMANDS:
            return word
    return None


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of the command `argv` names, or of every command (help, a usage error)."""
    named = _named(argv) if argv is not None else None
    p = argparse.ArgumentParser(prog="marac", description="MARAC information-sharing platform")
    platform_options(p)
    sub = p.add_subparsers(dest="command", required=True)
    for command, module in PLATFORM_COMMANDS.items():
        if named in (None, command):
            before = set(sub.choices)
            import_module(f"api.commands.{module}").add_parser(sub)
            for name in set(sub.choices) - before:
                with_platform_options(sub.choices[name])
    for command, module in OTHER_COMMANDS.items():
        if named in (None, command):
            import_module(f"api.commands.{module}").add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = parser(words).parse_args(words)
    try:
        code: int = args.run(args)
    except (DomainError, SecurityError, DatabaseUrlError, SchemaOutOfDate) as exc:
        print(f"marac: {getattr(exc, 'code', 'error')}: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
