"""Action routing: each agreed action's owner agency, due date, outcome and escalation, for
the agencies' and the area's lists. What an action says stays in the sealed document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.actions import Outcome
from domain.case import Case
from storage.database import Cursor, Database

TABLE = "case_actions"
COLUMNS = ("action_id", "case_id", "area_id", "owner_agency_id", "due_on", "outcome",
           "escalated")


@dataclass(frozen=True)
class ActionRouting:
    """An agreed action's routing, no content: which case and area, whose, when due, and
    what became of it."""

    action_id: UUID
    case_id: UUID
    area_id: UUID
    owner_agency_id: UUID
    due_on: date
    outcome: Outcome | None
    escalated: bool

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> ActionRouting:
        """From a row of `COLUMNS`, as read."""
        action_id, case_id, area_id, owner, due_on, outcome, escalated = row
        return cls(UUID(action_id), UUID(case_id), UUID(area_id), UUID(owner),
                   date.fromisoformat(due_on), outcome, bool(escalated))


def write(cur: Cursor, cases: Sequence[Case]) -> None:
    rows = [(str(a.action_id), str(case.id), str(case.area_id), str(a.owner_agency),
             a.due_on.isoformat(), case.action_outcomes.get(a.action_id),
             1 if a.action_id in case.escalated_actions else 0)
            for case in cases for a in case.actions.values()]
    if rows:
        cur.executemany(
            "INSERT INTO case_actions (action_id, case_id, area_id, owner_agency_id, due_on,"
            " outcome, escalated) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


def actions(db: Database, *, owner: UUID | None = None, area_id: UUID | None = None,
            case_id: UUID | None = None, open_only: bool = True) -> list[ActionRouting]:
    """Action routing rows (no content), by owner agency, area or case."""
    clauses, params = ["1 = 1"], []
    if case_id is not None:
        clauses.append("case_id = %s")
        params.append(str(case_id))
    if owner is not None:
        clauses.append("owner_agency_id = %s")
        params.append(str(owner))
    if area_id is not None:
        clauses.append("area_id = %s")
        params.append(str(area_id))
    if open_only:
        clauses.append("outcome IS NULL")
    with db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM case_actions "  # noqa: S608
                    f"WHERE {' AND '.join(clauses)} ORDER BY due_on, action_id",
                    tuple(params))
        return [ActionRouting.of(r) for r in cur.fetchall()]
