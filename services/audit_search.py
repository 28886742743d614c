"""The DPO's search of the audit trail: who accessed case X, everything person Y accessed,
denied attempts; by time, agency and action. Only the DPO's own area; no case content. The
search (or export) is itself recorded, naming the records it returned."""

from __future__ import annotations

import dataclasses

from audit.actions import AuditAction
from audit.queries import AuditFilter, AuditRecordRow, search
from security.policy import may_read_audit
from services.actor import Actor
from services.case_access import Stores


def search_records(stores: Stores, actor: Actor, wanted: AuditFilter, *,
                   export: bool = False) -> list[AuditRecordRow]:
    """`wanted`'s area is the DPO's own, whatever was asked; `export`: a download (CSV,
    JSON), recorded as such."""
    action: AuditAction = "export" if export else "audit_query"
    actor.require(may_read_audit(actor.principal), action,
                  "Only data protection officers query the audit trail")
    found = search(stores.audit, dataclasses.replace(wanted, area_id=actor.principal.area_id))
    actor.audit.record(action, "allowed", case_id=wanted.case_id,
                       items=tuple(str(r.seq) for r in found))
    return found
