"""Closure informing: who is told (security/policy.py), and lateness in hours from the closure's
time (domain/case.py), on the in-memory store."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import Marac
from domain.case import INFORM_WITHIN, NotToldOfClosure, inform_by, told_late
from security.identity import Principal
from security.policy import CaseAccess, Viewer, agencies_told_of_closure, case_visibility
from tests.factories import area_with_agency, referral

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AGENCIES = tuple(UUID(int=n) for n in range(1, 6))
AREA = UUID(int=100)


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


def test_the_closure_records_its_time_and_the_agencies_told(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area))
    other = uuid4()
    app.close_case(case_id, by="coordinator-1", reason="Risk reduced", inform=[other, other])
    case = app.get_case(case_id)
    assert (case.closed_on, case.closed_at, case.to_inform) == (NOW.date(), NOW, (other,))
    # The referring agency may not see it (say, restricted): it is not told.
    with pytest.raises(NotToldOfClosure):
        app.acknowledge_closure(case_id, area[1], by="police-rep")
    app.acknowledge_closure(case_id, other, by="other-rep")
    assert app.get_case(case_id).informed == {other: NOW}


def test_an_open_case_has_no_closure_to_acknowledge(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area))
    with pytest.raises(NotToldOfClosure):
        app.acknowledge_closure(case_id, area[1], by="police-rep")


def test_a_closure_recorded_before_its_time_was_kept_still_loads(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area))
    case = app.get_case(case_id)
    case.close("Risk reduced", "coordinator-1", date(2025, 6, 1), NOW, [area[1]])
    (closed,) = case.collect_events()
    del closed.__dict__["at"]  # as the event was stored before it had the field
    app.recorder.insert_events([app.mapper.to_stored_event(closed)])
    loaded = app.get_case(case_id)
    assert (loaded.status, loaded.closed_on, loaded.closed_at) == (
        "closed", date(2025, 6, 1), None)
    app.acknowledge_closure(case_id, area[1], by="police-rep")
    assert app.get_case(case_id).informed == {area[1]: NOW}


expiries = st.one_of(st.none(), st.sampled_from([NOW - timedelta(minutes=1), NOW,
                                                 NOW + timedelta(minutes=1)]))
accesses = st.builds(
    CaseAccess,
    case_id=st.just(UUID(int=200)),
    area_id=st.just(AREA),
    involved_agencies=st.frozensets(st.sampled_from(AGENCIES)),
    agency_grants=st.lists(st.tuples(st.sampled_from(AGENCIES), expiries)).map(tuple),
    restricted=st.booleans(),
    restriction_provisional=st.booleans(),
    member_agencies=st.frozensets(st.sampled_from(AGENCIES)),
    withdrawn=st.booleans(),
)


@given(access=accesses, agency=st.sampled_from(AGENCIES), integration=st.booleans(),
       carried=st.frozensets(st.sampled_from(AGENCIES)))
def test_an_agency_is_told_of_a_closure_exactly_when_it_may_see_the_case_it_leaves(
    access: CaseAccess, agency: UUID, integration: bool, carried: frozenset[UUID]
) -> None:
    """Told iff the agency's representatives (or its integration) may see the case as the
    agency, as the closure leaves it (the agencies carrying an action on involved, as
    domain/case.py makes them): by the policy's own decision, not a second copy of it."""
    principal = (Principal("client-1", "integration", agency, AREA, frozenset(),
                           frozenset({"cases:read"}), client_id="client-1") if integration
                 else Principal("rep-1", "person", agency, AREA, frozenset({"representative"})))
    closed = replace(access, involved_agencies=access.involved_agencies | carried)
    sees = case_visibility(Viewer(principal, "ref-rep-1"), closed, NOW) is not None
    assert (agency in agencies_told_of_closure(access, NOW, carried)) is sees

