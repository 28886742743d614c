"""The worker's heartbeat: a file whose modification time says when its loops were last all
alive and a housekeeping pass completed. A container's healthcheck (`marac worker --alive`)
reads it, so a worker whose threads died, or whose every pass fails, is restarted rather than
left running and doing nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path

HEARTBEAT_FILE = "worker-heartbeat"
# Longer than the longest pause between housekeeping passes (one second, or a day's jobs).
DEFAULT_MAX_AGE = 180.0


def heartbeat_path(data_dir: Path) -> Path:
    return data_dir / HEARTBEAT_FILE


def beat(path: Path) -> None:
    """Now. Written in place (no content): only its time matters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


def age(path: Path, now: float | None = None) -> float | None:
    """Seconds since the last beat; None when there has been none."""
    try:
        changed = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return (time.time() if now is None else now) - changed
