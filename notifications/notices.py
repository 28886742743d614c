"""What a person is told, and when: the notices a domain event stands for.

A notice names its kind, its recipient (an agency, or the area's coordinators) and an opaque
reference (a case's or a meeting's id). It never carries a name, a date of birth, an address, a
case label or what was said: the link takes the reader to the platform, which applies the
policy and audits the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.area import COORDINATORS

NoticeKind = Literal["research_requested", "action_assigned", "action_overdue",
                     "minutes_available", "case_closed", "restriction_review_due"]
NOTICE_KINDS: tuple[str, ...] = get_args(NoticeKind)

CASE = "domain.case:Case."
MEETING = "domain.meeting:Meeting."

# kind -> (the subject line, the sentence that says what happened). Nothing else is written.
WORDING: dict[str, tuple[str, str]] = {
    "research_requested": ("Research requested",
                           "Your agency has been asked to research a case for a meeting."),
    "action_assigned": ("Action assigned", "An action on a case has been assigned to your agency."),
    "action_overdue": ("Action overdue",
                       "An action on a case has passed its due date and was escalated."),
    "minutes_available": ("Minutes available",
                          "The minutes of a meeting your agency attended are available."),
    "case_closed": ("Case closed: please acknowledge",
                    "A case your agency is involved in was closed. Please acknowledge it."),
    "restriction_review_due": ("Restriction review due",
                               "A restricted case is due for its review."),
}


@dataclass(frozen=True)
class Notice:
    """One thing to tell one recipient. `recipient`: an agency's id, or COORDINATORS."""

    message_id: UUID
    kind: NoticeKind
    area_id: UUID
    recipient: str
    case_id: UUID | None = None
    meeting_id: UUID | None = None

    @property
    def path(self) -> str:
        """The link's path: the case's or the meeting's page, by id alone."""
        if self.case_id is not None:
            return f"/cases/{self.case_id}"
        return f"/meetings/{self.meeting_id}"


def notice(source: str, kind: NoticeKind, area_id: UUID, recipient: UUID | str, *,
           case_id: UUID | None = None, meeting_id: UUID | None = None) -> Notice:
    """Its id derives from what caused it (`source`: a log position, or a case's review due
    date), its kind and its recipient: whoever replays the log, the same notice again."""
    return Notice(uuid5(NAMESPACE_URL, f"marac:notice:{source}:{kind}:{recipient}"), kind,
                  area_id, str(recipient), case_id, meeting_id)


def for_event(position: int, topic: str, event: Any, aggregate: Any) -> list[Notice]:
    """The notices a domain event stands for (most stand for none); `aggregate` is its case
    or meeting as the event left it."""
    src = str(position)
    if topic == CASE + "ResearchRequested":
        return [notice(src, "research_requested", aggregate.area_id, r.agency_id,
                       case_id=aggregate.id) for r in event.requests]
    if topic == CASE + "ActionAgreed":
        return [notice(src, "action_assigned", aggregate.area_id, event.action.owner_agency,
                       case_id=aggregate.id)]
    if topic == CASE + "ActionEscalated":
        owner = aggregate.actions[event.action_id].owner_agency
        return [notice(src, "action_overdue", aggregate.area_id, r, case_id=aggregate.id)
                for r in (owner, COORDINATORS)]
    if topic == CASE + "Closed":
        return [notice(src, "case_closed", aggregate.area_id, agency, case_id=aggregate.id)
                for agency in event.inform]
    if topic == MEETING + "MinutesDistributed":
        attending = sorted({a.agency_id for a in aggregate.attendance.values()
                            if a.agency_id is not None}, key=str)
        return [notice(src, "minutes_available", aggregate.area_id, agency,
                       meeting_id=aggregate.id) for agency in attending]
    return []


NOTICE_TOPICS = frozenset({CASE + "ResearchRequested", CASE + "ActionAgreed",
                           CASE + "ActionEscalated", CASE + "Closed",
                           MEETING + "MinutesDistributed"})
