"""The audit trail records a write's outcome as it is: a command the domain refuses reads as
refused, with its rule's code, never as allowed; a write whose record fails is not saved."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from audit.trail import AuditRecord, AuditTrail, AuditUnavailable
from tests.api.conftest import World, refer


def decisions(platform: Platform, case_id: UUID) -> list[tuple[str, list[str]]]:
    return [(r["outcome"], json.loads(r["item_ids"]))
            for r in platform.audit.records(case_id) if r["action"] == "decide"]


def status(client: TestClient, world: World, case_id: UUID) -> str:
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).json()
    return str(view["summary"]["status"])


def test_a_decline_the_domain_refuses_is_recorded_as_refused_with_its_code(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world, "police", yes=14)
    lowered = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                          json={"outcome": "decline", "reason": "Judged lower"})
    assert (lowered.status_code, lowered.json()["code"]) == (422,
                                                             "cannot_lower_mandatory_criterion")
    assert decisions(api_platform, case_id) == [
        ("refused", ["code:cannot_lower_mandatory_criterion"])]
    assert status(client, world, case_id) == "referred"


def test_a_decision_taken_is_recorded_allowed_once(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world, "police")
    taken = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                        json={"outcome": "accept"})
    assert taken.status_code == 204, taken.text
    assert decisions(api_platform, case_id) == [("allowed", [])]
    assert status(client, world, case_id) == "accepted"


def test_a_decision_whose_record_fails_is_not_saved(
        client: TestClient, world: World, api_platform: Platform,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = refer(client, world, "police")
    real = AuditTrail.record

    def broken_for_decisions(self: AuditTrail, rec: AuditRecord) -> int:
        if rec.action == "decide":
            raise AuditUnavailable("disk full")
        return real(self, rec)

    monkeypatch.setattr(AuditTrail, "record", broken_for_decisions)
    failed = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                         json={"outcome": "accept"})
    assert (failed.status_code, failed.json()["code"]) == (503, "audit_unavailable")
    monkeypatch.setattr(AuditTrail, "record", real)
    assert status(client, world, case_id) == "referred"
    assert decisions(api_platform, case_id) == []

