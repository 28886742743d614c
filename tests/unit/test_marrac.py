"""Lancashire's MARRAC rules on the in-memory store: allocation only in MARRAC areas, the four
steps in order, bounded contacts, the 48-hour plan and the two-week review."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.application import Marac
from domain.area import AreaSettings
from domain.case import NotToldOfClosure, inform_by, told_late
from domain.exceptions import ClosureAlreadyAcknowledged
from domain.marrac import (
    MAX_CONTACT_MINUTES,
    CompletedByClosing,
    InvalidMarracChange,
    NotAllocated,
    NotAMarracArea,
    StepOutOfOrder,
    TimeOutOfBounds,
    deadline,
    least_loaded,
    plan_due,
    review_due,
    time_per_child,
    time_per_me,
)
from domain.subjects import Subject
from tests.factories import area_with_agency, perpetrator, referral, victim

DAY_ONE = datetime(2026, 1, 13, 8, 15, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = DAY_ONE

    def __call__(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Iterator[Marac]:
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=clock,
               today=clock.today) as app:
        yield app


@pytest.fixture
def area(app: Marac) -> tuple[UUID, UUID]:
    return area_with_agency(app, AreaSettings(model="marrac"))


@pytest.fixture
def case_id(app: Marac, area: tuple[UUID, UUID]) -> UUID:
    case_id = app.refer(referral(*area, referred_on=date(2026, 1, 13)))
    app.allocate(case_id, "cc-ashworthxq", by="team-leader-1")
    return case_id


def _plan(app: Marac, case_id: UUID, area: tuple[UUID, UUID]) -> None:
    app.accept(case_id, "cc-ashworthxq")
    app.agree_action(case_id, owner_agency=area[1], description="Safety plan review",
                     for_whom="victim", due_on=date(2026, 1, 20), by="cc-ashworthxq")
    app.agree_plan(case_id, by="cc-ashworthxq")


def test_allocation_is_only_for_marrac_areas(app: Marac) -> None:
    marac_area = area_with_agency(app, code="meetings")
    case_id = app.refer(referral(*marac_area))
    with pytest.raises(NotAMarracArea):
        app.allocate(case_id, "cc-ashworthxq", by="team-leader-1")


def test_reallocation_is_a_new_allocation_and_keeps_the_first_clock(
    app: Marac, case_id: UUID, clock: Clock
) -> None:
    clock.at += timedelta(hours=3)
    app.allocate(case_id, "cc-brindlexq", by="team-leader-1")
    case = app.get_case(case_id)
    assert case.coordinator == "cc-brindlexq"
    assert [a.coordinator for a in case.allocations] == ["cc-ashworthxq", "cc-brindlexq"]
    assert case.allocated_at == DAY_ONE
    with pytest.raises(InvalidMarracChange):
        app.allocate(case_id, "cc-brindlexq", by="team-leader-1")


def test_an_excluded_person_cannot_be_given_the_case(app: Marac, case_id: UUID) -> None:
    app.exclude(case_id, "cc-relativexq", by="coordinator-1", reason="Victim's relative")
    with pytest.raises(InvalidMarracChange):
        app.allocate(case_id, "cc-relativexq", by="team-leader-1")


def test_nothing_is_recorded_before_allocation(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    with pytest.raises(NotAllocated):
        app.complete_step(case_id, "gather_and_assess", by="cc-ashworthxq")
    with pytest.raises(NotAllocated):
        app.record_contact(case_id, "victim", 30, by="cc-ashworthxq")


def test_the_four_steps_go_in_order(app: Marac, case_id: UUID,
                                    area: tuple[UUID, UUID]) -> None:
    with pytest.raises(StepOutOfOrder):
        app.complete_step(case_id, "analyse_risk_and_need", by="cc-ashworthxq")
    app.complete_step(case_id, "gather_and_assess", by="cc-ashworthxq")
    with pytest.raises(StepOutOfOrder):
        app.complete_step(case_id, "gather_and_assess", by="cc-ashworthxq")
    app.complete_step(case_id, "analyse_risk_and_need", by="cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):  # the solution is the agreed plan
        app.complete_step(case_id, "identify_solution", by="cc-ashworthxq")
    _plan(app, case_id, area)
    app.complete_step(case_id, "identify_solution", by="cc-ashworthxq")
    # The fourth step is completed by closing the case, never on its own.
    with pytest.raises(CompletedByClosing):
        app.complete_step(case_id, "complete_case", by="cc-ashworthxq")
    app.complete_case(case_id, by="cc-ashworthxq", reason="Risk reduced", inform=())
    case = app.get_case(case_id)
    assert case.status == "closed"
    assert list(case.steps) == [
        "gather_and_assess", "analyse_risk_and_need", "identify_solution", "complete_case"]


@pytest.mark.parametrize("minutes", [0, -5, MAX_CONTACT_MINUTES + 1])
def test_contact_minutes_are_positive_and_bounded(
    app: Marac, case_id: UUID, minutes: int
) -> None:
    with pytest.raises(InvalidMarracChange):
        app.record_contact(case_id, "victim", minutes, by="cc-ashworthxq")


def test_contacts_fall_between_allocation_and_now(
    app: Marac, case_id: UUID, clock: Clock
) -> None:
    with pytest.raises(InvalidMarracChange):
        app.record_contact(case_id, "victim", 30, by="cc-ashworthxq",
                           at=DAY_ONE - timedelta(minutes=1))
    with pytest.raises(InvalidMarracChange):
        app.record_contact(case_id, "victim", 30, by="cc-ashworthxq",
                           at=DAY_ONE + timedelta(minutes=1))
    clock.at += timedelta(hours=2)
    app.record_contact(case_id, "victim", 40, by="cc-ashworthxq",
                       at=DAY_ONE + timedelta(minutes=105))
    app.record_contact(case_id, "perpetrator", 25, by="cc-ashworthxq")
    app.record_contact(case_id, "victim", 90, by="cc-ashworthxq")
    assert time_per_me(app.get_case(case_id).contacts) == {
        "victim": (130, 2), "perpetrator": (25, 1), "child": (0, 0)}


def test_a_child_me_needs_a_child_on_the_case(app: Marac, case_id: UUID) -> None:
    with pytest.raises(InvalidMarracChange):
        app.record_needs(case_id, "child", "Someone to speak to", by="cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):
        app.record_needs(case_id, "victim", "  ", by="cc-ashworthxq")
    app.record_needs(case_id, "victim", "Financial and MH support", by="cc-ashworthxq")
    assert app.get_case(case_id).needs["victim"].needs == "Financial and MH support"


def test_the_plan_needs_an_accepted_case_and_an_action(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID]
) -> None:
    with pytest.raises(InvalidMarracChange):
        app.agree_plan(case_id, by="cc-ashworthxq")
    app.accept(case_id, "cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):
        app.agree_plan(case_id, by="cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):
        app.review_plan(case_id, by="cc-ashworthxq", still_meets_purpose=True,
                        outcome="continue_plan")


def test_the_plan_is_due_48_hours_after_allocation(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID], clock: Clock
) -> None:
    clock.at = DAY_ONE + timedelta(hours=48)
    _plan(app, case_id, area)
    case = app.get_case(case_id)
    assert case.plan_agreed is not None
    assert case.allocated_at is not None
    state = deadline(plan_due(case.allocated_at), case.plan_agreed.at, clock.at)
    assert (state.on_time, state.late) == (True, False)
    late = deadline(plan_due(DAY_ONE), DAY_ONE + timedelta(hours=48, seconds=1), clock.at)
    assert (late.on_time, late.late) == (False, True)


def test_the_review_is_due_two_weeks_after_the_plan(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID], clock: Clock
) -> None:
    _plan(app, case_id, area)
    due = review_due(DAY_ONE)
    assert due == datetime(2026, 1, 27, 8, 15, tzinfo=UTC)
    pending = deadline(due, None, due)
    assert (pending.on_time, pending.late) == (None, False)
    assert deadline(due, None, due + timedelta(seconds=1)).late is True
    with pytest.raises(InvalidMarracChange):
        app.review_plan(case_id, by="cc-ashworthxq", still_meets_purpose=True,
                        outcome="not-an-outcome")
    clock.at = due
    app.review_plan(case_id, by="cc-ashworthxq", still_meets_purpose=False,
                    outcome="ready_to_close")
    (review,) = app.get_case(case_id).reviews
    assert deadline(due, review.at, clock.at).on_time is True


def test_nothing_is_worked_on_a_closed_case(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID]
) -> None:
    app.close_case(case_id, by="coordinator-1", reason="Moved away", inform=())
    with pytest.raises(InvalidMarracChange):
        app.record_contact(case_id, "victim", 10, by="cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):
        app.allocate(case_id, "cc-brindlexq", by="team-leader-1")


def test_the_least_loaded_co_ordinator_is_suggested_ties_by_id() -> None:
    assert least_loaded({"cc-b": 2, "cc-c": 0, "cc-a": 0}) == "cc-a"
    assert least_loaded({"cc-b": 1, "cc-a": 3}) == "cc-b"
    assert least_loaded({}) is None


# Each child an ME of its own -------------------------------------------------------------

def child(forenames: str) -> Subject:
    return Subject(uuid4(), "child", forenames, "Quennevillexq", date_of_birth=date(2019, 4, 1))


@pytest.fixture
def family(app: Marac, area: tuple[UUID, UUID]) -> tuple[UUID, UUID, UUID]:
    """A case with two children, allocated: (case, older child, younger child)."""
    older, younger = child("Ellaxq"), child("Finnxq")
    case_id = app.refer(referral(*area, subjects=(victim(), perpetrator(), older, younger)))
    app.allocate(case_id, "cc-ashworthxq", by="team-leader-1")
    return case_id, older.subject_id, younger.subject_id


def test_each_child_is_an_me_of_its_own(
    app: Marac, family: tuple[UUID, UUID, UUID], clock: Clock
) -> None:
    case_id, older, younger = family
    clock.at += timedelta(hours=3)
    with pytest.raises(InvalidMarracChange):  # two children: which one?
        app.record_contact(case_id, "child", 20, by="cc-ashworthxq")
    with pytest.raises(InvalidMarracChange):  # not a child on this case
        app.record_contact(case_id, "child", 20, by="cc-ashworthxq", child=uuid4())
    with pytest.raises(InvalidMarracChange):  # only a child ME names a child
        app.record_contact(case_id, "victim", 20, by="cc-ashworthxq", child=older)
    app.record_contact(case_id, "child", 20, by="cc-ashworthxq", child=older)
    app.record_contact(case_id, "child", 15, by="cc-ashworthxq", child=older)
    app.record_contact(case_id, "child", 10, by="cc-ashworthxq", child=younger)
    app.record_needs(case_id, "child", "Someone to speak to", by="cc-ashworthxq", child=older)
    app.record_needs(case_id, "child", "Speech therapy", by="cc-ashworthxq", child=younger)
    case = app.get_case(case_id)
    assert time_per_child(case.contacts) == {older: (35, 2), younger: (10, 1)}
    assert time_per_me(case.contacts)["child"] == (45, 3)
    assert {c: n.needs for c, n in case.child_needs.items()} == {
        older: "Someone to speak to", younger: "Speech therapy"}
    assert "child" not in case.needs


def test_an_only_child_is_named_for_the_record(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    only = child("Ellaxq")
    case_id = app.refer(referral(*area, subjects=(victim(), perpetrator(), only)))
    app.allocate(case_id, "cc-ashworthxq", by="team-leader-1")
    app.record_contact(case_id, "child", 20, by="cc-ashworthxq")
    assert [c.child for c in app.get_case(case_id).contacts] == [only.subject_id]


# Times given within bounds -----------------------------------------------------------------

def test_steps_plan_and_review_happen_after_what_comes_first_and_not_in_the_future(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID], clock: Clock
) -> None:
    clock.at = DAY_ONE + timedelta(hours=8)
    hour = timedelta(hours=1)
    with pytest.raises(TimeOutOfBounds):  # before allocation
        app.complete_step(case_id, "gather_and_assess", by="cc-1", at=DAY_ONE - hour)
    with pytest.raises(TimeOutOfBounds):  # in the future
        app.complete_step(case_id, "gather_and_assess", by="cc-1", at=clock.at + hour)
    app.complete_step(case_id, "gather_and_assess", by="cc-1", at=DAY_ONE + 2 * hour)
    with pytest.raises(TimeOutOfBounds):  # before the step before it
        app.complete_step(case_id, "analyse_risk_and_need", by="cc-1", at=DAY_ONE + hour)
    app.complete_step(case_id, "analyse_risk_and_need", by="cc-1", at=DAY_ONE + 3 * hour)
    app.accept(case_id, "cc-ashworthxq")
    app.agree_action(case_id, owner_agency=area[1], description="Safety plan review",
                     for_whom="victim", due_on=date(2026, 1, 20), by="cc-ashworthxq")
    with pytest.raises(TimeOutOfBounds):
        app.agree_plan(case_id, by="cc-1", at=DAY_ONE - hour)
    with pytest.raises(TimeOutOfBounds):
        app.agree_plan(case_id, by="cc-1", at=clock.at + hour)
    app.agree_plan(case_id, by="cc-1", at=DAY_ONE + 5 * hour)
    with pytest.raises(TimeOutOfBounds):  # the solution is the plan: not before it
        app.complete_step(case_id, "identify_solution", by="cc-1", at=DAY_ONE + 4 * hour)
    app.complete_step(case_id, "identify_solution", by="cc-1", at=DAY_ONE + 5 * hour)
    with pytest.raises(TimeOutOfBounds):  # a review follows the plan it reviews
        app.review_plan(case_id, by="cc-1", still_meets_purpose=True,
                        outcome="continue_plan", at=DAY_ONE + 4 * hour)
    app.review_plan(case_id, by="cc-1", still_meets_purpose=True, outcome="continue_plan",
                    at=DAY_ONE + 6 * hour)
    case = app.get_case(case_id)
    assert case.plan_agreed is not None
    assert case.plan_agreed.at == DAY_ONE + 5 * hour
    assert [s.at for s in case.steps.values()] == [DAY_ONE + h * hour for h in (2, 3, 5)]
    assert [r.at for r in case.reviews] == [DAY_ONE + 6 * hour]


# Completing the case: the fourth step is the closure ----------------------------------------

def _worked_through(app: Marac, case_id: UUID, area: tuple[UUID, UUID]) -> None:
    app.complete_step(case_id, "gather_and_assess", by="cc-ashworthxq")
    app.complete_step(case_id, "analyse_risk_and_need", by="cc-ashworthxq")
    _plan(app, case_id, area)
    app.complete_step(case_id, "identify_solution", by="cc-ashworthxq")


def test_completing_the_case_closes_it_at_the_time_given(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID], clock: Clock
) -> None:
    with pytest.raises(StepOutOfOrder):  # the first three steps come first
        app.complete_case(case_id, by="cc-ashworthxq", reason="Done", inform=())
    _worked_through(app, case_id, area)
    clock.at = DAY_ONE + timedelta(days=14)
    closed_at = clock.at - timedelta(hours=2)
    with pytest.raises(TimeOutOfBounds):
        app.complete_case(case_id, by="cc-ashworthxq", reason="Done", inform=(),
                          at=clock.at + timedelta(minutes=1))
    app.complete_case(case_id, by="cc-ashworthxq", reason="Risk no longer meets purpose",
                      inform=(area[1],), at=closed_at)
    case = app.get_case(case_id)
    assert (case.status, case.closed_at, case.closed_on) == ("closed", closed_at,
                                                              closed_at.date())
    assert case.steps["complete_case"].at == closed_at
    assert case.to_inform == (area[1],)


def test_the_coordinator_records_an_agency_told_at_a_time(
    app: Marac, case_id: UUID, area: tuple[UUID, UUID], clock: Clock
) -> None:
    agency = area[1]
    with pytest.raises(InvalidMarracChange):  # not closed yet
        app.record_told(case_id, agency, by="cc-ashworthxq")
    _worked_through(app, case_id, area)
    closed_at = clock.at
    app.complete_case(case_id, by="cc-ashworthxq", reason="Done", inform=(agency,))
    clock.at = closed_at + timedelta(hours=30)
    with pytest.raises(TimeOutOfBounds):  # before the closure
        app.record_told(case_id, agency, by="cc-ashworthxq", at=closed_at - timedelta(hours=1))
    with pytest.raises(NotToldOfClosure):  # not an agency to tell
        app.record_told(case_id, uuid4(), by="cc-ashworthxq")
    told_at = closed_at + timedelta(hours=25)
    app.record_told(case_id, agency, by="cc-ashworthxq", at=told_at)
    assert app.get_case(case_id).informed == {agency: told_at}
    assert told_late(inform_by(closed_at.date(), closed_at), told_at)
    with pytest.raises(ClosureAlreadyAcknowledged):
        app.record_told(case_id, agency, by="cc-ashworthxq")


def test_feedback_comes_at_closure_from_an_me_or_an_agency_told(
    app: Marac, family: tuple[UUID, UUID, UUID], area: tuple[UUID, UUID], clock: Clock
) -> None:
    case_id, older, _ = family
    with pytest.raises(InvalidMarracChange):  # only once closed
        app.record_feedback(case_id, "Listened to", by="cc-ashworthxq", me="victim")
    _worked_through(app, case_id, area)
    app.complete_case(case_id, by="cc-ashworthxq", reason="Done", inform=(area[1],))
    clock.at += timedelta(hours=2)
    for wrong in ({}, {"me": "victim", "agency_id": area[1]}, {"agency_id": uuid4()},
                  {"me": "child"}):  # none; both; an agency not told; which child?
        with pytest.raises(InvalidMarracChange):
            app.record_feedback(case_id, "Listened to", by="cc-ashworthxq",
                                **wrong)
    with pytest.raises(InvalidMarracChange):
        app.record_feedback(case_id, " ", by="cc-ashworthxq", me="victim")
    app.record_feedback(case_id, "Felt listened to", by="cc-ashworthxq", me="victim")
    app.record_feedback(case_id, "Liked the visits", by="cc-ashworthxq", me="child",
                        child=older)
    app.record_feedback(case_id, "One contact throughout", by="cc-ashworthxq",
                        agency_id=area[1])
    assert [(f.me, f.child, f.agency_id) for f in app.get_case(case_id).feedback] == [
        ("victim", None, None), ("child", older, None), (None, None, area[1])]
