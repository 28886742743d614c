"""Corrections and withdrawal of a referral, and closure with open actions, on the in-memory
store: each a new event with its reason, the referral as made kept in the log."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actions import ActionDisposal
from domain.application import Marac
from domain.criteria import CriteriaClaimed
from domain.exceptions import (
    CaseClosed,
    InvalidClosure,
    InvalidCorrection,
    OpenActionsUnaccounted,
    ReferralWithdrawn,
)
from domain.risk import dash_score
from tests.factories import area_with_agency, assessment, referral

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def app() -> Iterator[Marac]:
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=lambda: NOW,
               today=NOW.date) as app:
        yield app


@pytest.fixture
def area(app: Marac) -> tuple[UUID, UUID]:
    return area_with_agency(app)


def test_a_corrected_subject_keeps_the_referral_as_made_and_the_reason(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    victim = app.get_case(case_id).victim
    app.correct_subject(case_id, victim.subject_id, {"surname": "Newname"}, "officer-1",
                        "Misspelt on the referral")
    events = list(app.events.get(case_id))
    assert [type(e).__name__ for e in events] == ["Referred", "SubjectCorrected"]
    assert events[1].reason == "Misspelt on the referral"  # type: ignore[attr-defined]
    assert app.get_case(case_id).victim.surname == "Newname"
    assert app.get_case(case_id).referral.subjects[0].surname == victim.surname


def test_a_correction_needs_a_reason(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    with pytest.raises(InvalidCorrection):
        app.correct_criteria(case_id, CriteriaClaimed(visible_high_risk=True), by="o",
                             reason=" ")


def test_a_corrected_risk_assessment_recomputes_the_score_and_criteria_met(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area, yes=15))
    app.accept(case_id, "coordinator-1")
    decision = app.get_case(case_id).decision
    assert decision is not None
    assert decision.criteria_met == ("visible_high_risk",)

    app.correct_risk_assessment(case_id, assessment(10), "officer-1", "Answers mistyped")
    case = app.get_case(case_id)
    assert dash_score(case.risk_assessment) == 10
    assert case.decision is not None
    assert case.decision.criteria_met == ()
    assert case.decision.outcome == "accepted"  # the decision itself stands


def test_corrected_criteria_recompute_the_criteria_met(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area, yes=15))
    app.accept(case_id, "coordinator-1")
    app.correct_criteria(case_id, CriteriaClaimed(visible_high_risk=True,
                                                  incidents_in_12_months=4),
                         by="officer-1", reason="Call-outs left out")
    case = app.get_case(case_id)
    assert case.referral.criteria.incidents_in_12_months == 4
    assert case.decision is not None
    assert case.decision.criteria_met == ("visible_high_risk", "potential_escalation")
    assert [type(e).__name__ for e in app.events.get(case_id)][-1] == "CriteriaCorrected"


def test_the_honour_based_abuse_flag_is_not_corrected(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    with pytest.raises(InvalidCorrection):
        app.correct_criteria(case_id, CriteriaClaimed(visible_high_risk=True,
                                                      honour_based_abuse=True),
                             by="officer-1", reason="Flag missed")


def test_a_withdrawn_referral_is_not_decided_shared_on_or_acted_on(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    _area_id, police = area
    accepted = app.refer(referral(*area))
    app.accept(accepted, "coordinator-1")
    app.agree_action(accepted, owner_agency=police, description="Fit an alarm",
                     for_whom="victim", due_on=NOW.date() + timedelta(days=7), by="c")
    action_id = next(iter(app.get_case(accepted).actions))
    app.withdraw(accepted, by="coordinator-1", reason="Entered against the wrong victim")
    case = app.get_case(accepted)
    assert case.status == "withdrawn"
    assert case.withdrawn_on == NOW.date()

    pending = app.refer(referral(*area))
    app.withdraw(pending, by="coordinator-1", reason="A duplicate")
    with pytest.raises(ReferralWithdrawn):
        app.accept(pending, "coordinator-1")
    with pytest.raises(ReferralWithdrawn):
        app.agree_action(accepted, owner_agency=police, description="Again", for_whom="victim",
                         due_on=NOW.date(), by="c")
    with pytest.raises(ReferralWithdrawn):
        app.update_action(accepted, action_id, note="Done", by="o", outcome="completed")
    with pytest.raises(ReferralWithdrawn):
        app.correct_criteria(accepted, CriteriaClaimed(visible_high_risk=True), by="o",
                             reason="x")
    with pytest.raises(ReferralWithdrawn):
        app.withdraw(accepted, by="coordinator-1", reason="Again")
    # Closed later, for its retention, it is still a withdrawn referral.
    app.close_case(pending, by="coordinator-1", reason="Withdrawn", inform=())
    assert app.get_case(pending).withdrawn


def test_a_withdrawal_needs_a_reason_and_an_open_case(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    with pytest.raises(InvalidCorrection):
        app.withdraw(case_id, by="coordinator-1", reason="")
    app.close_case(case_id, by="coordinator-1", reason="Done", inform=())
    with pytest.raises(CaseClosed):
        app.withdraw(case_id, by="coordinator-1", reason="Error")


def _with_actions(app: Marac, area: tuple[UUID, UUID], n: int) -> tuple[UUID, list[UUID]]:
    case_id = app.refer(referral(*area))
    app.accept(case_id, "coordinator-1")
    for i in range(n):
        app.agree_action(case_id, owner_agency=area[1], description=f"Secret step {i}",
                         for_whom="victim", due_on=NOW.date(), by="c")
    return case_id, list(app.get_case(case_id).actions)


def test_a_closure_leaving_an_open_action_unaccounted_is_refused_without_its_text(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id, (first, second) = _with_actions(app, area, 2)
    with pytest.raises(OpenActionsUnaccounted) as refused:
        app.close_case(case_id, by="coordinator-1", reason="Risk reduced", inform=(),
                       disposals=(ActionDisposal(first, "completed"),))
    assert refused.value.code == "open_actions_unaccounted"
    assert "Secret" not in str(refused.value)
    assert str(second) in str(refused.value)
    assert app.get_case(case_id).closed_on is None


def test_a_closure_completes_carries_or_ends_each_open_action(
        app: Marac, area: tuple[UUID, UUID]) -> None:
    area_id, _police = area
    idva = app.register_agency(area_id, "idva", "Idva", "idva", core=True)
    case_id, (done, carried, ended) = _with_actions(app, area, 3)
    app.close_case(case_id, by="coordinator-1", reason="Risk reduced", inform=(),
                   disposals=(ActionDisposal(done, "completed"),
                              ActionDisposal(carried, "carried", idva),
                              ActionDisposal(ended, "closed_with_case")))
    case = app.get_case(case_id)
    assert case.action_outcomes == {done: "completed", ended: "closed_with_case"}
    assert case.actions[carried].owner_agency == idva
    assert idva in case.involved_agencies
    assert case.open_actions == (carried,)
    # Escalation stops at closure, even for the action carried on.
    with pytest.raises(CaseClosed):
        app.escalate_action(case_id, carried, by="system")


@pytest.mark.parametrize("disposal", [
    lambda a: ActionDisposal(a, "carried"),  # carried to nobody
    lambda a: ActionDisposal(a, "completed", uuid4()),  # an agency where none is carried
    lambda a: ActionDisposal(uuid4(), "completed"),  # no such open action
])
def test_a_closure_names_each_open_action_properly(
        app: Marac, area: tuple[UUID, UUID], disposal: object) -> None:
    case_id, (action,) = _with_actions(app, area, 1)
    given = disposal(action)  # type: ignore[operator]
    with pytest.raises(InvalidClosure):
        app.get_case(case_id).close("Done", "c", date(2026, 3, 2), NOW, (),
                                    disposals=(given,))
