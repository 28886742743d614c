"""The published integration-event schema: every type has a JSON Schema whose example
validates, and a payload with a field that is not published does not; meeting changes are
announced as their scheduling was."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import uuid4

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from domain.meeting import Meeting
from feeds.events import EVENT_TYPES, example, json_schema, translate


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_type_has_a_schema_its_example_satisfies(event_type: str) -> None:
    schema = json_schema(event_type)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    validator.validate(schema["examples"][0])
    leaky = example(event_type)
    leaky["data"] = {**leaky["data"], "victim_name": "Anyonexq"}
    with pytest.raises(ValidationError):
        validator.validate(leaky)  # thin payloads: nothing beyond what is published


def test_a_meeting_moved_or_cancelled_is_announced_unless_it_is_a_closed_hearing() -> None:
    def announced(kind: str) -> list[tuple[str, Mapping[str, str | None]]]:
        meeting = Meeting.schedule(uuid4(), kind, date(2026, 3, 18), "coordinator-1")
        meeting.reschedule(date(2026, 3, 25), "Chair unavailable", "coordinator-1",
                           date(2026, 3, 1))
        meeting.cancel("Not quorate", "coordinator-1", date(2026, 3, 2))
        return [(i.type, i.data) for n, e in enumerate(meeting.collect_events()[1:])
                for i in translate(n, type(e).__module__ + ":" + type(e).__qualname__, e,
                                   meeting)]

    standard = announced("standard")
    assert [(t, sorted(d)) for t, d in standard] == [
        ("meeting.rescheduled.v1", ["held_on", "meeting_id"]),
        ("meeting.cancelled.v1", ["meeting_id"])]
    assert standard[0][1]["held_on"] == "2026-03-25"
    assert announced("harmful_practices") == []
