"""Who acts, for what purpose, and where their one audit record goes.

"Ask the policy, record a denial, refuse" is one call (`Actor.require`), so that no use case can
refuse without a record or record without refusing. The worker and the command line act as
system actors through the same trail, so every audit record is made here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn, Protocol

from audit.actions import AuditAction
from audit.trail import AuditRecord, AuditTrail
from security.identity import Principal
from security.policy import Viewer
from services.errors import Forbidden


class AuditSink(Protocol):
    """Where a use case writes its request's audit record: one record a request."""

    def record(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None = None,
               purpose: str | None = None, items: tuple[str, ...] = (),
               area_id: uuid.UUID | None = None) -> None: ...

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None: ...


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
        self._append(action, outcome, case_id=case_id, purpose=purpose, items=items,
                     area_id=area_id)
        self.written = True
        if self.on_record is not None:
            self.on_record(case_id)

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None:
        """A write recorded as allowed whose save then failed (a busy or lost database): a
        second record of the same request, outcome `failed`, so that the trail never shows a
        write that did not happen as if it had. The one exception to one record a request."""
        if not self.written:
            raise RuntimeError("a failed save follows the record of its write")
        self._append(action, "failed", case_id=case_id, purpose=None, items=(),
                     area_id=area_id)

    def _append(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None,
                purpose: str | None, items: tuple[str, ...], area_id: uuid.UUID | None) -> None:
        p = self.principal
        self.trail.record(AuditRecord(
            request_id=self.request_id, actor=p.subject, actor_kind=p.kind,
            agency_id=p.agency_id, client_id=p.client_id, roles=tuple(sorted(p.roles)),
            action=action, purpose=purpose, case_id=case_id, outcome=outcome, item_ids=items,
            at=self.now(), area_id=area_id or p.area_id,
        ))


@dataclass(frozen=True)
class Actor:
    """The caller of a use case: the viewer (principal and its keyed reference), the purpose
    they gave for reading case content, and their request's audit."""

    viewer: Viewer
    audit: AuditSink
    purpose: str | None = None

    @property
    def principal(self) -> Principal:
        return self.viewer.principal

    def deny(self, action: AuditAction, message: str, *, case_id: uuid.UUID | None = None,
             area_id: uuid.UUID | None = None, purpose: str | None = None,
             code: str | None = None, items: tuple[str, ...] = ()) -> NoReturn:
        self.audit.record(action, "denied", case_id=case_id, purpose=purpose, items=items,
                          area_id=area_id)
        raise Forbidden(message, code)

    def require(self, allowed: bool, action: AuditAction, message: str, *,
                case_id: uuid.UUID | None = None, area_id: uuid.UUID | None = None,
                purpose: str | None = None, code: str | None = None,
                items: tuple[str, ...] = ()) -> None:
        """The policy's answer, asked by the caller of a `security.policy` function: refused,
        it is recorded as denied and raised as Forbidden (`code`: a more precise one than
        `forbidden`), in this one call."""
        if not allowed:
            self.deny(action, message, case_id=case_id, area_id=area_id, purpose=purpose,
                      code=code, items=items)
