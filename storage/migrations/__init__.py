"""Versioned schema migrations: the one source of the platform's schema, applied in order by
`marac db upgrade` (as the database's owner) and recorded in `schema_version`.

A database made before versions were recorded (it has the platform's tables and no version)
is recognised as at version 1 when it holds all of migration 0001, and completed by running
it otherwise. Each migration runs in one transaction with the row that records it, under a
lock (PostgreSQL: an advisory lock per schema; SQLite: the write lock), so two processes
upgrading at once apply each migration once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.database import Cursor, Database
from storage.migrations import (
    m0001_previous_release,
    m0002_audit_trail_by_area,
    m0003_kek_roster,
    m0004_feed_dead_letters,
)

VERSION_TABLE = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Cursor, Database], None]
    # Whether a database made before versions were recorded already holds what it makes:
    # then it is recorded ("recognised"), not run.
    present: Callable[[Cursor, Database], bool] | None = None


MIGRATIONS = (
    Migration(1, "previous_release", m0001_previous_release.apply,
              m0001_previous_release.present),
    Migration(2, "audit_trail_by_area", m0002_audit_trail_by_area.apply),
    Migration(3, "kek_roster", m0003_kek_roster.apply),
    Migration(4, "feed_dead_letters", m0004_feed_dead_letters.apply),
)
LATEST = MIGRATIONS[-1].version


@dataclass(frozen=True)
class SchemaStatus:
    current: int  # 0: no version recorded
    latest: int
    # The platform's tables are there but no version: made before versions were recorded.
    unversioned: bool

    @property
    def behind(self) -> bool:
        return self.current < self.latest

    @property
    def ahead(self) -> bool:
        return self.current > self.latest


@dataclass(frozen=True)
class Applied:
    version: int
    name: str
    how: str  # "applied", or "recognised": already there, recorded without running it


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this release's code reads and writes."""

    code = "schema_out_of_date"

    def __init__(self, status: SchemaStatus) -> None:
        self.status = status
        if status.ahead:
            message = (f"the database schema is at version {status.current}, newer than this "
                       f"release's {status.latest}: run the release that upgraded it")
        elif status.current == 0 and not status.unversioned:
            message = (f"the database has no schema yet (this release needs version "
                       f"{status.latest}): run `marac db upgrade`")
        else:
            found = ("made before versions were recorded" if status.current == 0
                     else f"at version {status.current}")
            message = (f"the database schema is {found}; this release needs version "
                       f"{status.latest}: run `marac db upgrade`")
        super().__init__(message + " as the database's owner (README, 'Upgrading the "
                         "database')")


def status(db: Database) -> SchemaStatus:
    with db.transaction(readonly=True) as cur:
        current = _current(cur, db)
        unversioned = current == 0 and any(
            db.has_table(cur, table)
            for table in m0001_previous_release.tables(db))
    return SchemaStatus(current, LATEST, unversioned)


def upgrade(db: Database) -> list[Applied]:
    """Apply the migrations the database lacks, in order; what was done, or nothing."""
    done: list[Applied] = []
    for migration in MIGRATIONS:
        with db.transaction() as cur:
            if db.dialect == "postgresql":
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            (f"marac-migrations:{db.url.schema}",))
            cur.execute(f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                how TEXT NOT NULL)""")
            if _current(cur, db) >= migration.version:
                continue
            if migration.present is not None and migration.present(cur, db):
                how = "recognised"
            else:
                migration.apply(cur, db)
                how = "applied"
            cur.execute(f"INSERT INTO {VERSION_TABLE} (version, name, applied_at, how) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s)",
                        (migration.version, migration.name,
                         datetime.now(UTC).isoformat(timespec="seconds"), how))
        done.append(Applied(migration.version, migration.name, how))
    return done


def prepare(db: Database, *, upgrade_it: bool) -> SchemaStatus:
    """At start: a schema behind the code's is upgraded where `upgrade_it` (demo mode), and
    refused otherwise; one ahead of it is always refused."""
    found = status(db)
    if found.ahead or (found.behind and not upgrade_it):
        raise SchemaOutOfDate(found)
    if found.behind:
        upgrade(db)
        found = status(db)
    return found


def _current(cur: Cursor, db: Database) -> int:
    if not db.has_table(cur, VERSION_TABLE):
        return 0
    cur.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}")  # noqa: S608
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0
