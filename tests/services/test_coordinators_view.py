"""What a coordinator needs to see, as use cases called without HTTP: every agency's research
with its status, each case by its label, agencies by name, and the DASH score beside the
answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest

from domain.access import Audience
from domain.case import ResearchStatus
from domain.criteria import CriteriaClaimed
from services import case_lists, case_view, meetings, research
from services.actor import Actor
from services.errors import Forbidden
from tests.factories import perpetrator, victim
from tests.services.conftest import HELD_ON, NOW, Area, Clock, trail

DUE = date(2026, 1, 26)
ANSWERED: tuple[ResearchStatus, ...] = ("answered",)
REQUESTED: tuple[ResearchStatus, ...] = ("requested",)


def listed_with_research(area: Area, *agencies: UUID, **case: object) -> tuple[UUID, UUID]:
    """A case listed on a new meeting, the IDVA service invited, research asked of
    `agencies`: the meeting and the case."""
    case_id = area.case(**case)
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [area.idva])
    research.request_research(area.platform, coordinator(), meeting_id, case_id,
                              agencies=list(agencies), due_on=DUE)
    return meeting_id, case_id


def answer(area: Area, case_id: UUID, meeting_id: UUID, agency_id: UUID) -> None:
    area.platform.marac.share(case_id, kind="research_note", text="Known to the service",
                              audience=Audience("coordinators"), author="rep-1",
                              author_agency=agency_id, meeting_id=meeting_id, for_agency=True)
    area.platform.runner.catch_up()


def test_the_coordinators_see_every_agency_s_research_with_its_status_and_the_record_names_it(
        area: Area, clock: Clock) -> None:
    meeting_id, case_id = listed_with_research(area, area.idva, area.police)

    asked = research.area_research(area.platform, area.coordinator())

    # Same case, same due day: in agency id order.
    assert sorted((r.agency_id, r.agency_name, r.agency_code, r.status) for r in asked) == [
        (a.agency_id, a.agency_name, a.agency_code, "requested") for a in asked] == sorted([
        (area.idva, "Idva", "idva", "requested"), (area.police, "Police", "police",
                                                   "requested")])
    assert {(r.case_id, r.label, r.meeting_id, r.held_on, r.requested_on, r.due_on,
             r.answered) for r in asked} == {
        (case_id, "P.Q. 1987", meeting_id, HELD_ON, NOW.date(), DUE, False)}
    # One record, naming the case (so that a DPO finds who saw its label) and each request;
    # never the label.
    assert trail(area.platform.audit)[-1] == ("list_research", "allowed", None, (
        str(case_id), *(f"{case_id}:{meeting_id}:{r.agency_id}" for r in asked)))
    assert "P.Q." not in str(area.platform.audit.records()[-1])

    answer(area, case_id, meeting_id, area.idva)
    clock.at = datetime.combine(date(2026, 1, 27), time(9), UTC)  # past the due day
    coordinator = area.coordinator

    assert [(r.agency_code, r.status) for r in
            research.area_research(area.platform, coordinator())] == [("police", "overdue")]
    assert [(r.agency_code, r.status) for r in research.area_research(
        area.platform, coordinator(), statuses=ANSWERED)] == [("idva", "answered")]
    assert [(r.agency_code, r.status) for r in research.area_research(
        area.platform, coordinator(), statuses=REQUESTED)] == []
    assert [r.agency_code for r in research.area_research(
        area.platform, coordinator(), statuses=("requested", "answered", "overdue"),
        agency_id=area.idva)] == ["idva"]
    assert research.area_research(area.platform, coordinator(),
                                  meeting_id=meetings.schedule(
                                      area.platform, coordinator(), "standard", HELD_ON,
                                      [])) == []


def test_research_due_today_is_still_requested_and_overdue_from_the_next_day(
        area: Area, clock: Clock) -> None:
    listed_with_research(area, area.idva)
    clock.at = datetime.combine(DUE, time(17), UTC)
    assert [r.status for r in research.area_research(area.platform, area.coordinator())] == [
        "requested"]
    clock.at = datetime.combine(date(2026, 1, 27), time(0), UTC)
    assert [r.status for r in research.area_research(area.platform, area.coordinator())] == [
        "overdue"]


def test_an_agency_s_own_research_list_has_the_label_agency_name_and_status(
        area: Area) -> None:
    meeting_id, case_id = listed_with_research(area, area.idva)
    idva = area.actor("idva-rep", "representative", agency=area.idva)

    (own,) = research.research_requests(area.platform, idva)

    assert (own.case_id, own.meeting_id, own.label, own.agency_name, own.status,
            own.requested_on) == (case_id, meeting_id, "P.Q. 1987", "Idva", "requested",
                                  NOW.date())


def test_only_the_area_s_coordinators_and_chairs_list_every_agency_s_research(
        area: Area) -> None:
    listed_with_research(area, area.idva)
    for refused in (area.actor("idva-rep", "representative", agency=area.idva),
                    area.actor("dpo-1", "dpo"), area.actor("admin-1", "administrator")):
        with pytest.raises(Forbidden) as denied:
            research.area_research(area.platform, refused)
        assert denied.value.code == "forbidden"
        assert trail(area.platform.audit)[-1] == ("list_research", "denied", None, ())
    assert [r.status for r in research.area_research(
        area.platform, area.actor("chair-1", "chair"))] == ["requested"]
    # Another area's coordinator lists their own area's research: none of this one's.
    elsewhere = area.platform.marac.create_area("other", "Other")
    assert research.area_research(area.platform, area.actor(
        "coordinator-9", "coordinator", area_id=elsewhere)) == []


def test_research_for_a_cancelled_meeting_or_a_case_taken_off_the_agenda_is_not_outstanding(
        area: Area) -> None:
    coordinator = area.coordinator
    cancelled, _ = listed_with_research(area, area.idva)
    removed_from, removed = listed_with_research(area, area.idva)
    standing, kept = listed_with_research(area, area.idva)
    meetings.cancel(area.platform, coordinator(), cancelled, "Not quorate")
    meetings.remove_from_agenda(area.platform, coordinator(), removed_from, removed,
                                "Heard at a daily meeting instead")

    assert [(r.meeting_id, r.case_id) for r in
            research.area_research(area.platform, coordinator())] == [(standing, kept)]


def test_a_restricted_case_s_research_and_label_are_absent_for_a_coordinator_not_a_member(
        area: Area) -> None:
    _, hidden = listed_with_research(area, area.idva, subjects=(
        victim(forenames="Rhea", surname="Rowe", date_of_birth=date(1981, 5, 5)),
        perpetrator()))
    area.platform.marac.restrict(hidden, by="chair-9", reason="Employee case",
                                 members={"chair-9"})
    area.platform.runner.catch_up()

    assert research.area_research(area.platform, area.coordinator()) == []
    assert trail(area.platform.audit)[-1] == ("list_research", "allowed", None, ())
    (member_sees,) = research.area_research(area.platform, area.actor("chair-9", "chair"))
    assert member_sees.label == "R.R. 1981"


def test_case_summaries_carry_the_label_and_the_referring_agency_s_name(area: Area) -> None:
    case_id = area.case(subjects=(victim(forenames="Jo Anne", surname="smith",
                                         date_of_birth=None), perpetrator()))

    page = case_lists.list_cases(area.platform, area.coordinator(), status=None, page=1,
                                 page_size=10)

    (summary,) = page.items
    assert (summary.case_id, summary.label, summary.referring_agency_id,
            summary.referring_agency_name, summary.referring_agency_code) == (
        case_id, "J.S.", area.police, "Police", "police")


def test_the_case_view_shows_the_dash_score_and_the_criteria_met_beside_the_answers(
        area: Area) -> None:
    escalating = CriteriaClaimed(incidents_in_12_months=4)
    high, low = area.case(yes=16), area.case(yes=5, criteria=escalating)
    def coordinator() -> Actor:
        return area.actor("coordinator-1", "coordinator", agency=area.police,
                          purpose="meeting_preparation")

    high_view = case_view.view(area.platform, coordinator(), high)
    low_view = case_view.view(area.platform, coordinator(), low)

    assert (high_view.referral.dash_score, high_view.referral.criteria_met) == (
        16, ("visible_high_risk",))
    assert (low_view.referral.dash_score, low_view.referral.criteria_met) == (
        5, ("potential_escalation",))
    assert high_view.summary.label == "P.Q. 1987"
    assert [a.value for a in low_view.referral.risk_assessment.answers].count("yes") == 5
