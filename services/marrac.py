"""The MARRAC use cases (Lancashire's coordinator-led model, no meeting): allocation by the team
leader to the least-loaded case co-ordinator, the four steps, the MEs' needs and time spent with
each, the 48-hour plan, the two-week review. The summary: services/marrac_summary.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from audit.actions import AuditAction
from domain.marrac import NotAMarracArea, least_loaded
from security.policy import CaseAccess, may_allocate, may_work_marrac_case
from services.actor import Actor
from services.case_access import Stores, visible, writing


@dataclass(frozen=True)
class CandidateLoad:
    coordinator: str
    open_cases: int


@dataclass(frozen=True)
class AllocationSuggestion:
    candidates: tuple[CandidateLoad, ...]
    suggested: str | None  # the least loaded; ties by id


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
    refs = {c: stores.blind_index.person_ref(c) for c in dict.fromkeys(candidates)}
    by_ref = stores.cases.allocation_loads(access.area_id, sorted(set(refs.values())))
    loads = {c: by_ref[r] for c, r in refs.items()}
    actor.audit.record("suggest_allocation", "allowed", case_id=case_id, area_id=access.area_id)
    return AllocationSuggestion(
        tuple(CandidateLoad(c, n) for c, n in sorted(loads.items())), least_loaded(loads))


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


def complete_step(stores: Stores, actor: Actor, case_id: UUID, step: str) -> None:
    """Complete the next of the four steps; out of order is refused."""
    access = _worked(stores, actor, case_id, "complete_step")
    with writing(stores, actor, "complete_step", case_id, access.area_id):
        stores.marac.complete_step(case_id, step, by=actor.principal.subject)


def record_needs(stores: Stores, actor: Actor, case_id: UUID, me: str, needs: str) -> None:
    access = _worked(stores, actor, case_id, "record_needs")
    with writing(stores, actor, "record_needs", case_id, access.area_id):
        stores.marac.record_needs(case_id, me, needs, by=actor.principal.subject)


def record_contact(stores: Stores, actor: Actor, case_id: UUID, me: str, *, minutes: int,
                   at: datetime | None) -> UUID:
    """Time spent with an ME; `at`: when it took place, now if not given."""
    access = _worked(stores, actor, case_id, "record_contact")
    with writing(stores, actor, "record_contact", case_id, access.area_id):
        return stores.marac.record_contact(case_id, me, minutes, by=actor.principal.subject,
                                           at=at)


def agree_plan(stores: Stores, actor: Actor, case_id: UUID) -> None:
    """The SMART plan (the case's actions) is agreed with the MEs, now."""
    access = _worked(stores, actor, case_id, "agree_plan")
    with writing(stores, actor, "agree_plan", case_id, access.area_id):
        stores.marac.agree_plan(case_id, by=actor.principal.subject)


def review(stores: Stores, actor: Actor, case_id: UUID, *, still_meets_purpose: bool,
           outcome: str) -> None:
    access = _worked(stores, actor, case_id, "review_plan")
    with writing(stores, actor, "review_plan", case_id, access.area_id):
        stores.marac.review_plan(case_id, by=actor.principal.subject,
                                 still_meets_purpose=still_meets_purpose, outcome=outcome)
