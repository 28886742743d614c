"""Migration 0002: the audit records indexed by area, in order.

Every search of the trail is a data protection officer's, and is held to their own area
(services/audit_search.py: the area is set whatever was asked), newest pages by seq; the
break-glass list of an area too. Without this index the default search (no case, actor or
action named) walks the records in seq order and skips every other area's, so on a database
that serves several areas a DPO's page costs the whole partnership's trail. On PostgreSQL the
index is made on the partitioned trail and so on each month's partition (and on every
partition made later); the statement holds appends back while it builds (an upgrade window).
"""

from __future__ import annotations

from storage.database import Cursor, Database


def apply(cur: Cursor, db: Database) -> None:
    cur.execute("CREATE INDEX IF NOT EXISTS audit_trail_area ON audit_trail (area_id, seq)")
