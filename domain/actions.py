"""SMART actions agreed for a case: one owning agency, for whom, what, by when; progress and
an outcome recorded by the owner; overdue when open past its due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args
from uuid import UUID

ForWhom = Literal["victim", "perpetrator", "child", "household"]
FOR_WHOM: tuple[str, ...] = get_args(ForWhom)
Outcome = Literal["completed", "changed_circumstance", "not_done"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
# How an action ended: an outcome its owner recorded, or closed with its case (at closure).
Ending = Outcome | Literal["closed_with_case"]


@dataclass(frozen=True)
class SmartAction:
    action_id: UUID
    owner_agency: UUID
    description: str
    for_whom: ForWhom
    due_on: date
    agreed_by: str
    agreed_on: date
    # The hearing that agreed it, if any (MARRAC plans are agreed without one).
    meeting_id: UUID | None = None


@dataclass(frozen=True)
class ActionNote:
    action_id: UUID
    note: str
    by: str
    on: date
    outcome: Outcome | None = None


def is_overdue(due_on: date, outcome: str | None, today: date) -> bool:
    """Open after the day it was due (the due date itself is still in time)."""
    return outcome is None and today > due_on


# What a closure does with an action still open: the owner reports it done, another agency
# carries it on after the case closes, or it ends with the case.
Fate = Literal["completed", "carried", "closed_with_case"]
FATES: tuple[str, ...] = get_args(Fate)


@dataclass(frozen=True)
class ActionDisposal:
    """The closure's word on one open action. `carried_to`: the agency that carries it on,
    named when (and only when) it is carried."""

    action_id: UUID
    fate: Fate
    carried_to: UUID | None = None
