"""Audit action names: one list, every record names a member of it, the README explains each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from audit.actions import ACTIONS, FORMER_NAMES, UnknownAction, stored_names
from audit.trail import AuditRecord

README = Path(__file__).resolve().parents[2] / "README.md"


def record(action: Any) -> AuditRecord:
    return AuditRecord(request_id="r", actor="staff-1", actor_kind="person", agency_id=None,
                       client_id=None, roles=(), action=action, purpose=None, case_id=None,
                       outcome="allowed")


@pytest.mark.parametrize("name", ["GET /api/v1/cases/{case_id}", "idempotency", "Read", ""])
def test_a_record_naming_an_action_off_the_list_is_refused(name: str) -> None:
    with pytest.raises(UnknownAction):
        record(name)


def test_every_listed_action_may_be_recorded_and_each_is_a_verb_or_verb_noun() -> None:
    for name in ACTIONS:
        assert record(name).action == name
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name), name


def test_the_readme_explains_every_action_and_no_other() -> None:
    section = README.read_text().split("### Audit actions", 1)[1].split("\n#", 1)[0]
    first_cells = re.findall(r"^\| (`[^|]+)\|", section, flags=re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}
    assert documented == ACTIONS


def test_a_query_by_a_renamed_action_also_finds_the_records_of_its_former_name() -> None:
    assert stored_names("suggest_allocation") == ("suggest_allocation", "allocation_suggestion")
    assert stored_names("read") == ("read",)
    assert not set(ACTIONS) & {old for olds in FORMER_NAMES.values() for old in olds}
