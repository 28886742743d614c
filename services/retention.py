"""Retention: each area keeps a closed case for its retention period (from closure), then the
case is erased by crypto-shredding, its read models and blind indexes purged, and the erasure
recorded in the audit trail, which still verifies afterwards. A subject access request's own
key goes a year after its answer (domain/retention.py says why). Run by the worker and by
`marac retention run`, as a system job: each erasure a step with its own audit record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.exceptions import CaseErased
from domain.retention import retention_ends, retention_expired, subject_access_retention_ends
from domain.subject_access import RECEIVED, SubjectAccessRequest
from security.policy import may_read_audit, may_see_case_metadata
from services.actor import Actor
from services.platform import Platform
from services.system import SystemJob

# Told (done, total) as a long job goes on: the command line's progress (api/progress.py).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScheduledErasure:
    """A closed case as its erasure is scheduled: its id and dates, nothing of its content.
    `due`: erased by the first retention run on or after `erasure_due`."""

    case_id: UUID
    closed_on: date
    erasure_due: date
    due: bool


@dataclass(frozen=True)
class RetentionSchedule:
    """The area's retention period and its closed cases, the soonest erased first."""

    retention_months: int
    erasures: tuple[ScheduledErasure, ...]


def retention_schedule(platform: Platform, actor: Actor) -> RetentionSchedule:
    """What the retention job will erase in the DPO's area, and when (metadata only:
    security/policy.may_see_case_metadata); the cases shown are named in its audit record."""
    area_id = actor.principal.area_id
    if area_id is None or not may_read_audit(actor.principal):
        actor.deny("audit_query", "Data protection officers read the retention schedule")
    months = platform.marac.get_area(area_id).settings.retention_months
    closed = [(case_id, date.fromisoformat(closed_on))
              for case_id, in_area, closed_on in platform.cases.closed_cases()
              if in_area == area_id]
    accesses = platform.cases.access([case_id for case_id, _ in closed])
    today = platform.marac.today()  # as the retention job reckons its day
    erasures = sorted((ScheduledErasure(case_id, closed_on, retention_ends(closed_on, months),
                                        retention_expired(closed_on, months, today))
                       for case_id, closed_on in closed if case_id in accesses
                       and may_see_case_metadata(actor.viewer, accesses[case_id])),
                      key=lambda e: (e.erasure_due, str(e.case_id)))
    actor.audit.record("audit_query", "allowed",
                       items=("retention_schedule", *(str(e.case_id) for e in erasures)))
    return RetentionSchedule(months, tuple(erasures))


def run_retention(platform: Platform, job: SystemJob, today: date, *,
                  dry_run: bool = False, progress: Progress | None = None) -> list[UUID]:
    """Erase every case whose area's retention period has ended; returns the cases erased.
    `progress` is told the cases erased so far and how many are due, after each."""
    months = {area.id: area.settings.retention_months for area in platform.marac.areas()}
    expired = [(case_id, area_id) for case_id, area_id, closed_on in platform.cases.closed_cases()
               if area_id in months
               and retention_expired(date.fromisoformat(closed_on), months[area_id], today)]
    if dry_run:
        return [case_id for case_id, _ in expired]
    erased: list[UUID] = []
    for done, (case_id, area_id) in enumerate(expired):
        if progress is not None:
            progress(done, len(expired))
        family = platform.eraser.family(case_id)
        # Recorded before the keys go: an erasure that could not be audited does not happen.
        for member in family:
            job.step().audit.record("erase", "allowed", case_id=member, area_id=area_id)
        erased += [r.scope_id for r in platform.eraser.erase(case_id, "retention_expired")]
    if progress is not None:
        progress(len(expired), len(expired))
    return erased


def erase_expired_subject_access(platform: Platform, job: SystemJob, today: date, *,
                                 dry_run: bool = False,
                                 progress: Progress | None = None) -> list[UUID]:
    """Destroy the own key of every subject access request whose retention has ended
    (domain/retention.py), so the subject's identifiers in its events can no longer be read;
    each erasure audited first. Returns the requests erased."""
    shredded = {record.scope_id for record in platform.keyring.shred_ledger()}
    expired: list[SubjectAccessRequest] = []
    for request_id in _subject_access_requests(platform):
        if request_id in shredded:
            continue
        try:
            request: SubjectAccessRequest = platform.marac.repository.get(request_id)
        except CaseErased:  # shredded since the ledger was read
            continue
        if today >= subject_access_retention_ends(request.received_on, request.disclosed_on):
            expired.append(request)
    if dry_run:
        return [r.id for r in expired]
    for done, request in enumerate(expired):
        if progress is not None:
            progress(done, len(expired))
        # Recorded before the key goes: an erasure that could not be audited does not happen.
        job.step().audit.record("erase_subject_access", "allowed", items=(str(request.id),),
                                area_id=request.area_id)
        platform.keyring.shred(request.id, "retention_expired")
    if progress is not None:
        progress(len(expired), len(expired))
    return [r.id for r in expired]


def _subject_access_requests(platform: Platform, batch: int = 1000) -> list[UUID]:
    """Every request ever received, from the notification log (its topics are plaintext):
    the log is the one complete list, including a request whose answer failed part-way."""
    topic = f"{get_topic(SubjectAccessRequest)}.{RECEIVED}"
    found: list[UUID] = []
    start = 0
    while True:
        page = platform.marac.recorder.select_notifications(
            start=start, limit=batch, topics=[topic], inclusive_of_start=False)
        found += [UUID(str(n.originator_id)) for n in page]
        if len(page) < batch:
            return found
        start = page[-1].id
