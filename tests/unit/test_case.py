"""The Case aggregate's rules, on the in-memory store (no I/O)."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

import pytest

import domain.access
from domain.access import InvalidAccessChange
from domain.application import Marac
from domain.area import AreaSettings
from domain.case import Case
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.exceptions import (
    AlreadyExists,
    CannotLowerMandatoryCriterion,
    CaseClosed,
    DecisionAlreadyRecorded,
    InvalidReferral,
    NotARepeat,
    ThresholdNotMet,
)
from tests.factories import area_with_agency, perpetrator, referral, victim

JUDGEMENT = CriteriaClaimed(professional_judgement_reason="Escalating coercive control")


@pytest.fixture
def app() -> Iterator[Marac]:
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}) as app:
        yield app


@pytest.fixture
def area(app: Marac) -> tuple[UUID, UUID]:
    return area_with_agency(app)


def test_an_accepted_case_records_the_criteria_met(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area, yes=14))
    app.accept(case_id, "coordinator-1")
    case = app.get_case(case_id)
    assert case.status == "accepted"
    assert case.decision is not None
    assert case.decision.criteria_met == ("visible_high_risk",)


def test_a_referral_meeting_no_criterion_cannot_be_accepted(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area, yes=13))
    with pytest.raises(ThresholdNotMet):
        app.accept(case_id, "coordinator-1")


def test_judgement_cannot_decline_a_visible_high_risk_case(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area, yes=14))
    with pytest.raises(CannotLowerMandatoryCriterion):
        app.decline(case_id, "coordinator-1", "Coordinator judges the risk lower")


def test_a_judgement_only_referral_may_be_declined_with_a_reason(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    case_id = app.refer(referral(*area, yes=4, criteria=JUDGEMENT))
    with pytest.raises(InvalidReferral):
        app.decline(case_id, "coordinator-1", " ")
    app.decline(case_id, "coordinator-1", "Below threshold; IDVA support offered")
    assert app.get_case(case_id).status == "declined"


def test_a_decision_is_recorded_once(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    app.accept(case_id, "coordinator-1")
    with pytest.raises(DecisionAlreadyRecorded):
        app.accept(case_id, "coordinator-1")


def test_a_repeat_within_the_window_is_linked_whatever_its_score(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    first = app.refer(referral(*area, referred_on=date(2025, 1, 10)))
    app.accept(first, "coordinator-1")
    again = app.refer(referral(*area, yes=2, referred_on=date(2026, 1, 9), criteria=JUDGEMENT))
    app.link_as_repeat(again, first, "coordinator-1")
    assert app.get_case(again).repeat_of == first
    existing = app.get_case(first)
    assert existing.repeat_referrals == [again]
    # The window now runs from the repeat: the last referral, not the first.
    assert existing.last_referral_on == date(2026, 1, 9)


def test_a_referral_past_the_window_is_not_a_repeat(app: Marac, area: tuple[UUID, UUID]) -> None:
    first = app.refer(referral(*area, referred_on=date(2025, 1, 10)))
    app.accept(first, "coordinator-1")
    late = app.refer(referral(*area, referred_on=date(2025, 1, 10) + timedelta(days=366)))
    with pytest.raises(NotARepeat):
        app.link_as_repeat(late, first, "coordinator-1")


def test_the_window_is_a_local_setting(app: Marac) -> None:
    area = area_with_agency(app, AreaSettings(repeat_window_months=6), code="short")
    first = app.refer(referral(*area, referred_on=date(2025, 1, 10)))
    app.accept(first, "coordinator-1")
    later = app.refer(referral(*area, referred_on=date(2025, 8, 1)))
    with pytest.raises(NotARepeat):
        app.link_as_repeat(later, first, "coordinator-1")


def test_a_repeat_links_only_to_an_accepted_case_in_the_same_area(app: Marac) -> None:
    here, there = area_with_agency(app, code="here"), area_with_agency(app, code="there")
    pending = app.refer(referral(*here))
    elsewhere = app.refer(referral(*there))
    app.accept(elsewhere, "coordinator-1")
    new = app.refer(referral(*here))
    with pytest.raises(NotARepeat):
        app.link_as_repeat(new, pending, "coordinator-1")
    with pytest.raises(NotARepeat):
        app.link_as_repeat(new, elsewhere, "coordinator-1")


def test_corrections_are_new_events(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    subject_id = app.get_case(case_id).victim.subject_id
    app.correct_subject(case_id, subject_id, {"surname": "Corrected"}, "idva-2", "Misspelt")
    events = list(app.events.get(case_id))
    assert [type(e).__name__ for e in events] == ["Referred", "SubjectCorrected"]
    original = events[0].referral.subjects  # type: ignore[attr-defined]
    assert next(s for s in original if s.subject_id == subject_id).surname != "Corrected"
    assert app.get_case(case_id).victim.surname == "Corrected"


def test_corrections_cannot_change_a_subjects_role(app: Marac, area: tuple[UUID, UUID]) -> None:
    case_id = app.refer(referral(*area))
    subject_id = app.get_case(case_id).victim.subject_id
    with pytest.raises(InvalidReferral):
        app.correct_subject(case_id, subject_id, {"role": "perpetrator"}, "idva-2", "Wrong role")


@pytest.mark.parametrize("subjects", [
    (perpetrator(),),
    (victim(), victim(), perpetrator()),
    (victim(),),
])
def test_a_referral_names_one_victim_and_at_least_one_perpetrator(
    area: tuple[UUID, UUID], subjects: tuple[object, ...]
) -> None:
    with pytest.raises(InvalidReferral):
        Case.refer(referral(*area, subjects=subjects))  # type: ignore[arg-type]


@pytest.mark.parametrize("consent", [
    Consent("refused"), Consent("not_sought", reason_without_consent="Unsafe to ask"),
])
def test_sharing_without_consent_needs_a_reason_and_a_lawful_basis(
    area: tuple[UUID, UUID], consent: Consent
) -> None:
    with pytest.raises(InvalidReferral):
        Case.refer(referral(*area, consent=consent))


def test_sharing_without_consent_is_recorded_with_its_basis(area: tuple[UUID, UUID]) -> None:
    consent = Consent("refused", "Risk to life", "UK GDPR 6(1)(e); DPA 2018 Sch 1 para 18")
    case = Case.refer(referral(*area, consent=consent))
    assert case.referral.consent == consent


def test_areas_and_agencies_are_unique_by_code(app: Marac, area: tuple[UUID, UUID]) -> None:
    with pytest.raises(AlreadyExists):
        app.create_area("WEXSHIRE", "Again")
    with pytest.raises(AlreadyExists):
        app.register_agency(area[0], "police", "Again", "police", core=True)


def test_events_round_trip_through_the_transcoder(app: Marac, area: tuple[UUID, UUID]) -> None:
    ref = referral(*area, subjects=(victim(aliases=("Pippa Q",)), perpetrator()))
    case_id = app.refer(replace(ref, manager_sign_off=True))
    stored = app.get_case(case_id).referral
    assert stored == replace(ref, manager_sign_off=True)


def test_an_excluded_person_is_not_made_a_member_by_a_restriction(
    app: Marac, area: tuple[UUID, UUID]
) -> None:
    """Found by the access model: exclusion ends membership, and a restriction (or a closed
    hearing) naming the person does not let them back in once readmitted."""
    case_id = app.refer(referral(*area))
    app.exclude(case_id, "nurse-cousin", by="coordinator-1", reason="Relative of the victim")
    app.restrict(case_id, by="coordinator-1", reason="Closed hearing",
                 members={"nurse-cousin", "chair-1"})
    app.readmit(case_id, "nurse-cousin", by="coordinator-1")
    assert app.get_case(case_id).members == {"chair-1", "coordinator-1"}


@pytest.mark.parametrize("limit_minutes", [30, 60])
def test_break_glass_lasts_what_was_asked_up_to_the_one_named_limit(
    app: Marac, area: tuple[UUID, UUID], monkeypatch: pytest.MonkeyPatch, limit_minutes: int
) -> None:
    """The limit is one rule: a partnership that sets it to 30 minutes gives a 30-minute
    request 30 minutes, and refuses 31."""
    monkeypatch.setattr(domain.access, "MAX_BREAK_GLASS_MINUTES", limit_minutes)
    case_id = app.refer(referral(*area))
    for minutes in (1, limit_minutes // 2, limit_minutes):
        expires = app.open_break_glass(case_id, person=f"rep-{minutes}", agency_id=area[1],
                                       reason="Emergency", minutes=minutes)
        assert expires - app.get_case(case_id).break_glass[-1].opened_at == timedelta(
            minutes=minutes)
    for minutes in (0, limit_minutes + 1):
        with pytest.raises(InvalidAccessChange):
            app.open_break_glass(case_id, person="rep-x", agency_id=area[1],
                                 reason="Emergency", minutes=minutes)


def test_a_closed_referral_is_not_decided_afterwards(app: Marac, area: tuple[UUID, UUID]) -> None:
    """Found by the access model: a referral closed undecided could still be accepted, and
    showed 'accepted' with its closure attached."""
    case_id = app.refer(referral(*area))
    app.close_case(case_id, by="coordinator-1", reason="Withdrawn by the referrer", inform=())
    with pytest.raises(CaseClosed):
        app.accept(case_id, "coordinator-1")
    with pytest.raises(CaseClosed):
        app.decline(case_id, "coordinator-1", "No criterion met")
    assert app.get_case(case_id).status == "closed"
