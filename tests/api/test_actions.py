"""SMART actions: agreed by coordinators, owned by one agency (which then sees the case),
updated by that agency, overdue on the clock, escalated to the coordinators once."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from api.actions import escalate_overdue
from api.bootstrap import Platform
from tests.api.conftest import Clock, World, accept, refer


def agree(client: TestClient, world: World, case_id: UUID, owner: str, due_on: date, *,
          what: str = "Fit a panic alarm at the victim's home") -> UUID:
    response = client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
                           json={"owner_agency_id": str(world.agencies[owner]),
                                 "description": what, "for_whom": "victim",
                                 "due_on": due_on.isoformat()})
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


def mine(client: TestClient, world: World, agency: str) -> set[UUID]:
    rows = client.get("/api/v1/actions?scope=mine", headers=world.rep(agency)).json()
    return {UUID(r["action_id"]) for r in rows}


def test_owning_an_action_involves_the_agency_in_the_case(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("housing")).status_code == 404
    action = agree(client, world, case_id, "housing", clock.at.date() + timedelta(days=14))
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("housing"))
    assert view.status_code == 200
    assert [a["action_id"] for a in view.json()["actions"]] == [str(action)]
    assert mine(client, world, "housing") == {action}
    assert mine(client, world, "health") == set()


def test_only_the_owner_updates_and_an_outcome_closes_the_action(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    action = agree(client, world, case_id, "housing", clock.at.date() + timedelta(days=7))
    path = f"/api/v1/cases/{case_id}/actions/{action}/updates"
    assert client.post(path, headers=world.rep("police"),
                       json={"note": "Chased housing"}).status_code == 403
    assert client.post(path, headers=world.rep("housing"),
                       json={"note": "Survey booked"}).status_code == 204
    assert client.post(path, headers=world.rep("housing"),
                       json={"note": "Alarm fitted", "outcome": "completed"}).status_code == 204
    assert mine(client, world, "housing") == set()
    again = client.post(path, headers=world.rep("housing"), json={"note": "More"})
    assert (again.status_code, again.json()["code"]) == (409, "action_already_recorded")
    (shown,) = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("housing")
                          ).json()["actions"]
    assert shown["outcome"] == "completed"
    assert [n["note"] for n in shown["notes"]] == ["Survey booked", "Alarm fitted"]


def test_overdue_actions_are_escalated_once_and_listed_for_coordinators(
    client: TestClient, world: World, clock: Clock, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    due = clock.at.date() + timedelta(days=7)
    late = agree(client, world, case_id, "health", due, what="Share the GP's records")
    changed = agree(client, world, case_id, "housing", due)
    client.post(f"/api/v1/cases/{case_id}/actions/{changed}/updates", headers=world.rep("housing"),
                json={"note": "Victim moved out of area", "outcome": "changed_circumstance"})
    clock.at += timedelta(days=7)  # due today: still in time
    assert escalate_overdue(api_platform, clock.at.date()) == []
    clock.at += timedelta(days=1)
    assert escalate_overdue(api_platform, clock.at.date()) == [late]
    assert escalate_overdue(api_platform, clock.at.date()) == []  # once
    overdue = client.get("/api/v1/actions?scope=overdue", headers=world.coordinator()).json()
    assert [(r["action_id"], r["escalated"]) for r in overdue] == [(str(late), True)]
    assert client.get("/api/v1/actions?scope=overdue",
                      headers=world.rep("health")).status_code == 403


def test_the_action_index_holds_no_content(
    client: TestClient, world: World, clock: Clock, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    agree(client, world, case_id, "housing", clock.at.date() + timedelta(days=3),
          what="Move Philippaxq to a refuge")
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT * FROM case_actions")
        assert "Philippaxq" not in str(cur.fetchall())


def test_an_unknown_action_is_the_uniform_404_and_a_bad_one_has_its_own_code(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    missing = client.post(f"/api/v1/cases/{case_id}/actions/{uuid4()}/updates",
                          headers=world.coordinator(), json={"note": "Anything"})
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "Not found"}
    overdue_already = client.post(  # due before the day it is agreed (the clock: 2026-01-12)
        f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
        json={"description": "Fit a door alarm", "owner_agency_id": str(world.agencies["housing"]),
              "for_whom": "victim", "due_on": "2026-01-01"})
    assert (overdue_already.status_code, overdue_already.json()["code"]) == (422,
                                                                             "invalid_action")
