"""Correcting and withdrawing a referral, and closing a case with open actions, as use cases:
who may, what the audit trail says, and the read models and reports following the corrected
facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actions import ActionDisposal
from domain.criteria import CriteriaClaimed
from domain.exceptions import DomainError
from services import (
    case_closure,
    case_lists,
    case_view,
    meetings,
    referral_corrections,
    referrals,
)
from services.actor import Actor
from services.errors import Forbidden, NotFound
from services.escalation import escalate_overdue
from services.referral_corrections import SubjectCorrection
from services.reports import ReportRequest, read_report
from services.system import ESCALATION, SystemJob
from tests.factories import VICTIM_DOB, VICTIM_SURNAME, assessment
from tests.services.conftest import HELD_ON, NOW, Area, Clock, trail

PURPOSE = "meeting_preparation"


def _reading(area: Area) -> Actor:
    """A coordinator's new request, reading for a purpose (one audit record each)."""
    return replace(area.coordinator(), purpose=PURPOSE)


def _officer(area: Area) -> Actor:
    """A new request by the referring agency's officer."""
    return area.actor("officer-1", "representative", agency=area.police, purpose=PURPOSE)


def _victim_id(area: Area, case_id: UUID) -> UUID:
    return area.platform.marac.get_case(case_id).victim.subject_id


def test_the_referring_agency_corrects_a_surname_and_the_search_finds_the_new_one(
        area: Area) -> None:
    case_id = area.case()
    referral_corrections.correct_subject(
        area.platform, _officer(area), case_id,
        SubjectCorrection(_victim_id(area, case_id), {"surname": "Newsurnamexq"}),
        reason="Misspelt on the referral")

    seen = case_view.view(area.platform, _reading(area), case_id)
    surnames = {s.surname for s in seen.referral.subjects}
    assert "Newsurnamexq" in surnames
    assert VICTIM_SURNAME not in surnames

    def search(surname: str) -> list[UUID]:
        found = case_lists.search(area.platform, _reading(area), surname=surname, forename="",
                                  date_of_birth=VICTIM_DOB, reference="")
        return [h.summary.case_id for h in found.items]

    assert search("Newsurnamexq") == [case_id]
    assert search(VICTIM_SURNAME) == []
    assert trail(area.platform.audit)[0] == ("correct_referral", "allowed", str(case_id),
                                             ("subject",))


def test_an_agency_that_did_not_refer_may_not_correct_and_is_recorded_so(area: Area) -> None:
    case_id = area.case()
    area.platform.marac.grant_access(case_id, by="coordinator-1", reason="Attends",
                                     agency_id=area.idva)
    area.platform.runner.catch_up()
    idva = area.actor("idva-1", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        referral_corrections.correct_criteria(
            area.platform, idva, case_id, CriteriaClaimed(visible_high_risk=True),
            reason="Wrong")
    assert trail(area.platform.audit) == [("correct_referral", "denied", str(case_id), ())]


def test_the_referral_to_correct_is_read_for_the_purpose_by_those_who_may_correct_it(
        area: Area) -> None:
    case_id = area.case()
    found = referral_corrections.referral_to_correct(area.platform, _officer(area), case_id)
    assert {s.surname for s in found.subjects} >= {VICTIM_SURNAME}
    assert found.so_far.score == sum(1 for a in found.risk_assessment.answers
                                     if a.value == "yes")
    assert found.criteria == area.platform.marac.get_case(case_id).referral.criteria
    assert trail(area.platform.audit) == [("read", "allowed", str(case_id), ("referral",))]
    assert area.platform.audit.records()[-1]["purpose"] == PURPOSE
    assert case_view.view(area.platform, _officer(area), case_id).may_correct
    assert case_view.view(area.platform, _reading(area), case_id).may_correct


def test_an_agency_that_sees_the_case_but_did_not_refer_it_finds_no_referral_to_correct(
        area: Area) -> None:
    case_id = area.case()
    area.platform.marac.grant_access(case_id, by="coordinator-1", reason="Attends",
                                     agency_id=area.idva)
    area.platform.runner.catch_up()
    def idva() -> Actor:  # a new request each time
        return area.actor("idva-1", "representative", agency=area.idva, purpose=PURPOSE)

    assert not case_view.view(area.platform, idva(), case_id).may_correct
    with pytest.raises(NotFound):
        referral_corrections.referral_to_correct(area.platform, idva(), case_id)
    assert trail(area.platform.audit)[-1] == ("read", "denied", str(case_id), ("referral",))
    with pytest.raises(NotFound):
        referral_corrections.referral_to_correct(area.platform, idva(), uuid4())


def test_a_closed_case_offers_no_correction(area: Area) -> None:
    case_id = area.case()
    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced",
                       disposals=())
    assert not case_view.view(area.platform, _reading(area), case_id).may_correct
    assert not case_view.view(area.platform, _officer(area), case_id).may_correct


def test_a_corrected_risk_assessment_is_what_the_case_shows(area: Area) -> None:
    case_id = area.case()
    referral_corrections.correct_risk_assessment(
        area.platform, area.coordinator(), case_id, assessment(16), reason="Two answers missed")
    seen = case_view.view(area.platform, _reading(area), case_id)
    answers = seen.referral.risk_assessment.answers
    assert sum(1 for a in answers if a.value == "yes") == 16


