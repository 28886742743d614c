"""The DPO's review of break-glass uses: each use the trail records, with the reason given for
it and its times, read from the case, and the review's note (both sealed under the case's
key). They are the only case content a DPO reads, and only where the policy lets this DPO
review the use (security/policy.may_review_break_glass); the request's audit record names the
read (purpose `break_glass_review`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from api.bootstrap import Platform
from audit.review_notes import open_note
from security.documents import DocumentSealer
from security.errors import TamperedCiphertext
from security.policy import Viewer, may_review_break_glass

PURPOSE = "break_glass_review"


def with_reasons(platform: Platform, viewer: Viewer,
                 uses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each use with `reviewable` (whether this DPO may review it), and, where they may,
    `reason`, `opened_at`, `expires_at` and the review's `note` (with `note_status`); None for
    each where its case is gone (erased) or not yet projected."""
    case_ids = sorted({UUID(u["case_id"]) for u in uses if u["case_id"]}, key=str)
    accesses = platform.cases.access(case_ids)
    sealer = DocumentSealer(platform.keyring)
    documents: dict[str, dict[str, Any] | None] = {}
    shown = []
    for use in uses:
        stored = {k: v for k, v in use.items() if k != "note_sealed"}
        case_id = use["case_id"]
        access = accesses.get(UUID(case_id)) if case_id else None
        if not may_review_break_glass(viewer, use["actor"], access):
            shown.append({**stored, "reviewable": False, "reason": None, "opened_at": None,
                          "expires_at": None, "note": None, "note_status": "withheld"})
            continue
        if case_id not in documents:
            documents[case_id] = platform.cases.document(UUID(case_id)) if case_id else None
        session = _session(documents[case_id], use["actor"], use["at"])
        note, status = _note(sealer, case_id, use["seq"], use["note_sealed"])
        shown.append({**stored, "reviewable": True, "reason": session.get("reason"),
                      "opened_at": session.get("opened_at"),
                      "expires_at": session.get("expires_at"), "note": note,
                      "note_status": status})
    return shown


def _note(sealer: DocumentSealer, case_id: str | None, seq: int,
          sealed: bytes | None) -> tuple[str | None, str]:
    """The review's note and what became of it: `readable`, `none` (not reviewed, or reviewed
    before notes were kept, or on a case already erased), `erased` (its case was erased since),
    or `tampered` (sealed for another review, or altered: evidence for the DPO, not a 500)."""
    if sealed is None or case_id is None:
        return None, "none"
    try:
        note = open_note(sealer, UUID(case_id), seq, sealed)
    except TamperedCiphertext:
        return None, "tampered"
    return (note, "readable") if note is not None else (None, "erased")


def _session(document: dict[str, Any] | None, actor: str, at: str) -> dict[str, Any]:
    """The actor's latest session opened by the time of the use's record: the record is
    written once the session is open in memory, just before it is saved."""
    if document is None:
        return {}
    recorded = datetime.fromisoformat(at)
    opened = [s for s in document["access"]["break_glass"]
              if s["person"] == actor and datetime.fromisoformat(s["opened_at"]) <= recorded]
    return max(opened, key=lambda s: datetime.fromisoformat(s["opened_at"]), default={})
