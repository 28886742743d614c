"""Closure: the agencies that may see the case are told, each acknowledgement is tracked and
judged late or not in hours from the closure; coordinators see cases reaching 12 months since
their last referral."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World, accept, refer


def closure(client: TestClient, world: World, case_id: UUID) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["closure"]
    return body


def acknowledge(client: TestClient, headers: dict[str, str], case_id: UUID) -> int:
    return client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                       headers=headers).status_code


def closed_case(client: TestClient, world: World) -> UUID:
    """Referred by police, accepted, closed: police alone is to be told."""
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced"}).status_code == 204
    return case_id


def test_every_agency_that_may_see_a_case_is_told_of_its_closure_and_lateness_shows(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    for agency, expires in (("housing", None), ("idva", clock.at + timedelta(hours=1))):
        client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                    json={"agency_id": str(world.agencies[agency]), "reason": "Invited",
                          "expires_at": expires.isoformat() if expires else None})
    action_id = client.post(
        f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
        json={"owner_agency_id": str(world.agencies["health"]), "for_whom": "victim",
              "description": "GP review", "due_on": clock.at.date().isoformat()}).json()["id"]
    clock.advance(hours=2)
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced", "open_actions": [
                           {"action_id": action_id, "fate": "closed_with_case"}]}
                       ).status_code == 204
    assert acknowledge(client, world.rep("police"), case_id) == 204
    closure_now = closure(client, world, case_id)
    # Police referred it, health owns an action, housing holds a grant: all may see it. The
    # IDVA service's grant had expired: it no longer sees the case, and is not told.
    told = {world.agencies[a] for a in ("police", "health", "housing")}
    assert set(closure_now["informed"]) == {str(a) for a in told}
    assert closure_now["outstanding"] == sorted(
        str(world.agencies[a]) for a in ("health", "housing"))
    assert closure_now["late"] is False
    clock.advance(days=2)
    assert closure(client, world, case_id)["late"] is True
    for agency in ("health", "housing"):
        assert acknowledge(client, world.rep(agency), case_id) == 204
    done = closure(client, world, case_id)
    assert done["outstanding"] == []
    assert done["late"] is True  # they were told, late: that stays on the record
    twice = client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                        headers=world.rep("health"))
    assert (twice.status_code, twice.json()["code"]) == (409, "closure_already_acknowledged")


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


def test_a_restricted_case_closure_tells_only_the_agencies_that_may_see_it(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    assert client.post(f"/api/v1/cases/{case_id}/restriction", headers=world.coordinator(),
                       json={"members": ["idva-rep"],
                             "member_agencies": [str(world.agencies["hpx"])],
                             "reason": "Honour-based abuse"}).status_code == 204
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced"}).status_code == 204
    # Police referred it but no longer sees it: it is not told (and could never acknowledge).
    assert set(closure(client, world, case_id)["informed"]) == {str(world.agencies["hpx"])}
    assert acknowledge(client, world.rep("police"), case_id) == 404
    # A named member whose agency is not a member agency sees the case, and is told that
    # their agency is not among those told: nothing here depends on what they cannot see.
    refused = client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                          headers=world.rep("idva"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_told_of_closure"
    assert acknowledge(client, world.rep("hpx"), case_id) == 204
    done = closure(client, world, case_id)
    assert done["outstanding"] == []
    assert done["late"] is False


def test_a_representative_sees_only_their_own_agencys_part_of_the_closure(
    client: TestClient, world: World, clock: Clock
) -> None:
    """Which agencies are told is which agencies hold access (grants, a restriction's member
    agencies): that is for the coordinators, as the case's access section is."""
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                json={"agency_id": str(world.agencies["housing"]), "reason": "Invited"})
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced"}).status_code == 204
    clock.advance(hours=25)
    assert acknowledge(client, world.rep("police"), case_id) == 204
    police = str(world.agencies["police"])
    seen = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).json()["closure"]
    assert set(seen["informed"]) == {police}
    assert seen["outstanding"] == []
    assert seen["late"] is True  # its own acknowledgement was late
    housing = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("housing")
                         ).json()["closure"]
    assert (set(housing["informed"]), housing["outstanding"]) == (
        {str(world.agencies["housing"])}, [str(world.agencies["housing"])])
    assert len(closure(client, world, case_id)["informed"]) == 2  # the coordinators see all


def test_an_agency_untold_25_hours_after_closure_is_late_on_the_next_date(
    client: TestClient, world: World, clock: Clock
) -> None:
    clock.at = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    case_id = closed_case(client, world)
    clock.advance(hours=24)
    assert closure(client, world, case_id)["late"] is False  # 24 hours exactly: still in time
    clock.advance(hours=1)
    assert clock.at.date() == date(2026, 1, 13)
    late = closure(client, world, case_id)
    assert late["late"] is True
    assert late["informed"] == {str(world.agencies["police"]): {"told_at": None, "late": True}}


def test_a_late_agency_that_then_acknowledges_stays_recorded_as_late(
    client: TestClient, world: World, clock: Clock
) -> None:
    closed_at = clock.at
    case_id = closed_case(client, world)
    clock.advance(hours=25)
    assert acknowledge(client, world.rep("police"), case_id) == 204
    clock.advance(days=30)
    told = closure(client, world, case_id)
    assert told["outstanding"] == []
    assert told["late"] is True
    assert datetime.fromisoformat(told["closed_at"]) == closed_at
    (police,) = told["informed"].values()
    assert datetime.fromisoformat(police["told_at"]) == closed_at + timedelta(hours=25)
    assert police["late"] is True


def test_an_agency_told_at_23_hours_is_not_late(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = closed_case(client, world)
    clock.advance(hours=23)
    assert acknowledge(client, world.rep("police"), case_id) == 204
    clock.advance(days=30)
    told = closure(client, world, case_id)
    assert told["informed"][str(world.agencies["police"])]["late"] is False
    assert told["late"] is False


def test_an_agency_named_to_carry_an_action_on_is_told_of_the_closure_and_acknowledges(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    action_id = api_platform.marac.agree_action(
        case_id, owner_agency=world.agencies["police"], description="Marker on address",
        for_whom="household", due_on=date(2026, 1, 20), by="coordinator-1")
    api_platform.runner.catch_up()
    housing = world.agencies["housing"]  # not involved until it carries the action on
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(), json={
        "reason": "Risk reduced", "open_actions": [
            {"action_id": str(action_id), "fate": "carried", "carried_to": str(housing)}],
    }).status_code == 204
    assert set(closure(client, world, case_id)["outstanding"]) == {
        str(world.agencies["police"]), str(housing)}
    assert acknowledge(client, world.rep("housing"), case_id) == 204
