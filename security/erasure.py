"""Erasure of a case by crypto-shredding, and every step that goes with it.

A case's family (the case and the repeat referrals merged into it, which hold the same victim's
story under their own keys) is found from the aggregate while it is readable, and from the
read model's plaintext `repeat_of` ids after: so an erasure interrupted half-way finishes on
retry. After the keys go, the identifier index and read models are purged; the same purge runs
again for any key a restored backup brought back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from uuid import UUID

from domain.application import Marac
from domain.exceptions import CaseErased
from security.keyring import Keyring, ShredRecord

Purge = Callable[[UUID], None]


class Eraser:
    def __init__(
        self,
        app: Marac,
        keyring: Keyring,
        *,
        linked_repeats: Callable[[UUID], Sequence[UUID]] = lambda _: (),
        purges: Sequence[Purge] = (),
    ) -> None:
        self.app = app
        self.keyring = keyring
        self.linked_repeats = linked_repeats
        self.purges = [app.identifier_index.forget, *purges]

    def family(self, case_id: UUID) -> list[UUID]:
        members = {case_id, *self.linked_repeats(case_id)}
        # Once shredded, the aggregate is unreadable and the read model names the repeats.
        with suppress(CaseErased):
            members.update(self.app.get_case(case_id).repeat_referrals)
        return sorted(members, key=lambda m: (m != case_id, str(m)))

    def erase(self, case_id: UUID, reason: str) -> list[ShredRecord]:
        """Raises CaseNotFound for a case that never existed."""
        if not self.keyring.is_shredded(case_id):
            self.app.get_case(case_id)  # CaseNotFound for an unknown id
        family = self.family(case_id)
        records = [self.keyring.shred(member, reason) for member in family]
        for member in family:
            self._purge(member)
        return records

    def reapply(self) -> list[UUID]:
        """After a restore: destroy again the keys the ledger file names, and purge again."""
        revived = self.keyring.reapply_ledger()
        for scope in revived:
            self._purge(scope)
        return revived

    def _purge(self, case_id: UUID) -> None:
        for purge in self.purges:
            purge(case_id)

