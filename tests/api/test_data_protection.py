"""The data protection officer's tools: audit queries and exports, break-glass review, the
record of processing, subject access, and retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.retention import run_retention
from audit.checkpoints import CheckpointLog
from audit.queries import AuditFilter, search
from audit.verify import verify
from domain.exceptions import CaseErased
from tests.api.conftest import Clock, World, accept, bearer, refer


def dpo(world: World) -> dict[str, str]:
    return bearer(world.token("dpo-1", "dpo"), purpose=None)


def test_the_dpo_sees_who_accessed_a_case_and_what_a_person_accessed(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police"))
    client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health"))
    by_case = client.get(f"/api/v1/audit/records?case_id={case_id}", headers=dpo(world)).json()
    assert [(r["actor"], r["action"], r["outcome"]) for r in by_case["items"]] == [
        ("police-rep", "create", "allowed"), ("police-rep", "read", "allowed"),
        ("health-rep", "read", "denied")]
    denied = client.get("/api/v1/audit/records?outcome=denied", headers=dpo(world)).json()
    assert [r["actor"] for r in denied["items"]] == ["health-rep"]
    mine = client.get("/api/v1/audit/records?actor=police-rep&action=read",
                      headers=dpo(world)).json()
    assert [r["case_id"] for r in mine["items"]] == [str(case_id)]
    assert client.get("/api/v1/audit/records", headers=world.coordinator()).status_code == 403


def test_the_checkpoint_public_key_is_published_and_verifies_without_a_secret(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    refer(client, world, "police")
    checkpoint = api_platform.checkpoints.issue()
    assert checkpoint is not None
    assert client.get("/api/v1/audit/keys").status_code == 401
    published = client.get("/api/v1/audit/keys", headers=world.rep("health")).json()["keys"]
    assert [k["key_id"] for k in published] == [checkpoint.key_id]
    trusted = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in published}
    assert verify(api_platform.audit, CheckpointLog(api_platform.audit), None, trusted).ok


def test_audit_exports_as_csv_and_json_and_are_audited(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    exported = client.get(f"/api/v1/audit/records?case_id={case_id}&format=csv",
                          headers=dpo(world))
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == ["create"]
    as_json = client.get(f"/api/v1/audit/records?case_id={case_id}&format=json",
                         headers=dpo(world))
    assert as_json.json()["items"][0]["case_id"] == str(case_id)
    assert [r["action"] for r in api_platform.audit.records()[-2:]] == ["export", "export"]


def test_break_glass_uses_await_review_and_a_decision_is_recorded_once(
    client: TestClient, world: World
) -> None:
    case_id = refer(client, world, "police")
    assert client.post(f"/api/v1/cases/{case_id}/break-glass", headers=world.rep("housing"),
                       json={"reason": "Victim at the office"}).status_code == 201
    pending = client.get("/api/v1/audit/break-glass", headers=dpo(world)).json()
    assert [(u["actor"], u["case_id"]) for u in pending] == [("housing-rep", str(case_id))]
    seq = pending[0]["seq"]
    review = client.post(f"/api/v1/audit/break-glass/{seq}/review", headers=dpo(world),
                         json={"decision": "justified", "note": "Checked"})
    assert review.status_code == 204
    assert client.get("/api/v1/audit/break-glass", headers=dpo(world)).json() == []
    every = client.get("/api/v1/audit/break-glass?status=all", headers=dpo(world)).json()
    assert every[0]["review_decision"] == "justified"
    unknown = client.post("/api/v1/audit/break-glass/999999/review", headers=dpo(world),
                          json={"decision": "justified", "note": "Checked"})
    assert (unknown.status_code, unknown.json()) == (404, {"code": "not_found",
                                                           "message": "Not found"})
    again = client.post(f"/api/v1/audit/break-glass/{seq}/review", headers=dpo(world),
                        json={"decision": "not_justified", "note": "Checked"})
    assert (again.status_code, again.json()["code"]) == (422, "invalid_review")


def test_the_record_of_processing_comes_from_configuration(
    client: TestClient, world: World
) -> None:
    record = client.get("/api/v1/record-of-processing", headers=dpo(world)).json()
    assert {r["name"] for r in record["recipients"]} >= {"Police", "Idva", "Health"}
    assert {r["retention_months_after_closure"] for r in record["retention"]} == {84}
    assert "victim" in record["categories_of_data_subjects"]
    admin = bearer(world.token("admin-1", "administrator"), purpose=None)
    assert client.get("/api/v1/record-of-processing", headers=admin).status_code == 200
    assert client.get("/api/v1/record-of-processing",
                      headers=world.rep("police")).status_code == 403


def test_subject_access_assembles_the_subjects_data_and_redacts_others(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    client.post(f"/api/v1/cases/{case_id}/information", headers=world.rep("police"),
                json={"kind": "disclosure", "text": "Dorianxq Marchbankxq threatened Philippaxq",
                      "audience": {"kind": "whole_case"}})
    refer(client, world, "police", surname="Someoneelsexq")
    response = client.post("/api/v1/subject-access-requests", headers=dpo(world), json={
        "forenames": "Philippaxq", "surname": "Quennevillexq", "date_of_birth": "1987-03-14"})
    assert response.status_code == 201, response.text
    package = response.json()
    assert [c["case_id"] for c in package["cases"]] == [str(case_id)]
    case = package["cases"][0]
    assert [r["surname"] for r in case["your_records"]] == ["Quennevillexq"]
    assert case["information"][0]["text"] == "[redacted] [redacted] threatened Philippaxq"
    assert case["information"][0]["author"] == "[staff]"
    assert "Marchbankxq" not in response.text
    last = api_platform.audit.records()[-1]
    assert (last["action"], last["purpose"]) == ("subject_access", "subject_access")
    assert str(case_id) in str(last["item_ids"])
    assert "Quennevillexq" not in str(api_platform.audit.records())


def test_retention_erases_a_case_once_its_period_after_closure_ends(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    open_case = refer(client, world, "idva")
    accept(client, world, case_id)
    assert client.post(f"/api/v1/cases/{case_id}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced; plan completed"}).status_code == 204
    clock.at += timedelta(days=7 * 365)  # 84 months less a day or two
    assert run_retention(api_platform, api_platform.marac.today()) == []
    clock.at += timedelta(days=3)
    assert run_retention(api_platform, api_platform.marac.today()) == [case_id]
    with pytest.raises(CaseErased):
        api_platform.marac.get_case(case_id)
    assert api_platform.cases.access([case_id]) == {}
    assert api_platform.cases.access([open_case])
    erasure = api_platform.audit.records(case_id)[-1]
    assert (erasure["actor"], erasure["action"]) == ("system:retention", "erase")
    # The DPO still finds the erased case's whole history, through its mentions.
    by_case = [r.seq for r in search(api_platform.audit, AuditFilter(case_id=case_id))]
    assert {r["seq"] for r in api_platform.audit.records(case_id)} <= set(by_case)
    assert by_case[-1] == erasure["seq"]
    assert verify(api_platform.audit, api_platform.checkpoints, None).ok
