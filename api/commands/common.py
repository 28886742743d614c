"""What every `marac` command that opens the platform shares: its options and its settings.

The options are global: given before the command, after it or after its subcommand (`marac
--data-dir X keys init`, `marac keys --data-dir X init`, `marac keys init --data-dir X`).
api/cli.py adds them to every parser of such a command, each without a default, so that one
given at any level is not overwritten by a lower parser's default (argparse copies a
subparser's defaults over what its parent parsed)."""

from __future__ import annotations

import argparse

from api.settings import Settings


def platform_options(parser: argparse.ArgumentParser) -> None:
    """Adds the global options to one parser (once: a second call changes nothing)."""
    if "--data-dir" in parser._option_string_actions:
        return
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="data directory (default MARAC_DATA_DIR or ./var)")
    parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                        help="demo mode: demo keys (made on first use), demo identity")


def with_platform_options(parser: argparse.ArgumentParser) -> None:
    """The global options on this parser and on every subcommand's below it."""
    platform_options(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                with_platform_options(child)


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    """Settings from the environment, overridden by the command's options."""
    overrides = {k: v for k, v in extra.items() if v is not None}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return Settings(**overrides)  # type: ignore[arg-type]
