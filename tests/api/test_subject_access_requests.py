"""Subject access end to end over HTTP (/api/v1/subject-access/requests): the DPO records,
verifies, assembles, withholds more, confirms and releases a PDF naming no one else; others
are refused; bad input is a 4xx that says what is wrong."""

from __future__ import annotations

import io
from uuid import uuid4

from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.api.conftest import World, accept, bearer, refer

BASE = "/api/v1/subject-access/requests"


def dpo(world: World, sub: str = "dpo-1") -> dict[str, str]:
    return bearer(world.token(sub, "dpo"), purpose=None)


def test_the_dpo_takes_a_request_from_record_to_released_pdf(
    client: TestClient, world: World,
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    client.post(f"/api/v1/cases/{case_id}/information", headers=world.rep("police"),
                json={"kind": "disclosure", "audience": {"kind": "whole_case"},
                      "text": "Dorianxq Marchbankxq threatened Philippaxq at the Crownxq pub"})
    created = client.post(BASE, headers=dpo(world), json={
        "forenames": "Philippaxq", "surname": "Quennevillexq", "date_of_birth": "1987-03-14",
        "received_on": "2026-01-05"})
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    early = client.post(f"{BASE}/{request_id}/drafts", headers=dpo(world), json={})
    assert (early.status_code, early.json()["code"]) == (
        422, "subject_access_identity_not_verified")
    assert client.post(f"{BASE}/{request_id}/identity", headers=dpo(world),
                       json={"how": "Passport seen"}).status_code == 204
    draft = client.post(f"{BASE}/{request_id}/drafts", headers=dpo(world), json={})
    assert draft.status_code == 201, draft.text
    assert draft.json()["cases"][0]["information"][0]["text"] == (
        "[redacted] [redacted] threatened Philippaxq at the Crownxq pub")
    assert {(r["text"], r["reason"]) for r in draft.json()["redactions"]} >= {
        ("dorianxq", "third_party"), ("marchbankxq", "third_party")}
    assert client.post(f"{BASE}/{request_id}/redactions", headers=dpo(world), json={
        "text": "the Crownxq pub", "reason": "serious_harm",
        "note": "Where she now works"}).status_code == 204
    stale = client.post(f"{BASE}/{request_id}/confirmation", headers=dpo(world),
                        json={"version": 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "subject_access_draft_changed")
    view = client.get(f"{BASE}/{request_id}", headers=dpo(world)).json()
    assert (view["summary"]["status"], view["summary"]["due_on"], view["draft"]["version"]) == (
        "in_review", "2026-02-05", 2)
    assert client.post(f"{BASE}/{request_id}/confirmation", headers=dpo(world),
                       json={"version": 2}).status_code == 204
    released = client.post(f"{BASE}/{request_id}/release", headers=dpo(world))
    assert released.status_code == 201, released.text
    assert released.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(released.content)).pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Philippaxq" in text
    for name in ("Dorianxq", "Marchbankxq", "Crownxq"):
        assert name not in text
    again = client.get(f"{BASE}/{request_id}/release.pdf", headers=dpo(world))
    assert again.content == released.content
    listed = client.get(BASE, headers=dpo(world)).json()
    assert [(r["request_id"], r["status"]) for r in listed] == [(request_id, "released")]
    twice = client.post(f"{BASE}/{request_id}/release", headers=dpo(world))
    assert (twice.status_code, twice.json()["code"]) == (409, "subject_access_already_released")


def test_others_are_refused_and_bad_input_is_a_clear_4xx(
    client: TestClient, world: World,
) -> None:
    body = {"surname": "Quennevillexq", "date_of_birth": "1987-03-14"}
    assert client.post(BASE, headers=world.coordinator(), json=body).status_code == 403
    assert client.get(BASE, headers=world.rep("police")).status_code == 403
    request_id = client.post(BASE, headers=dpo(world), json=body).json()["request_id"]
    elsewhere = bearer(world.token("dpo-9", "dpo", area=world.other_area_id), purpose=None)
    assert client.get(f"{BASE}/{request_id}", headers=elsewhere).status_code == 404
    assert client.get(f"{BASE}/{uuid4()}", headers=dpo(world)).status_code == 404
    no_dob = client.post(BASE, headers=dpo(world), json={"surname": "Quennevillexq"})
    assert (no_dob.status_code, no_dob.json()["code"]) == (
        422, "invalid_subject_access_request")
    reason = client.post(f"{BASE}/{request_id}/redactions", headers=dpo(world),
                         json={"text": "x y", "reason": "because"})
    assert reason.status_code == 422
    far = client.post(f"{BASE}/{request_id}/extension", headers=dpo(world),
                      json={"due_on": "2027-01-01", "reason": "Complex"})
    assert (far.status_code, far.json()["code"]) == (422, "invalid_subject_access_request")
    not_yet = client.get(f"{BASE}/{request_id}/release.pdf", headers=dpo(world))
    assert not_yet.status_code == 404
