"""The receipts rule, for every history of a meeting's attendance, distribution and
acknowledgements: only an agency the minutes went to (one that attended by then) acknowledges,
only once, only after the distribution; and the meeting replayed from its events agrees."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.area import AreaSettings
from domain.confidentiality import ConfidentialityStatement
from domain.exceptions import DomainError
from domain.meeting import AgendaItem, Attendance, Meeting

AGENCIES = tuple(UUID(int=n) for n in range(1, 5))
STATEMENT = ConfidentialityStatement("Kept within the meeting.", 1)
HELD_ON = date(2026, 1, 22)
Step = tuple[str, int]
steps = st.lists(st.tuples(st.sampled_from(["attend", "distribute", "acknowledge"]),
                           st.integers(0, len(AGENCIES) - 1)), max_size=12)


# Small histories say all there is to say: four agencies, a dozen steps.
@settings(max_examples=60, deadline=None)
@given(steps)
def test_only_agencies_sent_the_minutes_acknowledge_them_once_after_they_went(
        history: list[Step]) -> None:
    meeting = Meeting.schedule(UUID(int=99), "standard", HELD_ON, "coordinator-1")
    meeting.list_case(AgendaItem(UUID(int=7), False, False, "coordinator-1"), AreaSettings())
    at = datetime(2026, 1, 22, 10, tzinfo=UTC)
    attended: set[UUID] = set()
    sent: set[UUID] | None = None
    acknowledged: set[UUID] = set()
    for n, (step, which) in enumerate(history):
        agency, when = AGENCIES[which], at + timedelta(minutes=n)
        try:
            if step == "attend":
                meeting.record_attendance(Attendance(f"rep-{n}", agency, True, when, 1),
                                          STATEMENT)
                attended.add(agency)
            elif step == "distribute":
                meeting.distribute_minutes("coordinator-1", when)
                sent = set(attended)
            else:
                meeting.acknowledge_minutes(agency, f"rep-{n}", when)
                acknowledged.add(agency)
                assert agency in (sent or set())
        except DomainError:
            continue
    assert set(meeting.minutes_receipts) == acknowledged
    assert acknowledged <= (sent or set())
    assert set(meeting.minutes_sent_to) == (sent or set())
    replayed = _replay(meeting)
    assert replayed.minutes_sent_to == meeting.minutes_sent_to
    assert replayed.minutes_receipts == meeting.minutes_receipts


def _replay(meeting: Meeting) -> Meeting:
    events = meeting.collect_events()
    copy: Meeting | None = None
    for e in events:
        copy = e.mutate(copy)
    assert copy is not None
    return copy

