"""The note on a DPO's review of a break-glass use, sealed under the case's data key.

A note may name people (who was at the office, who called), so it never sits in a plaintext
column: it is kept in `audit_reviews.note_sealed`, sealed like the case's read models and
bound to its review (the record's sequence number inside, the table and the case as
associated data). Erasing the case destroys the key and makes the note unreadable with the
rest of the case, while the review's decision, reviewer and time stay with the trail."""

from __future__ import annotations

from uuid import UUID

from domain.exceptions import CaseErased
from security.documents import DocumentSealer
from security.errors import MissingDataKey, TamperedCiphertext

TABLE = "audit_reviews"
COLUMN = "note_sealed"


def seal_note(sealer: DocumentSealer, case_id: UUID, seq: int, note: str) -> bytes | None:
    """The sealed note, or None when the case is erased: a note written after the erasure is
    as unreadable as one the erasure reached, so it is not kept at all."""
    try:
        return sealer.seal(TABLE, case_id, {"seq": seq, "note": note})
    except (CaseErased, MissingDataKey):
        return None


def open_note(sealer: DocumentSealer, case_id: UUID, seq: int, sealed: bytes) -> str | None:
    """The note, or None once the case is erased. A note sealed for another review of the
    same case (a row copied) is refused as tampered."""
    try:
        document = sealer.open(TABLE, case_id, bytes(sealed))
    except (CaseErased, MissingDataKey):
        return None
    if document.get("seq") != seq:
        raise TamperedCiphertext(f"the note of review {seq} was sealed for another review")
    note: str = document["note"]
    return note
