"""The MARRAC use cases (Lancashire's coordinator-led model, no meeting): allocation by the team
leader to the least-loaded case co-ordinator, the four steps, the MEs' needs and time spent with
each (each child an ME of its own), the 48-hour plan, the two-week review, the closure that
completes the fourth step, the agencies told of it and the feedback collated then. What happened
is recorded with the time it happened (`at`, now if not given; the domain keeps it within
bounds). The summary: services/marrac_summary.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from audit.actions import AuditAction
from domain.actions import ActionDisposal
from domain.marrac import NotAMarracArea, least_loaded
from security.identity import Principal
from security.policy import CaseAccess, may_allocate, may_lead_marrac_team, may_work_marrac_case
from services.actor import Actor
from services.case_access import Stores, visible, visible_cases, writing
from services.case_closure import told_of_closure
from services.case_lists import CaseSummary, summaries


@dataclass(frozen=True)
class CandidateLoad:
    coordinator: str
    open_cases: int


@dataclass(frozen=True)
class AllocationSuggestion:
    candidates: tuple[CandidateLoad, ...]
    suggested: str | None  # the least loaded; ties by id


@dataclass(frozen=True)
class AllocationBoard:
    """The team leader's board: the area's cases no co-ordinator holds that they may
    allocate (oldest referral first), and each of their team's open cases."""

    awaiting: tuple[CaseSummary, ...]
    team: AllocationSuggestion


# Allocation (team leader) ------------------------------------------------------------------

def _allocating(stores: Stores, actor: Actor, case_id: UUID, action: AuditAction) -> CaseAccess:
    access, _ = visible(stores, actor, case_id, action)
    actor.require(may_allocate(actor.viewer, access, stores.now()), action,
                  "Only the area's team leader allocates cases", case_id=case_id,
                  area_id=access.area_id, code="not_team_leader")
    return access


def suggest(stores: Stores, actor: Actor, case_id: UUID,
            candidates: Sequence[str]) -> AllocationSuggestion:
    """Each candidate co-ordinator's open cases in the area, and the least loaded."""
    access = _allocating(stores, actor, case_id, "suggest_allocation")
    if stores.marac.get_area(access.area_id).settings.model != "marrac":
        actor.audit.record("suggest_allocation", "rejected", case_id=case_id,
                           area_id=access.area_id)
        raise NotAMarracArea(f"area {access.area_id} does not run the MARRAC model")
    loads = _loads(stores, actor, access.area_id, candidates)
    actor.audit.record("suggest_allocation", "allowed", case_id=case_id, area_id=access.area_id)
    return AllocationSuggestion(
        tuple(CandidateLoad(c, n) for c, n in sorted(loads.items())), least_loaded(loads))


def _loads(stores: Stores, actor: Actor, area_id: UUID,
           candidates: Sequence[str]) -> dict[str, int]:
    """Each candidate co-ordinator's open cases in the area that the caller may see: a case
    hidden from them (restricted to its members, or one they are excluded from) counts for
    nothing, as it is absent from every other count they are given (DESIGN.md, need-to-know
    rule 2: no answer may depend on it)."""
    refs = {c: stores.blind_index.person_ref(c) for c in dict.fromkeys(candidates)}
    held = stores.cases.allocated_cases(area_id, sorted(set(refs.values())))
    seen = set(visible_cases(stores, actor, sorted({c for _, c in held}, key=str)))
    by_ref: dict[str, int] = {}
    for ref, case_id in held:
        if case_id in seen:
            by_ref[ref] = by_ref.get(ref, 0) + 1
    return {c: by_ref.get(r, 0) for c, r in refs.items()}


def leads_marrac_team(principal: Principal) -> bool:
    """Whether the person has an allocation board (their pages offer it to those only)."""
    return may_lead_marrac_team(principal)


def allocation_board(stores: Stores, actor: Actor, team: Sequence[str]) -> AllocationBoard:
    """`team`: the co-ordinators to share the work among (staff ids, as the identity provider
    knows them: the platform keeps no staff list), each with their open cases in the area."""
    principal = actor.principal
    area_id = principal.area_id
    actor.require(may_lead_marrac_team(principal) and area_id is not None, "list",
                  "Only a team leader has an allocation board", code="not_team_leader")
    if area_id is None:  # refused above; for the type's sake
        raise AssertionError("a team leader has an area")
    now = stores.now()
    waiting = stores.cases.unallocated(area_id)
    mine = [c for c, access in stores.cases.access(waiting).items()
            if may_allocate(actor.viewer, access, now)]
    rows = stores.cases.index_rows(mine)
    awaiting = summaries(stores, actor, [rows[c] for c in waiting if c in rows])
    loads = _loads(stores, actor, area_id, team)
    actor.audit.record("list", "allowed", items=tuple(str(s.case_id) for s in awaiting),
                       area_id=area_id)
    return AllocationBoard(tuple(awaiting), AllocationSuggestion(
        tuple(CandidateLoad(c, n) for c, n in sorted(loads.items())), least_loaded(loads)))


