"""The audit trail's verification status for its DPO: the whole trail checked now, as `marac
audit verify` checks it (services/trail_verification.py, as GET /api/v1/audit/verification)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.trail_verification import verification_status
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# What each kind of fault means, for a person (audit/verify.py names them).
FAULTS = {
    "changed": "A record was changed after it was written",
    "deleted": "Records are missing",
    "reordered": "Records were moved",
    "truncated": "Records at the end are missing",
    "rewritten": "The trail was rewritten since the witness co-signed it",
    "checkpoint_mismatch": "The records differ from what a signed checkpoint covers",
    "bad_signature": "A checkpoint's signature does not hold",
    "checkpoints_disagree": "Two checkpoints of the same size disagree",
    "checkpoint_deleted": "A checkpoint the witness co-signed is missing",
    "checkpoint_replaced": "A checkpoint the witness co-signed was replaced",
    "bad_witness_signature": "A co-signature of the witness does not hold",
    "witness_mismatch": "The trail no longer gives what the witness co-signed",
}


@router.get("/audit/verification")
def verification(request: Request, person: CurrentPerson) -> Response:
    status = verification_status(platform_of(request), actor_of(request, person))
    return render("audit/verification.html", {**layout(person, "verification"),
                                              "status": status, "faults": FAULTS})
