"""Restrictions through the HTTP API: an 'honour'-based-abuse referral is restricted from the
moment it is made, and every restriction is reviewed every 90 days."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import Clock, World, accept, bearer, refer
from tests.api.test_feeds import integration, pulled, subscribe

HBA = {"criteria": {"honour_based_abuse": True, "visible_high_risk": True}}


def status(client: TestClient, headers: dict[str, str], case_id: UUID) -> int:
    return client.get(f"/api/v1/cases/{case_id}", headers=headers).status_code


def listed(client: TestClient, headers: dict[str, str]) -> set[str]:
    body = client.get("/api/v1/cases?page_size=100", headers=headers).json()
    return {i["case_id"] for i in body["items"]}


def due(client: TestClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/case-reviews/restrictions", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return list(response.json())


def review(client: TestClient, headers: dict[str, str], case_id: UUID, decision: str) -> int:
    return client.post(f"/api/v1/cases/{case_id}/restriction/review", headers=headers,
                       json={"decision": decision, "reason": "Reviewed at the steering group"}
                       ).status_code


def test_an_hba_referral_is_seen_only_by_its_referrer_and_the_areas_coordinators(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police", **HBA)
    police_system = bearer(world.token("police-system", agency="police", client=True,
                                       scope="cases:read"))
    chair = bearer(world.token("chair-1", "chair", agency="idva"))
    assert status(client, world.rep("police"), case_id) == 200  # the referrer
    assert status(client, world.coordinator(), case_id) == 200
    assert status(client, chair, case_id) == 200
    for outsider in (world.rep("police", "police-rep-2"), police_system, world.rep("health")):
        assert status(client, outsider, case_id) == 404
        assert str(case_id) not in listed(client, outsider)
    # Break-glass never opens it.
    glass = client.post(f"/api/v1/cases/{case_id}/break-glass", json={"reason": "Emergency"},
                        headers=world.rep("health"))
    assert glass.status_code == 404


def test_naming_members_ends_the_coordinators_sight_of_an_hba_referral(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police", **HBA)
    accept(client, world, case_id)
    named = client.post(f"/api/v1/cases/{case_id}/restriction", headers=world.coordinator(),
                        json={"members": ["idva-rep"], "reason": "Named by the chair"})
    assert named.status_code == 204, named.text
    assert status(client, world.coordinator(), case_id) == 200  # who named them is a member
    assert status(client, world.rep("idva"), case_id) == 200
    assert status(client, world.coordinator("coordinator-2"), case_id) == 404
    assert status(client, world.rep("police"), case_id) == 404  # the referrer, not named


def test_the_area_may_leave_hba_referrals_unrestricted(client: TestClient, world: World) -> None:
    admin = bearer(world.token("admin-1", "administrator"))
    changed = client.patch(f"/api/v1/areas/{world.area_id}/settings", headers=admin,
                           json={"restrict_hba_at_referral": False})
    assert changed.status_code == 200, changed.text
    case_id = refer(client, world, "police", **HBA)
    assert status(client, world.rep("police", "police-rep-2"), case_id) == 200


def test_a_restriction_is_due_for_review_after_90_days_and_is_kept_or_lifted(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    restricted = client.post(f"/api/v1/cases/{case_id}/restriction",
                             headers=world.coordinator(),
                             json={"members": ["idva-rep"], "reason": "Employee case"})
    assert restricted.status_code == 204, restricted.text
    assert due(client, world.coordinator()) == []
    assert [d["case_id"] for d in due(client, world.coordinator(), within_days=90)] == [
        str(case_id)]
    clock.advance(days=90)
    (entry,) = due(client, world.coordinator())
    assert (entry["case_id"], entry["provisional"]) == (str(case_id), False)
    # A coordinator who is not a member is not told the case exists, nor that it is due.
    assert due(client, world.coordinator("coordinator-2")) == []
    assert review(client, world.coordinator("coordinator-2"), case_id, "keep") == 404
    assert review(client, world.rep("idva"), case_id, "keep") == 403
    assert review(client, world.coordinator(), case_id, "keep") == 204
    assert due(client, world.coordinator()) == []
    clock.advance(days=90)
    assert len(due(client, world.coordinator())) == 1
    assert review(client, world.coordinator(), case_id, "lift") == 204
    assert due(client, world.coordinator()) == []
    assert status(client, world.coordinator("coordinator-2"), case_id) == 200
    assert review(client, world.coordinator(), case_id, "keep") == 422  # nothing to review


def test_a_restriction_at_referral_is_due_for_review_too(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police", **HBA)
    clock.advance(days=91)
    (entry,) = due(client, world.coordinator())
    assert (entry["case_id"], entry["provisional"]) == (str(case_id), True)
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator()).json()
    assert view["access"]["restriction"]["provisional"] is True


def test_no_feed_hears_of_an_hba_referral_restricted_at_referral(
    client: TestClient, world: World
) -> None:
    """The restriction is in the very event that records the referral: no version of the case
    is unrestricted, so the referring agency's integration is never told of it."""
    police = subscribe(client, world, "police")["id"]
    hba = refer(client, world, "police", **HBA)
    plain = refer(client, world, "police", surname="Otherxq")
    events = pulled(client, world, "police", police)
    assert [e["case_id"] for e in events] == [str(plain)]
    assert [e["cursor"] for e in events] == [1]  # nothing was queued and then held back
    assert str(hba) not in listed(client, integration(world, "police"))