def allocate(stores: Stores, actor: Actor, case_id: UUID, coordinator: str) -> None:
    """Give the case to a case co-ordinator (again, to reallocate it)."""
    access = _allocating(stores, actor, case_id, "allocate")
    with writing(stores, actor, "allocate", case_id, access.area_id):
        stores.marac.allocate(case_id, coordinator, by=actor.principal.subject)


# Working the case (its case co-ordinator, the team leader, the coordinators) ---------------

def _worked(stores: Stores, actor: Actor, case_id: UUID, action: AuditAction) -> CaseAccess:
    access, _ = visible(stores, actor, case_id, action)
    actor.require(may_work_marrac_case(actor.viewer, access, stores.now()), action,
                  "Only the case's co-ordinator or the area's team leader and coordinators "
                  "record MARRAC work", case_id=case_id, area_id=access.area_id,
                  code="not_case_coordinator")
    return access


def complete_step(stores: Stores, actor: Actor, case_id: UUID, step: str, *,
                  at: datetime | None = None) -> None:
    """Complete the next of the first three steps; out of order is refused."""
    access = _worked(stores, actor, case_id, "complete_step")
    with writing(stores, actor, "complete_step", case_id, access.area_id):
        stores.marac.complete_step(case_id, step, by=actor.principal.subject, at=at)


def complete_case(stores: Stores, actor: Actor, case_id: UUID, *, reason: str,
                  at: datetime | None = None,
                  disposals: Collection[ActionDisposal] = ()) -> None:
    """The fourth step: the case closes with it. The agencies to be told, and `disposals`
    (what becomes of each action still open), as for any closure (services/case_closure.py)."""
    access = _worked(stores, actor, case_id, "complete_case")
    with writing(stores, actor, "complete_case", case_id, access.area_id):
        stores.marac.complete_case(case_id, by=actor.principal.subject, reason=reason,
                                   inform=told_of_closure(access, stores.now(), disposals),
                                   at=at, disposals=disposals)


def record_needs(stores: Stores, actor: Actor, case_id: UUID, me: str, needs: str, *,
                 child: UUID | None = None) -> None:
    """`child`: which child, each an ME of its own (may be left out when there is one)."""
    access = _worked(stores, actor, case_id, "record_needs")
    with writing(stores, actor, "record_needs", case_id, access.area_id):
        stores.marac.record_needs(case_id, me, needs, by=actor.principal.subject, child=child)


def record_contact(stores: Stores, actor: Actor, case_id: UUID, me: str, *, minutes: int,
                   at: datetime | None, child: UUID | None = None) -> UUID:
    """Time spent with an ME; `at`: when it took place, now if not given."""
    access = _worked(stores, actor, case_id, "record_contact")
    with writing(stores, actor, "record_contact", case_id, access.area_id):
        return stores.marac.record_contact(case_id, me, minutes, by=actor.principal.subject,
                                           at=at, child=child)


def agree_plan(stores: Stores, actor: Actor, case_id: UUID, *,
               at: datetime | None = None) -> None:
    """The SMART plan (the case's actions) is agreed with the MEs, at `at` (now if not given)."""
    access = _worked(stores, actor, case_id, "agree_plan")
    with writing(stores, actor, "agree_plan", case_id, access.area_id):
        stores.marac.agree_plan(case_id, by=actor.principal.subject, at=at)


def review(stores: Stores, actor: Actor, case_id: UUID, *, still_meets_purpose: bool,
           outcome: str, at: datetime | None = None) -> None:
    access = _worked(stores, actor, case_id, "review_plan")
    with writing(stores, actor, "review_plan", case_id, access.area_id):
        stores.marac.review_plan(case_id, by=actor.principal.subject,
                                 still_meets_purpose=still_meets_purpose, outcome=outcome,
                                 at=at)


# At closure (the case's co-ordinator, the team leader, the coordinators) ----------------

def record_told(stores: Stores, actor: Actor, case_id: UUID, agency_id: UUID, *,
                at: datetime | None = None) -> None:
    """The co-ordinator told the agency of the closure at `at` (by telephone, say): it counts
    as the agency's acknowledgement, on time or late by the same 24 hours."""
    access = _worked(stores, actor, case_id, "record_told")
    with writing(stores, actor, "record_told", case_id, access.area_id):
        stores.marac.record_told(case_id, agency_id, by=actor.principal.subject, at=at)


def record_feedback(stores: Stores, actor: Actor, case_id: UUID, text: str, *,
                    me: str | None = None, child: UUID | None = None,
                    agency_id: UUID | None = None, at: datetime | None = None) -> UUID:
    """Feedback from one ME (a child named as for needs) or one agency told of the closure."""
    access = _worked(stores, actor, case_id, "record_feedback")
    with writing(stores, actor, "record_feedback", case_id, access.area_id):
        return stores.marac.record_feedback(case_id, text, by=actor.principal.subject, me=me,
                                            child=child, agency_id=agency_id, at=at)
