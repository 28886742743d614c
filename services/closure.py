"""A closed case's informing: who has been told of the closure, when, and whether late."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.case import inform_by, told_late
from projections.cases import CaseDocument


@dataclass(frozen=True)
class AgencyTold:
    told_at: datetime | None
    late: bool


@dataclass(frozen=True)
class ClosureState:
    closed_on: date
    closed_at: datetime | None
    inform_by: datetime
    reason: str
    informed: Mapping[UUID, AgencyTold]
    outstanding: tuple[UUID, ...]
    late: bool


def closure_state(document: CaseDocument, now: datetime) -> ClosureState | None:
    """None while the case is open. An agency told, as the read model judged it when it was
    told; one not yet told (or told before lateness was kept), judged now."""
    closed_on = document.closed_on
    if closed_on is None:
        return None
    # Every closed document has its deadline (`CaseDocument` reads an older one's from its
    # date); the fallback is that reading's, for the type's sake.
    deadline = document.inform_by or inform_by(closed_on, None)
    informed = {agency: AgencyTold(
        told_at=told.told_at,
        late=told_late(deadline, told.told_at or now) if told.late is None else told.late)
        for agency, told in document.closure_told.items()}
    return ClosureState(
        closed_on=closed_on, closed_at=document.closed_at, inform_by=deadline,
        reason=document.closure_reason or "", informed=informed,
        outstanding=tuple(sorted((a for a, t in informed.items() if t.told_at is None),
                                 key=str)),
        late=any(t.late for t in informed.values()))
