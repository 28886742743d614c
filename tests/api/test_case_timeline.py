"""GET /api/v1/cases/{id}/timeline: what happened on a case, as each caller may see it, read
for a purpose and audited like the case view; a case the caller may not see answers exactly
as one that does not exist."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer

# The library's event times follow the test's clock (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("events_on_the_clock")


def post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code in (201, 204), response.text
    return response.json() if response.status_code == 201 else None


def a_case_with_something_for_everyone_and_something_not(
        client: TestClient, world: World) -> dict[str, Any]:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    base = f"/api/v1/cases/{case_id}"
    hidden = post(client, f"{base}/information", {
        "kind": "note", "text": "The coordinators' own note",
        "audience": {"kind": "coordinators"}}, world.coordinator())["id"]
    shared = post(client, f"{base}/information", {
        "kind": "disclosure", "text": "Two call-outs in December",
        "audience": {"kind": "whole_case"}}, world.rep("police"))["id"]
    post(client, f"{base}/grants", {"agency_id": str(world.agencies["health"]),
                                    "reason": "Invited"}, world.coordinator())
    return {"case": case_id, "hidden": hidden, "shared": shared}


def test_a_coordinator_reads_everything_and_a_granted_agency_only_what_is_for_it(
        client: TestClient, world: World) -> None:
    ids = a_case_with_something_for_everyone_and_something_not(client, world)
    path = f"/api/v1/cases/{ids['case']}/timeline"

    whole = client.get(path, headers=world.coordinator())
    granted = client.get(path, headers=world.rep("health"))

    assert whole.status_code == granted.status_code == 200
    entries = whole.json()["entries"]
    assert [e["kind"] for e in entries] == [
        "referred", "decided", "information_shared", "information_shared", "access_granted"]
    assert entries[0]["agency_id"] == str(world.agencies["police"])
    assert entries[0]["agency_name"] == "Police"
    assert entries[-1]["agency_name"] == "Health"
    assert entries[0]["at"].endswith("+00:00")
    assert {e["item_id"] for e in entries} >= {ids["hidden"], ids["shared"]}
    # The granted agency's timeline has no trace of the coordinators' note or of the grant.
    seen = granted.json()
    assert [e["kind"] for e in seen["entries"]] == ["referred", "decided",
                                                    "information_shared"]
    assert seen["entries"][2]["item_id"] == ids["shared"]
    assert seen["entries"][2]["text"] == "Two call-outs in December"
    assert ids["hidden"] not in granted.text
    assert seen["case_id"] == str(ids["case"])


def test_the_read_is_audited_with_its_purpose_before_the_answer(
        client: TestClient, world: World, api_platform: Platform) -> None:
    ids = a_case_with_something_for_everyone_and_something_not(client, world)

    response = client.get(f"/api/v1/cases/{ids['case']}/timeline",
                          headers=world.rep("police"))

    assert response.status_code == 200
    record = api_platform.audit.records()[-1]
    assert (record["action"], record["outcome"], record["purpose"], record["case_id"]) == (
        "read", "allowed", "research", str(ids["case"]))
    assert json.loads(record["item_ids"]) == ["timeline", "referred", "decided",
                                              ids["shared"]]


def test_a_case_the_caller_may_not_see_answers_as_a_missing_one(
        client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    unseen = client.get(f"/api/v1/cases/{case_id}/timeline", headers=world.rep("idva"))
    missing = client.get(f"/api/v1/cases/{uuid4()}/timeline", headers=world.rep("idva"))
    assert unseen.status_code == missing.status_code == 404
    assert unseen.content == missing.content
    assert unseen.json()["code"] == "not_found"


def test_a_timeline_without_a_purpose_is_refused(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    response = client.get(f"/api/v1/cases/{case_id}/timeline",
                          headers=bearer(world.token("police-rep", "representative",
                                                     agency="police"), purpose=None))
    assert response.status_code == 400
    assert response.json()["code"] == "purpose_required"
    assert UUID(str(case_id))
