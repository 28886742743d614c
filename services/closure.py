"""A closed case's informing: who has been told of the closure, when, and whether late."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.case import inform_by, told_late


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


def closure_state(document: Mapping[str, Any], now: datetime) -> ClosureState:
    """An agency told, as the read model judged it when it was told; one not yet told,
    judged now."""
    closed_on = date.fromisoformat(document["closed_on"])
    if "closure_told" in document:
        deadline, told = datetime.fromisoformat(document["inform_by"]), document["closure_told"]
    else:  # sealed before a closure's time was kept: it has its date only
        deadline = inform_by(closed_on, None)
        told = {agency: {"told_at": at, "late": None}
                for agency, at in document.get("closure_informed", {}).items()}
    informed: dict[UUID, AgencyTold] = {}
    for agency, record in told.items():
        at = datetime.fromisoformat(record["told_at"]) if record["told_at"] else None
        late = told_late(deadline, at or now) if record["late"] is None else record["late"]
        informed[UUID(agency)] = AgencyTold(told_at=at, late=late)
    closed_at = document.get("closed_at")
    return ClosureState(
        closed_on=closed_on, closed_at=datetime.fromisoformat(closed_at) if closed_at else None,
        inform_by=deadline, reason=document["closure_reason"], informed=informed,
        outstanding=tuple(sorted((a for a, t in informed.items() if t.told_at is None),
                                 key=str)),
        late=any(t.late for t in informed.values()))
