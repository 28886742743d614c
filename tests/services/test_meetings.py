"""Meetings, agendas, research and minutes as use cases, called without HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest

from domain.criteria import CriteriaClaimed
from domain.meeting import (
    InvalidAgendaOrder,
    MeetingAlreadyHeld,
    MeetingCancelled,
    MeetingNotYetHeld,
    Risk,
)
from services import meetings, minutes, research
from services.actor import Actor
from services.errors import Forbidden, NotFound
from services.meetings import AgendaEntry, ListedMeeting, MeetingView
from services.report import group
from services.reports import ReportRequest, read_report
from tests.services.conftest import HELD_ON, Area, Clock, trail


def test_a_representative_may_not_schedule_a_meeting_and_the_refusal_is_recorded(
        area: Area) -> None:
    rep = area.actor("idva-rep", "representative", agency=area.idva)
    with pytest.raises(Forbidden) as refused:
        meetings.schedule(area.platform, rep, "standard", HELD_ON, [])
    assert refused.value.code == "forbidden"
    assert trail(area.platform.audit) == [("schedule_meeting", "denied", None, ())]
    assert area.platform.cases.meetings(area.area_id) == []


def test_a_listed_case_is_on_the_agenda_and_the_meeting_shows_its_minutes_due(
        area: Area) -> None:
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), meeting_id, case_id, [area.idva])

    listed = meetings.agenda(area.platform, area.coordinator(), meeting_id)
    view = meetings.meeting(area.platform, area.coordinator(), meeting_id)

    # The case by its victim's initials and year of birth (tests/factories.py's victim).
    assert listed == [AgendaEntry(1, case_id, children=False, honour_based_abuse=False,
                                  label="P.Q. 1987")]
    assert isinstance(view, MeetingView)
    assert (view.meeting_id, view.held_on, view.minutes.distributed_at) == (
        meeting_id, HELD_ON, None)
    assert view.minutes.due_on > HELD_ON
    assert trail(area.platform.audit)[-4:] == [
        ("schedule_meeting", "allowed", None, ()),
        ("list_on_agenda", "allowed", str(case_id), ()),
        ("read_agenda", "allowed", None, (str(meeting_id), str(case_id))),
        ("read_meeting", "allowed", None, (str(meeting_id),)),
    ]


def test_a_meeting_of_another_area_is_not_found_and_recorded_so(area: Area) -> None:
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    stranger = area.actor("coordinator-9", "coordinator", area_id=other)
    with pytest.raises(NotFound):
        meetings.meeting(area.platform, stranger, meeting_id)
    assert trail(area.platform.audit)[-1] == ("read_meeting", "not_found", None,
                                              (str(meeting_id),))


def test_only_coordinators_distribute_minutes_and_a_refusal_names_the_meeting(
        area: Area) -> None:
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), meeting_id, case_id, [area.idva])
    invited = area.actor("idva-rep", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        meetings.distribute_minutes(area.platform, invited, meeting_id)
    assert trail(area.platform.audit)[-1] == ("distribute_minutes", "denied", None,
                                              (str(meeting_id),))


def test_research_requested_of_an_agency_is_on_its_list_and_in_the_minutes_once_heard(
        area: Area, clock: Clock) -> None:
    case_id = area.case()
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [area.idva])
    research.request_research(area.platform, coordinator(), meeting_id, case_id,
                              agencies=[area.idva], due_on=date(2026, 1, 26))
    clock.at = datetime.combine(HELD_ON, time(10), UTC)
    meetings.record_hearing(area.platform, coordinator(), meeting_id, case_id,
                            [Risk("victim", "Further strangulation")])

    idva = area.actor("idva-rep", "representative", agency=area.idva)
    (asked,) = research.research_requests(area.platform, idva)
    case_minutes = minutes.minutes(area.platform, coordinator(), meeting_id, case_id)

    assert (asked.case_id, asked.meeting_id, asked.due_on, asked.answered) == (
        case_id, meeting_id, date(2026, 1, 26), False)
    assert case_minutes.heard
    assert case_minutes.risks == (Risk("victim", "Further strangulation"),)
    assert trail(area.platform.audit)[-2][:2] == ("list_research", "allowed")


def test_research_lists_are_for_an_agency_s_staff_and_a_refusal_is_recorded(
        area: Area) -> None:
    chair = area.actor("chair-1", "chair")
    with pytest.raises(Forbidden):
        research.research_requests(area.platform, chair)
    assert trail(area.platform.audit) == [("list_research", "denied", None, ())]


# Corrections: listing, rescheduling, cancelling; the agenda's moves, removals, invitations ----

def on(day: date) -> datetime:
    return datetime.combine(day, time(10), UTC)


def test_the_area_s_meetings_are_listed_with_status_and_the_cases_each_caller_may_see(
        area: Area, clock: Clock) -> None:
    coordinator = area.coordinator
    past = meetings.schedule(area.platform, coordinator(), "standard", date(2026, 1, 5), [])
    soon = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    later = meetings.schedule(area.platform, coordinator(), "standard", date(2026, 2, 26), [])
    first, second = area.case(), area.case()
    meetings.list_case(area.platform, coordinator(), soon, first, [area.idva])
    meetings.list_case(area.platform, coordinator(), soon, second, [])
    meetings.cancel(area.platform, coordinator(), later, "Moved to the daily triage")

    def idva() -> Actor:
        return area.actor("idva-rep", "representative", agency=area.idva)

    upcoming = meetings.list_meetings(area.platform, coordinator(), "upcoming")
    as_idva = meetings.list_meetings(area.platform, idva(), "all")

    assert upcoming == [ListedMeeting(soon, "standard", HELD_ON, "scheduled", 2),
                        ListedMeeting(later, "standard", date(2026, 2, 26), "cancelled", 0)]
    assert [(m.meeting_id, m.status, m.cases) for m in as_idva] == [
        (past, "held", 0), (soon, "scheduled", 1), (later, "cancelled", 0)]
    assert trail(area.platform.audit)[-1] == ("list_meetings", "allowed", None,
                                              (str(past), str(soon), str(later)))
    assert [m.meeting_id for m in meetings.list_meetings(area.platform, idva(), "past")] == [
        past]
    clock.at = on(HELD_ON)
    assert [m.status for m in meetings.list_meetings(area.platform, idva(), "upcoming")] == [
        "held", "cancelled"]


def test_a_meeting_is_rescheduled_by_a_coordinator_until_it_is_held(
        area: Area, clock: Clock) -> None:
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    rep = area.actor("idva-rep", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        meetings.reschedule(area.platform, rep, meeting_id, date(2026, 2, 5), "Clash")
    meetings.reschedule(area.platform, area.coordinator(), meeting_id, date(2026, 2, 5),
                        "Clash with the county MAPPA")
    view = meetings.meeting(area.platform, area.coordinator(), meeting_id)
    assert (view.held_on, view.status) == (date(2026, 2, 5), "scheduled")

    clock.at = on(date(2026, 2, 5))
    with pytest.raises(MeetingAlreadyHeld):
        meetings.reschedule(area.platform, area.coordinator(), meeting_id, date(2026, 2, 12),
                            "Too late")
    assert trail(area.platform.audit)[-4:-1] == [
        ("reschedule_meeting", "denied", None, (str(meeting_id),)),
        ("reschedule_meeting", "allowed", None, ()),
        ("read_meeting", "allowed", None, (str(meeting_id),))]
    assert trail(area.platform.audit)[-1] == ("reschedule_meeting", "refused", None,
                                              ("code:meeting_already_held",))


def test_a_cancelled_meeting_holds_nothing_and_its_case_is_listed_on_another(
        area: Area, clock: Clock) -> None:
    coordinator = area.coordinator
    case_id = area.case()
    cancelled = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), cancelled, case_id, [area.idva])
    meetings.cancel(area.platform, coordinator(), cancelled, "Chair unavailable")
    instead = meetings.schedule(area.platform, coordinator(), "standard", date(2026, 2, 5), [])
    meetings.list_case(area.platform, coordinator(), instead, case_id, [])

    found = meetings.next_agenda(area.platform, coordinator())
    assert found is not None
    assert found.meeting_id == instead
    clock.at = on(HELD_ON)
    refusals: list[Callable[[], None]] = [
        lambda: meetings.attend(area.platform, coordinator(), cancelled, True, 1),
        lambda: meetings.record_hearing(area.platform, coordinator(), cancelled, case_id, []),
        lambda: meetings.distribute_minutes(area.platform, coordinator(), cancelled)]
    for refused in refusals:
        with pytest.raises(MeetingCancelled):
            refused()
    assert [r[:2] for r in trail(area.platform.audit)[-3:]] == [
        ("attend", "refused"), ("record_hearing", "refused"), ("distribute_minutes", "refused")]


def test_attendance_and_a_hearing_before_the_meeting_s_day_are_refused_alike(
        area: Area) -> None:
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), meeting_id, case_id, [])
    with pytest.raises(MeetingNotYetHeld):
        meetings.attend(area.platform, area.coordinator(), meeting_id, True, 1)
    with pytest.raises(MeetingNotYetHeld):
        meetings.record_hearing(area.platform, area.coordinator(), meeting_id, case_id, [])
    assert trail(area.platform.audit)[-2:] == [
        ("attend", "refused", None, ("code:meeting_not_yet_held",)),
        ("record_hearing", "refused", str(case_id), ("code:meeting_not_yet_held",))]


def test_a_case_is_moved_up_down_or_to_a_position_within_the_area_s_order(
        area: Area) -> None:
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    a, b, c = area.case(), area.case(), area.case()
    for case_id in (a, b, c):
        meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [])

    def order() -> list[UUID]:
        return [e.case_id for e in meetings.agenda(area.platform, coordinator(), meeting_id)]

    meetings.move_on_agenda(area.platform, coordinator(), meeting_id, c, position=1)
    assert order() == [c, a, b]
    meetings.move_on_agenda(area.platform, coordinator(), meeting_id, c, direction="down")
    assert order() == [a, c, b]
    meetings.move_on_agenda(area.platform, coordinator(), meeting_id, b, direction="up")
    assert order() == [a, b, c]
    with pytest.raises(InvalidAgendaOrder):
        meetings.move_on_agenda(area.platform, coordinator(), meeting_id, a, direction="up")
    assert trail(area.platform.audit)[-1] == ("move_on_agenda", "refused", str(a),
                                              ("code:invalid_agenda_order",))


def test_a_case_not_heard_is_removed_from_the_agenda_with_a_reason(
        area: Area, clock: Clock) -> None:
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    kept, removed = area.case(), area.case()
    for case_id in (kept, removed):
        meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [])
    meetings.remove_from_agenda(area.platform, coordinator(), meeting_id, removed,
                                "Listed in error")
    assert [e.case_id for e in meetings.agenda(area.platform, coordinator(), meeting_id)] == [
        kept]
    clock.at = on(HELD_ON)
    meetings.record_hearing(area.platform, coordinator(), meeting_id, kept, [])
    with pytest.raises(MeetingAlreadyHeld):
        meetings.remove_from_agenda(area.platform, coordinator(), meeting_id, kept, "Oops")
    assert ("remove_from_agenda", "allowed", str(removed), ()) in trail(area.platform.audit)


def test_an_agency_invited_to_a_listed_case_gains_it_as_listing_would_have_given(
        area: Area) -> None:
    coordinator = area.coordinator
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [])

    def idva() -> Actor:
        return area.actor("idva-rep", "representative", agency=area.idva)

    assert meetings.agenda(area.platform, idva(), meeting_id) == []

    meetings.invite(area.platform, coordinator(), meeting_id, case_id, [area.idva])

    assert [e.case_id for e in meetings.agenda(area.platform, idva(), meeting_id)] == [case_id]
    research.request_research(area.platform, coordinator(), meeting_id, case_id,
                              agencies=[area.idva], due_on=date(2026, 1, 26))
    assert trail(area.platform.audit)[-3][:3] == ("invite_to_hearing", "allowed", str(case_id))


def test_a_cancelled_meeting_is_not_held_in_the_reports_and_lowers_no_attendance(
        area: Area, clock: Clock) -> None:
    coordinator = area.coordinator
    held = meetings.schedule(area.platform, coordinator(), "standard", date(2026, 1, 22), [])
    cancelled = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.cancel(area.platform, coordinator(), cancelled, "Not quorate")
    clock.at = on(date(2026, 1, 22))
    police = area.actor("police-rep", "representative", agency=area.police)
    meetings.attend(area.platform, police, held, True, 1)

    clock.at = on(date(2026, 4, 20))  # the month has ended
    officer = area.actor("po-1", "performance_officer")
    report = read_report(area.platform, officer,
                         ReportRequest("indicators", period="2026-01", disclosure="exact"))

    meeting_figures = group(report.figures["meetings"])
    assert meeting_figures["held"] == 1
    assert group(meeting_figures["attendance"])["police"] == {
        "attended": 1, "of": 1, "pct": 100.0}


def test_a_move_is_made_in_the_agenda_the_caller_sees_and_hidden_cases_keep_their_places(
        area: Area) -> None:
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    a, hidden, b = area.case(), area.case(), area.case()
    for case_id in (a, hidden, b):
        meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [])
    area.platform.marac.restrict(hidden, by="chair-9", reason="Employee case",
                                 members={"chair-9"})
    area.platform.runner.catch_up()

    # Position 2 is the last of the two cases this coordinator sees; 3 is off their agenda,
    # whatever else is listed.
    with pytest.raises(InvalidAgendaOrder) as refused:
        meetings.move_on_agenda(area.platform, coordinator(), meeting_id, a, position=3)
    assert str(refused.value) == "the agenda has positions 1 to 2"
    meetings.move_on_agenda(area.platform, coordinator(), meeting_id, a, position=2)

    assert [i.case_id for i in area.platform.marac.get_meeting(meeting_id).agenda] == [
        b, hidden, a]
    member = area.actor("chair-9", "chair")
    assert [e.case_id for e in meetings.agenda(area.platform, member, meeting_id)] == [
        b, hidden, a]


def test_an_agency_invited_to_a_case_in_a_closed_hearing_advises_on_that_case_alone(
        area: Area) -> None:
    coordinator = area.coordinator
    hba = CriteriaClaimed(visible_high_risk=True, honour_based_abuse=True)
    advised, other = area.case(criteria=hba), area.case(criteria=hba)
    closed = meetings.schedule(area.platform, coordinator(), "harmful_practices", HELD_ON, [])
    for case_id in (advised, other):
        meetings.list_case(area.platform, coordinator(), closed, case_id, [])

    meetings.invite(area.platform, coordinator(), closed, advised, [area.idva])

    idva = area.actor("idva-rep", "representative", agency=area.idva)
    assert [e.case_id for e in meetings.agenda(area.platform, idva, closed)] == [advised]
    assert area.platform.marac.get_case(advised).member_agencies == {area.idva}
