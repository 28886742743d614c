"""Who acts, for what purpose, and where their one audit record goes.

"Ask the policy, record a denial, refuse" is one call (`Actor.require`), so that no use case can
refuse without a record or record without refusing. The worker and the command line act as
system actors through the same trail, so every audit record is made here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NoReturn

from audit.actions import AuditAction
from audit.sink import AuditSink, TrailAudit
from security.identity import Principal
from security.policy import Viewer
from services.errors import Forbidden

# The sink and the trail's audit live in audit/sink.py, so that feeds/ (below the services)
# records through the same code; use cases import them from here.
__all__ = ["Actor", "AuditSink", "TrailAudit"]


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
             items: tuple[str, ...] = (), code: str | None = None) -> NoReturn:
        """`items`, `code`: what was asked for (a report's kind and period), and the refusal's
        more precise code, where the caller has them."""
        self.audit.record(action, "denied", case_id=case_id, purpose=purpose, area_id=area_id,
                          items=items)
        raise Forbidden(message, code=code)

    def require(self, allowed: bool, action: AuditAction, message: str, *,
                case_id: uuid.UUID | None = None, area_id: uuid.UUID | None = None,
                purpose: str | None = None, items: tuple[str, ...] = (),
                code: str | None = None) -> None:
        """The policy's answer, asked by the caller of a `security.policy` function: refused,
        it is recorded as denied and raised as Forbidden (`code`: a more precise one than
        `forbidden`), in this one call."""
        if not allowed:
            self.deny(action, message, case_id=case_id, area_id=area_id, purpose=purpose,
                      items=items, code=code)
