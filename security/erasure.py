"""Erasure of a case by crypto-shredding: its key, its linked repeat referrals, its index."""

from __future__ import annotations

from uuid import UUID

from domain.application import Marac
from domain.exceptions import CaseErased
from security.keyring import Keyring, ShredRecord


def erase_case(app: Marac, keyring: Keyring, case_id: UUID, reason: str) -> list[ShredRecord]:
    """Shred a case and the repeat referrals merged into it (they hold the same victim's
    story under their own keys). Raises CaseNotFound for an unknown case."""
    try:
        family = [case_id, *app.get_case(case_id).repeat_referrals]
    except CaseErased:
        family = [case_id]  # already shredded: make sure the ledger and index agree
    records = []
    for member in family:
        records.append(keyring.shred(member, reason))
        app.identifier_index.forget(member)
    return records
