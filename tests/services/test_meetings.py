"""Meetings, agendas, research and minutes as use cases, called without HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.meeting import Risk
from services import meetings, minutes, research
from services.errors import Forbidden, NotFound
from services.meetings import AgendaEntry, MeetingView
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

    assert listed == [AgendaEntry(1, case_id, children=False, honour_based_abuse=False)]
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
