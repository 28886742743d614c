"""Auditing fails closed; demo identity exists only in demo mode."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.demo import seed_demo
from api.settings import Settings
from audit.trail import AuditTrail, AuditUnavailable
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.database import Database
from storage.migrations import upgrade
from tests.api.conftest import World, refer
from tests.integration.raw import holding_the_audit_head


def test_each_request_to_case_data_leaves_one_audit_record(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world)
    before = api_platform.audit.count()
    client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police"))
    client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health"))  # denied
    client.get("/api/v1/cases", headers=world.rep("police"))
    records = api_platform.audit.records()[-3:]
    assert api_platform.audit.count() == before + 3
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("read", "allowed"), ("read", "denied"), ("list", "allowed")]
    assert records[0]["purpose"] == "research"
    assert str(case_id) == records[1]["case_id"]
    assert "Quennevillexq" not in str(api_platform.audit.records())


def test_a_failed_audit_write_fails_the_read_with_no_content(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = refer(client, world)

    def broken(self: AuditTrail, batch: object) -> list[int]:
        raise AuditUnavailable("disk full")

    # Where every append ends, on the request's thread or the trail's own (a read's).
    monkeypatch.setattr(AuditTrail, "_append", broken)
    response = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police"))
    assert response.status_code == 503
    assert response.json()["code"] == "audit_unavailable"
    assert "Quennevillexq" not in response.text
    assert "Philippaxq" not in response.text


def test_a_read_is_answered_only_once_its_record_is_committed(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    """A read's append runs while its response is built; the response still waits for it."""
    case_id = refer(client, world)
    before = api_platform.audit.count()
    answers: list[Any] = []
    reader = threading.Thread(target=lambda: answers.append(
        client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police"))))
    with holding_the_audit_head(api_platform):
        reader.start()
        reader.join(timeout=0.5)
        assert answers == []  # nothing left while the record could not be committed
    reader.join()
    assert answers[0].status_code == 200
    assert api_platform.audit.count() == before + 1


@pytest.fixture
def demo_client(tmp_path: Path) -> Iterator[TestClient]:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    seed_demo(platform.marac)
    platform.runner.catch_up()
    with TestClient(create_app(platform)) as c:
        yield c
    platform.close()


def test_demo_personas_get_tokens_that_the_api_accepts(demo_client: TestClient) -> None:
    personas = {p["name"]: p for p in demo_client.get("/dev/personas").json()}
    assert {"police-officer", "idva", "health-rep", "housing-officer", "social-worker",
            "probation-officer", "hp-expert", "coordinator", "chair", "dpo"} <= set(personas)

    def cases_for(name: str) -> int:
        token = demo_client.post("/dev/token", json={"persona": name}).json()["access_token"]
        response = demo_client.get("/api/v1/cases",
                                   headers={"Authorization": f"Bearer {token}"})
        return int(response.json()["total"]) if response.status_code == 200 else -1

    assert cases_for("coordinator") == 5  # it restricted the HBA case, so it is a member
    assert cases_for("chair") == 5  # a named member of the restricted case
    assert cases_for("police-officer") == 3  # its two referrals and the HBA case it is on
    assert cases_for("hp-expert") == 1  # only the case it advises on
    assert cases_for("health-rep") == 1  # its agency owns an action on the accepted case
    # The same one: excluded from the HBA case, whatever its agency may see.
    assert cases_for("hospital-employee") == 1
    assert cases_for("dpo") == -1
    assert cases_for("performance-officer") == -1  # reports only

    def exact_report(name: str) -> int:
        token = demo_client.post("/dev/token", json={"persona": name}).json()["access_token"]
        return demo_client.get("/api/v1/reports/indicators", headers={
            "Authorization": f"Bearer {token}"}, params={
                "start": "2026-01-01", "end": "2026-12-31", "disclosure": "exact"}).status_code

    # The MARRAC area beside Demoshire: its team leader and two case co-ordinators, whose
    # area has no case yet (one is referred there and worked from the start).
    marrac = {p["area_id"] for n, p in personas.items()
              if n in ("team-leader", "case-coordinator-1", "case-coordinator-2",
                       "marrac-police-officer")}
    assert len(marrac) == 1
    assert marrac != {personas["coordinator"]["area_id"]}
    assert personas["team-leader"]["roles"] == ["team_leader"]
    assert personas["case-coordinator-2"]["roles"] == ["case_coordinator"]
    assert cases_for("team-leader") == 0
    assert cases_for("case-coordinator-1") == 0

    assert exact_report("performance-officer") == 200
    assert exact_report("coordinator") == 403
    assert demo_client.post("/dev/token", json={"persona": "nobody"}).status_code == 404


def test_demo_identity_is_absent_without_demo_mode(
    tmp_path: Path, key_material: KeyMaterial
) -> None:
    issuer = LocalIssuer()
    key_material.demo = False
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.database_url)
    upgrade(database)  # as an operator does before the first start (demo mode does it itself)
    database.close()
    platform = build_platform(settings, material=key_material, issuer=issuer)
    try:
        with TestClient(create_app(platform)) as c:
            for method, path in (("GET", "/dev/personas"), ("POST", "/dev/token"),
                                 ("GET", "/dev/jwks.json")):
                response = c.request(method, path, json={"persona": "coordinator"})
                assert response.status_code == 404
                assert response.json() == {"code": "not_found", "message": "Not found"}
    finally:
        platform.close()


def test_outside_demo_mode_an_identity_provider_is_required(
    tmp_path: Path, key_material: KeyMaterial
) -> None:
    from security.errors import KeyConfigurationError  # noqa: PLC0415

    key_material.demo = False
    with pytest.raises(KeyConfigurationError, match="MARAC_OIDC_ISSUER"):
        build_platform(Settings(data_dir=tmp_path), material=key_material)


def test_integration_clients_get_tokens_by_client_credentials(demo_client: TestClient) -> None:
    client = next(p for p in demo_client.get("/dev/personas").json() if p["kind"] ==
                  "integration")
    form = {"grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"], "scope": "cases:read"}
    response = demo_client.post("/dev/oauth/token", data=form)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    cases = demo_client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert cases.status_code == 200
    assert cases.json()["total"] == 2  # the two non-restricted cases police referred
    basic = demo_client.post("/dev/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client["client_id"], client["client_secret"]))
    assert basic.status_code == 200
    wrong = demo_client.post("/dev/oauth/token", data={**form, "client_secret": "guess"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_client")
    greedy = demo_client.post("/dev/oauth/token", data={**form, "scope": "cases:write"})
    assert (greedy.status_code, greedy.json()["code"]) == (400, "invalid_scope")
