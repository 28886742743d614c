"""Database round trips counted in a benchmark's own process, by who made them.

psycopg does every blocking exchange with the server through `Connection.wait`; outside
pipeline mode each call is one round trip (a statement, a BEGIN, a COMMIT). Inside a pipeline
the statements are sent without waiting, and a sync, the pipeline's end, or fetching a result
not yet received is the round trip. Each is
charged to the innermost frame of the platform's own packages that made it (the audit trail,
the keyring, a projector…), so that a figure says where the trips are, not only how many.
Installed for a counting phase only (the patch is the benchmark's, never production's).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import _pipeline

# Packages whose frames name a round trip's site, innermost first.
OWN = ("audit/", "security/", "projections/", "storage/", "domain/", "services/", "api/",
       "feeds/")
# The library's event store: named as such (its recorder's method) rather than by the caller.
LIBRARY = "eventsourcing/"


class RoundTrips:
    """Round trips counted while `counting()` is active, by site."""

    def __init__(self) -> None:
        self.by_site: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(self.by_site.values())

    def _charge(self) -> None:
        site = _site(sys._getframe(2))
        with self._lock:
            self.by_site[site] += 1

    @contextmanager
    def counting(self) -> Iterator[RoundTrips]:
        wait, sync = psycopg.Connection.wait, _pipeline.Pipeline.sync
        leave = _pipeline.Pipeline.__exit__
        trips = self

        def counted_wait(conn: psycopg.Connection[Any], gen: Any, *args: Any,
                         **kwargs: Any) -> Any:
            # In a pipeline, fetching a result not yet received flushes and waits: a trip.
            if conn._pipeline is None or getattr(gen, "__name__", "") == "_fetch_gen":
                trips._charge()
            return wait(conn, gen, *args, **kwargs)

        def counted_sync(pipeline: _pipeline.Pipeline) -> None:
            trips._charge()
            sync(pipeline)

        def counted_exit(pipeline: _pipeline.Pipeline, *args: Any) -> None:
            trips._charge()  # the last sync: what was queued after the previous one
            leave(pipeline, *args)

        patched: list[tuple[type, str, Any, Any]] = [
            (psycopg.Connection, "wait", counted_wait, wait),
            (_pipeline.Pipeline, "sync", counted_sync, sync),
            (_pipeline.Pipeline, "__exit__", counted_exit, leave),
        ]
        for owner, name, counted, _ in patched:
            setattr(owner, name, counted)
        try:
            yield self
        finally:
            for owner, name, _, original in patched:
                setattr(owner, name, original)


def _site(frame: Any) -> str:
    """`package/module.py:function` of the innermost platform frame (or the event store's
    recorder method when the library made the trip on the platform's behalf)."""
    library: str | None = None
    while frame is not None:
        name = frame.f_code.co_filename
        if LIBRARY in name and library is None and "postgres.py" in name:
            library = f"eventsourcing:{frame.f_code.co_name}"
        for package in OWN:
            index = name.rfind("/" + package)
            if index >= 0 and "/.venv/" not in name and "site-packages" not in name:
                site = f"{name[index + 1:]}:{frame.f_code.co_name}"
                return f"{library} via {site}" if library else site
        frame = frame.f_back
    return library or "other"
