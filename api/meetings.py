"""Meetings: scheduling, agendas (with the area's ordering rules and invitations), attendance.
An agenda shows each caller only the cases they may see: a restricted case's line is absent
for everyone else, as if it were not on the agenda at all."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from api.casework import Casework, Forbidden
from domain.exceptions import CaseNotFound
from domain.meeting import AgendaItem, agenda_order
from security.policy import is_coordinator_of, reads_case_content


class Meetings(Casework):
    def schedule(self, kind: str, held_on: date) -> UUID:
        p = self.principal
        if p.area_id is None or not is_coordinator_of(p, p.area_id):
            self.audit.record("schedule_meeting", "denied")
            raise Forbidden("Coordinators and chairs schedule their area's meetings")
        with self._writing("schedule_meeting", None, p.area_id):
            return self.platform.marac.schedule_meeting(p.area_id, kind, held_on,
                                                        by=p.subject)

    def list_case(self, meeting_id: UUID, case_id: UUID, invite: list[UUID]) -> None:
        access = self._coordinated(case_id, "list_on_agenda")
        with self._writing("list_on_agenda", case_id, access.area_id):
            self.platform.marac.list_on_agenda(meeting_id, case_id, invite=set(invite),
                                               by=self.principal.subject)

    def _meeting(self, meeting_id: UUID, action: str) -> dict[str, Any]:
        p = self.principal
        found = [m for m in self.platform.cases.meetings(p.area_id) if
                 m["meeting_id"] == str(meeting_id)] if p.area_id else []
        if not found or not reads_case_content(p):
            self.audit.record(action, "not_found", items=(str(meeting_id),))
            raise CaseNotFound(f"meeting {meeting_id} not found")  # the uniform 404
        return found[0]

    def agenda(self, meeting_id: UUID) -> list[dict[str, Any]]:
        meeting = self._meeting(meeting_id, "read_agenda")
        rows = self.platform.cases.agenda(meeting_id)
        visible = set(self._visible_cases([UUID(r["case_id"]) for r in rows]))
        settings = self.platform.marac.get_area(UUID(meeting["area_id"])).settings
        items = agenda_order([AgendaItem(UUID(r["case_id"]), bool(r["children"]),
                                         bool(r["hba"]), "") for r in rows
                              if UUID(r["case_id"]) in visible], settings)
        self.audit.record("read_agenda", "allowed",
                          items=(str(meeting_id), *(str(i.case_id) for i in items)))
        return [{"position": n + 1, "case_id": str(i.case_id), "children": i.children,
                 "honour_based_abuse": i.honour_based_abuse} for n, i in enumerate(items)]

    def next_agenda(self) -> dict[str, Any] | None:
        """My (agency's) cases on the next meeting's agenda."""
        p = self.principal
        upcoming = (self.platform.cases.meetings(p.area_id, self.now.date().isoformat())
                    if p.area_id else [])
        if not upcoming:
            self.audit.record("read_agenda", "allowed")
            return None
        meeting = upcoming[0]
        return {**meeting, "agenda": self.agenda(UUID(meeting["meeting_id"]))}

    def attend(self, meeting_id: UUID, acknowledged: bool) -> None:
        self._meeting(meeting_id, "attend")
        p = self.principal
        with self._writing("attend", None, p.area_id):
            self.platform.marac.record_attendance(meeting_id, person=p.subject,
                                                  agency_id=p.agency_id,
                                                  acknowledged_confidentiality=acknowledged)
