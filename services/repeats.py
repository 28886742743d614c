"""Possible repeat referrals: earlier cases in the area whose victim shares an identifier
with this case's, for the coordinators deciding whether it is a repeat. Only cases the caller
may see are named."""

from __future__ import annotations

from uuid import UUID

from domain.application import PossibleRepeat
from services.actor import Actor
from services.case_access import Stores, coordinated, visible_cases

__all__ = ["PossibleRepeat", "possible_repeats", "visible_repeats"]


def possible_repeats(stores: Stores, actor: Actor, case_id: UUID) -> list[PossibleRepeat]:
    """For the actor's purpose; a case they may not coordinate is refused (or, unseen, the
    uniform 404)."""
    coordinated(stores, actor, case_id, "read", actor.purpose)
    shown = visible_repeats(stores, actor, case_id)
    actor.audit.record("read", "allowed", case_id=case_id, purpose=actor.purpose,
                       items=tuple(str(f.case_id) for f in shown))
    return shown


def visible_repeats(stores: Stores, actor: Actor, case_id: UUID) -> list[PossibleRepeat]:
    """The possible repeats of a case the caller coordinates (they asked) that they may see,
    unrecorded: the caller's read records them with whatever else it shows."""
    found = stores.marac.possible_repeats(case_id)
    seen = set(visible_cases(stores, actor, [f.case_id for f in found]))
    return [f for f in found if f.case_id in seen]
