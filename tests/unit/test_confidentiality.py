"""The confidentiality statement: an area's text or the default, its version counted from the
area's events, the version each attendee acknowledged, and events recorded before versions
were kept, which load as they were."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain.application import Marac
from domain.area import Area, AreaSettings
from domain.confidentiality import (
    DEFAULT_CONFIDENTIALITY_STATEMENT,
    MAX_STATEMENT_LENGTH,
    ConfidentialityStatement,
    StatementOutdated,
)
from domain.exceptions import AlreadyRecorded, InvalidSettings
from domain.meeting import Attendance, Meeting

NOW = datetime(2026, 3, 18, 9, 30, tzinfo=UTC)
OWN = "What is said here stays here, save to keep someone safe."


@pytest.fixture
def app() -> Iterator[Marac]:
    with Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=lambda: NOW,
               today=NOW.date) as app:
        yield app


def test_the_default_text_is_never_edited_in_place() -> None:
    """Areas on the default acknowledged this text as version 1: a new default is a new
    constant, adopted as a settings change (a new version), never an edit of this one."""
    digest = hashlib.sha256(DEFAULT_CONFIDENTIALITY_STATEMENT.encode()).hexdigest()
    assert digest == "34fe976fb124977c0754fb88618a8cfdeb791d2954c973b17cd0da76fba69bc4"


def test_an_area_s_statement_is_the_default_at_version_one_and_each_new_text_a_new_version(
        app: Marac) -> None:
    area_id = app.create_area("wexshire", "Wexshire MARAC")
    assert app.get_area(area_id).confidentiality_statement == ConfidentialityStatement(
        DEFAULT_CONFIDENTIALITY_STATEMENT, 1)

    def change(**settings: Any) -> ConfidentialityStatement:
        app.change_area_settings(area_id, dataclasses.replace(
            app.get_area(area_id).settings, **settings))
        return app.get_area(area_id).confidentiality_statement

    assert change(confidentiality_statement=OWN) == ConfidentialityStatement(OWN, 2)
    assert change(suppress_below=10).version == 2  # another setting: the same version
    assert change(confidentiality_statement=OWN).version == 2  # the same text again
    assert change(confidentiality_statement=None) == ConfidentialityStatement(
        DEFAULT_CONFIDENTIALITY_STATEMENT, 3)
    # Writing the default's own text out is the same text: no new version.
    assert change(confidentiality_statement=DEFAULT_CONFIDENTIALITY_STATEMENT).version == 3


def test_an_area_created_with_its_own_text_starts_at_version_one() -> None:
    area = Area.create("wexshire", "Wexshire MARAC", AreaSettings(confidentiality_statement=OWN))
    assert area.confidentiality_statement == ConfidentialityStatement(OWN, 1)


@pytest.mark.parametrize("text", ["", "   \n", "x" * (MAX_STATEMENT_LENGTH + 1)])
def test_a_blank_or_overlong_statement_is_refused(text: str) -> None:
    with pytest.raises(InvalidSettings):
        AreaSettings(confidentiality_statement=text).check_valid()


def test_only_the_version_in_force_is_acknowledged_and_an_older_one_is_a_conflict() -> None:
    meeting = Meeting.schedule(uuid4(), "standard", NOW.date(), "coordinator-1")
    current = ConfidentialityStatement(OWN, 2)
    with pytest.raises(StatementOutdated) as outdated:
        meeting.record_attendance(Attendance("police-rep", uuid4(), True, NOW, 1), current)
    assert outdated.value.code == "confidentiality_statement_outdated"
    assert isinstance(outdated.value, AlreadyRecorded)  # 409: it was valid before
    with pytest.raises(StatementOutdated):
        meeting.record_attendance(Attendance("police-rep", uuid4(), True, NOW, None), current)
    meeting.record_attendance(Attendance("police-rep", uuid4(), True, NOW, 2), current)
    assert meeting.attendance["police-rep"].statement_version == 2


def test_attendance_and_an_area_recorded_before_versions_were_kept_still_load(
        app: Marac) -> None:
    area_id = app.create_area("wexshire", "Wexshire MARAC")
    meeting_id = app.schedule_meeting(area_id, "standard", NOW.date(), by="coordinator-1")
    meeting = app.get_meeting(meeting_id)
    meeting.record_attendance(Attendance("police-rep", None, True, NOW, 1),
                              app.get_area(area_id).confidentiality_statement)
    area = app.get_area(area_id)
    area.change_settings(dataclasses.replace(area.settings, suppress_below=10))
    # As the events were stored before the fields existed.
    stored = [app.mapper.to_stored_event(e) for e in
              (*meeting.collect_events(), *area.collect_events())]
    old = []
    for event in stored:
        state = json.loads(event.state)
        for value in state.values():
            if isinstance(value, dict) and isinstance(value.get("_data_"), dict):
                value["_data_"].pop("statement_version", None)
                value["_data_"].pop("confidentiality_statement", None)
        old.append(dataclasses.replace(event, state=json.dumps(state).encode()))
    app.recorder.insert_events(old)

    attended = app.get_meeting(meeting_id).attendance["police-rep"]
    assert (attended.acknowledged_confidentiality, attended.statement_version) == (True, None)
    assert app.get_area(area_id).confidentiality_statement.version == 1
    assert app.get_area(area_id).settings.suppress_below == 10
