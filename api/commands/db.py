"""`marac db setup`: on PostgreSQL, the audit trail's owner role creates the audit tables,
their triggers and the append function, and grants the application's role what it needs and
nothing more, and the witness's role a read of the audit tables (audit/ownership.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from audit.ownership import UnsafeSchema, set_up
from storage.database import Database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database roles")
    ds = p.add_subparsers(dest="db_command", required=True)
    setup = ds.add_parser(
        "setup", help="as the owner role: create the audit trail and grant the application's "
                      "role append and read only (run before the first start and after upgrades)")
    setup.add_argument("--owner-url", default=os.environ.get("MARAC_OWNER_DATABASE_URL"),
                       help="the owner role's postgresql:// URL, with the application's "
                            "?schema= (default MARAC_OWNER_DATABASE_URL)")
    setup.add_argument("--app-role", required=True,
                       help="the application's role (created, with LOGIN, if it does not exist; "
                            "its password from MARAC_APP_DATABASE_PASSWORD if set)")
    setup.add_argument("--witness-role", default=None,
                       help="the audit witness's role: SELECT on the audit tables only, "
                            "read-only sessions (created, with LOGIN, if it does not exist; "
                            "its password from MARAC_WITNESS_DATABASE_PASSWORD if set)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.owner_url:
        print("marac: give --owner-url or set MARAC_OWNER_DATABASE_URL", file=sys.stderr)
        return 2
    owner = Database(args.owner_url, pool_size=1)
    try:
        set_up(owner, args.app_role, os.environ.get("MARAC_APP_DATABASE_PASSWORD") or None,
               witness_role=args.witness_role,
               witness_password=os.environ.get("MARAC_WITNESS_DATABASE_PASSWORD") or None)
    except UnsafeSchema as exc:
        print(f"marac: unsafe_schema: {exc}", file=sys.stderr)
        return 2
    finally:
        owner.close()
    print(json.dumps({"owner": owner.url.user, "app_role": args.app_role,
                      "witness_role": args.witness_role, "schema": owner.url.schema}))
    return 0
