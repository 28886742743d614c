"""Closure: the agencies involved are told and each acknowledgement is tracked; coordinators
see cases reaching 12 months since their last referral."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import Clock, World, accept, refer


def test_every_involved_agency_is_told_of_a_closure_and_lateness_shows(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                json={"agency_id": str(world.agencies["housing"]), "reason": "Invited"})
    client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
                json={"owner_agency_id": str(world.agencies["health"]), "for_whom": "victim",
                      "description": "GP review", "due_on": clock.at.date().isoformat()})
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced"}).status_code == 204
    assert client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                       headers=world.rep("police")).status_code == 204
    closure = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator()
                         ).json()["closure"]
    # Police referred it and health owns an action: both involved. (Housing's grant gives
    # access, not involvement.)
    assert set(closure["informed"]) == {str(world.agencies["police"]),
                                        str(world.agencies["health"])}
    assert closure["outstanding"] == [str(world.agencies["health"])]
    assert closure["late"] is False
    clock.at += timedelta(days=2)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator()
                      ).json()["closure"]["late"] is True
    assert client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                       headers=world.rep("health")).status_code == 204
    done = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator()).json()
    assert done["closure"]["outstanding"] == []
    assert done["closure"]["late"] is False
    twice = client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                        headers=world.rep("health"))
    assert twice.status_code == 422


def test_coordinators_see_cases_reaching_twelve_months_since_the_last_referral(
    client: TestClient, world: World, clock: Clock
) -> None:
    old = refer(client, world, "police", referred_on=date(2025, 1, 20))
    recent = refer(client, world, "police", surname="Laterxq", referred_on=date(2025, 12, 1))
    for case_id in (old, recent):
        accept(client, world, case_id)
    # Today is 2026-01-12: the old case's window ends 2026-01-20, within 30 days.
    due = client.get("/api/v1/case-reviews/anniversaries", headers=world.coordinator()).json()
    assert [c["case_id"] for c in due] == [str(old)]
    later = client.get("/api/v1/case-reviews/anniversaries?within_days=366",
                       headers=world.coordinator()).json()
    assert [c["case_id"] for c in later] == [str(old), str(recent)]
    assert client.get("/api/v1/case-reviews/anniversaries",
                      headers=world.rep("police")).status_code == 403
