"""Receipt of a meeting's minutes: each agency they went to (those attending) acknowledges
that it received them, and the area's coordinators follow who has and who has not.

Which agencies the minutes went to, and who acknowledged when, are meeting metadata (agency
ids, staff ids, times), not case content. A coordinator sees every recipient's receipt; an
agency's staff see their own agency's only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.meeting import Meeting, MinutesNotDistributed
from security.identity import Principal
from security.policy import is_coordinator_of
from services.actor import Actor
from services.agency_names import AgencyName, AgencyNames, agency_names
from services.case_access import Stores, writing
from services.meetings import seen_meeting


@dataclass(frozen=True)
class MinutesReceipt:
    """An agency the minutes went to, and its acknowledgement if it has made one."""

    agency: AgencyName
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True)
class MinutesReceipts:
    """When the minutes went out (None: not yet), and the receipts the caller may follow.
    `may_acknowledge`: the caller's agency was sent them and has not yet acknowledged."""

    meeting_id: UUID
    distributed_at: datetime | None
    receipts: tuple[MinutesReceipt, ...]
    may_acknowledge: bool

    @property
    def outstanding(self) -> tuple[MinutesReceipt, ...]:
        return tuple(r for r in self.receipts if not r.acknowledged)


def receipts_of(meeting: Meeting, names: AgencyNames, principal: Principal,
                coordinates: bool, *, sees_a_case: bool) -> MinutesReceipts:
    """The receipts `principal` may follow: all of them if they `coordinate` the area's
    meetings (the policy's answer, asked by the caller), else their own agency's; none to one
    who sees none of the meeting's cases (as services/meetings.py `minutes_state`: minutes
    never distributed)."""
    if not sees_a_case:
        return MinutesReceipts(meeting.id, None, (), False)
    mine = principal.agency_id
    shown = [a for a in meeting.minutes_sent_to if coordinates or a == mine]
    receipts = []
    for agency_id in shown:
        got = meeting.minutes_receipts.get(agency_id)
        receipts.append(MinutesReceipt(names(agency_id), got.by if got else None,
                                       got.at if got else None))
    may_acknowledge = (principal.kind == "person" and mine is not None
                       and mine in meeting.minutes_sent_to
                       and mine not in meeting.minutes_receipts)
    return MinutesReceipts(meeting.id, meeting.minutes_distributed_at, tuple(receipts),
                           may_acknowledge)


def minutes_receipts(stores: Stores, actor: Actor, meeting_id: UUID) -> MinutesReceipts:
    """Who has and has not acknowledged the minutes, as far as the caller may follow."""
    row, visible = seen_meeting(stores, actor, meeting_id, "read_meeting")
    meeting = stores.marac.get_meeting(meeting_id)
    coordinates = is_coordinator_of(actor.principal, row.area_id)
    found = receipts_of(meeting, agency_names(stores, meeting.minutes_sent_to),
                        actor.principal, coordinates, sees_a_case=bool(visible))
    actor.audit.record("read_meeting", "allowed", area_id=row.area_id,
                       items=(str(meeting_id), "minutes_receipts"))
    return found


def acknowledge_minutes(stores: Stores, actor: Actor, meeting_id: UUID) -> None:
    """The caller acknowledges, for their agency, that it received the minutes (the domain
    refuses an agency they were not sent to, a second acknowledgement, or minutes not yet
    distributed)."""
    row, visible = seen_meeting(stores, actor, meeting_id, "acknowledge_minutes")
    p = actor.principal
    agency_id = p.agency_id
    if p.kind != "person" or agency_id is None:
        actor.deny("acknowledge_minutes", "An agency's staff acknowledge minutes for their "
                   "agency", area_id=row.area_id, items=(str(meeting_id),))
    with writing(stores, actor, "acknowledge_minutes", None, row.area_id,
                 items=(str(meeting_id),)):
        if not visible:  # to them, minutes never distributed (meetings.minutes_state)
            raise MinutesNotDistributed("the minutes have not been distributed")
        stores.marac.acknowledge_minutes(meeting_id, agency_id, by=p.subject)
