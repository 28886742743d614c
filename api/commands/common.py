"""What every `marac` command that opens the platform shares: its options and its settings."""

from __future__ import annotations

import argparse

from api.settings import Settings


def platform_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None,
                        help="data directory (default MARAC_DATA_DIR or ./var)")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode: demo keys (made on first use), demo identity")


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    """Settings from the environment, overridden by the command's options."""
    overrides = {k: v for k, v in extra.items() if v is not None}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return Settings(**overrides)  # type: ignore[arg-type]
