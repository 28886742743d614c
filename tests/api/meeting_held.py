"""A meeting held, made through the API for tests of its minutes (tests/api, tests/web): two
cases heard, A referred by the police with health and housing invited, B referred by the IDVA
service with health invited; the coordinator, the police, health and housing attended (the
IDVA service did not), with disclosures of different audiences, risks and an action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import Clock, World, accept, refer

HELD = datetime(2026, 1, 22, 10, 0)
# What each reader may see of the meeting.
FOR_POLICE_ONLY = "Perpetrator crisis plan, for the police alone."
FOR_ALL_ON_A = "Three call-outs since November."
ON_B = "Rent arrears; landlord seeking possession."
RISK_ON_A = "Strangulation; escalating frequency."
ACTION_ON_A = "Fit target-hardening at the victim home."


@dataclass
class Meeting:
    meeting_id: UUID
    a: UUID
    b: UUID


def ok(response: Any, status: int = 204) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def held_meeting(client: TestClient, world: World, clock: Clock) -> Meeting:
    """A meeting with two cases heard, attended by the coordinator, the police, health and
    housing (not the IDVA service), made through the API."""
    coordinator = world.coordinator()
    agency = world.agencies
    a = refer(client, world, "police", surname="Ashdownxq")
    b = refer(client, world, "idva", surname="Brackleyxq")
    for case_id in (a, b):
        accept(client, world, case_id)
    meeting = UUID(ok(client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": "2026-01-22"}), 201)["id"])
    ok(client.post(f"/api/v1/meetings/{meeting}/agenda", headers=coordinator, json={
        "case_id": str(a), "invite": [str(agency["health"]), str(agency["housing"])]}))
    ok(client.post(f"/api/v1/meetings/{meeting}/agenda", headers=coordinator, json={
        "case_id": str(b), "invite": [str(agency["health"])]}))
    clock.at = HELD.replace(tzinfo=clock.at.tzinfo)
    for headers in (coordinator, world.rep("police"), world.rep("health"),
                    world.rep("housing")):
        statement = ok(client.get(f"/api/v1/meetings/{meeting}/confidentiality-statement",
                                  headers=headers), 200)
        ok(client.post(f"/api/v1/meetings/{meeting}/attendance", headers=headers, json={
            "acknowledge_confidentiality": True,
            "confidentiality_statement_version": statement["version"]}))
    ok(client.post(f"/api/v1/cases/{a}/information", headers=world.rep("health"), json={
        "kind": "disclosure", "text": FOR_POLICE_ONLY, "meeting_id": str(meeting),
        "audience": {"kind": "agencies", "agencies": [str(agency["police"])]}}), 201)
    ok(client.post(f"/api/v1/cases/{a}/information", headers=world.rep("police"), json={
        "kind": "disclosure", "text": FOR_ALL_ON_A, "meeting_id": str(meeting),
        "audience": {"kind": "whole_case"}}), 201)
    ok(client.post(f"/api/v1/cases/{b}/information", headers=world.rep("health"), json={
        "kind": "disclosure", "text": ON_B, "meeting_id": str(meeting),
        "audience": {"kind": "whole_case"}}), 201)
    ok(client.post(f"/api/v1/meetings/{meeting}/hearings", headers=coordinator, json={
        "case_id": str(a), "risks": [{"to": "victim", "description": RISK_ON_A}]}))
    ok(client.post(f"/api/v1/meetings/{meeting}/hearings", headers=coordinator, json={
        "case_id": str(b), "risks": [{"to": "children", "description": "None known."}]}))
    ok(client.post(f"/api/v1/cases/{a}/actions", headers=coordinator, json={
        "owner_agency_id": str(agency["housing"]), "description": ACTION_ON_A,
        "for_whom": "victim", "due_on": "2026-01-29", "meeting_id": str(meeting)}), 201)
    return Meeting(meeting, a, b)


