"""Edges of need-to-know found in review: areas, linked repeats, audit ordering, subject
access matching and redaction, integrations from Keycloak, retention of linked repeats."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.retention import run_retention
from audit.chain import record_hash
from audit.queries import AuditRecordRow, to_csv
from audit.trail import AuditTrail, AuditUnavailable
from security.identity import principal_from_claims
from tests.api.conftest import Clock, World, accept, bearer, refer, referral_body


def dpo(world: World) -> dict[str, str]:
    return bearer(world.token("dpo-1", "dpo"), purpose=None)


def test_break_glass_is_only_for_the_cases_own_area(client: TestClient, world: World) -> None:
    case_id = refer(client, world, "police")
    outsider = bearer(world.token("visitor", "representative", agency="health",
                                  area=world.other_area_id))
    response = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=outsider,
                           json={"reason": "Curious"})
    assert response.status_code == 404


def test_records_carry_the_cases_area_for_its_dpo(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    grantee = bearer(world.token("named-elsewhere", "representative", agency="health",
                                 area=world.other_area_id))
    assert client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                       json={"person": "named-elsewhere", "reason": "Worker moved"}
                       ).status_code == 201
    assert client.get(f"/api/v1/cases/{case_id}", headers=grantee).status_code == 200
    actors = [r["actor"] for r in client.get(f"/api/v1/audit/records?case_id={case_id}",
                                            headers=dpo(world)).json()["items"]]
    assert "named-elsewhere" in actors
    no_area = world.issuer.issue({"sub": "dpo-y", "roles": ["dpo"]})
    assert client.get("/api/v1/audit/records", headers=bearer(no_area, purpose=None)
                      ).status_code == 403


def test_a_dpo_query_by_case_includes_lists_and_searches_that_showed_it(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    client.get("/api/v1/cases", headers=world.rep("police"))
    client.get("/api/v1/search?surname=Quennevillexq&date_of_birth=1987-03-14",
               headers=world.rep("police"))
    actions = [r["action"] for r in client.get(f"/api/v1/audit/records?case_id={case_id}",
                                              headers=dpo(world)).json()["items"]]
    assert actions == ["create", "list", "search"]


def test_restricting_a_case_restricts_its_linked_repeats(client: TestClient, world: World) -> None:
    first = refer(client, world, "police")
    accept(client, world, first)
    repeat = refer(client, world, "idva")
    assert client.post(f"/api/v1/cases/{repeat}/decision", headers=world.coordinator(),
                       json={"outcome": "link_repeat", "existing_case_id": str(first)}
                       ).status_code == 204
    idva_view = client.get(f"/api/v1/cases/{repeat}", headers=world.rep("idva")).json()
    assert idva_view["summary"]["repeat_of"] is None  # it may not see the police case
    assert client.post(f"/api/v1/cases/{first}/restriction", headers=world.coordinator(),
                       json={"members": ["chair-9"], "reason": "Need to know"}).status_code == 204
    for headers in (world.rep("idva"), world.coordinator("coordinator-2")):
        assert client.get(f"/api/v1/cases/{repeat}", headers=headers).status_code == 404
        listed = client.get("/api/v1/cases", headers=headers).json()
        assert str(repeat) not in {i["case_id"] for i in listed["items"]}
    chair = bearer(world.token("chair-9", "chair", agency="police"))
    assert client.get(f"/api/v1/cases/{repeat}", headers=chair).status_code == 200


def test_a_write_whose_audit_fails_does_not_happen(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = refer(client, world, "police")

    def broken(self: AuditTrail, rec: object) -> int:
        raise AuditUnavailable("disk full")

    with monkeypatch.context() as m:
        m.setattr(AuditTrail, "record", broken)
        response = client.post(f"/api/v1/cases/{case_id}/break-glass",
                               headers=world.rep("housing"), json={"reason": "Emergency"})
        assert response.status_code == 503
        response = client.post("/api/v1/cases", headers=world.rep("police"),
                               json=referral_body(surname="Neverwrittenxq"))
        assert response.status_code == 503
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("housing")).status_code == 404
    found = client.get("/api/v1/search?surname=Neverwrittenxq&date_of_birth=1987-03-14",
                       headers=world.coordinator()).json()
    assert found["total"] == 0


def test_subject_access_needs_more_than_a_shared_name(client: TestClient, world: World) -> None:
    refer(client, world, "police")
    response = client.post("/api/v1/subject-access-requests", headers=dpo(world), json={
        "forenames": "Philippaxq", "surname": "Quennevillexq", "references": ["made-up-1"]})
    assert response.status_code == 201
    assert response.json()["cases"] == []


def test_subject_access_redacts_every_detail_of_other_people(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    body = referral_body()
    body["subjects"][0] |= {"forenames": "Mary Annxq", "safe_contact": "07700 900123"}
    body["incident_summary"] = ("Mary told police; Mary Annxq's phone 07700 900123 and "
                                "14/03/1987 were given.")
    created = client.post("/api/v1/cases", json=body, headers=world.rep("police"))
    case_id = UUID(created.json()["id"])
    package = client.post("/api/v1/subject-access-requests", headers=dpo(world), json={
        "forenames": "Dorianxq", "surname": "Marchbankxq", "date_of_birth": "1984-11-02"}).json()
    (case,) = package["cases"]
    assert case["case_id"] == str(case_id)
    for leaked in ("Mary", "Annxq", "07700 900123", "14/03/1987", "Quennevillexq"):
        assert leaked not in case["incident_summary"], leaked
    # An excluded DPO gets nothing of the case: another DPO must handle it.
    client.post(f"/api/v1/cases/{case_id}/exclusions", headers=world.coordinator(),
                json={"person": "dpo-1", "reason": "Related to the family"})
    again = client.post("/api/v1/subject-access-requests", headers=dpo(world), json={
        "forenames": "Dorianxq", "surname": "Marchbankxq", "date_of_birth": "1984-11-02"}).json()
    assert again["cases"] == []
    assert again["cases_withheld_for_exclusion"] == 1


def test_keycloak_service_accounts_are_integrations() -> None:
    principal = principal_from_claims({
        "sub": "4a1f6a3e-0000-4000-8000-000000000001", "azp": "police-case-system",
        "preferred_username": "service-account-police-case-system",
        "roles": ["coordinator"], "scope": "cases:read"})
    assert principal.kind == "integration"
    assert principal.roles == frozenset()


def test_a_linked_repeat_is_kept_as_long_as_its_case(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    first = refer(client, world, "police")
    accept(client, world, first)
    repeat = refer(client, world, "idva")
    client.post(f"/api/v1/cases/{repeat}/decision", headers=world.coordinator(),
                json={"outcome": "link_repeat", "existing_case_id": str(first)})
    client.post(f"/api/v1/cases/{repeat}/closure", headers=world.coordinator(),
                json={"reason": "Merged"})
    clock.at += timedelta(days=8 * 365)
    assert run_retention(api_platform, api_platform.marac.today()) == []
    client.post(f"/api/v1/cases/{first}/closure", headers=world.coordinator(),
                json={"reason": "Plan complete"})
    clock.at += timedelta(days=8 * 365)
    assert set(run_retention(api_platform, api_platform.marac.today())) == {first, repeat}


def test_csv_exports_neutralise_spreadsheet_tricks() -> None:
    text = to_csv([AuditRecordRow(
        seq=1, at="2026-01-01T00:00:00.000000+00:00", request_id="a\rb", actor="\t=cmd",
        actor_kind="person", agency_id=None, client_id=None, roles="", action="read_case",
        purpose=None, case_id=None, outcome="", item_ids="[]", area_id=None)])
    assert '"\'\t=cmd"' in text
    assert '"a\rb"' in text
    assert ',""' in text or text.rstrip().endswith('""')


def test_none_and_a_nul_string_hash_differently() -> None:
    assert record_hash(b"", 1, [None]) != record_hash(b"", 1, ["\x00"])


def test_a_member_from_another_area_finds_the_linked_repeat_in_lists(
    client: TestClient, world: World
) -> None:
    first = refer(client, world, "police")
    accept(client, world, first)
    repeat = refer(client, world, "idva")
    client.post(f"/api/v1/cases/{repeat}/decision", headers=world.coordinator(),
                json={"outcome": "link_repeat", "existing_case_id": str(first)})
    client.post(f"/api/v1/cases/{first}/restriction", headers=world.coordinator(),
                json={"members": ["visiting-chair"], "reason": "Need to know"})
    visitor = bearer(world.token("visiting-chair", "chair", area=world.other_area_id))
    listed = client.get("/api/v1/cases", headers=visitor).json()
    assert {i["case_id"] for i in listed["items"]} == {str(first), str(repeat)}
