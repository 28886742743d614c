"""Subcommands of the `marac` command line."""
