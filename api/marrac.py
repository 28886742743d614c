"""The MARRAC use cases (Lancashire's coordinator-led model, no meeting): allocation by the team
leader to the least-loaded case co-ordinator, the four steps, the MEs' needs and time spent with
each, the 48-hour plan, the two-week review, and the case's MARRAC summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from api.casework import Casework, Forbidden, closure_state, not_found
from audit.actions import AuditAction
from domain.marrac import (
    MES,
    STEPS,
    Deadline,
    MeContact,
    NotAMarracArea,
    deadline,
    least_loaded,
    next_step,
    plan_due,
    review_due,
    time_per_me,
)
from security.policy import CaseAccess, may_allocate, may_work_marrac_case


class Marrac(Casework):
    # Allocation (team leader) -----------------------------------------------------------------

    def _allocating(self, case_id: UUID, action: AuditAction) -> CaseAccess:
        access, _ = self._visible(case_id, action, None)
        if not may_allocate(self.viewer, access, self.now):
            self.audit.record(action, "denied", case_id=case_id, area_id=access.area_id)
            raise Forbidden("Only the area's team leader allocates cases", "not_team_leader")
        return access

    def suggest(self, case_id: UUID, candidates: list[str]) -> dict[str, Any]:
        """Each candidate co-ordinator's open cases in the area, and the least loaded."""
        access = self._allocating(case_id, "suggest_allocation")
        if self.platform.marac.get_area(access.area_id).settings.model != "marrac":
            self.audit.record("suggest_allocation", "rejected", case_id=case_id,
                              area_id=access.area_id)
            raise NotAMarracArea(f"area {access.area_id} does not run the MARRAC model")
        refs = {c: self._person_ref(c) for c in dict.fromkeys(candidates)}
        by_ref = self.platform.cases.allocation_loads(access.area_id, sorted(set(refs.values())))
        loads = {c: by_ref[r] for c, r in refs.items()}
        self.audit.record("suggest_allocation", "allowed", case_id=case_id,
                          area_id=access.area_id)
        return {"candidates": [{"coordinator": c, "open_cases": n}
                               for c, n in sorted(loads.items())],
                "suggested": least_loaded(loads)}

    def _person_ref(self, subject: str) -> str:
        return self.platform.blind_index.person_ref(subject)

    def allocate(self, case_id: UUID, coordinator: str) -> None:
        access = self._allocating(case_id, "allocate")
        with self._writing("allocate", case_id, access.area_id):
            self.platform.marac.allocate(case_id, coordinator, by=self.principal.subject)

    # Working the case (its case co-ordinator, the team leader, the coordinators) --------------

    def _worked(self, case_id: UUID, action: AuditAction) -> CaseAccess:
        access, _ = self._visible(case_id, action, None)
        if not may_work_marrac_case(self.viewer, access, self.now):
            self.audit.record(action, "denied", case_id=case_id, area_id=access.area_id)
            raise Forbidden("Only the case's co-ordinator or the area's team leader and "
                            "coordinators record MARRAC work", "not_case_coordinator")
        return access

    def complete_step(self, case_id: UUID, step: str) -> None:
        access = self._worked(case_id, "complete_step")
        with self._writing("complete_step", case_id, access.area_id):
            self.platform.marac.complete_step(case_id, step, by=self.principal.subject)

    def record_needs(self, case_id: UUID, me: str, needs: str) -> None:
        access = self._worked(case_id, "record_needs")
        with self._writing("record_needs", case_id, access.area_id):
            self.platform.marac.record_needs(case_id, me, needs, by=self.principal.subject)

    def record_contact(self, case_id: UUID, me: str, minutes: int,
                       at: datetime | None) -> UUID:
        access = self._worked(case_id, "record_contact")
        with self._writing("record_contact", case_id, access.area_id):
            return self.platform.marac.record_contact(case_id, me, minutes,
                                                      by=self.principal.subject, at=at)

    def agree_plan(self, case_id: UUID) -> None:
        access = self._worked(case_id, "agree_plan")
        with self._writing("agree_plan", case_id, access.area_id):
            self.platform.marac.agree_plan(case_id, by=self.principal.subject)

    def review(self, case_id: UUID, still_meets_purpose: bool, outcome: str) -> None:
        access = self._worked(case_id, "review_plan")
        with self._writing("review_plan", case_id, access.area_id):
            self.platform.marac.review_plan(case_id, by=self.principal.subject,
                                            still_meets_purpose=still_meets_purpose,
                                            outcome=outcome)

    # The summary ----------------------------------------------------------------------------

    def summary(self, case_id: UUID, purpose: str) -> dict[str, Any]:
        access = self._coordinated(case_id, "read_marrac", purpose)
        document = self.platform.cases.document(case_id)
        if document is None:
            raise not_found(case_id)  # erased between the index read and now
        self.audit.record("read_marrac", "allowed", case_id=case_id, purpose=purpose,
                          items=("marrac",), area_id=access.area_id)
        return marrac_summary(document, self.now)


_NOTHING_YET: dict[str, Any] = {"coordinator": None, "allocated_at": None, "allocations": [],
                                "steps": [], "needs": {}, "contacts": [], "plan_agreed": None,
                                "reviews": []}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _deadline(state: Deadline | None, done_key: str) -> dict[str, Any]:
    if state is None:
        return {"due_by": None, done_key: None, "on_time": None, "late": False}
    return {"due_by": state.due_by.isoformat(),
            done_key: state.done_at.isoformat() if state.done_at else None,
            "on_time": state.on_time, "late": state.late}


def marrac_summary(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Deadlines and flags are worked out at `now`, from the sealed document's record."""
    # A document sealed before MARRAC existed has no record: nothing has happened yet.
    m = document.get("marrac") or _NOTHING_YET
    allocated_at, plan = _at(m["allocated_at"]), m["plan_agreed"]
    plan_at = _at(plan["at"]) if plan else None
    first_review = m["reviews"][0] if m["reviews"] else None
    steps = {s["step"]: s for s in m["steps"]}
    contacts = [MeContact(UUID(c["contact_id"]), c["me"], c["minutes"],
                          datetime.fromisoformat(c["at"]), c["by"]) for c in m["contacts"]]
    return {
        "case_id": document["case_id"],
        "status": document["status"],
        "allocation": {"coordinator": m["coordinator"], "allocated_at": m["allocated_at"],
                       "history": m["allocations"]},
        "steps": [{"step": s, "done": s in steps, "by": steps.get(s, {}).get("by"),
                   "at": steps.get(s, {}).get("at")} for s in STEPS],
        "next_step": next_step(steps),
        "needs": {me: m["needs"][me]["needs"] if me in m["needs"] else None for me in MES},
        "time_per_me": {me: {"minutes": minutes, "contacts": count}
                        for me, (minutes, count) in time_per_me(contacts).items()},
        "plan": _deadline(deadline(plan_due(allocated_at), plan_at, now)
                          if allocated_at else None, "agreed_at"),
        "review": {**_deadline(deadline(review_due(plan_at),
                                        _at(first_review["at"]) if first_review else None, now)
                               if plan_at else None, "reviewed_at"),
                   "still_meets_purpose": (first_review or {}).get("still_meets_purpose"),
                   "outcome": (first_review or {}).get("outcome"),
                   "reviews": len(m["reviews"])},
        "closure": closure_state(document, now).model_dump(mode="json")
        if document.get("closed_on") else None,
    }
