"""An agency's research on a case as use cases called without HTTP: recorded for a hearing it
was asked to research, seen by its agency and the coordinators until released, and what may
be shared on a case asked before sharing."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.access import Audience
from services import meetings, research, research_notes, sharing
from services.errors import Forbidden, NotFound
from tests.services.conftest import HELD_ON, Area, trail


def _asked(area: Area) -> tuple[UUID, UUID]:
    """A case listed on a meeting with the IDVA service invited and asked to research it."""
    case_id = area.case()
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, coordinator(), meeting_id, case_id, [area.idva])
    research.request_research(area.platform, coordinator(), meeting_id, case_id,
                              agencies=[area.idva], due_on=date(2026, 1, 26))
    return meeting_id, case_id


def test_research_is_recorded_for_the_hearing_and_kept_from_other_agencies_until_released(
        area: Area) -> None:
    meeting_id, case_id = _asked(area)
    idva = area.actor("idva-rep", "representative", agency=area.idva)
    police = area.actor("police-rep", "representative", agency=area.police)
    before = research_notes.case_research(area.platform, idva, case_id)
    assert [(a.meeting_id, a.held_on, a.answered) for a in before.asked] == [
        (meeting_id, HELD_ON, False)]

    item_id = research_notes.record(
        area.platform, area.actor("idva-rep", "representative", agency=area.idva), case_id,
        meeting_id, "Known to the service since 2024")

    mine = research_notes.case_research(
        area.platform, area.actor("idva-rep", "representative", agency=area.idva), case_id)
    (note,) = mine.notes
    assert (note.item_id, note.held_on, note.released, note.may_release) == (
        item_id, HELD_ON, False, True)
    assert note.author_agency.name == "Idva"
    assert mine.asked[0].answered
    assert research_notes.case_research(area.platform, police, case_id).notes == ()

    sharing.release(area.platform, area.actor("idva-rep", "representative", agency=area.idva),
                    case_id, item_id, audience=Audience("whole_case"))
    (seen,) = research_notes.case_research(
        area.platform, area.actor("police-rep", "representative", agency=area.police),
        case_id).notes
    assert (seen.item_id, seen.released, seen.may_release) == (item_id, True, False)
    assert [r[:2] for r in trail(area.platform.audit)][-6:] == [
        ("read", "allowed"), ("share", "allowed"), ("read", "allowed"), ("read", "allowed"),
        ("release", "allowed"), ("read", "allowed")]
    assert trail(area.platform.audit)[-1][3] == (str(item_id),)
    assert area.platform.audit.records()[-1]["purpose"] == "research"


def test_research_on_a_case_one_may_not_see_is_not_found(area: Area) -> None:
    _, case_id = _asked(area)
    housing = area.actor("housing-rep", "representative",
                         agency=area.platform.marac.register_agency(
                             area.area_id, "housing", "Housing", "housing", core=True))
    with pytest.raises(NotFound):
        research_notes.case_research(area.platform, housing, case_id)
    assert trail(area.platform.audit)[-1] == ("read", "denied", str(case_id), ())


def test_sharing_choices_are_asked_as_sharing_is(area: Area) -> None:
    case_id = area.case()
    police = area.actor("police-rep", "representative", agency=area.police)
    choices = sharing.sharing_choices(area.platform, police, case_id)
    assert {a.name for a in choices.agencies} == {"Police", "Idva"}
    assert trail(area.platform.audit) == [("read", "allowed", str(case_id), ())]
    with pytest.raises(Forbidden):
        sharing.sharing_choices(area.platform, area.actor("chair-1", "chair"), case_id)
    with pytest.raises(NotFound):
        sharing.sharing_choices(area.platform, area.actor(
            "idva-rep", "representative", agency=area.idva), case_id)
    assert [r[:2] for r in trail(area.platform.audit)][-2:] == [
        ("read", "denied"), ("read", "denied")]
