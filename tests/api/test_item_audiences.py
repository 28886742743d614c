"""Item audiences through the HTTP API: an item is shown to its audience, to its author, and to
the agency it was shared for, and an audience is never widened by who employs its author."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import World, accept, bearer, refer


def share(client: TestClient, headers: dict[str, str], case_id: UUID, audience: dict[str, Any],
          kind: str = "disclosure") -> str:
    response = client.post(f"/api/v1/cases/{case_id}/information", headers=headers,
                           json={"kind": kind, "text": "Seen by its audience only.",
                                 "audience": audience})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def item_ids(client: TestClient, headers: dict[str, str], case_id: UUID) -> set[str]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert response.status_code == 200, response.text
    return {i["item_id"] for i in response.json()["items"]}


def test_a_coordinators_note_for_coordinators_is_not_shown_to_their_employers_staff(
    client: TestClient, world: World
) -> None:
    """The coordinator is employed by the police: the police's representatives and its
    integration still do not see what the coordinator wrote for coordinators only."""
    case_id = refer(client, world, "police")
    item = share(client, world.coordinator(), case_id, {"kind": "coordinators"})
    police_system = bearer(world.token("police-system", agency="police", client=True,
                                       scope="cases:read"))
    assert item not in item_ids(client, world.rep("police"), case_id)
    assert item not in item_ids(client, police_system, case_id)
    assert item in item_ids(client, world.coordinator(), case_id)
    assert item in item_ids(client, world.coordinator("coordinator-2"), case_id)


def test_an_agency_sees_what_its_representatives_shared_for_coordinators(
    client: TestClient, world: World
) -> None:
    """Research is seen by its agency and the coordinators until it is released."""
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    item = share(client, world.rep("police"), case_id, {"kind": "coordinators"})
    assert item in item_ids(client, world.rep("police", "police-rep-2"), case_id)
    assert item in item_ids(client, world.coordinator(), case_id)


def test_the_author_sees_their_own_item_whatever_its_audience(
    client: TestClient, world: World
) -> None:
    """A coordinator's note for coordinators, read by its author after they have left the
    role (now a representative of the police): only the author rule shows it to them."""
    case_id = refer(client, world, "police")
    item = share(client, world.coordinator(), case_id, {"kind": "coordinators"})
    former = bearer(world.token("coordinator-1", "representative", agency="police"))
    assert item in item_ids(client, former, case_id)
    assert item not in item_ids(client, world.rep("police"), case_id)


def test_a_coordinators_note_for_their_own_agency_is_shown_to_that_agency(
    client: TestClient, world: World
) -> None:
    """'The authoring agency only' names an audience: the agency that employs the author."""
    case_id = refer(client, world, "police")
    item = share(client, world.coordinator(), case_id, {"kind": "authoring_agency"})
    assert item in item_ids(client, world.rep("police"), case_id)
