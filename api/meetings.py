"""Meetings: scheduling, agendas (with the area's ordering rules and invitations), research
requests, attendance, each case's hearing, minutes and their distribution, and the review list
of actions carried from earlier hearings.

An agenda shows each caller only the cases they may see: a restricted case's line is absent
for everyone else, as if it were not on the agenda at all. A closed hearing is absent
altogether for anyone who is not a named member and may see none of its cases."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from api.casework import Casework, Forbidden
from audit.actions import AuditAction
from domain.actions import is_overdue
from domain.exceptions import CaseNotFound
from domain.meeting import CLOSED_HEARING, MINUTES_MARKING, AgendaItem, Meeting, Risk, agenda_order
from projections.cases import item_facts
from security.policy import is_coordinator_of, item_visible, may_see_meeting


class Meetings(Casework):
    def schedule(self, kind: str, held_on: date, members: list[str]) -> UUID:
        p = self.principal
        if p.area_id is None or not is_coordinator_of(p, p.area_id):
            self.audit.record("schedule_meeting", "denied")
            raise Forbidden("Coordinators and chairs schedule their area's meetings")
        with self._writing("schedule_meeting", None, p.area_id):
            return self.platform.marac.schedule_meeting(p.area_id, kind, held_on,
                                                        by=p.subject, members=tuple(members))

    def list_case(self, meeting_id: UUID, case_id: UUID, invite: list[UUID]) -> None:
        access = self._coordinated(case_id, "list_on_agenda")
        self._seen_meeting(meeting_id, "list_on_agenda")
        with self._writing("list_on_agenda", case_id, access.area_id):
            self.platform.marac.list_on_agenda(meeting_id, case_id, invite=set(invite),
                                               by=self.principal.subject)

    # Which meetings the caller may see -------------------------------------------------

    def _visible_meeting(self, row: dict[str, Any]) -> tuple[bool, list[UUID]]:
        """Whether the caller may see the meeting, and which of its listed cases."""
        listed = [UUID(r["case_id"]) for r in self.platform.cases.agenda(UUID(row["meeting_id"]))]
        visible = self._visible_cases(listed) if listed else []
        closed = row["kind"] == CLOSED_HEARING
        members = (self.platform.cases.meeting_members(UUID(row["meeting_id"])) if closed
                   else frozenset())
        seen = may_see_meeting(self.viewer, UUID(row["area_id"]), closed, members,
                               bool(visible))
        return seen, visible

    def _seen_meeting(self, meeting_id: UUID,
                      action: AuditAction) -> tuple[dict[str, Any], list[UUID]]:
        """The meeting row and the listed cases the caller may see; a meeting they may not
        see is answered exactly like one that does not exist (and audited so). On success
        the caller writes the request's one audit record."""
        p = self.principal
        found = [m for m in self.platform.cases.meetings(p.area_id)
                 if m["meeting_id"] == str(meeting_id)] if p.area_id else []
        seen, visible = self._visible_meeting(found[0]) if found else (False, [])
        if not seen:
            self.audit.record(action, "not_found", items=(str(meeting_id),))
            raise CaseNotFound(f"meeting {meeting_id} not found")  # the uniform 404
        return found[0], visible

    def _coordinating_meeting(self, meeting_id: UUID,
                              action: AuditAction) -> dict[str, Any]:
        meeting, _ = self._seen_meeting(meeting_id, action)
        if not is_coordinator_of(self.principal, UUID(meeting["area_id"])):
            self.audit.record(action, "denied", items=(str(meeting_id),))
            raise Forbidden("Coordinators and chairs run the area's meetings")
        return meeting

    def _meeting_aggregate(self, meeting_id: UUID) -> Meeting:
        return self.platform.marac.get_meeting(meeting_id)

    # Reads -----------------------------------------------------------------------------

    def meeting(self, meeting_id: UUID) -> dict[str, Any]:
        row, _ = self._seen_meeting(meeting_id, "read_meeting")
        meeting = self._meeting_aggregate(meeting_id)
        settings = self.platform.marac.get_area(meeting.area_id).settings
        distributed = meeting.minutes_distributed_at
        self.audit.record("read_meeting", "allowed", items=(str(meeting_id),))
        return {**row, "minutes": {
            "marking": MINUTES_MARKING,
            "due_on": meeting.minutes_due_on(settings).isoformat(),
            "distributed_at": distributed.isoformat() if distributed else None,
            "late": meeting.minutes_late(settings, self.now)}}

    def agenda(self, meeting_id: UUID) -> list[dict[str, Any]]:
        meeting, visible = self._seen_meeting(meeting_id, "read_agenda")
        items = self._ordered(meeting, visible)
        self.audit.record("read_agenda", "allowed",
                          items=(str(meeting_id), *(str(i.case_id) for i in items)))
        return [{"position": n + 1, "case_id": str(i.case_id), "children": i.children,
                 "honour_based_abuse": i.honour_based_abuse} for n, i in enumerate(items)]

    def _ordered(self, meeting: dict[str, Any], visible: list[UUID]) -> list[AgendaItem]:
        shown = set(visible)
        rows = self.platform.cases.agenda(UUID(meeting["meeting_id"]))
        settings = self.platform.marac.get_area(UUID(meeting["area_id"])).settings
        return agenda_order([AgendaItem(UUID(r["case_id"]), bool(r["children"]),
                                        bool(r["hba"]), "") for r in rows
                             if UUID(r["case_id"]) in shown], settings)

    def next_agenda(self) -> dict[str, Any] | None:
        """My (agency's) cases on the next meeting's agenda that I may see at all."""
        p = self.principal
        upcoming = (self.platform.cases.meetings(p.area_id, self.now.date().isoformat())
                    if p.area_id else [])
        for row in upcoming:
            seen, visible = self._visible_meeting(row)
            if seen:
                items = self._ordered(row, visible)
                self.audit.record("read_agenda", "allowed", items=(
                    row["meeting_id"], *(str(i.case_id) for i in items)))
                return {**row, "agenda": [
                    {"position": n + 1, "case_id": str(i.case_id), "children": i.children,
                     "honour_based_abuse": i.honour_based_abuse}
                    for n, i in enumerate(items)]}
        self.audit.record("read_agenda", "allowed")
        return None

    def minutes(self, meeting_id: UUID, case_id: UUID) -> dict[str, Any]:
        """The minutes of one case's hearing, generated from its events, as the caller's view
        of the case allows: disclosures by audience, the risks identified, the actions
        agreed, who was present (agencies), and the distribution against its deadline."""
        _, visible = self._seen_meeting(meeting_id, "read_minutes")
        access, visibility = self._visible(case_id, "read_minutes", None)
        if case_id not in visible:
            self.audit.record("read_minutes", "not_found", case_id=case_id,
                              area_id=access.area_id, items=(str(meeting_id),))
            raise CaseNotFound(f"case {case_id} not found")
        document = self.platform.cases.document(case_id) or {}
        mid = str(meeting_id)
        items = [i for i in document.get("items", []) if i.get("meeting_id") == mid
                 and item_visible(self.viewer, visibility, item_facts(i))]
        hearing = next((h for h in document.get("hearings", []) if h["meeting_id"] == mid),
                       None)
        actions = [a for a in document.get("actions", []) if a.get("meeting_id") == mid]
        meeting = self._meeting_aggregate(meeting_id)
        settings = self.platform.marac.get_area(meeting.area_id).settings
        distributed = meeting.minutes_distributed_at
        self.audit.record("read_minutes", "allowed", case_id=case_id, area_id=access.area_id,
                          items=(mid, *(i["item_id"] for i in items),
                                 *(a["action_id"] for a in actions)))
        return {
            "marking": MINUTES_MARKING,
            "meeting_id": mid, "kind": meeting.kind, "held_on": meeting.held_on.isoformat(),
            "case_id": str(case_id),
            "agencies_present": sorted({str(a.agency_id) for a in meeting.attendance.values()
                                        if a.agency_id is not None}),
            "heard": hearing is not None,
            "risks": hearing["risks"] if hearing else [],
            "information": [{k: i[k] for k in ("item_id", "kind", "text", "audience",
                                               "author_agency", "recorded_at")} for i in items],
            "actions": actions,
            "distribution": {
                "due_on": meeting.minutes_due_on(settings).isoformat(),
                "distributed_at": distributed.isoformat() if distributed else None,
                "late": meeting.minutes_late(settings, self.now)},
        }

    def review(self, meeting_id: UUID) -> list[dict[str, Any]]:
        """The review list: every action still open from before this meeting on a case the
        caller may see, overdue ones flagged: incomplete actions carry forward."""
        row, _ = self._seen_meeting(meeting_id, "read_review")
        held_on = date.fromisoformat(row["held_on"])
        routing = self.platform.cases.actions(area_id=UUID(row["area_id"]))
        cases = self._visible_cases(sorted({UUID(r["case_id"]) for r in routing}, key=str))
        carried: list[dict[str, Any]] = []
        for case_id in cases:
            document = self.platform.cases.document(case_id) or {}
            for action in document.get("actions", []):
                if action["outcome"] is None and date.fromisoformat(
                        action["agreed_on"]) < held_on:
                    carried.append({**action, "case_id": str(case_id), "overdue": is_overdue(
                        date.fromisoformat(action["due_on"]), None, held_on)})
        carried.sort(key=lambda a: (a["due_on"], a["action_id"]))
        self.audit.record("read_review", "allowed",
                          items=(str(meeting_id), *(a["action_id"] for a in carried)))
        return carried

    def research_requests(self) -> list[dict[str, Any]]:
        """My agency's research requests, on cases I may see."""
        p = self.principal
        if p.agency_id is None:
            self.audit.record("list_research", "denied")
            raise Forbidden("Research is requested from an agency's staff")
        rows = self.platform.cases.research_requests(p.agency_id)
        visible = set(self._visible_cases(sorted({UUID(r["case_id"]) for r in rows}, key=str)))
        shown = [{**r, "answered": bool(r["answered"])} for r in rows
                 if UUID(r["case_id"]) in visible]
        self.audit.record("list_research", "allowed",
                          items=tuple(f"{r['case_id']}:{r['meeting_id']}" for r in shown))
        return shown

    # Writes ----------------------------------------------------------------------------

    def request_research(self, meeting_id: UUID, case_id: UUID, agencies: list[UUID],
                         due_on: date) -> None:
        access = self._coordinated(case_id, "request_research")
        self._seen_meeting(meeting_id, "request_research")
        with self._writing("request_research", case_id, access.area_id):
            self.platform.marac.request_research(meeting_id, case_id, agencies=set(agencies),
                                                 due_on=due_on, by=self.principal.subject)

    def record_hearing(self, meeting_id: UUID, case_id: UUID, risks: list[Risk]) -> None:
        access = self._coordinated(case_id, "record_hearing")
        self._seen_meeting(meeting_id, "record_hearing")
        with self._writing("record_hearing", case_id, access.area_id):
            self.platform.marac.record_hearing(meeting_id, case_id, risks=tuple(risks),
                                               by=self.principal.subject)

    def distribute_minutes(self, meeting_id: UUID) -> None:
        meeting = self._coordinating_meeting(meeting_id, "distribute_minutes")
        with self._writing("distribute_minutes", None, UUID(meeting["area_id"])):
            self.platform.marac.distribute_minutes(meeting_id, by=self.principal.subject)

    def attend(self, meeting_id: UUID, acknowledged: bool) -> None:
        self._seen_meeting(meeting_id, "attend")
        p = self.principal
        with self._writing("attend", None, p.area_id):
            self.platform.marac.record_attendance(meeting_id, person=p.subject,
                                                  agency_id=p.agency_id,
                                                  acknowledged_confidentiality=acknowledged)