def test_a_withdrawn_referral_leaves_the_lists_but_the_coordinators(area: Area) -> None:
    case_id = area.case()
    with pytest.raises(Forbidden):
        referral_corrections.withdraw(area.platform, _officer(area), case_id, reason="Error")
    referral_corrections.withdraw(area.platform, area.coordinator(), case_id,
                                  reason="Entered against the wrong victim")

    listed = case_lists.list_cases(area.platform, area.coordinator(), status=None, page=1,
                                   page_size=25)
    assert [(c.case_id, c.status) for c in listed.items] == [(case_id, "withdrawn")]
    assert case_lists.list_cases(area.platform, _officer(area), status=None, page=1,
                                 page_size=25).total == 0
    with pytest.raises(NotFound):
        case_view.view(area.platform, _officer(area), case_id)
    assert trail(area.platform.audit)[:2] == [
        ("withdraw_referral", "denied", str(case_id), ()),
        ("withdraw_referral", "allowed", str(case_id), ())]


def test_a_withdrawn_referral_is_not_decided_and_the_refusal_is_recorded(area: Area) -> None:
    case_id = area.platform.marac.refer(
        replace(area.platform.marac.get_case(area.case()).referral))
    area.platform.runner.catch_up()
    referral_corrections.withdraw(area.platform, area.coordinator(), case_id, reason="Twice")
    with pytest.raises(DomainError) as refused:
        referrals.decide(area.platform, area.coordinator(), case_id,
                         referrals.Decision("accept"))
    assert refused.value.code == "referral_withdrawn"
    assert trail(area.platform.audit)[-1] == ("decide", "refused", str(case_id),
                                              ("code:referral_withdrawn",))


def test_a_withdrawn_referral_does_not_count_in_reports(area: Area) -> None:
    kept, withdrawn = area.case(), area.case()
    asked = ReportRequest("indicators", period="2026-01", disclosure="exact")

    def referrals_counted() -> object:
        officer = area.actor("po-1", "performance_officer")  # a new request each time
        figures = read_report(area.platform, officer, asked).figures
        return figures["referrals"]["total"]  # type: ignore[index]

    assert referrals_counted() == 2
    referral_corrections.withdraw(area.platform, area.coordinator(), withdrawn,
                                  reason="A duplicate of another referral")
    assert referrals_counted() == 1
    assert kept != withdrawn


def test_a_closure_names_what_becomes_of_each_open_action_and_escalation_stops(
        area: Area) -> None:
    app = area.platform.marac
    case_id = area.case()
    due = NOW.date()
    first, second = (app.agree_action(case_id, owner_agency=area.police, description=what,
                                      for_whom="victim", due_on=due, by="coordinator-1")
                     for what in ("Fit a door alarm", "Share the custody record"))
    area.platform.runner.catch_up()
    with pytest.raises(DomainError) as refused:
        case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced",
                           disposals=(ActionDisposal(first, "completed"),))
    assert refused.value.code == "open_actions_unaccounted"
    assert "door" not in str(refused.value)

    case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced",
                       disposals=(ActionDisposal(first, "completed"),
                                  ActionDisposal(second, "carried", area.idva)))
    job = SystemJob.named(area.platform.audit, area.platform.now, ESCALATION)
    assert escalate_overdue(area.platform, job, due + timedelta(days=3)) == []
    assert [r[:2] for r in trail(area.platform.audit)] == [("close", "refused"),
                                                          ("close", "allowed")]


def test_a_withdrawn_case_leaves_the_agendas_to_come_and_a_held_meeting_keeps_its_record(
        area: Area, clock: Clock) -> None:
    app = area.platform.marac
    case_id = area.case()
    held = app.schedule_meeting(area.area_id, "standard", HELD_ON, by="coordinator-1")
    app.list_on_agenda(held, case_id, invite=set(), by="coordinator-1")
    clock.at = datetime.combine(HELD_ON + timedelta(days=3), time(9), UTC)
    to_come = app.schedule_meeting(area.area_id, "standard", HELD_ON + timedelta(days=28),
                                   by="coordinator-1")
    app.list_on_agenda(to_come, case_id, invite=set(), by="coordinator-1")
    area.platform.runner.catch_up()

    referral_corrections.withdraw(area.platform, area.coordinator(), case_id,
                                  reason="Entered against the wrong victim")

    def on_agenda(meeting_id: UUID) -> list[UUID]:
        return [e.case_id for e in meetings.agenda(area.platform, area.coordinator(),
                                                   meeting_id)]

    assert on_agenda(to_come) == []
    assert on_agenda(held) == [case_id]  # held: its record stands
    assert not app.get_meeting(to_come).lists(case_id)
    with pytest.raises(DomainError) as refused:  # nor is it listed again
        meetings.list_case(area.platform, area.coordinator(), to_come, case_id, [])
    assert refused.value.code == "referral_withdrawn"
    assert trail(area.platform.audit)[-1] == ("list_on_agenda", "refused", str(case_id),
                                              ("code:referral_withdrawn",))
