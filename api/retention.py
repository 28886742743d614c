"""The worker's and `marac retention`'s retention jobs: services/retention.py, run by the
system actor `system:retention`."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from api.bootstrap import Platform
from services import retention
from services.system import RETENTION, SystemJob


def run_retention(platform: Platform, today: date, *, dry_run: bool = False,
                  progress: retention.Progress | None = None) -> list[UUID]:
    """Erase every case whose area's retention period has ended; returns the cases erased."""
    job = SystemJob.named(platform.audit, platform.now, RETENTION)
    return retention.run_retention(platform, job, today, dry_run=dry_run, progress=progress)


def erase_expired_subject_access(platform: Platform, today: date, *, dry_run: bool = False,
                                 progress: retention.Progress | None = None) -> list[UUID]:
    """Erase the identifiers of every subject access request past its retention."""
    job = SystemJob.named(platform.audit, platform.now, RETENTION)
    return retention.erase_expired_subject_access(platform, job, today, dry_run=dry_run,
                                                  progress=progress)
