"""A case's timeline as a use case, called without HTTP: what happened, when, by or for which
agency, in order; each persona's entries only those of what they may see (absent, never
redacted); the read audited with its purpose, naming what was shown; the uniform 404."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest

from domain.access import Audience
from domain.criteria import CriteriaClaimed
from domain.meeting import Risk
from services import case_timeline, meetings, research
from services.actor import Actor
from services.case_timeline import CaseTimeline
from services.errors import Invalid, NotFound
from tests.factories import assessment, referral
from tests.services.conftest import HELD_ON, Area, Clock, trail

PURPOSE = "meeting_preparation"


# The library's event times follow the test's clock (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("events_on_the_clock")


def read(area: Area, actor: Actor, case_id: UUID) -> CaseTimeline:
    return case_timeline.timeline(area.platform, replace(actor, purpose=PURPOSE), case_id)


def kinds(found: CaseTimeline) -> list[tuple[str, str | None]]:
    return [(e.kind, e.agency_name) for e in found.entries]


def a_month_on_the_case(area: Area, clock: Clock) -> dict[str, UUID]:
    """Referred by the police and accepted; its risk assessment corrected; listed with the
    IDVA invited and asked for research, which it shares with the coordinators; a note for
    everyone; a person granted access; heard; an action for the IDVA, completed; closed, and
    the police told."""
    app, coordinator = area.platform.marac, area.coordinator  # an actor is one request
    case_id = area.case()

    def later(**delta: float) -> None:
        clock.at += timedelta(**delta)

    later(minutes=30)
    app.correct_risk_assessment(case_id, assessment(16), "officer-4471", "A yes was missed")
    later(hours=1)
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [area.idva])
    later(hours=1)
    research.request_research(area.platform, coordinator(), meeting_id, case_id,
                              agencies=[area.idva], due_on=HELD_ON)
    later(hours=1)
    note = app.share(case_id, kind="research_note", text="Known to the IDVA since 2024",
                     audience=Audience("coordinators"), author="idva-rep",
                     author_agency=area.idva, for_agency=True, meeting_id=meeting_id)
    later(hours=1)
    for_all = app.share(case_id, kind="note", text="Safe to call after 6pm",
                        audience=Audience("whole_case"), author="coordinator-1",
                        author_agency=area.police, for_agency=False)
    later(hours=1)
    app.grant_access(case_id, by="coordinator-1", reason="Named worker", person="worker-7")
    clock.at = datetime.combine(HELD_ON, time(10), UTC)
    meetings.record_hearing(area.platform, coordinator(), meeting_id, case_id,
                            [Risk("victim", "Threats to kill")])
    action = app.agree_action(case_id, owner_agency=area.idva, description="Safety plan",
                              for_whom="victim", due_on=HELD_ON + timedelta(days=7),
                              by="coordinator-1", meeting_id=meeting_id)
    later(days=2)
    app.update_action(case_id, action, note="Plan agreed with her", by="idva-rep",
                      outcome="completed")
    later(days=1)
    app.close_case(case_id, by="coordinator-1", reason="Risk reduced",
                   inform=[area.police, area.idva])
    later(hours=2)
    app.acknowledge_closure(case_id, area.police, by="police-rep")
    area.platform.runner.catch_up()
    return {"case": case_id, "meeting": meeting_id, "note": note, "for_all": for_all,
            "action": action}


def test_a_coordinator_sees_everything_that_happened_in_order_with_agencies_named(
        area: Area, clock: Clock) -> None:
    ids = a_month_on_the_case(area, clock)

    found = read(area, area.coordinator(), ids["case"])

    assert kinds(found) == [
        ("referred", "Police"), ("decided", None), ("risk_assessment_corrected", None),
        ("listed", None), ("agency_invited", "Idva"), ("research_requested", "Idva"),
        ("research_answered", "Idva"), ("information_shared", "Police"),
        ("access_granted", None), ("heard", None), ("action_agreed", "Idva"),
        ("action_completed", "Idva"), ("closed", None), ("closure_acknowledged", "Police")]
    assert [e.at for e in found.entries] == sorted(e.at for e in found.entries)
    by_kind = {e.kind: e for e in found.entries}
    assert by_kind["research_answered"].item_id == ids["note"]
    assert by_kind["research_answered"].text == "Known to the IDVA since 2024"
    assert by_kind["action_completed"].action_id == ids["action"]
    assert by_kind["listed"].meeting_id == by_kind["heard"].meeting_id == ids["meeting"]
    assert by_kind["heard"].summary == f"Heard at the meeting of {HELD_ON}; 1 risk identified"


def test_each_representative_sees_only_their_agency_s_part_and_the_items_for_them(
        area: Area, clock: Clock) -> None:
    ids = a_month_on_the_case(area, clock)
    police = area.actor("police-rep", "representative", agency=area.police)
    idva = area.actor("idva-rep-2", "representative", agency=area.idva)

    as_police = read(area, police, ids["case"])
    as_idva = read(area, idva, ids["case"])

    # The police do not see the IDVA's invitation, its research asked for and shared (for the
    # coordinators), nor the grant: absent, not shown as something withheld.
    assert [k for k, _ in kinds(as_police)] == [
        "referred", "decided", "risk_assessment_corrected", "listed", "information_shared",
        "heard", "action_agreed", "action_completed", "closed", "closure_acknowledged"]
    assert ids["note"] not in {e.item_id for e in as_police.entries}
    # The IDVA sees its own part and its own research, and not that the police were told.
    assert [k for k, _ in kinds(as_idva)] == [
        "referred", "decided", "risk_assessment_corrected", "listed", "agency_invited",
        "research_requested", "research_answered", "information_shared", "heard",
        "action_agreed", "action_completed", "closed"]


def test_the_read_is_recorded_with_its_purpose_naming_what_was_shown(
        area: Area, clock: Clock) -> None:
    ids = a_month_on_the_case(area, clock)
    police = area.actor("police-rep", "representative", agency=area.police)

    read(area, police, ids["case"])

    record = area.platform.audit.records()[-1]
    assert record["purpose"] == PURPOSE
    assert trail(area.platform.audit)[-1] == ("read", "allowed", str(ids["case"]), (
        "timeline", "referred", "decided", "risk_assessment_corrected", "listed",
        str(ids["for_all"]), "heard", str(ids["action"]), "closed", "closure_acknowledged"))


def test_a_case_the_caller_may_not_see_is_not_found_like_a_missing_one_and_recorded_so(
        area: Area) -> None:
    case_id, missing = area.case(), uuid4()
    for asked in (case_id, missing):
        with pytest.raises(NotFound) as refused:
            read(area, area.actor("idva-rep", "representative", agency=area.idva), asked)
        assert refused.value.code == "not_found"
    assert trail(area.platform.audit)[-2:] == [("read", "denied", str(case_id), ()),
                                               ("read", "not_found", str(missing), ())]


def test_a_timeline_is_read_for_a_purpose(area: Area) -> None:
    case_id = area.case()
    with pytest.raises(Invalid) as refused:
        case_timeline.timeline(area.platform, area.coordinator(), case_id)
    assert refused.value.code == "purpose_required"


def test_a_repeat_referral_linked_in_shows_only_to_those_who_may_see_the_repeat(
        area: Area, clock: Clock) -> None:
    app = area.platform.marac
    first = area.case()
    clock.at += timedelta(hours=1)
    repeat = app.refer(referral(area.area_id, area.idva))
    app.link_as_repeat(repeat, first, "coordinator-1")
    area.platform.runner.catch_up()
    police = area.actor("police-rep", "representative", agency=area.police)

    linked = [e for e in read(area, area.coordinator(), first).entries
              if e.kind == "repeat_linked"]

    assert [e.linked_case_id for e in linked] == [repeat]
    assert "repeat_linked" not in {e.kind for e in read(area, police, first).entries}


def test_a_marrac_day_entered_afterwards_is_placed_when_it_happened_for_coordinators_only(
        area: Area, clock: Clock) -> None:
    area.use_marrac()
    app = area.platform.marac
    case_id = area.case()
    app.allocate(case_id, "cc-1", by="team-leader-1")
    allocated = clock.at
    clock.at += timedelta(hours=3)
    app.share(case_id, kind="note", text="Called the victim", audience=Audience("whole_case"),
              author="cc-1", author_agency=area.police, for_agency=False)
    clock.at += timedelta(hours=1)
    # Entered now, of a visit an hour after allocation: before the note, recorded after it.
    app.record_contact(case_id, "victim", 45, by="cc-1", at=allocated + timedelta(hours=1))
    app.complete_step(case_id, "gather_and_assess", by="cc-1",
                      at=allocated + timedelta(hours=2))
    area.platform.runner.catch_up()
    police = area.actor("police-rep", "representative", agency=area.police)
    coordinator = area.actor("team-leader-1", "team_leader", agency=area.police)

    whole = read(area, coordinator, case_id)
    own = read(area, police, case_id)

    assert [e.kind for e in whole.entries] == [
        "referred", "decided", "allocated", "contact_recorded", "step_completed",
        "information_shared"]
    contact = whole.entries[3]
    assert (contact.at, contact.recorded_at) == (allocated + timedelta(hours=1), clock.at)
    assert contact.summary == "Contact with the victim, 45 minutes"
    assert [e.kind for e in own.entries] == ["referred", "decided", "information_shared"]


def test_a_closed_hearing_the_caller_may_not_see_leaves_no_trace_in_their_timeline(
        area: Area) -> None:
    hba = CriteriaClaimed(visible_high_risk=True, honour_based_abuse=True)
    case_id = area.case(criteria=hba)
    hearing = meetings.schedule(area.platform, area.coordinator(), "harmful_practices",
                                HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), hearing, case_id, [area.idva])
    meetings.remove_from_agenda(area.platform, area.coordinator(), hearing, case_id,
                                "To be heard elsewhere")
    # The IDVA advises on the case (a member agency now) but is no member of the hearing,
    # which lists the case no more: for the IDVA there is no such meeting.
    idva = area.actor("idva-rep", "representative", agency=area.idva)

    whole = read(area, area.coordinator(), case_id)
    own = read(area, idva, case_id)

    assert {"listed", "agency_invited", "removed_from_agenda"} <= {e.kind for e in
                                                                     whole.entries}
    assert [e.kind for e in own.entries] == ["referred", "decided"]
    assert str(hearing) not in repr(own)
