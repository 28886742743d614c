"""Corrections of a referral, its withdrawal, and closure with open actions, through HTTP:
one test per route, on both backends."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from domain.risk import DASH_RIC_QUESTIONS
from tests.api.conftest import World, accept, refer


def case_json(client: TestClient, world: World, case_id: UUID) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def search(client: TestClient, world: World, surname: str) -> list[str]:
    response = client.get("/api/v1/search",
                          params={"surname": surname, "date_of_birth": "1987-03-14"},
                          headers=world.coordinator())
    assert response.status_code == 200, response.text
    return [i["summary"]["case_id"] for i in response.json()["items"]]


def test_the_referrer_corrects_a_surname_and_the_search_follows(
        client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    victim = next(s for s in case_json(client, world, case_id)["referral"]["subjects"]
                  if s["role"] == "victim")
    url = f"/api/v1/cases/{case_id}/subjects/{victim['subject_id']}/corrections"
    body = {"reason": "Misspelt on the referral", "changes": {"surname": "Ashdownxq"}}
    refused = client.post(url, headers=world.rep("health"), json=body)
    assert refused.status_code == 404  # health does not see the case
    no_reason = client.post(url, headers=world.rep("police"), json={**body, "reason": ""})
    assert no_reason.status_code == 422
    role = client.post(url, headers=world.rep("police"),
                       json={**body, "changes": {"role": "perpetrator"}})
    assert (role.status_code, role.json()["code"]) == (422, "invalid_request")

    assert client.post(url, headers=world.rep("police"), json=body).status_code == 204
    assert search(client, world, "Ashdownxq") == [str(case_id)]
    assert search(client, world, "Quennevillexq") == []


def test_a_corrected_risk_assessment_recomputes_the_criteria_met(
        client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    answers = {q: {"value": "yes" if i < 10 else "no"}
               for i, q in enumerate(DASH_RIC_QUESTIONS)}
    response = client.post(f"/api/v1/cases/{case_id}/risk-assessment/corrections",
                           headers=world.coordinator(),
                           json={"reason": "Answers mistyped",
                                 "risk_assessment": {"version": "2009", "answers": answers}})
    assert response.status_code == 204, response.text
    assert case_json(client, world, case_id)["decision"]["criteria_met"] == []


def test_corrected_criteria_are_what_the_case_shows(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    url = f"/api/v1/cases/{case_id}/criteria/corrections"
    criteria = {"visible_high_risk": True, "incidents_in_12_months": 4}
    flag = client.post(url, headers=world.rep("police"), json={
        "reason": "Flag missed", "criteria": {**criteria, "honour_based_abuse": True}})
    assert (flag.status_code, flag.json()["code"]) == (422, "invalid_correction")
    assert client.post(url, headers=world.rep("police"),
                       json={"reason": "Call-outs left out", "criteria": criteria}
                       ).status_code == 204
    shown = case_json(client, world, case_id)["referral"]["criteria"]
    assert shown["incidents_in_12_months"] == 4


def test_a_withdrawn_referral_leaves_the_referrers_list_and_is_not_decided(
        client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    url = f"/api/v1/cases/{case_id}/withdrawal"
    assert client.post(url, headers=world.rep("police"),
                       json={"reason": "Error"}).status_code == 403
    assert client.post(url, headers=world.coordinator(),
                       json={"reason": "A duplicate referral"}).status_code == 204

    mine = client.get("/api/v1/cases", headers=world.rep("police")).json()
    assert mine["total"] == 0
    theirs = client.get("/api/v1/cases", headers=world.coordinator()).json()
    assert [(c["case_id"], c["status"]) for c in theirs["items"]] == [(str(case_id),
                                                                       "withdrawn")]
    decided = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                          json={"outcome": "accept"})
    assert (decided.status_code, decided.json()["code"]) == (422, "referral_withdrawn")


def test_a_closure_names_what_becomes_of_each_open_action(
        client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    made = client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
                       json={"owner_agency_id": str(world.agencies["health"]),
                             "for_whom": "victim", "description": "GP review of injuries",
                             "due_on": "2026-02-01"})
    action_id = made.json()["id"]
    ended = client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
                        json={"owner_agency_id": str(world.agencies["police"]),
                              "for_whom": "victim", "description": "Marker on the address",
                              "due_on": "2026-02-01"}).json()["id"]
    url = f"/api/v1/cases/{case_id}/closure"
    left_out = client.post(url, headers=world.coordinator(), json={"reason": "Risk reduced"})
    assert (left_out.status_code, left_out.json()["code"]) == (422, "open_actions_unaccounted")
    assert "GP" not in left_out.text
    carried = {"action_id": action_id, "fate": "carried",
               "carried_to": str(world.agencies["idva"])}
    assert client.post(url, headers=world.coordinator(),
                       json={"reason": "Risk reduced", "open_actions": [
                           carried, {"action_id": ended, "fate": "closed_with_case"}]}
                       ).status_code == 204
    actions = {a["action_id"]: a for a in case_json(client, world, case_id)["actions"]}
    assert actions[action_id]["owner_agency"] == str(world.agencies["idva"])
    assert actions[action_id]["outcome"] is None  # carried on, open
    assert actions[ended]["outcome"] == "closed_with_case"
