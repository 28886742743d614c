"""Need-to-know through the HTTP API: who sees which cases and items, and the rules around it.

The rules are the question here: in memory, but for the view, a restriction, a revocation and
search, which stay on a SQLite file and PostgreSQL (so do the list query's property test and
the restriction, audience, break-glass and closure tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World, accept, bearer, refer, referral_body

pytestmark = pytest.mark.in_memory

MISSING = "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a11"


def visible_ids(client: TestClient, headers: dict[str, str]) -> tuple[set[str], int]:
    body = client.get("/api/v1/cases?page_size=100", headers=headers).json()
    return {i["case_id"] for i in body["items"]}, body["total"]


def can_view(client: TestClient, headers: dict[str, str], case_id: UUID) -> bool:
    response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def post(client: TestClient, path: str, headers: dict[str, str], **body: Any) -> int:
    return client.post(path, json=body, headers=headers).status_code


@pytest.mark.real_stores
def test_the_referring_agency_sees_its_referral_and_others_do_not(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).json()
    assert view["referral"]["subjects"][0]["surname"] == "Quennevillexq"
    assert not can_view(client, world.rep("health"), case_id)
    assert can_view(client, world.coordinator(), case_id)


def test_reading_content_needs_a_purpose(client: TestClient, world: World) -> None:
    case_id = refer(client, world)
    headers = bearer(world.token("police-rep", "representative", agency="police"), purpose=None)
    missing = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (400, "purpose_required")
    wrong = client.get(f"/api/v1/cases/{case_id}?purpose=curiosity", headers=headers)
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_purpose")
    assert client.get(f"/api/v1/cases/{case_id}?purpose=safety_planning",
                      headers=headers).status_code == 200
    # A purpose given beside another is checked too (schemathesis found `?purpose=` let through
    # beside a good header): each one given must be a purpose.
    both = client.get(f"/api/v1/cases/{case_id}?purpose=",
                      headers={**headers, "X-Purpose": "safety_planning"})
    assert (both.status_code, both.json()["code"]) == (400, "invalid_purpose")


def test_an_invisible_case_answers_exactly_like_a_missing_one(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    headers = {**world.rep("health"), "X-Request-ID": "0b6f5b3e-8c1a-4a52-9d43-3b2f3c1e5a10"}
    invisible = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    missing = client.get(f"/api/v1/cases/{MISSING}", headers=headers)
    assert invisible.status_code == missing.status_code == 404
    assert invisible.content == missing.content
    assert dict(invisible.headers) == dict(missing.headers)


@pytest.mark.real_stores
def test_a_revocation_takes_effect_on_the_very_next_request(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    grant = client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                        json={"agency_id": str(world.agencies["health"]), "reason": "GP info"})
    assert grant.status_code == 201
    assert can_view(client, world.rep("health"), case_id)
    assert post(client, f"/api/v1/cases/{case_id}/grants/{grant.json()['id']}/revoke",
                world.coordinator(), reason="No longer needed") == 204
    assert not can_view(client, world.rep("health"), case_id)


def test_an_expired_grant_is_refused_at_expiry(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    expires = clock.at + timedelta(hours=2)
    assert post(client, f"/api/v1/cases/{case_id}/grants", world.coordinator(),
                person="housing-rep", reason="Rehousing", expires_at=expires.isoformat()) == 201
    clock.at = expires - timedelta(seconds=1)
    assert can_view(client, world.rep("housing"), case_id)
    clock.at = expires
    assert not can_view(client, world.rep("housing"), case_id)


def test_exclusion_beats_every_grant(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "health")  # the employee's own agency referred it
    assert post(client, f"/api/v1/cases/{case_id}/grants", world.coordinator(),
                person="health-rep", reason="Named lead") == 201
    assert post(client, f"/api/v1/cases/{case_id}/exclusions", world.coordinator(),
                person="health-rep", reason="Relative of the victim") == 204
    assert not can_view(client, world.rep("health"), case_id)
    assert case_id not in {UUID(i) for i in visible_ids(client, world.rep("health"))[0]}
    assert can_view(client, world.rep("health", sub="health-colleague"), case_id)
    # An excluded coordinator is excluded too.
    assert post(client, f"/api/v1/cases/{case_id}/exclusions", world.coordinator(),
                person="coordinator-2", reason="Conflict of interest") == 204
    assert not can_view(client, world.coordinator("coordinator-2"), case_id)
    assert client.delete(f"/api/v1/cases/{case_id}/exclusions/health-rep",
                         headers=world.coordinator()).status_code == 204
    assert can_view(client, world.rep("health"), case_id)


@pytest.mark.real_stores
def test_a_restricted_case_exists_only_for_its_members(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    other = refer(client, world, "police", surname="Otherxq")
    accept(client, world, case_id)
    assert post(client, f"/api/v1/cases/{case_id}/restriction", world.coordinator(),
                members=["idva-rep"], member_agencies=[str(world.agencies["hpx"])],
                reason="Honour-based abuse") == 204
    police = world.rep("police")
    ids, total = visible_ids(client, police)
    assert ids == {str(other)}
    assert total == 1
    assert not can_view(client, police, case_id)
    assert not can_view(client, world.coordinator("coordinator-2"), case_id)
    search = client.get("/api/v1/search?surname=Quennevillexq&date_of_birth=1987-03-14",
                        headers=world.coordinator("coordinator-2")).json()
    assert search == {"items": [], "total": 0, "next_cursor": None}
    # Members: the named IDVA, the expert agency, and the coordinator who restricted it.
    for member in (world.rep("idva"), world.rep("hpx"), world.coordinator()):
        assert can_view(client, member, case_id)
    # Break-glass never opens a restricted case, and answers as if it did not exist.
    response = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=police,
                           json={"reason": "Emergency"})
    assert response.status_code == 404


def test_items_are_shown_by_audience(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    for agency in ("health", "housing"):
        post(client, f"/api/v1/cases/{case_id}/grants", world.coordinator(),
             agency_id=str(world.agencies[agency]), reason="Invited")
    audiences = {
        "whole": {"kind": "whole_case"},
        "health_only": {"kind": "agencies", "agencies": [str(world.agencies["health"])]},
        "coordinators": {"kind": "coordinators"},
        "police_only": {"kind": "authoring_agency"},
    }
    items = {}
    for name, audience in audiences.items():
        r = client.post(f"/api/v1/cases/{case_id}/information", headers=world.rep("police"),
                        json={"kind": "note", "text": f"note {name}",
                              "audience": audience})
        assert r.status_code == 201, r.text
        items[r.json()["id"]] = name

    def seen(headers: dict[str, str]) -> set[str]:
        view = client.get(f"/api/v1/cases/{case_id}", headers=headers).json()
        return {items[i["item_id"]] for i in view["items"]}

    assert seen(world.rep("police")) == set(audiences)  # the author sees all it wrote
    assert seen(world.rep("health")) == {"whole", "health_only"}
    assert seen(world.rep("housing")) == {"whole"}
    assert seen(world.coordinator()) == set(audiences)


def test_break_glass_opens_for_at_most_an_hour(
    client: TestClient, world: World, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    housing = world.rep("housing")
    assert not can_view(client, housing, case_id)
    opened = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=housing,
                         json={"reason": "Victim at the housing office now, at risk"})
    assert opened.status_code == 201
    assert can_view(client, housing, case_id)
    again = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=housing,
                        json={"reason": "again"})
    assert (again.status_code, again.json()["code"]) == (409, "already_visible")
    clock.advance(minutes=59, seconds=59)
    assert can_view(client, housing, case_id)
    clock.advance(seconds=1)
    assert not can_view(client, housing, case_id)


def test_coordinators_decide_and_judgement_cannot_lower(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police", yes=14)
    rep = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.rep("police"),
                      json={"outcome": "accept"})
    assert (rep.status_code, rep.json()["code"]) == (403, "forbidden")
    lowered = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                          json={"outcome": "decline", "reason": "Judged lower"})
    assert (lowered.status_code, lowered.json()["code"]) == (422,
                                                             "cannot_lower_mandatory_criterion")
    accept(client, world, case_id)
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).json()
    assert view["summary"]["status"] == "accepted"


def test_coordinators_see_possible_repeats_found_through_the_blind_index(
    client: TestClient, world: World
) -> None:
    first = refer(client, world, "police")
    accept(client, world, first)
    again = refer(client, world, "idva", surname="QUENNEVILLEXQ")
    found = client.get(f"/api/v1/cases/{again}/possible-repeats",
                       headers=world.coordinator()).json()
    assert [(f["case_id"], f["within_window"]) for f in found] == [(str(first), True)]
    assert (found[0]["rank"], found[0]["strong"]) == (1, True)
    assert found[0]["reason"].startswith("same date of birth, similar surname")
    assert client.post(f"/api/v1/cases/{again}/decision", headers=world.coordinator(),
                       json={"outcome": "link_repeat", "existing_case_id": str(first)}
                       ).status_code == 204
    assert client.get(f"/api/v1/cases/{again}/possible-repeats",
                      headers=world.rep("idva")).status_code == 403


@pytest.mark.real_stores
def test_search_finds_only_what_the_caller_may_see(client: TestClient, world: World) -> None:
    police_case = refer(client, world, "police")
    idva_case = refer(client, world, "idva")
    query = "/api/v1/search?surname=quennevillexq&date_of_birth=1987-03-14"
    found = client.get(query, headers=world.rep("police")).json()
    assert [h["summary"]["case_id"] for h in found["items"]] == [str(police_case)]
    assert found["items"][0]["matched_on"] == ["phonetic_surname_year", "surname_dob"]
    both = client.get(query, headers=world.coordinator()).json()
    assert {h["summary"]["case_id"] for h in both["items"]} == {str(police_case), str(idva_case)}
    assert client.get(query, headers=world.rep("health")).json()["total"] == 0


@pytest.mark.parametrize("role", ["dpo", "administrator"])
def test_roles_without_content_read_no_cases(client: TestClient, world: World, role: str) -> None:
    case_id = refer(client, world, "police")
    headers = bearer(world.token(f"{role}-1", role, agency="police"))
    assert client.get("/api/v1/cases", headers=headers).status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}", headers=headers).status_code == 404


def test_an_integration_reads_its_agencys_cases_within_its_scopes(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    system = bearer(world.token("police-system", agency="police", client=True,
                                scope="cases:read"))
    assert can_view(client, system, case_id)
    unscoped = bearer(world.token("police-system-2", agency="police", client=True, scope=""))
    assert not can_view(client, unscoped, case_id)
    write = client.post("/api/v1/cases", headers=system, json=referral_body())
    assert write.status_code == 403


def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    before = api_platform.marac.recorder.max_notification_id()
    body = referral_body(criteria={"professional_judgement_reason": ""})
    response = client.post("/api/v1/cases", headers=world.rep("police"), json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    no_victim = referral_body()
    no_victim["subjects"][0]["role"] = "child"
    response = client.post("/api/v1/cases", headers=world.rep("police"), json=no_victim)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_referral")
    assert "Quennevillexq" not in response.text
    assert api_platform.marac.recorder.max_notification_id() == before
