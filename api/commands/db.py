"""`marac db`: the database's schema and roles. `upgrade` applies the release's migrations
(storage/migrations) as the database's owner and `status` compares the database's version
with the release's; `setup`, on PostgreSQL, does the upgrade as the audit trail's owner role
and grants the application's role append and read on the trail and its share of the rest,
and the witness's role a read of the audit tables (audit/ownership.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict

from api.commands.common import platform_options, settings_from
from audit.ownership import UnsafeSchema, refuse_planted_routines, set_up
from storage.database import Database
from storage.migrations import status, upgrade


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the database's schema version and roles")
    ds = p.add_subparsers(dest="db_command", required=True)
    for name, text in (
            ("upgrade", "apply the schema migrations this release has and the database lacks, "
                        "in order, as the database's owner (a database made before versions "
                        "is recognised); run after each upgrade of the code, before it starts"),
            ("status", "the database's schema version and this release's")):
        command = ds.add_parser(name, help=text)
        platform_options(command)
        command.add_argument(
            "--database-url", default=None,
            help="the owner's URL (default MARAC_OWNER_DATABASE_URL, else MARAC_DATABASE_URL: "
                 "one role owning everything, or SQLite)")
        command.set_defaults(run=run_upgrade if name == "upgrade" else run_status)
    setup = ds.add_parser(
        "setup", help="PostgreSQL, as the owner role: upgrade the schema, create the "
                      "application's role and grant it append and read only on the audit "
                      "trail (run before the first start and after upgrades)")
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
    setup.set_defaults(run=run)


def _database(args: argparse.Namespace) -> Database:
    url = (args.database_url or os.environ.get("MARAC_OWNER_DATABASE_URL")
           or settings_from(args).database_url)
    return Database(url, pool_size=1)


def run_upgrade(args: argparse.Namespace) -> int:
    db = _database(args)
    try:
        if db.dialect == "postgresql":
            # The owner's statements resolve names in the schema, where another role may
            # have created functions: refused as by `marac db setup`.
            refuse_planted_routines(db)
        before = status(db)
        applied = upgrade(db)
        after = status(db)
    except UnsafeSchema as exc:
        print(f"marac: unsafe_schema: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(json.dumps({"database": db.url.redacted(), "from": before.current,
                      "to": after.current, "latest": after.latest,
                      "applied": [asdict(a) for a in applied]}))
    return 0


def run_status(args: argparse.Namespace) -> int:
    db = _database(args)
    try:
        found = status(db)
    finally:
        db.close()
    print(json.dumps({"database": db.url.redacted(), "current": found.current,
                      "latest": found.latest, "unversioned": found.unversioned,
                      "up_to_date": not (found.behind or found.ahead)}))
    return 0


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
