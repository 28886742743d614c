"""The public integration events: a versioned schema, separate from the domain events.

Payloads are thin: ids, type, time and the few fields a receiving system routes on. Content
(names, notes, what an action says) is fetched from the API, which applies the policy and
audits the read. A new field may be added to a version; removing or changing one is a new
version (`…v2`), published beside the old until subscribers move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEventProtocol

CASE = "domain.case:Case."
MEETING = "domain.meeting:Meeting."

# type -> (what it means, its data fields as JSON Schema properties)
_ID = {"type": "string", "format": "uuid"}
_DATE = {"type": "string", "format": "date"}
SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "case.referred.v1": ("A referral was made.", {"referring_agency_id": _ID}),
    "case.accepted.v1": ("The coordinator accepted the referral for the MARAC.", {}),
    "case.declined.v1": ("The referral did not meet the threshold.", {}),
    # Which case it joined is not said: the subscriber may not see that one.
    "case.linked_as_repeat.v1": ("The referral was merged into an existing case.", {}),
    "case.listed.v1": ("The case was listed for a meeting.",
                       {"meeting_id": _ID, "held_on": _DATE}),
    "case.restricted.v1": ("The case is now need-to-know; sent only to its members.", {}),
    "case.closed.v1": ("The case was closed; agencies involved acknowledge it.",
                       {"closed_on": _DATE}),
    "action.assigned.v1": ("A SMART action was agreed.", {
        "action_id": _ID, "owner_agency_id": _ID, "due_on": _DATE,
        "for_whom": {"enum": ["victim", "perpetrator", "child", "household"]}}),
    "action.updated.v1": ("Progress or an outcome was recorded on an action.", {
        "action_id": _ID,
        "outcome": {"enum": [None, "completed", "changed_circumstance", "not_done"]}}),
    "action.overdue.v1": ("An action passed its due date open and was escalated.",
                          {"action_id": _ID}),
    "meeting.scheduled.v1": ("A meeting was scheduled (closed hearings are not announced).",
                             {"meeting_id": _ID, "held_on": _DATE,
                              "kind": {"enum": ["standard", "daily_triage", "emergency"]}}),
    "meeting.rescheduled.v1": ("A meeting was moved to another day (closed hearings are not "
                               "announced).", {"meeting_id": _ID, "held_on": _DATE}),
    "meeting.cancelled.v1": ("A meeting was cancelled: it will not be held, and its cases may "
                             "be listed on another (closed hearings are not announced).",
                             {"meeting_id": _ID}),
    "access.granted.v1": ("Your agency was granted access to the case (sent to that agency "
                          "only).", {"grant_id": _ID, "agency_id": _ID}),
    "access.revoked.v1": ("Your agency's grant was revoked; sent only if the agency still "
                          "sees the case otherwise (it was involved).", {"grant_id": _ID}),
}
EVENT_TYPES = tuple(SCHEMAS)


_EXAMPLE_IDS = {"case_id": "7f6c2a4e-1b0d-4c55-9a57-3d2f0f6b8e11",
                "area_id": "0b1f3c7a-52de-5a8e-b1c4-6f2e9d0a7c35",
                "agency_id": "a3e5d1c9-8f27-5b64-9e0a-2c4d6f8b1a73",
                "meeting_id": "5d9e1f3a-7b2c-4e68-8a0d-1c3e5f7a9b24",
                "action_id": "e2c4a6b8-0d1f-4a35-b7c9-d1e3f5a7b9c2",
                "grant_id": "c8a0e2f4-6b1d-4f39-a5c7-e9b1d3f5a7c0"}
_EXAMPLE_VALUES: dict[str, Any] = {
    "referring_agency_id": _EXAMPLE_IDS["agency_id"],
    "owner_agency_id": _EXAMPLE_IDS["agency_id"],
    "held_on": "2026-01-22", "closed_on": "2026-03-02", "due_on": "2026-01-29",
    "for_whom": "victim", "outcome": "completed", "kind": "standard", **_EXAMPLE_IDS}


def example(event_type: str) -> dict[str, Any]:
    """A complete example of one event type (invented ids), as subscribers receive it."""
    _, fields = SCHEMAS[event_type]
    return {"id": "3c1e5a7f-9b2d-5e4f-8a6c-0d2b4f6a8c1e", "type": event_type,
            "occurred_at": "2026-01-22T10:15:00+00:00", "area_id": _EXAMPLE_IDS["area_id"],
            "case_id": None if event_type.startswith("meeting.") else _EXAMPLE_IDS["case_id"],
            "data": {name: _EXAMPLE_VALUES[name] for name in fields}}


def json_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event type's envelope and data (published at
    `GET /api/v1/feeds/schema`)."""
    description, fields = SCHEMAS[event_type]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:marac:event:{event_type}",
        "title": event_type,
        "description": description,
        "type": "object",
        "required": ["id", "type", "occurred_at", "area_id", "case_id", "data"],
        "additionalProperties": False,
        "properties": {
            "id": _ID,
            "type": {"const": event_type},
            "occurred_at": {"type": "string", "format": "date-time"},
            "area_id": _ID,
            "case_id": {"oneOf": [_ID, {"type": "null"}]},
            "data": {"type": "object", "required": sorted(fields), "properties": fields,
                     "additionalProperties": False},
        },
        "examples": [example(event_type)],
    }


