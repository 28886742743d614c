"""MARRAC's use cases called without HTTP: the team leader allocates; the summary is typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.actions import ActionDisposal
from services import marrac, referral_corrections
from services.actor import Actor
from services.errors import Forbidden
from services.marrac_summary import PlanState, summary
from tests.services.conftest import Area, Clock, trail


def test_a_coordinator_who_is_not_the_team_leader_may_not_allocate_and_it_is_recorded(
        area: Area) -> None:
    area.use_marrac()
    case_id = area.case()
    with pytest.raises(Forbidden) as refused:
        marrac.allocate(area.platform, area.coordinator(), case_id, "cc-1")
    assert refused.value.code == "not_team_leader"
    assert trail(area.platform.audit) == [("allocate", "denied", str(case_id), ())]


def test_the_team_leader_allocates_and_the_summary_shows_the_plan_due(area: Area) -> None:
    area.use_marrac()
    case_id = area.case()
    leader = area.actor("team-leader-1", "team_leader", agency=area.idva)
    suggestion = marrac.suggest(area.platform, leader, case_id, ["cc-2", "cc-1"])
    marrac.allocate(area.platform, area.actor("team-leader-1", "team_leader",
                                              agency=area.idva), case_id, "cc-1")

    reader = area.actor("team-leader-1", "team_leader", agency=area.idva,
                        purpose="safety_planning")
    seen = summary(area.platform, reader, case_id)

    assert [c.coordinator for c in suggestion.candidates] == ["cc-1", "cc-2"]
    assert suggestion.suggested == "cc-1"
    assert seen.allocation.coordinator == "cc-1"
    assert seen.next_step == "gather_and_assess"
    assert isinstance(seen.plan, PlanState)
    assert seen.plan.due_by is not None
    assert (seen.plan.agreed_at, seen.plan.late) == (None, False)
    assert seen.closure is None
    assert trail(area.platform.audit)[-1] == ("read_marrac", "allowed", str(case_id),
                                              ("marrac",))


def test_completing_the_case_closes_it_telling_the_agencies_the_policy_names(
        area: Area, clock: Clock) -> None:
    """The fourth step closes the case at the time given; the agencies to be told are those
    that may see it (the referrer, the owner of an action); another case co-ordinator may not
    complete it, and the refusal is recorded."""
    area.use_marrac()
    app = area.platform.marac
    case_id = area.case()
    app.allocate(case_id, "cc-1", by="team-leader-1")
    for step in ("gather_and_assess", "analyse_risk_and_need"):
        app.complete_step(case_id, step, by="cc-1")
    app.agree_action(case_id, owner_agency=area.idva, description="Safety plan",
                     for_whom="victim", due_on=date(2026, 1, 20), by="cc-1")
    app.agree_plan(case_id, by="cc-1")
    app.complete_step(case_id, "identify_solution", by="cc-1")
    area.platform.runner.catch_up()
    clock.at += timedelta(days=14)
    closed_at = clock.at - timedelta(hours=1)
    # The closure's word on the case's one open action, the safety plan: done.
    done = [ActionDisposal(a, "completed") for a in app.get_case(case_id).open_actions]
    before = len(trail(area.platform.audit))

    other = area.actor("cc-2", "case_coordinator", agency=area.idva)
    with pytest.raises(Forbidden):
        marrac.complete_case(area.platform, other, case_id, reason="Done", at=closed_at,
                             disposals=done)
    def cc() -> Actor:  # one actor per request, as the API makes them
        return area.actor("cc-1", "case_coordinator", agency=area.idva)

    marrac.complete_case(area.platform, cc(), case_id, reason="Risk no longer meets purpose",
                         at=closed_at, disposals=done)
    marrac.record_told(area.platform, cc(), case_id, area.police, at=closed_at)
    marrac.record_feedback(area.platform, cc(), case_id, "One contact throughout",
                           agency_id=area.idva)
    area.platform.runner.catch_up()

    seen = summary(area.platform, area.actor("cc-1", "case_coordinator", agency=area.idva,
                                             purpose="safety_planning"), case_id)
    assert seen.status == "closed"
    assert seen.next_step is None
    assert seen.steps[-1].at == closed_at
    assert seen.closure is not None
    assert seen.closure.closed_at == closed_at
    assert set(seen.closure.informed) == {area.police, area.idva}
    assert seen.closure.outstanding == (area.idva,)
    assert [(f.agency_id, f.text) for f in seen.feedback] == [
        (area.idva, "One contact throughout")]
    assert trail(area.platform.audit)[before:] == [
        ("complete_case", "denied", str(case_id), ()),
        ("complete_case", "allowed", str(case_id), ()),
        ("record_told", "allowed", str(case_id), ()),
        ("record_feedback", "allowed", str(case_id), ()),
        ("read_marrac", "allowed", str(case_id), ("marrac",))]


def test_a_withdrawn_case_leaves_its_case_coordinators_allocation_load(area: Area) -> None:
    area.use_marrac()
    app = area.platform.marac
    first, second, third, new = (area.case() for _ in range(4))
    for case_id, coordinator in ((first, "cc-1"), (second, "cc-1"), (third, "cc-2")):
        app.allocate(case_id, coordinator, by="team-leader-1")
    area.platform.runner.catch_up()

    def loads() -> tuple[dict[str, int], str | None]:
        leader = area.actor("team-leader-1", "team_leader", agency=area.idva)
        suggestion = marrac.suggest(area.platform, leader, new, ["cc-1", "cc-2"])
        return {c.coordinator: c.open_cases for c in suggestion.candidates}, suggestion.suggested

    assert loads() == ({"cc-1": 2, "cc-2": 1}, "cc-2")
    referral_corrections.withdraw(area.platform, area.coordinator(), second,
                                  reason="A duplicate of another referral")
    assert loads() == ({"cc-1": 1, "cc-2": 1}, "cc-1")


def test_completing_a_case_tells_the_agency_that_carries_an_action_on(
        area: Area, clock: Clock) -> None:
    area.use_marrac()
    app = area.platform.marac
    housing = app.register_agency(area.area_id, "housing", "Housing", "housing", core=False)
    case_id = area.case()
    app.allocate(case_id, "cc-1", by="team-leader-1")
    for step in ("gather_and_assess", "analyse_risk_and_need"):
        app.complete_step(case_id, step, by="cc-1")
    action_id = app.agree_action(case_id, owner_agency=area.idva, description="Safety plan",
                                 for_whom="victim", due_on=date(2026, 1, 20), by="cc-1")
    app.agree_plan(case_id, by="cc-1")
    app.complete_step(case_id, "identify_solution", by="cc-1")
    area.platform.runner.catch_up()
    clock.at += timedelta(days=14)

    marrac.complete_case(area.platform, area.actor("cc-1", "case_coordinator",
                                                   agency=area.idva),
                         case_id, reason="Risk reduced",
                         disposals=[ActionDisposal(action_id, "carried", housing)])
    assert set(app.get_case(case_id).to_inform) == {area.police, area.idva, housing}
