"""Meeting corrections in the domain: rescheduling and cancelling before the meeting's day,
moving and removing agenda items within the area's order, and the one rule that attendance,
hearings and minutes follow the meeting's day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access import Audience
from domain.application import Marac
from domain.area import AreaSettings
from domain.confidentiality import ConfidentialityStatement
from domain.meeting import (
    AgendaItem,
    Attendance,
    InvalidAgendaOrder,
    InvalidMeetingChange,
    Meeting,
    MeetingAlreadyHeld,
    MeetingCancelled,
    MeetingNotYetHeld,
    agenda_order,
    hearing_rank,
    meeting_status,
)
from tests.factories import area_with_agency, referral

HELD_ON = date(2026, 3, 18)
BEFORE, ON, AFTER = date(2026, 3, 10), HELD_ON, date(2026, 3, 19)
SETTINGS = AreaSettings(children_first=True, hba_placement="start")
STATEMENT = ConfidentialityStatement("Confidential", 1)


def meeting() -> Meeting:
    return Meeting.schedule(uuid4(), "standard", HELD_ON, "coordinator-1")


def item(children: bool = False, hba: bool = False) -> AgendaItem:
    return AgendaItem(uuid4(), children, hba, "coordinator-1")


def listed(*items: AgendaItem) -> Meeting:
    m = meeting()
    for i in items:
        m.list_case(i, SETTINGS)
    return m


def attendance(day: date) -> Attendance:
    return Attendance("police-rep", uuid4(), True, datetime.combine(day, time(9), UTC),
                      STATEMENT.version)


def test_a_meeting_is_scheduled_until_its_day_then_held_unless_cancelled() -> None:
    assert meeting_status(HELD_ON, False, BEFORE) == "scheduled"
    assert meeting_status(HELD_ON, False, ON) == "held"
    assert meeting_status(HELD_ON, True, AFTER) == "cancelled"


def test_a_meeting_not_yet_held_is_rescheduled_with_a_reason_and_its_minutes_follow() -> None:
    m = meeting()
    m.reschedule(date(2026, 3, 25), "Chair unavailable", "coordinator-1", BEFORE)
    assert m.held_on == date(2026, 3, 25)
    assert m.minutes_due_on(SETTINGS) == date(2026, 4, 1)


@pytest.mark.parametrize(("to", "reason", "error"), [
    (date(2026, 3, 25), " ", InvalidMeetingChange),    # no reason
    (date(2026, 3, 9), "Moved", InvalidMeetingChange),  # before today
    (HELD_ON, "Moved", InvalidMeetingChange),           # its own day
])
def test_a_rescheduling_needs_a_reason_and_a_new_day_from_today(
        to: date, reason: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        meeting().reschedule(to, reason, "coordinator-1", BEFORE)


def test_a_meeting_held_is_neither_rescheduled_nor_cancelled() -> None:
    for today in (ON, AFTER):
        with pytest.raises(MeetingAlreadyHeld) as refused:
            meeting().reschedule(date(2026, 4, 1), "Moved", "coordinator-1", today)
        assert refused.value.code == "meeting_already_held"
        with pytest.raises(MeetingAlreadyHeld):
            meeting().cancel("Snow", "coordinator-1", today)


def test_a_cancelled_meeting_takes_nothing_more() -> None:
    first, second = item(), item()
    m = listed(first, second)
    m.cancel("Not quorate", "coordinator-1", BEFORE)
    assert meeting_status(m.held_on, m.cancelled, AFTER) == "cancelled"
    refusals: list[Callable[[], None]] = [
        lambda: m.cancel("Again", "coordinator-1", BEFORE),
        lambda: m.reschedule(date(2026, 4, 1), "Moved", "coordinator-1", BEFORE),
        lambda: m.list_case(item(), SETTINGS),
        lambda: m.reorder([second.case_id, first.case_id], SETTINGS, "coordinator-1"),
        lambda: m.remove_case(first.case_id, "Heard elsewhere", "coordinator-1"),
        lambda: m.record_attendance(attendance(ON), STATEMENT),
        lambda: m.check_recordable_on(AFTER),
        lambda: m.distribute_minutes("coordinator-1", datetime.combine(AFTER, time(9), UTC)),
    ]
    for refused in refusals:
        with pytest.raises(MeetingCancelled):
            refused()


def test_attendance_hearings_and_minutes_wait_for_the_meeting_s_day() -> None:
    m = listed(item())
    with pytest.raises(MeetingNotYetHeld) as early:
        m.record_attendance(attendance(BEFORE), STATEMENT)
    assert early.value.code == "meeting_not_yet_held"
    with pytest.raises(MeetingNotYetHeld):
        m.check_recordable_on(BEFORE)  # what the application asks before a hearing
    with pytest.raises(MeetingNotYetHeld):
        m.distribute_minutes("coordinator-1", datetime.combine(BEFORE, time(9), UTC))
    m.record_attendance(attendance(ON), STATEMENT)
    m.check_recordable_on(ON)
    m.distribute_minutes("coordinator-1", datetime.combine(ON, time(17), UTC))


def test_a_case_is_moved_within_its_place_in_the_area_s_order() -> None:
    adult_1, adult_2, adult_3 = item(), item(), item()
    child = item(children=True)
    m = listed(adult_1, adult_2, child, adult_3)
    heard = [i.case_id for i in agenda_order(m.agenda, SETTINGS)]
    assert heard == [child.case_id, adult_1.case_id, adult_2.case_id, adult_3.case_id]

    m.reorder([child.case_id, adult_3.case_id, adult_1.case_id, adult_2.case_id], SETTINGS,
              "coordinator-1")

    assert [i.case_id for i in agenda_order(m.agenda, SETTINGS)] == [
        child.case_id, adult_3.case_id, adult_1.case_id, adult_2.case_id]
    with pytest.raises(InvalidAgendaOrder) as refused:  # above the children's case
        m.reorder([adult_3.case_id, child.case_id, adult_1.case_id, adult_2.case_id],
                  SETTINGS, "coordinator-1")
    assert refused.value.code == "invalid_agenda_order"


def test_cases_not_named_in_a_new_order_keep_their_places() -> None:
    hidden, a, b = item(), item(), item()
    m = listed(a, hidden, b)
    m.reorder([b.case_id, a.case_id], SETTINGS, "coordinator-1")
    assert [i.case_id for i in m.agenda] == [b.case_id, hidden.case_id, a.case_id]


def test_a_removed_case_leaves_the_agenda_and_may_be_listed_again() -> None:
    a, b = item(), item()
    m = listed(a, b)
    with pytest.raises(InvalidMeetingChange):
        m.remove_case(a.case_id, "", "coordinator-1")
    m.remove_case(a.case_id, "Listed in error", "coordinator-1")
    assert [i.case_id for i in m.agenda] == [b.case_id]
    with pytest.raises(InvalidMeetingChange):
        m.remove_case(a.case_id, "Listed in error", "coordinator-1")
    m.list_case(a, SETTINGS)
    assert m.lists(a.case_id)


flags = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=8)


@given(cases=flags, data=st.data())
def test_any_order_accepted_keeps_the_area_s_rules_and_its_cases(
        cases: list[tuple[bool, bool]], data: st.DataObject) -> None:
    m = listed(*(item(children=c, hba=h) for c, h in cases))
    before = {i.case_id for i in m.agenda}
    wanted: list[UUID] = data.draw(st.permutations([i.case_id for i in m.agenda]))
    try:
        m.reorder(wanted, SETTINGS, "coordinator-1")
    except InvalidAgendaOrder:
        ranks = [hearing_rank(next(i for i in m.agenda if i.case_id == c), SETTINGS)
                 for c in wanted]
        assert ranks != sorted(ranks)
        return
    assert {i.case_id for i in m.agenda} == before
    assert [i.case_id for i in agenda_order(m.agenda, SETTINGS)] == wanted


def test_at_a_cancelled_meeting_no_action_is_agreed_but_what_was_found_for_it_is_shared() -> None:
    now = datetime.combine(BEFORE, time(9), UTC)
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=lambda: now) as app:
        area_id, police = area_with_agency(app)
        case_id = app.refer(referral(area_id, police))
        app.accept(case_id, "coordinator-1")
        meeting_id = app.schedule_meeting(area_id, "standard", HELD_ON, by="coordinator-1")
        app.list_on_agenda(meeting_id, case_id, invite=set(), by="coordinator-1")
        app.cancel_meeting(meeting_id, reason="Not quorate", by="coordinator-1")

        with pytest.raises(MeetingCancelled):
            app.agree_action(case_id, owner_agency=police, description="Check", for_whom="victim",
                             due_on=AFTER, by="coordinator-1", meeting_id=meeting_id)
        app.share(case_id, kind="research", text="Two call-outs", audience=Audience("whole_case"),
                  author="police-rep", author_agency=police, for_agency=False,
                  meeting_id=meeting_id)
        assert len(app.get_case(case_id).items) == 1
