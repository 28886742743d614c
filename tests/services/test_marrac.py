"""MARRAC's use cases called without HTTP: the team leader allocates; the summary is typed."""

from __future__ import annotations

import pytest

from services import marrac
from services.errors import Forbidden
from services.marrac_summary import PlanState, summary
from tests.services.conftest import Area, trail


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
