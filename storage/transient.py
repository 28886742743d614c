"""Refusals that say "not now" rather than "never": the database was too busy for a request,
which wrote nothing, and the same request may succeed in a moment. The API answers them 503
with Retry-After (api/errors.py), never 500."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg_pool
from eventsourcing.persistence import ConnectionUnavailableError

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 1


class StorageBusy(Exception):
    """The database's write lock, or a connection to it, could not be had in time."""

    code = "storage_busy"


# psycopg's classes for a lock timeout, a deadlock and a serialization failure; the pool's for
# no connection in time.
_TRANSIENT: tuple[type[BaseException], ...] = (
    StorageBusy,
    ConnectionUnavailableError,  # the event store's pool: no connection in time
    psycopg_pool.PoolTimeout,
    psycopg.errors.LockNotAvailable,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)


def is_transient(exc: BaseException) -> bool:
    """Whether `exc`, or what caused it (libraries wrap each other's errors), is transient."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, sqlite3.OperationalError) and (
                "locked" in str(current) or "busy" in str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False
