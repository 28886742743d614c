"""A meeting's minutes as one document, issued copies of them, and receipts: the minutes go to
the agencies that attended; each acknowledges once, after the distribution; the coordinators
follow every receipt, an agency's staff their own. Use cases called without HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest

from domain.confidentiality import ConfidentialityStatement
from domain.meeting import (
    Attendance,
    Meeting,
    MinutesAlreadyAcknowledged,
    MinutesNotDistributed,
    MinutesNotSent,
    Risk,
)
from services import meeting_minutes, meetings, minutes_receipts
from services.actor import Actor
from services.errors import Forbidden, NotFound
from tests.services.conftest import HELD_ON, Area, Clock, trail


def held(area: Area, clock: Clock) -> tuple[UUID, UUID]:
    """A meeting on HELD_ON with one case heard, attended by the coordinator (police) alone
    of the agencies' staff, and by the IDVA service's representative."""
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), meeting_id, case_id, [area.idva])
    clock.at = datetime.combine(HELD_ON, time(10), UTC)
    meetings.attend(area.platform, area.coordinator(), meeting_id, True, 1)
    meetings.attend(area.platform, idva(area), meeting_id, True, 1)
    meetings.record_hearing(area.platform, area.coordinator(), meeting_id, case_id,
                            [Risk("victim", "Further strangulation")])
    return meeting_id, case_id


def idva(area: Area) -> Actor:
    return area.actor("idva-rep", "representative", agency=area.idva)


def test_minutes_go_to_the_attending_agencies_each_of_which_acknowledges_once(
        area: Area, clock: Clock) -> None:
    meeting_id, _ = held(area, clock)
    with pytest.raises(MinutesNotDistributed):
        minutes_receipts.acknowledge_minutes(area.platform, idva(area), meeting_id)
    assert trail(area.platform.audit)[-1] == (
        "acknowledge_minutes", "refused", None, ("code:minutes_not_distributed",))

    meetings.distribute_minutes(area.platform, area.coordinator(), meeting_id)
    before = minutes_receipts.minutes_receipts(area.platform, area.coordinator(), meeting_id)
    minutes_receipts.acknowledge_minutes(area.platform, idva(area), meeting_id)
    after = minutes_receipts.minutes_receipts(area.platform, area.coordinator(), meeting_id)

    assert {r.agency.agency_id for r in before.receipts} == {area.police, area.idva}
    assert {r.agency.agency_id for r in before.outstanding} == {area.police, area.idva}
    assert [(r.agency.name, r.acknowledged_by, r.acknowledged_at) for r in after.receipts
            if r.acknowledged] == [("Idva", "idva-rep", clock.at)]
    assert [r.agency.name for r in after.outstanding] == ["Police"]
    assert trail(area.platform.audit)[-2] == ("acknowledge_minutes", "allowed", None,
                                              (str(meeting_id),))
    with pytest.raises(MinutesAlreadyAcknowledged):
        minutes_receipts.acknowledge_minutes(area.platform, idva(area), meeting_id)


def test_an_agency_that_did_not_attend_was_not_sent_the_minutes(
        area: Area, clock: Clock) -> None:
    meeting_id, case_id = held(area, clock)
    housing = area.platform.marac.register_agency(area.area_id, "housing", "Housing",
                                                  "housing", core=True)
    area.platform.runner.catch_up()
    meetings.invite(area.platform, area.coordinator(), meeting_id, case_id, [housing])
    meetings.distribute_minutes(area.platform, area.coordinator(), meeting_id)

    def rep() -> Actor:
        return area.actor("housing-rep", "representative", agency=housing)

    seen = minutes_receipts.minutes_receipts(area.platform, rep(), meeting_id)
    with pytest.raises(MinutesNotSent):
        minutes_receipts.acknowledge_minutes(area.platform, rep(), meeting_id)

    assert (seen.receipts, seen.may_acknowledge) == ((), False)


def test_an_agency_s_staff_follow_their_own_receipt_and_the_coordinators_every_one(
        area: Area, clock: Clock) -> None:
    meeting_id, _ = held(area, clock)
    meetings.distribute_minutes(area.platform, area.coordinator(), meeting_id)

    theirs = minutes_receipts.minutes_receipts(area.platform, idva(area), meeting_id)
    every = minutes_receipts.minutes_receipts(area.platform, area.coordinator(), meeting_id)

    assert [r.agency.agency_id for r in theirs.receipts] == [area.idva]
    assert theirs.may_acknowledge
    assert len(every.receipts) == 2
    assert trail(area.platform.audit)[-1] == ("read_meeting", "allowed", None,
                                              (str(meeting_id), "minutes_receipts"))


def test_no_one_acknowledges_for_no_agency_nor_for_a_meeting_they_may_not_see(
        area: Area, clock: Clock) -> None:
    meeting_id, _ = held(area, clock)
    meetings.distribute_minutes(area.platform, area.coordinator(), meeting_id)
    chair = area.actor("chair-1", "chair")
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    stranger = area.actor("idva-9", "representative", agency=area.idva, area_id=other)

    with pytest.raises(Forbidden):
        minutes_receipts.acknowledge_minutes(area.platform, chair, meeting_id)
    assert trail(area.platform.audit)[-1][:2] == ("acknowledge_minutes", "denied")
    with pytest.raises(NotFound):
        minutes_receipts.acknowledge_minutes(area.platform, stranger, meeting_id)
    assert trail(area.platform.audit)[-1] == ("acknowledge_minutes", "not_found", None,
                                              (str(meeting_id),))


def test_the_meeting_s_minutes_are_one_read_and_a_copy_that_cannot_be_made_is_recorded_failed(
        area: Area, clock: Clock) -> None:
    meeting_id, case_id = held(area, clock)

    found = meeting_minutes.meeting_minutes(area.platform, area.coordinator(), meeting_id)
    assert [c.entry.case_id for c in found.cases] == [case_id]
    assert found.cases[0].risks == (Risk("victim", "Further strangulation"),)
    assert trail(area.platform.audit)[-1] == ("read_minutes", "allowed", None,
                                              (str(meeting_id), str(case_id)))

    def broken(*_: object) -> bytes:
        raise RuntimeError("no fonts")

    with pytest.raises(RuntimeError):
        meeting_minutes.issue_minutes(area.platform, idva(area), meeting_id,
                                      person_name="Indy", make=broken)
    assert trail(area.platform.audit)[-1] == ("issue_minutes", "failed", None,
                                              (str(meeting_id),))
    issued = meeting_minutes.issue_minutes(area.platform, idva(area), meeting_id,
                                           person_name="Indy", make=lambda m, r: b"%PDF")
    assert (issued.recipient.person_name, issued.recipient.agency_name,
            issued.recipient.issued_at) == ("Indy", "Idva", clock.at)
    assert trail(area.platform.audit)[-1][:3] == ("issue_minutes", "allowed", None)


def test_a_distribution_recorded_before_recipients_were_kept_went_to_those_attending() -> None:
    meeting = Meeting.schedule(UUID(int=1), "standard", date(2026, 1, 5), "coordinator-1")
    at = datetime(2026, 1, 5, 10, tzinfo=UTC)
    meeting.record_attendance(Attendance("police-rep", UUID(int=2), True, at, 1),
                              ConfidentialityStatement("Keep it here.", 1))
    meeting._minutes_distributed(by="coordinator-1", at=at)  # as such an event replays
    assert meeting.minutes_sent_to == (UUID(int=2),)
