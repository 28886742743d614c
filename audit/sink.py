"""The audit of one request, or of one step of a system job: one record, made here.

Every record on the trail is made by `record_of` from a principal, so that the API's requests,
the worker's jobs and the command line's operators are recorded alike (services/actor.py gives
use cases the sink; feeds/delivery.py, below the services, uses it directly).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from audit.actions import AuditAction
from audit.trail import AuditRecord, AuditTrail
from security.identity import Principal


class AuditSink(Protocol):
    """Where a use case writes its request's audit record: one record a request."""

    request_id: str

    def record(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None = None,
               purpose: str | None = None, items: tuple[str, ...] = (),
               area_id: uuid.UUID | None = None) -> None: ...

    def record_before_response(self, action: AuditAction, outcome: str, *,
                               case_id: uuid.UUID | None = None, purpose: str | None = None,
                               items: tuple[str, ...] = (),
                               area_id: uuid.UUID | None = None) -> None: ...

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None: ...


def record_of(principal: Principal, request_id: str, action: AuditAction, outcome: str, *,
              at: datetime, case_id: uuid.UUID | None = None, purpose: str | None = None,
              items: tuple[str, ...] = (), area_id: uuid.UUID | None = None) -> AuditRecord:
    """The record of what `principal` did in request `request_id`. `area_id`: the case's
    area where known, so that its DPO sees the record; else the principal's."""
    p = principal
    return AuditRecord(
        request_id=request_id, actor=p.subject, actor_kind=p.kind, agency_id=p.agency_id,
        client_id=p.client_id, roles=tuple(sorted(p.roles)), action=action, purpose=purpose,
        case_id=case_id, outcome=outcome, item_ids=items, at=at, area_id=area_id or p.area_id)


@dataclass
class TrailAudit:
    """The audit of one request (or one job's step) written to the trail: one record, plus a
    `failed` record if a write recorded as allowed then fails to save. `on_record` lets an
    entrypoint note that the request was audited (the API's guard)."""

    trail: AuditTrail
    principal: Principal
    now: Callable[[], datetime]
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    on_record: Callable[[uuid.UUID | None], None] | None = None
    written: bool = False

    def record(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None = None,
               purpose: str | None = None, items: tuple[str, ...] = (),
               area_id: uuid.UUID | None = None) -> None:
        """`area_id`: the case's area where known, so that its DPO sees the record; else the
        principal's."""
        if self.written:
            raise RuntimeError("one audit record per request")
        self.trail.record(record_of(self.principal, self.request_id, action, outcome,
                                    at=self.now(), case_id=case_id, purpose=purpose,
                                    items=items, area_id=area_id))
        self.written = True
        if self.on_record is not None:
            self.on_record(case_id)

    def record_before_response(self, action: AuditAction, outcome: str, *,
                               case_id: uuid.UUID | None = None, purpose: str | None = None,
                               items: tuple[str, ...] = (),
                               area_id: uuid.UUID | None = None) -> None:
        """A read's record: with no response to hold back here, it is the same as `record`
        (the API's sink overlaps the append with building the response)."""
        self.record(action, outcome, case_id=case_id, purpose=purpose, items=items,
                    area_id=area_id)

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None:
        """A write recorded as allowed whose save then failed (a busy or lost database): a
        second record of the same request, outcome `failed`, so that the trail never shows a
        write that did not happen as if it had. The one exception to one record a request."""
        if not self.written:
            raise RuntimeError("a failed save follows the record of its write")
        self.trail.record(record_of(self.principal, self.request_id, action, "failed",
                                    at=self.now(), case_id=case_id, area_id=area_id))
