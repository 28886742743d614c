"""The published integration-event schema: every type has a JSON Schema whose example
validates, and a payload with a field that is not published does not."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from feeds.events import EVENT_TYPES, example, json_schema


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
