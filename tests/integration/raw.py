"""Reading what is really on disk: every byte of a SQLite file, every row of a schema."""

from __future__ import annotations

from pathlib import Path

import psycopg

from api.bootstrap import Platform


def raw_contents(platform: Platform) -> bytes:
    """All stored bytes: the SQLite file with its WAL, or every row of every table."""
    url = platform.database.url
    if url.dialect == "sqlite":
        assert url.path is not None
        parts = [Path(f"{url.path}{suffix}") for suffix in ("", "-wal", "-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    chunks: list[bytes] = []
    with psycopg.connect(url.conninfo) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (url.schema,),
        ).fetchall()
        for (table,) in tables:
            # Names come from the catalogue of a schema the test created.
            query = f'SELECT * FROM "{url.schema}"."{table}"'  # noqa: S608
            rows = conn.execute(query).fetchall()
            for row in rows:
                for value in row:
                    chunks.append(bytes(value) if isinstance(value, (bytes, memoryview))
                                  else str(value).encode())
    return b"\n".join(chunks)


def execute(platform: Platform, sql: str, params: tuple[object, ...] = ()) -> None:
    with platform.database.transaction() as cur:
        cur.execute(sql, params)


def events_table(platform: Platform) -> str:
    return "stored_events" if platform.database.dialect == "sqlite" else "marac_events"
