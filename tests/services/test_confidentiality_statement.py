"""The confidentiality statement as use cases: served, text and version, to whoever may attend
the meeting; changed by the area's administrator (a new version); attendance records the
version acknowledged, refuses an older one (recorded as refused, with its code), and the
meeting and its minutes list who acknowledged which."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from api.bootstrap import Platform
from domain.area import Area as AreaRecord
from domain.confidentiality import (
    DEFAULT_CONFIDENTIALITY_STATEMENT,
    ConfidentialityStatement,
    StatementOutdated,
)
from services import meetings, minutes
from services.actor import Actor
from services.area_settings import configure
from services.errors import NotFound
from services.partnership import apply_partnership
from services.partnership_file import read_partnership_file
from services.system import SystemJob, operator
from tests.services.conftest import HELD_ON, Area, Clock, trail

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"
OWN = "What is said here stays here, save to keep someone safe."


def test_attendance_records_the_version_acknowledged_and_refuses_an_older_one(
        area: Area, clock: Clock) -> None:
    case_id = area.case()
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    meetings.list_case(area.platform, area.coordinator(), meeting_id, case_id, [area.idva])

    def police() -> Actor:  # each call a request of its own
        return area.actor("police-rep", "representative", agency=area.police)

    def idva() -> Actor:
        return area.actor("idva-rep", "representative", agency=area.idva)

    first = meetings.confidentiality_statement(area.platform, police(), meeting_id)
    assert (first.text, first.version) == (DEFAULT_CONFIDENTIALITY_STATEMENT, 1)
    clock.at = datetime.combine(HELD_ON, time(9, 30), UTC)
    meetings.attend(area.platform, police(), meeting_id, True, first.version)

    # The area's administrator writes its own statement: version 2 from now on.
    configure(area.platform, area.actor("admin-1", "administrator"), area.area_id,
              {"confidentiality_statement": OWN})
    with pytest.raises(StatementOutdated) as outdated:
        meetings.attend(area.platform, idva(), meeting_id, True, first.version)
    assert trail(area.platform.audit)[-1] == ("attend", "refused", None,
                                              ("code:confidentiality_statement_outdated",))
    assert outdated.value.code == "confidentiality_statement_outdated"
    second = meetings.confidentiality_statement(area.platform, idva(), meeting_id)
    assert (second.text, second.version) == (OWN, 2)
    meetings.attend(area.platform, idva(), meeting_id, True, second.version)
    area.platform.runner.catch_up()

    view = meetings.meeting(area.platform, area.coordinator(), meeting_id)
    heard = minutes.minutes(area.platform, idva(), meeting_id, case_id)
    assert [(a.person, a.agency_id, a.statement_version) for a in view.attendance] == [
        ("police-rep", area.police, 1), ("idva-rep", area.idva, 2)]
    assert heard.attendance == view.attendance


def test_the_statement_is_served_only_to_those_who_may_see_the_meeting_and_read_recorded(
        area: Area) -> None:
    meeting_id = meetings.schedule(area.platform, area.coordinator(), "standard", HELD_ON, [])
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    with pytest.raises(NotFound):
        meetings.confidentiality_statement(
            area.platform, area.actor("rep-9", "representative", area_id=other), meeting_id)
    meetings.confidentiality_statement(area.platform, area.coordinator(), meeting_id)
    assert trail(area.platform.audit)[-2:] == [
        ("read_meeting", "not_found", None, (str(meeting_id),)),
        ("read_meeting", "allowed", None, (str(meeting_id), "confidentiality_statement"))]


def test_the_partnership_file_sets_an_area_s_statement_and_a_new_text_is_a_new_version(
        platform: Platform) -> None:
    job = SystemJob.named(platform.audit, platform.now, operator("tester"))

    def apply(statement: str) -> tuple[str, ...]:
        text = EXAMPLE.read_text().replace(
            "      referral_threshold: 14\n",
            f"      referral_threshold: 14\n      confidentiality_statement: |\n"
            f"        {statement}\n", 1)
        return apply_partnership(platform, job, read_partnership_file(text)).changes

    def north() -> ConfidentialityStatement:
        return platform.marac.get_area(AreaRecord.create_id("wex-north")).confidentiality_statement

    apply("North Wexshire's own statement.")
    assert north() == ConfidentialityStatement("North Wexshire's own statement.\n", 1)
    assert apply("North Wexshire's own statement.") == ()
    assert apply("North Wexshire's statement, revised.") == (
        "area:wex-north settings_changed: confidentiality_statement",)
    assert north() == ConfidentialityStatement("North Wexshire's statement, revised.\n", 2)
