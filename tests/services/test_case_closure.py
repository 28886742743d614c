"""Closing a case, each agency told acknowledging it, and the links recorded to the other
safeguarding arrangements, as use cases."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actions import ActionDisposal
from domain.exceptions import DomainError
from services import case_closure, referral_corrections, safeguarding
from services.errors import Forbidden, NotFound
from tests.services.conftest import Area, trail


def test_a_closed_case_is_acknowledged_by_the_agency_told(area: Area) -> None:
    case_id = area.case()
    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced")
    assert area.platform.marac.get_case(case_id).to_inform == (area.police,)

    officer = area.actor("officer-1", "representative", agency=area.police)
    case_closure.acknowledge_closure(area.platform, officer, case_id)

    assert area.police in area.platform.marac.get_case(case_id).informed
    assert trail(area.platform.audit) == [("close", "allowed", str(case_id), ()),
                                          ("acknowledge_closure", "allowed", str(case_id), ())]


def test_an_agency_not_told_is_refused_by_the_domain_and_recorded_so(area: Area) -> None:
    case_id = area.case()
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(DomainError) as refused:
        case_closure.acknowledge_closure(area.platform, officer, case_id)
    assert refused.value.code == "not_told_of_closure"
    assert trail(area.platform.audit) == [("acknowledge_closure", "refused", str(case_id),
                                           ("code:not_told_of_closure",))]


def test_one_who_speaks_for_no_agency_may_not_acknowledge_and_is_recorded(
        area: Area) -> None:
    case_id = area.case()
    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced")
    chair = area.actor("chair-1", "chair")
    with pytest.raises(Forbidden):
        case_closure.acknowledge_closure(area.platform, chair, case_id)
    assert trail(area.platform.audit)[-1] == ("acknowledge_closure", "denied", str(case_id),
                                              ())


def test_an_acknowledgement_of_a_case_one_may_not_see_answers_as_missing(area: Area) -> None:
    case_id, missing_id = area.case(), uuid4()
    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced")
    for asked in (case_id, missing_id):  # one request each
        idva = area.actor("idva-1", "representative", agency=area.idva)
        with pytest.raises(NotFound):
            case_closure.acknowledge_closure(area.platform, idva, asked)
    assert trail(area.platform.audit)[1:] == [
        ("acknowledge_closure", "denied", str(case_id), ()),
        ("acknowledge_closure", "not_found", str(missing_id), ())]


def test_an_onward_referral_and_social_care_are_recorded_on_the_case(area: Area) -> None:
    case_id = area.case()
    safeguarding.refer_onward(area.platform, area.coordinator(), case_id, "mash",
                              on=date(2026, 1, 12))
    safeguarding.record_social_care(area.platform, area.coordinator(), case_id,
                                    childrens=True, adult=False)
    case = area.platform.marac.get_case(case_id)
    assert [o.to for o in case.onward_referrals] == ["mash"]
    assert case.social_care is not None
    assert (case.social_care.childrens, case.social_care.adult) == (True, False)
    assert trail(area.platform.audit) == [("refer_onward", "allowed", str(case_id), ()),
                                          ("record_social_care", "allowed", str(case_id), ())]


def test_an_agency_carrying_an_action_on_is_told_of_the_closure_and_acknowledges_it(
        area: Area) -> None:
    app = area.platform.marac
    housing = app.register_agency(area.area_id, "housing", "Housing", "housing", core=False)
    case_id = area.case()  # the police involved; housing not
    action_id = app.agree_action(case_id, owner_agency=area.police, description="Move",
                                 for_whom="victim", due_on=date(2026, 1, 20),
                                 by="coordinator-1")
    area.platform.runner.catch_up()
    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced",
                       disposals=(ActionDisposal(action_id, "carried", housing),))
    assert set(app.get_case(case_id).to_inform) == {area.police, housing}

    officer = area.actor("housing-1", "representative", agency=housing)
    case_closure.acknowledge_closure(area.platform, officer, case_id)
    assert housing in app.get_case(case_id).informed


def test_a_withdrawn_referral_closed_later_tells_no_agency_that_lost_sight_of_it(
        area: Area) -> None:
    case_id = area.case()  # referred by the police
    referral_corrections.withdraw(area.platform, area.coordinator(), case_id,
                                  reason="Entered in error")
    case_closure.close(area.platform, area.coordinator(), case_id, reason="For retention")
    assert area.platform.marac.get_case(case_id).to_inform == ()
