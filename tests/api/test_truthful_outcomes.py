"""The audit trail records a write's outcome as it is: a command the domain refuses reads as
refused, with its rule's code, never as allowed; a write whose record fails is not saved."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from audit.trail import AuditRecord, AuditTrail, AuditUnavailable
from storage.transient import StorageBusy
from tests.api.conftest import Clock, World, bearer, refer


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


def test_a_decision_whose_save_fails_after_its_record_is_recorded_as_failed_too(
        client: TestClient, world: World, api_platform: Platform,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = refer(client, world, "police")
    recorder = api_platform.marac.recorder

    def busy(*_: object, **__: object) -> None:
        raise StorageBusy  # the event store's write lock not had in time, after the record

    monkeypatch.setattr(recorder, "insert_events", busy)
    failed = client.post(f"/api/v1/cases/{case_id}/decision", headers=world.coordinator(),
                         json={"outcome": "accept"})
    assert (failed.status_code, failed.json()["code"]) == (503, "storage_busy")
    monkeypatch.undo()
    assert status(client, world, case_id) == "referred"
    # the decision was allowed and recorded before its save; the save then failed, and says so
    assert decisions(api_platform, case_id) == [("allowed", []), ("failed", [])]
    records = [r for r in api_platform.audit.records(case_id) if r["action"] == "decide"]
    assert records[0]["request_id"] == records[1]["request_id"]


def dpo(world: World) -> dict[str, str]:
    return bearer(world.token("dpo-1", "dpo"), purpose=None)


def test_a_break_glass_the_domain_refuses_is_no_use_awaiting_review(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world, "police")
    blank = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=world.rep("housing"),
                        json={"reason": "   "})
    assert (blank.status_code, blank.json()["code"]) == (422, "invalid_access_change")
    assert [(r["action"], r["outcome"]) for r in api_platform.audit.records(case_id)][-1:] == [
        ("break_glass", "refused")]
    assert client.get("/api/v1/audit/break-glass", headers=dpo(world)).json() == []


def test_the_break_glass_reason_reaches_the_dpo_and_that_read_is_audited(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    case_id = refer(client, world, "police")
    clock.advance(minutes=5)
    opened = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=world.rep("housing"),
                         json={"reason": "Victim at the housing office now", "minutes": 30})
    assert opened.status_code == 201, opened.text
    clock.advance(hours=2)
    again = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=world.rep("housing"),
                        json={"reason": "Back again, police called"})
    assert again.status_code == 201, again.text
    uses = client.get("/api/v1/audit/break-glass", headers=dpo(world)).json()
    assert [(u["actor"], u["reason"]) for u in uses] == [
        ("housing-rep", "Victim at the housing office now"),
        ("housing-rep", "Back again, police called")]
    first = uses[0]
    assert (datetime.fromisoformat(first["expires_at"])
            - datetime.fromisoformat(first["opened_at"])) == timedelta(minutes=30)
    read = api_platform.audit.records()[-1]
    assert (read["action"], read["outcome"], read["purpose"]) == (
        "audit_query", "allowed", "break_glass_review")
    assert json.loads(read["item_ids"]) == [str(u["seq"]) for u in uses]
