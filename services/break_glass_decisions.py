"""A DPO's review decision on a break-glass use (justified, not justified, referred for
investigation) with its note, sealed under the case's key; once, as reviews are append-only.
A use outside the DPO's area answers as missing; one the policy gives to another DPO (their
own use, or a case they are excluded from) is refused. Every outcome is recorded."""

from __future__ import annotations

from uuid import UUID

from audit.queries import ReviewError, break_glass_use, review_break_glass
from security.documents import DocumentSealer
from security.policy import may_read_audit, may_review_break_glass
from services.actor import Actor
from services.case_access import Stores
from services.errors import Invalid, NotFound


def decide(stores: Stores, actor: Actor, seq: int, *, decision: str, note: str) -> None:
    principal, items = actor.principal, (str(seq),)
    actor.require(may_read_audit(principal), "review",
                  "Only data protection officers query the audit trail")
    use = break_glass_use(stores.audit, seq, principal.area_id)
    if use is None:
        actor.audit.record("review", "not_found", items=items)
        raise NotFound(f"break-glass use {seq} not found")  # the uniform 404
    case_id = UUID(use["case_id"]) if use["case_id"] else None
    access = stores.cases.access([case_id]).get(case_id) if case_id else None
    actor.require(may_review_break_glass(actor.viewer, use["actor"], access), "review",
                  "This break-glass use is reviewed by another data protection officer (not "
                  "the person who used it, nor one excluded from its case)", items=items)
    try:
        review_break_glass(stores.audit, seq, decision=decision, note=note,
                           sealer=DocumentSealer(stores.keyring), reviewer=principal.subject,
                           at=stores.now(), area_id=principal.area_id)
    except LookupError:
        actor.audit.record("review", "not_found", items=items)
        raise NotFound(f"break-glass use {seq} not found") from None
    except ReviewError as exc:
        actor.audit.record("review", "rejected", items=items)
        raise Invalid(str(exc), code=ReviewError.code) from None
    actor.audit.record("review", "allowed", items=items)
