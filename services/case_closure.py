"""Closing a case, and each involved agency's acknowledgement that it has been told
(services/closure.py says who has been told, and whether late)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.actions import ActionDisposal
from security.policy import CaseAccess, agencies_told_of_closure, list_filter, may_coordinate
from services.actor import Actor
from services.agency_names import AgencyName, agency_names
from services.case_access import Stores, case_not_found, coordinated, visible, writing
from services.case_view import CaseAction, closure_seen_by
from services.closure import ClosureState, closure_state
from services.partnership import all_agencies
from services.purposes import Purpose


def close(stores: Stores, actor: Actor, case_id: UUID, *, reason: str,
          disposals: Collection[ActionDisposal] = ()) -> None:
    """The agencies to be told are those that may see the case as the closure leaves it, as
    the policy says: an agency named to carry an action on among them. `disposals`: what
    becomes of each action still open (the domain refuses a closure that leaves one out,
    with `open_actions_unaccounted`)."""
    access = coordinated(stores, actor, case_id, "close")
    with writing(stores, actor, "close", case_id, access.area_id):
        stores.marac.close_case(case_id, by=actor.principal.subject, reason=reason,
                                inform=told_of_closure(access, stores.now(), disposals),
                                disposals=disposals)


def told_of_closure(access: CaseAccess, now: datetime,
                    disposals: Collection[ActionDisposal]) -> frozenset[UUID]:
    """Whom a closure with these `disposals` tells (any closure: a MARRAC case's fourth step
    too)."""
    carried = {d.carried_to for d in disposals if d.carried_to is not None}
    return agencies_told_of_closure(access, now, carried)


def acknowledge_closure(stores: Stores, actor: Actor, case_id: UUID) -> None:
    """An involved agency's representative confirms their agency has been told."""
    access, visibility = visible(stores, actor, case_id, "acknowledge_closure")
    agency_id = visibility.agency_id
    if actor.principal.kind != "person" or agency_id is None:
        actor.deny("acknowledge_closure",
                   "An agency's staff acknowledge a closure for their agency",
                   case_id=case_id, area_id=access.area_id)
    with writing(stores, actor, "acknowledge_closure", case_id, access.area_id):
        stores.marac.acknowledge_closure(case_id, agency_id, by=actor.principal.subject)


@dataclass(frozen=True)
class ClosurePage:
    """A case's closure as the caller may see it. Open: for the coordinators, the actions
    still open, each of which the closure must account for, and the area's agencies that may
    carry one on. Closed: who has been told (every agency for the coordinators, their own
    agency's part for anyone else), and whether the caller's agency is still to acknowledge
    it. `agencies`: the area's, by which the page names them (configuration, not case
    content)."""

    case_id: UUID
    label: str | None
    closure: ClosureState | None
    may_close: bool
    open_actions: tuple[CaseAction, ...]
    agencies: tuple[AgencyName, ...]
    may_acknowledge: bool


def closure_page(stores: Stores, actor: Actor, case_id: UUID) -> ClosurePage:
    """Read for following up the case's actions (a case the caller may not see is the
    uniform 404); the record names the open actions shown."""
    purpose = Purpose.action_follow_up.value
    access, visibility = visible(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    now = stores.now()
    state = closure_state(document, now)
    may_close = state is None and may_coordinate(actor.viewer, access, now)
    open_actions = [a for a in document.actions if a.outcome is None] if may_close else []
    actor.audit.record_before_response(
        "read", "allowed", case_id=case_id, purpose=purpose, area_id=access.area_id,
        items=("closure", *(str(a.action_id) for a in open_actions)))
    names = agency_names(stores, (a.owner_agency for a in open_actions))
    agency = visibility.agency_id
    return ClosurePage(
        case_id=case_id, label=stores.cases.labels([case_id]).get(case_id),
        closure=closure_seen_by(state, visibility) if state else None,
        may_close=may_close,
        open_actions=tuple(CaseAction.of(a, names, now.date()) for a in open_actions),
        agencies=tuple(AgencyName(a.id, a.name, a.code)
                       for a in all_agencies(stores, access.area_id)),
        may_acknowledge=(state is not None and actor.principal.kind == "person"
                         and agency is not None and agency in state.outstanding))


# How many of the agency's closed cases (the latest referred first) are looked through for an
# acknowledgement still owed: one is due within a working day of the closure, so an owed one
# is among the agency's recent cases; each looked at is a document read.
RECENT_CLOSURES = 25


@dataclass(frozen=True)
class ClosureToAcknowledge:
    case_id: UUID
    label: str | None
    closed_on: date
    inform_by: datetime
    # Past the time by which the agencies were to be told.
    late: bool


def closures_to_acknowledge(stores: Stores, actor: Actor) -> list[ClosureToAcknowledge]:
    """The closed cases the caller's agency was told of and has not yet acknowledged, among
    the RECENT_CLOSURES closed cases it is involved in that were referred last (those the
    caller may see); the record names each case shown."""
    p = actor.principal
    agency = p.agency_id
    if p.kind != "person" or agency is None:
        actor.deny("list", "An agency's staff acknowledge a closure for their agency")
    now = stores.now()
    found = stores.cases.list.page(list_filter(actor.viewer, now), size=RECENT_CLOSURES,
                                   status="closed", involving=agency)
    owed: list[tuple[UUID, ClosureState]] = []
    for case_id in found.case_ids:
        document = stores.cases.document(case_id)
        state = closure_state(document, now) if document else None
        if state is not None and agency in state.outstanding:
            owed.append((case_id, state))
    actor.audit.record("list", "allowed", items=tuple(str(c) for c, _ in owed))
    labels = stores.cases.labels([c for c, _ in owed]) if owed else {}
    return [ClosureToAcknowledge(c, labels.get(c), s.closed_on, s.inform_by,
                                 s.informed[agency].late) for c, s in owed]
