"""What a coordinator decides a referral from, as use cases called without HTTP: the
referral's score and criteria with the possible repeats beside it in one recorded read, the
referrals awaiting a decision, and who is offered them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.criteria import CriteriaClaimed
from domain.exceptions import DomainError
from services import referrals
from services.errors import Forbidden, NotFound
from services.referrals import Decision
from services.threshold_review import threshold_review
from tests.factories import referral
from tests.services.conftest import Area, trail

PURPOSE = "threshold_decision"


def _referred(area: Area, **changes: Any) -> UUID:
    case_id = area.platform.marac.refer(referral(area.area_id, area.police, **changes))
    area.platform.runner.catch_up()
    return case_id


def test_the_review_shows_score_criteria_and_the_repeats_in_one_read_for_the_decision(
        area: Area) -> None:
    earlier = area.case(referred_on=date(2025, 11, 1))
    later = _referred(area, yes=9, criteria=CriteriaClaimed(
        professional_judgement_reason="Escalating control"))

    review = threshold_review(area.platform, area.coordinator(), later)

    assert (review.referral.dash_score, review.referral.criteria_met) == (
        9, ("professional_judgement",))
    assert review.referral_threshold == 14
    assert review.decision is None
    assert [(c.case_id, c.status, c.within_window) for c in review.possible_repeats] == [
        (earlier, "accepted", True)]
    assert review.possible_repeats[0].label  # the coordinator may see it: named by its label
    assert review.possible_repeats[0].strong
    assert "same date of birth" in review.possible_repeats[0].reason
    assert trail(area.platform.audit) == [("read", "allowed", str(later),
                                           ("referral", str(earlier)))]
    assert area.platform.audit.records()[-1]["purpose"] == PURPOSE


def test_a_decided_referral_is_reviewed_with_its_decision(area: Area) -> None:
    case_id = area.case()
    review = threshold_review(area.platform, area.coordinator(), case_id)
    assert review.decision is not None
    assert review.decision.outcome == "accepted"
    assert trail(area.platform.audit)[-1] == ("read", "allowed", str(case_id),
                                              ("referral", "decision"))


def test_a_representative_who_sees_the_case_is_refused_and_one_who_does_not_finds_nothing(
        area: Area) -> None:
    case_id = _referred(area)
    police = area.actor("police-rep", "representative", agency=area.police)
    idva = area.actor("idva-rep", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        threshold_review(area.platform, police, case_id)
    with pytest.raises(NotFound):
        threshold_review(area.platform, idva, case_id)
    with pytest.raises(NotFound):
        threshold_review(area.platform, area.coordinator(), uuid4())
    assert [r[:2] for r in trail(area.platform.audit)] == [
        ("read", "denied"), ("read", "denied"), ("read", "not_found")]


def test_the_referrals_awaiting_a_decision_are_the_undecided_oldest_first(area: Area) -> None:
    area.case()  # decided: not awaiting
    newer = _referred(area, referred_on=date(2026, 1, 11))
    older = _referred(area, referred_on=date(2026, 1, 2))

    page = referrals.awaiting_decision(area.platform, area.coordinator(), page_size=25)

    assert [s.case_id for s in page.items] == [older, newer]
    assert page.total == 2
    assert trail(area.platform.audit) == [("list", "allowed", None, (str(older), str(newer)))]


def test_only_coordinators_and_chairs_are_offered_the_decisions_and_others_are_refused(
        area: Area) -> None:
    _referred(area)
    police = area.actor("police-rep", "representative", agency=area.police)
    assert referrals.decides_thresholds(area.coordinator().principal)
    assert referrals.decides_thresholds(area.actor("chair-1", "chair").principal)
    assert not referrals.decides_thresholds(police.principal)
    assert not referrals.decides_thresholds(area.actor("dpo-1", "dpo").principal)
    with pytest.raises(Forbidden):
        referrals.awaiting_decision(area.platform, police, page_size=25)
    assert trail(area.platform.audit) == [("list", "denied", None, ())]


def test_the_decision_the_review_leads_to_is_the_apis(area: Area) -> None:
    """The page posts to `decide`: a decline without a reason is refused by the domain, and
    recorded as refused with its code."""
    case_id = _referred(area, yes=4, criteria=CriteriaClaimed(
        professional_judgement_reason="Escalating control"))
    with pytest.raises(DomainError) as refused:
        referrals.decide(area.platform, area.coordinator(), case_id, Decision("decline"))
    assert refused.value.code == "decline_reason_required"
    assert trail(area.platform.audit) == [("decide", "refused", str(case_id),
                                           ("code:decline_reason_required",))]
