"""An area's settings over HTTP: administrators change them (the reports' population figures
among them), coordinators read them, and the domain checks every value."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World, bearer


def admin(world: World, area: str = "") -> dict[str, str]:
    return bearer(world.token("admin-1", "administrator",
                              area=world.other_area_id if area == "other" else None),
                  purpose=None)


def test_administrators_configure_the_reporting_population(client: TestClient,
                                                            world: World) -> None:
    path = f"/api/v1/areas/{world.area_id}/settings"
    change = {"adult_female_population": 120_000, "population_minoritised_pct": 12.5,
              "suppress_below": 10}
    response = client.patch(path, json=change, headers=admin(world))
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in change} == change
    assert response.json()["referral_threshold"] == 14  # the rest unchanged
    read = client.get(path, headers=world.coordinator())
    assert read.status_code == 200
    assert read.json()["adult_female_population"] == 120_000


def test_settings_are_checked_and_kept_to_their_area(client: TestClient, world: World) -> None:
    path = f"/api/v1/areas/{world.area_id}/settings"
    assert client.patch(path, json={"suppress_below": 10},
                        headers=world.coordinator()).status_code == 403
    assert client.patch(path, json={"suppress_below": 10},
                        headers=admin(world, "other")).status_code == 403
    assert client.get(path, headers=world.rep("police")).status_code == 403
    bad = client.patch(path, json={"suppress_below": 1}, headers=admin(world))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_settings"
    unknown = client.patch(path, json={"colour": "blue"}, headers=admin(world))
    assert 400 <= unknown.status_code < 500
    assert client.get(path, headers=admin(world)).json()["suppress_below"] == 5


def test_administrators_set_the_coordinators_mailbox_and_who_takes_a_digest(
        client: TestClient, world: World) -> None:
    path = f"/api/v1/areas/{world.area_id}/settings"
    change = {"coordinators_email": "marac.coordinators@demoshire.example.org",
              "digest_recipients": ["police", "coordinators"]}
    response = client.patch(path, json=change, headers=admin(world))
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in change} == change
    for bad in ({"coordinators_email": "not an address"}, {"digest_recipients": ["Police!"]}):
        refused = client.patch(path, json=bad, headers=admin(world))
        assert refused.status_code == 422
        assert refused.json()["code"] == "invalid_settings"
    assert client.get(path, headers=admin(world)).json()["digest_recipients"] == [
        "police", "coordinators"]
