"""Actions agreed on a case and updated by their owning agency, as use cases."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from services import case_actions
from services.case_actions import NewAction
from services.errors import Forbidden, NotFound
from tests.services.conftest import Area, trail


def _agreed(area: Area, case_id: UUID) -> UUID:
    """An action owned by the IDVA service."""
    return case_actions.agree_action(
        area.platform, area.coordinator(), case_id,
        NewAction(area.idva, "Safety plan with the victim", "victim", date(2026, 2, 7)))


def test_a_coordinator_agrees_an_action_and_its_owner_records_its_outcome(
        area: Area) -> None:
    case_id = area.case()
    action_id = _agreed(area, case_id)
    idva = area.actor("idva-1", "representative", agency=area.idva)

    case_actions.update_action(area.platform, idva, case_id, action_id,
                               note="Plan agreed with her", outcome="completed")

    (row,) = area.platform.cases.actions(case_id=case_id, open_only=False)
    assert (row.action_id, row.outcome) == (action_id, "completed")
    assert trail(area.platform.audit) == [("agree_action", "allowed", str(case_id), ()),
                                          ("update_action", "allowed", str(case_id), ())]


def test_another_agency_may_not_update_the_action_and_the_refusal_is_recorded(
        area: Area) -> None:
    case_id = area.case()
    action_id = _agreed(area, case_id)
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(Forbidden):
        case_actions.update_action(area.platform, officer, case_id, action_id, note="Done")
    assert trail(area.platform.audit)[-1] == ("update_action", "denied", str(case_id), ())


def test_an_action_not_on_the_case_answers_as_missing_and_names_what_was_asked_for(
        area: Area) -> None:
    case_id, action_id = area.case(), uuid4()
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(NotFound):
        case_actions.update_action(area.platform, officer, case_id, action_id, note="Done")
    assert trail(area.platform.audit) == [("update_action", "not_found", str(case_id),
                                           (str(action_id),))]


def test_an_update_on_a_case_one_may_not_see_answers_as_missing(area: Area) -> None:
    case_id = area.case()
    action_id = _agreed(area, case_id)
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    stranger = area.actor("coordinator-9", "coordinator", area_id=other)
    with pytest.raises(NotFound):
        case_actions.update_action(area.platform, stranger, case_id, action_id, note="Done")
    assert trail(area.platform.audit)[-1] == ("update_action", "denied", str(case_id), ())
