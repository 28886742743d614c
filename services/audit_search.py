"""The DPO's search of the audit trail: who accessed case X, everything person Y accessed,
denied attempts; by time, agency and action. Only the DPO's own area; no case content. The
search (or export) is itself recorded, naming the records it returned."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from audit.actions import AuditAction
from audit.queries import AuditFilter, AuditRecordRow, search
from security.identity import Principal
from security.policy import may_read_audit
from services.actor import Actor
from services.agency_names import AgencyName
from services.case_access import Stores
from services.partnership import agency_directory


def reads_audit(principal: Principal) -> bool:
    """Whether the person is a data protection officer of an area (their pages offer the
    trail, break-glass reviews, verification, retention and restriction reviews)."""
    return may_read_audit(principal)


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


@dataclass(frozen=True)
class AuditSearchPage:
    """A page of the search; `next_after_seq` where a next page may hold more; `agencies`: the
    DPO's area's agencies by name (configuration, not case content), to filter by and to show
    the records' agencies by."""

    records: list[AuditRecordRow]
    next_after_seq: int | None
    agencies: tuple[AgencyName, ...]


def search_page(stores: Stores, actor: Actor, wanted: AuditFilter) -> AuditSearchPage:
    """A page of the search (keyset: `wanted.after_seq`), recorded as search_records does."""
    found = search_records(stores, actor, wanted)
    return AuditSearchPage(found, found[-1].seq if len(found) == wanted.limit else None,
                           _area_agencies(stores, actor))


def area_agencies(stores: Stores, actor: Actor) -> tuple[AgencyName, ...]:
    """The DPO's area's agencies by name, to search by (a search form shown again with its
    errors): configuration, so no read is recorded, but a refusal is."""
    actor.require(may_read_audit(actor.principal), "audit_query",
                  "Only data protection officers query the audit trail")
    return _area_agencies(stores, actor)


def _area_agencies(stores: Stores, actor: Actor) -> tuple[AgencyName, ...]:
    area_id = actor.principal.area_id
    return tuple(sorted((AgencyName(e.id, e.name, e.code) for e in
                         agency_directory(stores).values() if e.area_id == area_id),
                        key=lambda a: (a.name or "", str(a.agency_id))))
