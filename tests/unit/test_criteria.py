from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.area import AreaSettings
from domain.criteria import CriteriaClaimed, referral_criteria_met
from domain.exceptions import InvalidReferral, ProfessionalJudgementReasonRequired
from tests.factories import assessment

DEFAULTS = AreaSettings()


def met(yes: int = 0, settings: AreaSettings = DEFAULTS, **claimed: object) -> tuple[str, ...]:
    criteria = CriteriaClaimed(**claimed)  # type: ignore[arg-type]
    criteria.check_valid()
    return referral_criteria_met(assessment(yes), criteria, settings).met


def test_visible_high_risk_needs_14_yes_answers() -> None:
    assert "visible_high_risk" not in met(13, visible_high_risk=True)
    assert "visible_high_risk" in met(14, visible_high_risk=True)


def test_visible_high_risk_is_judged_from_the_score_even_when_not_ticked() -> None:
    assert met(14, professional_judgement_reason="concern") == (
        "visible_high_risk", "professional_judgement")


def test_the_threshold_is_a_local_setting() -> None:
    local = replace(DEFAULTS, referral_threshold=12)
    assert "visible_high_risk" in met(12, local, visible_high_risk=True)
    assert "visible_high_risk" not in met(11, local, visible_high_risk=True)


@pytest.mark.parametrize("reason", ["", "   "])
def test_professional_judgement_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(ProfessionalJudgementReasonRequired):
        CriteriaClaimed(professional_judgement_reason=reason).check_valid()


def test_professional_judgement_with_a_reason_is_met_at_any_score() -> None:
    assert met(0, professional_judgement_reason="Threats to kill the children") == (
        "professional_judgement",)


@pytest.mark.parametrize(("count", "incidents", "expected"),
                         [(3, 2, False), (3, 3, True), (5, 4, False), (5, 5, True)])
def test_potential_escalation_at_the_configured_count(
    count: int, incidents: int, expected: bool
) -> None:
    local = replace(DEFAULTS, escalation_count=count)
    got = "potential_escalation" in met(0, local, incidents_in_12_months=incidents)
    assert got is expected


def test_honour_based_abuse_is_a_criterion_only_where_the_area_says_so() -> None:
    assert met(2, replace(DEFAULTS, hba_automatic=True), honour_based_abuse=True) == (
        "honour_based_abuse",)
    assert met(2, replace(DEFAULTS, hba_automatic=False), honour_based_abuse=True) == ()


def test_a_referral_claims_at_least_one_criterion() -> None:
    with pytest.raises(InvalidReferral):
        CriteriaClaimed().check_valid()


claims = st.builds(
    CriteriaClaimed,
    visible_high_risk=st.booleans(),
    professional_judgement_reason=st.none() | st.text(min_size=1).filter(str.strip),
    incidents_in_12_months=st.none() | st.integers(0, 20),
    honour_based_abuse=st.booleans(),
)
area_settings = st.builds(
    AreaSettings,
    referral_threshold=st.integers(1, 24),
    escalation_count=st.integers(1, 10),
    hba_automatic=st.booleans(),
)


@given(yes=st.integers(0, 24), claimed=claims, settings=area_settings,
       reason=st.text(min_size=1).filter(str.strip))
def test_professional_judgement_can_raise_but_never_lower(
    yes: int, claimed: CriteriaClaimed, settings: AreaSettings, reason: str
) -> None:
    before = referral_criteria_met(assessment(yes), claimed, settings)
    judged = replace(claimed, professional_judgement_reason=reason)
    after = referral_criteria_met(assessment(yes), judged, settings)
    assert set(before.met) - {"professional_judgement"} <= set(after.met)
    assert after.meets_threshold


@given(yes=st.integers(0, 24), settings=area_settings)
def test_visible_high_risk_is_exactly_score_at_or_over_threshold(
    yes: int, settings: AreaSettings
) -> None:
    evaluation = referral_criteria_met(
        assessment(yes), CriteriaClaimed(visible_high_risk=True), settings)
    assert ("visible_high_risk" in evaluation.met) is (yes >= settings.referral_threshold)
