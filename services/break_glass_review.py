"""The DPO's list of break-glass uses: each use the trail records, with the reason given for it
and its times, read from the case, and the review's note (both sealed under the case's key).
They are the only case content a DPO reads, and only where the policy lets this DPO review the
use (security/policy.may_review_break_glass); the list's audit record names the uses shown
(purpose `break_glass_review`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from audit.queries import break_glass_uses
from audit.review_notes import open_note
from domain.access import BreakGlass
from projections.cases import CaseDocument
from security.documents import DocumentSealer
from security.errors import TamperedCiphertext
from security.policy import may_read_audit, may_review_break_glass
from services.actor import Actor
from services.case_access import Stores

PURPOSE = "break_glass_review"

NoteStatus = Literal["readable", "none", "erased", "tampered", "withheld"]


@dataclass(frozen=True)
class BreakGlassUse:
    """A use as the trail records it (its record's fields, as the audit records list gives
    them), its review if any, and what of the case this DPO may read: `reviewable` says
    whether they may review it; where they may not, the reason, times and note are withheld
    (None). They are None too where the case is gone (erased) or not yet projected."""

    seq: int
    at: datetime
    request_id: str
    actor: str
    actor_kind: str
    agency_id: UUID | None
    client_id: str | None
    roles: str
    action: str
    purpose: str | None
    case_id: UUID | None
    outcome: str
    item_ids: str
    area_id: UUID | None
    review_decision: str | None
    reviewer: str | None
    reviewed_at: datetime | None
    reviewable: bool
    reason: str | None
    opened_at: datetime | None
    expires_at: datetime | None
    note: str | None
    note_status: NoteStatus


def list_uses(stores: Stores, actor: Actor, *, pending_only: bool,
              seq: int | None = None) -> list[BreakGlassUse]:
    """The area's break-glass uses (those awaiting review, or all), for its DPOs; `seq`: only
    that one (a review page), if it is the area's."""
    area_id = actor.principal.area_id
    actor.require(may_read_audit(actor.principal), "audit_query",
                  "Only data protection officers query the audit trail")
    uses = [u for u in break_glass_uses(stores.audit, area_id, pending_only=pending_only)
            if seq is None or u["seq"] == seq]
    case_ids = sorted({UUID(u["case_id"]) for u in uses if u["case_id"]}, key=str)
    accesses = stores.cases.access(case_ids)
    sealer = DocumentSealer(stores.keyring)
    documents: dict[UUID, CaseDocument | None] = {}
    shown = []
    for use in uses:
        case_id = UUID(use["case_id"]) if use["case_id"] else None
        access = accesses.get(case_id) if case_id else None
        if not may_review_break_glass(actor.viewer, use["actor"], access):
            shown.append(_use(use, reviewable=False, session=None, note=None,
                              note_status="withheld"))
            continue
        if case_id is not None and case_id not in documents:
            documents[case_id] = stores.cases.document(case_id)
        session = _session(documents.get(case_id) if case_id else None, use["actor"],
                           use["at"])
        note, status = _note(sealer, case_id, use["seq"], use["note_sealed"])
        shown.append(_use(use, reviewable=True, session=session, note=note,
                          note_status=status))
    actor.audit.record("audit_query", "allowed", purpose=PURPOSE,
                       items=tuple(str(u.seq) for u in shown))
    return shown


def _use(use: Mapping[str, Any], *, reviewable: bool, session: BreakGlass | None,
         note: str | None, note_status: NoteStatus) -> BreakGlassUse:
    return BreakGlassUse(
        seq=int(use["seq"]), at=datetime.fromisoformat(use["at"]),
        request_id=use["request_id"], actor=use["actor"], actor_kind=use["actor_kind"],
        agency_id=_uuid(use["agency_id"]), client_id=use["client_id"], roles=use["roles"],
        action=use["action"], purpose=use["purpose"], case_id=_uuid(use["case_id"]),
        outcome=use["outcome"], item_ids=use["item_ids"], area_id=_uuid(use["area_id"]),
        review_decision=use["review_decision"], reviewer=use["reviewer"],
        reviewed_at=_when(use["reviewed_at"]), reviewable=reviewable,
        reason=session.reason if session else None,
        opened_at=session.opened_at if session else None,
        expires_at=session.expires_at if session else None, note=note, note_status=note_status)


def _uuid(text: str | None) -> UUID | None:
    return UUID(text) if text else None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _note(sealer: DocumentSealer, case_id: UUID | None, seq: int,
          sealed: bytes | None) -> tuple[str | None, NoteStatus]:
    """The review's note and what became of it: `readable`, `none` (not reviewed, or reviewed
    before notes were kept, or on a case already erased), `erased` (its case was erased since),
    or `tampered` (sealed for another review, or altered: evidence for the DPO, not a 500)."""
    if sealed is None or case_id is None:
        return None, "none"
    try:
        note = open_note(sealer, case_id, seq, sealed)
    except TamperedCiphertext:
        return None, "tampered"
    return (note, "readable") if note is not None else (None, "erased")


def _session(document: CaseDocument | None, actor: str, at: str) -> BreakGlass | None:
    """The actor's latest session opened by the time of the use's record: the record is
    written once the session is open in memory, just before it is saved."""
    if document is None:
        return None
    recorded = datetime.fromisoformat(at)
    opened = [s for s in document.access.break_glass
              if s.person == actor and s.opened_at <= recorded]
    return max(opened, key=lambda s: s.opened_at, default=None)
