"""The demo's clock: real time plus an offset that only grows, so that a newcomer (and the
end-to-end tests) can see work that falls due on a later day — an overdue action escalated, a
closure's informing late, a case erased at the end of its retention — without waiting for it.

Demo mode only (api/bootstrap.py); tokens keep real time. The offset is kept in the data
directory, so that a restarted demo does not go back in time: records made at a moved-on time
would otherwise be followed by earlier ones.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

from domain.application import utc_now

# One step at most: a year and a day, enough for any retention or review period to pass.
MOST = timedelta(days=366)


class ClockError(ValueError):
    code = "invalid_clock_change"


class DemoClock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._offset = timedelta(seconds=float(
            json.loads(path.read_text(encoding="utf-8"))["offset_seconds"])
            if path.exists() else 0.0)

    @property
    def offset(self) -> timedelta:
        return self._offset

    def now(self) -> datetime:
        return utc_now() + self._offset

    def advance(self, by: timedelta) -> datetime:
        """Move the clock on by `by` (forward only, at most MOST); the new time."""
        if not timedelta(0) < by <= MOST:
            raise ClockError("The demo clock moves forward only, by at most 366 days")
        with self._lock:
            offset = self._offset + by
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_suffix(".tmp")
            temporary.write_text(json.dumps({"offset_seconds": offset.total_seconds()}),
                                 encoding="utf-8")
            temporary.replace(self._path)
            self._offset = offset
        return self.now()
