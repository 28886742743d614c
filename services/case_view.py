"""A case as its caller may see it: the items whose audience includes them, the repeats and
links they may see, and its closure (all of it for coordinators; their own agency's part for
anyone else). The read's audit record names every item shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.access import Audience
from domain.actions import ActionNote
from projections.cases import item_facts
from security.policy import Visibility, item_visible, sees_every_agency_told
from services.actor import Actor
from services.case_access import Stores, case_not_found, visible, visible_cases
from services.case_lists import CaseSummary, summaries
from services.closure import ClosureState, closure_state


@dataclass(frozen=True)
class CaseItem:
    """Information shared on a case: research, a disclosure, a risk, a note."""

    item_id: UUID
    kind: str
    text: str
    audience: Audience
    author_agency: UUID
    recorded_at: datetime

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> CaseItem:
        audience = item["audience"]
        return cls(UUID(item["item_id"]), item["kind"], item["text"],
                   Audience(audience["kind"], tuple(UUID(a) for a in audience["agencies"])),
                   UUID(item["author_agency"]), datetime.fromisoformat(item["recorded_at"]))


@dataclass(frozen=True)
class CaseAction:
    """A SMART action agreed for the case, with its owner's progress notes."""

    action_id: UUID
    owner_agency: UUID
    description: str
    for_whom: str
    due_on: date
    agreed_by: str
    agreed_on: date
    meeting_id: UUID | None
    outcome: str | None
    escalated: bool
    notes: tuple[ActionNote, ...]

    @classmethod
    def of(cls, action: Mapping[str, Any]) -> CaseAction:
        meeting = action.get("meeting_id")
        return cls(
            UUID(action["action_id"]), UUID(action["owner_agency"]), action["description"],
            action["for_whom"], date.fromisoformat(action["due_on"]), action["agreed_by"],
            date.fromisoformat(action["agreed_on"]), UUID(meeting) if meeting else None,
            action.get("outcome"), bool(action.get("escalated")),
            tuple(ActionNote(UUID(n["action_id"]), n["note"], n["by"],
                             date.fromisoformat(n["on"]), n.get("outcome"))
                  for n in action.get("notes", [])))


@dataclass(frozen=True)
class CaseView:
    summary: CaseSummary
    closure: ClosureState | None
    # The referral and decision as recorded; typed with the read model (issue 14, point 2).
    referral: Mapping[str, Any]
    decision: Mapping[str, Any] | None
    repeat_referrals: tuple[UUID, ...]
    items: tuple[CaseItem, ...]
    actions: tuple[CaseAction, ...]
    # Grants, restriction and exclusions; onward referrals and social care: for those who
    # see every item (coordinators) only.
    access: Mapping[str, Any] | None
    safeguarding: Mapping[str, Any] | None


def view(stores: Stores, actor: Actor, case_id: UUID) -> CaseView:
    """The case for the actor's purpose; one they may not see is the uniform 404."""
    access, visibility = visible(stores, actor, case_id, "read", actor.purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    items = [i for i in document["items"]
             if item_visible(actor.viewer, visibility, item_facts(i))]
    shown = ["referral", *(["decision"] if document["decision"] else []),
             *(i["item_id"] for i in items)]
    repeats = visible_cases(stores, actor, [UUID(r) for r in document["repeat_referrals"]])
    (summary,) = summaries(stores, actor, [document])
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, items=tuple(shown),
                                       area_id=access.area_id)
    return CaseView(
        summary=summary,
        closure=closure_seen_by(closure_state(document, stores.now()), visibility)
        if document.get("closed_on") else None,
        referral=document["referral"],
        decision=document["decision"],
        repeat_referrals=tuple(sorted(repeats, key=str)),
        items=tuple(CaseItem.of(i) for i in items),
        actions=tuple(CaseAction.of(a) for a in document.get("actions", [])),
        access=document["access"] if visibility.all_items else None,
        safeguarding=document.get("safeguarding") if visibility.all_items else None,
    )


def closure_seen_by(closure: ClosureState, visibility: Visibility) -> ClosureState:
    """All of the closure, or the caller's own agency's part of it and whether that was late,
    as `security.policy.sees_every_agency_told` says."""
    if sees_every_agency_told(visibility):
        return closure
    own = {a: t for a, t in closure.informed.items() if a == visibility.agency_id}
    return replace(closure, informed=own,
                   outstanding=tuple(a for a in closure.outstanding if a in own),
                   late=any(t.late for t in own.values()))
