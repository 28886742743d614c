"""Reading what is really on disk: every byte of a SQLite file, every row of a schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from api.bootstrap import Platform
from storage.writers import writer_queue


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


@contextmanager
def holding_the_audit_head(platform: Platform) -> Iterator[None]:
    """Another writer holds the trail meanwhile, as a long commit would: the process's SQLite
    write lock, or the head row's lock from another PostgreSQL connection."""
    url = platform.database.url
    if url.path is not None:
        with writer_queue(url.path).turn():
            yield
        return
    with psycopg.connect(url.conninfo) as conn:
        conn.execute(f'SELECT seq FROM "{url.schema}".audit_head WHERE id = 1 FOR UPDATE')  # noqa: S608
        yield
        conn.rollback()
