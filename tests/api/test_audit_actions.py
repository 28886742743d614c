"""Audit action names at the HTTP surface: the DPO filters by a listed action only, and a
request refused before its handler is recorded under a verb, its route among the items."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, bearer, refer


def dpo(world: World) -> dict[str, str]:
    return bearer(world.token("dpo-1", "dpo"), purpose=None)


def test_the_dpo_filters_by_a_listed_action_and_an_unknown_one_is_422(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    found = client.get("/api/v1/audit/records?action=create", headers=dpo(world)).json()
    assert [r["case_id"] for r in found["items"]] == [str(case_id)]
    for unknown in ("GET /api/v1/cases/{case_id}", "creat", "idempotency"):
        response = client.get("/api/v1/audit/records", params={"action": unknown},
                              headers=dpo(world))
        assert (response.status_code, response.json()["code"],
                response.json()["fields"]) == (422, "invalid_request", ["query.action"])


def test_a_request_refused_before_its_handler_is_recorded_as_a_verb_with_its_route(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    no_purpose = bearer(world.token("police-rep", "representative", agency="police"),
                        purpose=None)
    assert client.get(f"/api/v1/cases/{case_id}", headers=no_purpose).status_code == 400
    last = api_platform.audit.records()[-1]
    assert (last["action"], last["outcome"], last["case_id"]) == (
        "request", "rejected", str(case_id))
    assert json.loads(last["item_ids"]) == ["400", "GET /api/v1/cases/{case_id}"]