@dataclass(frozen=True)
class IntegrationEvent:
    event_id: UUID
    type: str
    occurred_at: datetime
    area_id: UUID
    case_id: UUID | None
    data: Mapping[str, str | None]
    # Access events concern one agency: only its subscribers may hear of them. Routing, not
    # published: an event read back from its body has none.
    for_agency: UUID | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> IntegrationEvent:
        """The event as body() published it."""
        case_id = body["case_id"]
        return cls(UUID(body["id"]), body["type"], datetime.fromisoformat(body["occurred_at"]),
                   UUID(body["area_id"]), UUID(case_id) if case_id else None,
                   dict(body["data"]))

    def body(self) -> dict[str, Any]:
        return {"id": str(self.event_id), "type": self.type,
                "occurred_at": self.occurred_at.isoformat(), "area_id": str(self.area_id),
                "case_id": str(self.case_id) if self.case_id else None, "data": self.data}


def _s(value: object) -> str:
    return str(value)


Found = list[tuple[str, dict[str, str | None]]]


def _decided(e: Any, _: Any) -> Found:
    return [(f"case.{e.decision.outcome}.v1", {})]


def _granted(e: Any, _: Any) -> Found:
    # A personal grant names a member of staff: not for other systems.
    if e.grant.agency_id is None:
        return []
    return [("access.granted.v1", {"grant_id": _s(e.grant.grant_id),
                                   "agency_id": _s(e.grant.agency_id)})]


def _scheduled(e: Any, _: Any) -> Found:
    if e.kind == "harmful_practices":  # a closed hearing is not announced
        return []
    return [("meeting.scheduled.v1", {"meeting_id": _s(e.originator_id),
                                      "held_on": e.held_on.isoformat(), "kind": e.kind})]


def _meeting_changed(kind: str) -> Any:
    """A change to a meeting that was announced, announced alike (`kind`: the type)."""
    def found(e: Any, meeting: Any) -> Found:
        if meeting.closed:
            return []
        data: dict[str, str | None] = {"meeting_id": _s(e.originator_id)}
        if kind == "meeting.rescheduled.v1":
            data["held_on"] = e.held_on.isoformat()
        return [(kind, data)]
    return found


# topic -> what the domain event stands for, given the event and its aggregate after it.
_TRANSLATIONS: dict[str, Any] = {
    CASE + "Referred": lambda e, _: [("case.referred.v1", {
        "referring_agency_id": _s(e.referral.referring_agency_id)})],
    CASE + "ThresholdDecided": _decided,
    CASE + "Restricted": lambda e, _: [("case.restricted.v1", {})],
    CASE + "Closed": lambda e, _: [("case.closed.v1", {"closed_on": e.on.isoformat()})],
    CASE + "ActionAgreed": lambda e, _: [("action.assigned.v1", {
        "action_id": _s(e.action.action_id), "owner_agency_id": _s(e.action.owner_agency),
        "due_on": e.action.due_on.isoformat(), "for_whom": e.action.for_whom})],
    CASE + "ActionNoted": lambda e, _: [("action.updated.v1", {
        "action_id": _s(e.note.action_id), "outcome": e.note.outcome})],
    CASE + "ActionEscalated": lambda e, _: [("action.overdue.v1",
                                             {"action_id": _s(e.action_id)})],
    CASE + "AccessGranted": _granted,
    CASE + "AccessRevoked": lambda e, _: [("access.revoked.v1", {"grant_id": _s(e.grant_id)})],
    MEETING + "Scheduled": _scheduled,
    MEETING + "Rescheduled": _meeting_changed("meeting.rescheduled.v1"),
    MEETING + "Cancelled": _meeting_changed("meeting.cancelled.v1"),
    MEETING + "CaseListed": lambda e, meeting: [("case.listed.v1", {
        "meeting_id": _s(e.originator_id), "held_on": meeting.held_on.isoformat()})],
}
FEED_TOPICS = frozenset(_TRANSLATIONS)


def translate(notification_id: int, topic: str, event: DomainEventProtocol[UUID],
              aggregate: Any, before: Any = None) -> list[IntegrationEvent]:
    """The integration events a domain event stands for (most stand for none); `aggregate`
    is its case or meeting as the event left it, `before` the case just before (a revoked
    grant is known only there)."""
    rule = _TRANSLATIONS.get(topic)
    if rule is None:
        return []
    e: Any = event
    found: Found = rule(e, aggregate)
    for_agency: UUID | None = None
    if topic == CASE + "AccessGranted":
        for_agency = e.grant.agency_id
    elif topic == CASE + "AccessRevoked":
        grant = before.grants.get(e.grant_id) if before is not None else None
        if grant is None or grant.agency_id is None:
            return []  # a personal grant's revocation is not for other systems
        for_agency = grant.agency_id
    case_id = _case_of(topic, e)
    return [IntegrationEvent(uuid5(NAMESPACE_URL, f"marac:event:{notification_id}:{kind}"),
                             kind, e.timestamp, aggregate.area_id, case_id, data, for_agency)
            for kind, data in found]


def _case_of(topic: str, event: Any) -> UUID | None:
    if topic.startswith(CASE):
        return UUID(str(event.originator_id))
    if topic.endswith(".CaseListed"):
        return UUID(str(event.item.case_id))
    return None
