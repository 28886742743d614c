"""Closure informing: lateness in hours from the closure's time (domain/case.py), on the
in-memory store."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import Marac
from domain.case import INFORM_WITHIN, inform_by, told_late
from tests.factories import area_with_agency, referral

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def app() -> Iterator[Marac]:
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=lambda: NOW,
               today=NOW.date) as app:
        yield app


@pytest.fixture
def area(app: Marac) -> tuple[UUID, UUID]:
    return area_with_agency(app)


times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1),
                     timezones=st.just(UTC))
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))


@given(closed_at=times, after=offsets)
def test_an_agency_is_late_when_told_more_than_24_hours_after_the_closure(
    closed_at: datetime, after: timedelta
) -> None:
    deadline = inform_by(closed_at.date(), closed_at)
    assert told_late(deadline, closed_at + after) is (after > INFORM_WITHIN)


@given(closed_at=times)
def test_a_closure_kept_by_date_only_calls_no_agency_late_that_was_not(
    closed_at: datetime
) -> None:
    """Whenever on its day a date-only closure was made, its deadline is no earlier."""
    on = closed_at.date()
    assert inform_by(on, None) >= inform_by(on, closed_at)
    assert inform_by(on, None) == datetime.combine(on, time(), tzinfo=UTC) + timedelta(days=2)


def test_the_closure_records_its_time(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    app.close_case(case_id, by="coordinator-1", reason="Risk reduced")
    case = app.get_case(case_id)
    assert (case.closed_on, case.closed_at, case.to_inform) == (NOW.date(), NOW, (area[1],))


def test_a_closure_recorded_before_its_time_was_kept_still_loads(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area))
    case = app.get_case(case_id)
    case.close("Risk reduced", "coordinator-1", date(2025, 6, 1), NOW)
    (closed,) = case.collect_events()
    del closed.__dict__["at"]  # as the event was stored before it had the field
    app.recorder.insert_events([app.mapper.to_stored_event(closed)])
    loaded = app.get_case(case_id)
    assert (loaded.status, loaded.closed_on, loaded.closed_at) == (
        "closed", date(2025, 6, 1), None)
    app.acknowledge_closure(case_id, area[1], by="police-rep")
    assert app.get_case(case_id).informed == {area[1]: NOW}
