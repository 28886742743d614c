"""Referral and the threshold decision as use cases, called without HTTP."""

from __future__ import annotations

import dataclasses
from uuid import UUID, uuid4

import pytest

from domain.criteria import CriteriaClaimed
from domain.exceptions import DomainError
from services import referrals
from services.errors import Forbidden, NotFound
from services.referrals import Decision, NewReferral
from tests.factories import assessment, referral
from tests.services.conftest import Area, trail


def _new(area: Area) -> NewReferral:
    """A referral's content, as the referrer submits it (the area and agency are theirs)."""
    made = referral(area.area_id, area.police)
    return NewReferral(**{f.name: getattr(made, f.name)
                          for f in dataclasses.fields(NewReferral)})


def _referred(area: Area) -> UUID:
    """A case referred by the police and not yet decided."""
    case_id = area.platform.marac.refer(referral(area.area_id, area.police))
    area.platform.runner.catch_up()
    return case_id


def test_an_agency_s_representative_refers_a_case_and_the_write_names_it(area: Area) -> None:
    officer = area.actor("officer-1", "representative", agency=area.police)

    case_id = referrals.refer(area.platform, officer, _new(area))

    case = area.platform.marac.get_case(case_id)
    assert (case.area_id, case.referral.referrer) == (area.area_id, "officer-1")
    assert trail(area.platform.audit) == [("create", "allowed", str(case_id), ())]


def test_a_referral_retried_with_its_given_id_finds_the_case_it_made(area: Area) -> None:
    given = uuid4()
    first = referrals.refer(area.platform, area.actor("officer-1", "representative",
                                                      agency=area.police), _new(area), given)
    again = referrals.refer(area.platform, area.actor("officer-1", "representative",
                                                      agency=area.police), _new(area), given)
    assert first == again == given
    assert area.platform.marac.get_case(given).version == 1  # referred once, not twice
    assert [r[:3] for r in trail(area.platform.audit)] == [
        ("create", "allowed", str(given))] * 2


def test_only_an_agency_s_staff_refer_and_the_refusal_is_recorded(area: Area) -> None:
    dpo = area.actor("dpo-1", "dpo", agency=area.police)
    with pytest.raises(Forbidden) as refused:
        referrals.refer(area.platform, dpo, _new(area))
    assert refused.value.code == "forbidden"
    assert trail(area.platform.audit) == [("create", "denied", None, ())]


def test_a_coordinator_accepts_a_referral_and_the_decision_is_recorded(area: Area) -> None:
    case_id = _referred(area)
    referrals.decide(area.platform, area.coordinator(), case_id, Decision("accept"))
    assert area.platform.marac.get_case(case_id).status == "accepted"
    assert trail(area.platform.audit) == [("decide", "allowed", str(case_id), ())]


def test_a_decline_without_a_reason_is_refused_by_the_domain_and_recorded_so(
        area: Area) -> None:
    case_id = _referred(area)
    with pytest.raises(DomainError) as refused:
        referrals.decide(area.platform, area.coordinator(), case_id, Decision("decline"))
    assert refused.value.code == "decline_reason_required"
    assert trail(area.platform.audit) == [
        ("decide", "refused", str(case_id), ("code:decline_reason_required",))]


def test_a_representative_may_not_decide_and_the_refusal_is_recorded(area: Area) -> None:
    case_id = _referred(area)
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(Forbidden):
        referrals.decide(area.platform, officer, case_id, Decision("accept"))
    assert trail(area.platform.audit) == [("decide", "denied", str(case_id), ())]
    assert area.platform.marac.get_case(case_id).status == "referred"


def test_a_decision_on_another_area_s_case_answers_as_missing(area: Area) -> None:
    case_id = _referred(area)
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    stranger = area.actor("coordinator-9", "coordinator", area_id=other)
    with pytest.raises(NotFound):
        referrals.decide(area.platform, stranger, case_id, Decision("accept"))
    assert trail(area.platform.audit) == [("decide", "denied", str(case_id), ())]


def test_a_repeat_is_linked_to_an_accepted_case_of_the_same_area(area: Area) -> None:
    existing, repeat = area.case(), _referred(area)
    referrals.decide(area.platform, area.coordinator(), repeat,
                     Decision("link_repeat", existing_case_id=existing))
    assert area.platform.marac.get_case(repeat).status == "linked_as_repeat"
    assert trail(area.platform.audit) == [("decide", "allowed", str(repeat), ())]


@pytest.mark.parametrize("existing", ["missing", "unnamed"])
def test_a_link_to_a_case_that_is_not_there_answers_as_missing(area: Area,
                                                               existing: str) -> None:
    repeat = _referred(area)
    with pytest.raises(NotFound):
        referrals.decide(area.platform, area.coordinator(), repeat,
                         Decision("link_repeat",
                                  existing_case_id=uuid4() if existing == "missing" else None))
    assert trail(area.platform.audit) == [("decide", "denied", str(repeat), ())]


def test_a_referral_being_written_is_scored_by_its_area_s_settings_and_nothing_recorded(
        area: Area) -> None:
    app = area.platform.marac
    settings = app.get_area(area.area_id).settings
    app.change_area_settings(area.area_id, dataclasses.replace(
        settings, referral_threshold=12, escalation_count=5, hba_automatic=True))
    officer = area.actor("officer-1", "representative", agency=area.police)

    so_far = referrals.assess(area.platform, officer, assessment(12),
                              CriteriaClaimed(incidents_in_12_months=4, honour_based_abuse=True))

    assert so_far == referrals.RiskSoFar(
        score=12, criteria_met=("visible_high_risk", "honour_based_abuse"),
        visible_high_risk_from=12, potential_escalation_from=5,
        honour_based_abuse_is_a_criterion=True)
    assert trail(area.platform.audit) == []


def test_only_those_who_may_refer_have_a_referral_scored_and_the_refusal_is_recorded(
        area: Area) -> None:
    dpo = area.actor("dpo-1", "dpo", agency=area.police)
    assert not referrals.refers(dpo.principal)
    assert referrals.refers(area.actor("officer-1", "representative",
                                       agency=area.police).principal)
    with pytest.raises(Forbidden):
        referrals.assess(area.platform, dpo, assessment(15), CriteriaClaimed())
    assert trail(area.platform.audit) == [("create", "denied", None, ())]
