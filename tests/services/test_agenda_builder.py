"""The coordinators' view of meetings as use cases, called without HTTP: the agenda builder is
the API's reads (the meeting, its agenda, the accepted cases), each recorded as the API
records it, with the rule that placed each case and who is invited; anyone but the area's
coordinators and chairs is refused before anything is read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services import meetings
from services.actor import Actor
from services.agenda_builder import agenda_builder, calendar, research_overview
from services.errors import Forbidden
from tests.factories import perpetrator, referral, victim
from tests.services.conftest import HELD_ON, Area, trail


# On SQLite and PostgreSQL: the builder reads the read models (index, access, directory).
@pytest.mark.real_stores
def test_the_builder_is_the_apis_reads_with_each_cases_rule_and_invitations(
        area: Area) -> None:
    plain = area.case()
    child = area.platform.marac.refer(referral(area.area_id, area.police, subjects=(
        victim(), perpetrator(), victim(role="child", surname="Childxq"))))
    area.platform.marac.accept(child, "coordinator-1")
    waiting = area.case()
    meeting = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    for case_id, invite in ((plain, [area.idva]), (child, [])):
        meetings.list_case(area.platform, area.coordinator(), meeting, case_id, invite)
    area.platform.runner.catch_up()
    before = len(area.platform.audit.records())

    built = agenda_builder(area.platform, area.coordinator, meeting)

    assert [(line.entry.case_id, line.rule) for line in built.lines] == [
        (child, "children_first"), (plain, None)]
    assert [a.name for a in built.lines[1].invited] == ["Idva", "Police"]
    assert [a.name for a in built.lines[0].invited] == ["Police"]
    assert all(line.summary and line.summary.referring_agency_name == "Police"
               for line in built.lines)
    assert [c.case_id for c in built.candidates] == [waiting]
    assert [a.name for a in built.agencies] == ["Idva", "Police"]
    # One record a read, as the API's three requests would make them.
    assert [(action, outcome) for action, outcome, *_ in
            trail(area.platform.audit)[before:]] == [
        ("read_meeting", "allowed"), ("read_agenda", "allowed"), ("list", "allowed")]


Read = Callable[[Area, Callable[[], Actor]], object]
READS: dict[str, Read] = {
    "calendar": lambda area, actors: calendar(area.platform, actors),
    "builder": lambda area, actors: agenda_builder(
        area.platform, actors, area.platform.cases.meetings(area.area_id)[0].meeting_id),
    "research": lambda area, actors: research_overview(
        area.platform, actors(), statuses=("requested", "overdue")),
}


@pytest.mark.parametrize("read", READS)
def test_a_representative_is_refused_before_anything_is_read(area: Area, read: str) -> None:
    meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    area.platform.runner.catch_up()
    before = len(area.platform.audit.records())
    with pytest.raises(Forbidden):
        READS[read](area, lambda: area.actor("idva-rep", "representative", agency=area.idva))
    assert [outcome for _, outcome, *_ in trail(area.platform.audit)[before:]] == ["denied"]
