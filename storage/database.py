"""A small handle on the platform's own tables in SQLite or PostgreSQL.

The event store has its own connections (the eventsourcing library's); this handle serves the
tables beside it: data keys, the shred ledger, blind indexes, and later read models and audit.
SQL is written once with `%s` placeholders; SQLite's `?` is substituted here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from storage.transient import StorageBusy
from storage.url import DatabaseUrl, parse_database_url
from storage.writers import WriterQueue, writer_queue

_T = TypeVar("_T")


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...

    @property
    def rowcount(self) -> int: ...


class _SqliteCursor:
    """Adapts sqlite3's cursor to the `%s` placeholder style."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("%s", "?"), tuple(params))

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql.replace("%s", "?"), [tuple(p) for p in params])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cursor.fetchone()
        return row

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class Database:
    """Transactions over one database, named by URL."""

    def __init__(self, url: DatabaseUrl | str, pool_size: int = 4) -> None:
        self.url = parse_database_url(url) if isinstance(url, str) else url
        self.dialect = self.url.dialect
        self._local = threading.local()
        self._sqlite_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] | None = None
        self._writers = writer_queue(self.url.path) if self.url.path else WriterQueue()
        # `memory:` (tests): one connection, since each connection to ":memory:" is a database
        # of its own; every transaction, reads too, takes the writer queue, so that the threads
        # of a test client use it one at a time.
        self._memory: sqlite3.Connection | None = None
        if self.url.in_memory:
            self._memory = self._open_sqlite(":memory:")
        elif self.url.path is not None:
            self.url.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            with psycopg.connect(self.url.conninfo, autocommit=True) as conn:
                # Asked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even
                # when the schema exists, which an application role need not have.
                found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                     (self.url.schema,)).fetchone()
                if found is None:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.url.schema}"')
            # Autocommit connections: a read is one round trip, and writes open an explicit
            # transaction block (BEGIN … COMMIT) through `conn.transaction()`.
            self._pool = ConnectionPool(
                self.url.conninfo,
                min_size=1,
                max_size=pool_size,
                kwargs={"autocommit": True},
                configure=self._configure_pg,
                open=True,
            )

    def _configure_pg(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        conn.execute(f'SET search_path TO "{self.url.schema}"')

    def _sqlite(self) -> sqlite3.Connection:
        if self._memory is not None:
            return self._memory
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open_sqlite(str(self.url.path))
            self._local.conn = conn
        return conn

    def _open_sqlite(self, name: str) -> sqlite3.Connection:
        conn = sqlite3.connect(name, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")  # in memory: stays "memory"
        # Every commit waits for the disk unless a caller says otherwise (`flush=False`);
        # some builds default to NORMAL in WAL mode.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._sqlite_connections.append(conn)
        return conn

    @property
    def in_transaction(self) -> bool:
        """Whether this thread is inside a transaction of this handle (which a new one joins)."""
        return getattr(self._local, "cursor", None) is not None

    @contextmanager
    def transaction(self, *, readonly: bool = False, flush: bool = True,
                    pipelined: bool = False) -> Iterator[Cursor]:
        """One transaction: committed on success, rolled back on any exception. SQLite
        writers take the lock up front (BEGIN IMMEDIATE) so that two writers queue instead of
        deadlocking; readers do not take it at all. Called inside another transaction on the
        same thread, it joins that one (a projector's key lookups ride in its transaction).

        `flush=False` (SQLite; PostgreSQL sets it per statement, see audit/trail.py): the
        commit is ordered, visible and survives a crash of the application, but does not wait
        for the disk; the log is written sequentially, so the next flushed commit of anything
        (an event, a signed audit checkpoint) makes it durable too.

        `pipelined` (PostgreSQL; ignored elsewhere, and by a joined transaction): BEGIN and
        the statements are sent without waiting for each answer, and the commit waits for all
        of them: one round trip for a block of writes, plus one wherever a result is fetched.
        A statement's error is raised at the latest by the commit, which then rolls back."""
        outer: Cursor | None = getattr(self._local, "cursor", None)
        if outer is not None:
            if flush and not getattr(self._local, "flush", True):
                # Joining would commit this work unflushed along with the outer transaction.
                raise RuntimeError("a flushed transaction cannot join an unflushed one")
            yield outer
            return
        with self._new_transaction(readonly, flush, pipelined) as cur:
            self._local.cursor, self._local.flush = cur, flush
            try:
                yield cur
            finally:
                self._local.cursor, self._local.flush = None, True

    @contextmanager
    def _new_transaction(self, readonly: bool, flush: bool,
                         pipelined: bool = False) -> Iterator[Cursor]:
        if self._pool is not None:
            with self._pool.connection() as pg:
                if readonly:
                    with pg.cursor() as cur:
                        yield cur
                    return
                with (pg.pipeline() if pipelined else nullcontext()), pg.transaction(), \
                        pg.cursor() as cur:
                    yield cur
            return
        conn = self._sqlite()
        # Writers of this process queue here, in order (storage/writers.py), not in SQLite's
        # busy handler; its timeout still covers other processes (the worker).
        shared = self._memory is not None
        with nullcontext() if readonly and not shared else self._writers.turn():
            if not flush:  # the safety level cannot change inside a transaction
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with _busy_as_transient():
                    conn.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
                try:
                    yield _SqliteCursor(conn.cursor())
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                if not flush:
                    self._restore_flush(conn)

    def _restore_flush(self, conn: sqlite3.Connection) -> None:
        """Back to flushed commits; a connection that cannot be put back is not used again,
        so nothing after it commits unflushed."""
        try:
            conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error:
            if conn is self._memory:
                raise  # the in-memory database has no other connection to go on with
            self._local.conn = None
            with self._lock:
                self._sqlite_connections.remove(conn)
            conn.close()

    @contextmanager
    def single_statement(self) -> Iterator[Cursor]:
        """PostgreSQL: one statement that commits itself (autocommit), so one round trip
        instead of BEGIN … COMMIT. SQLite: an ordinary write transaction."""
        if self._pool is None:
            with self.transaction() as cur:
                yield cur
            return
        with self._pool.connection() as pg, pg.cursor() as cur:
            yield cur

    @contextmanager
    def exclusively(self, duty: str) -> Iterator[bool]:
        """Whether this process holds `duty` for the block: on PostgreSQL a session advisory
        lock named by the duty and the schema, held on a connection of its own until the block
        ends (or the process dies: the server lets go of a lost session's locks), so that of
        several workers one at a time does it; the others are told False and skip it. SQLite:
        one host's processes, whose writes the file's lock orders: True."""
        if self._pool is None:
            yield True
            return
        with self._pool.connection() as pg:
            key = f"{self.url.schema}:{duty}"
            row = pg.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()
            held = bool(row and row[0])
            try:
                yield held
            finally:
                if held:
                    pg.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def ping(self, timeout: float = 2.0) -> None:
        """Raises unless the database answers a trivial query; a pool that cannot hand out a
        connection within `timeout` seconds counts as unreachable (readiness probes and
        `marac doctor` must answer sooner than the pool's own half-minute wait)."""
        if self._pool is not None:
            with self._pool.connection(timeout=timeout) as pg:
                pg.execute("SELECT 1")
            return
        with self.transaction(readonly=True) as cur:
            cur.execute("SELECT 1")

    def execute_script(self, statements: Sequence[str]) -> None:
        with self.transaction() as cur:
            for statement in statements:
                cur.execute(statement)

    @property
    def blob(self) -> str:
        return "BLOB" if self.dialect == "sqlite" else "BYTEA"

    def has_table(self, cur: Cursor, table: str) -> bool:
        if self.dialect == "sqlite":
            cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s",
                        (table,))
        else:
            cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                        "AND table_name = %s", (self.url.schema, table))
        return cur.fetchone() is not None

    def has_column(self, cur: Cursor, table: str, column: str) -> bool:
        """Whether a table made by an earlier version already has a column added since."""
        if self.dialect == "sqlite":
            cur.execute("SELECT 1 FROM pragma_table_info(%s) WHERE name = %s", (table, column))
        else:
            cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                        "AND table_name = %s AND column_name = %s",
                        (self.url.schema, table, column))
        return cur.fetchone() is not None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        with self._lock:
            for conn in self._sqlite_connections:
                conn.close()
            self._sqlite_connections.clear()
        self._local = threading.local()


@contextmanager
def _busy_as_transient() -> Iterator[None]:
    """SQLite's busy timeout ran out (another process held the write lock that long): a
    transient refusal before anything was written, not a fault."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageBusy("the database is locked by another process") from exc
        raise


@contextmanager
def pipelined(cur: Cursor) -> Iterator[None]:
    """PostgreSQL: the writes inside are sent one after another without waiting for each
    answer, and answered together at the end (a projector's batch of deletes and inserts:
    one round trip, not one a statement); their errors surface there, inside the caller's
    transaction as ever. Writes only: a read on the same cursor inside the block would be
    handed a write's result (psycopg raises). SQLite, in process, has no round trips to
    save."""
    conn = getattr(cur, "connection", None)
    if not isinstance(conn, psycopg.Connection):
        yield
        return
    with conn.pipeline():
        yield


def chunks(items: Sequence[_T], size: int = 500) -> Iterator[Sequence[_T]]:
    """Ids in slices small enough for one `IN (...)` list: a statement's parameters are
    capped (SQLite's at 32,766)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
