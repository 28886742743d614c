"""End to end through the HTTP API with real tokens: a stand-alone 'honour'-based-abuse hearing
with an expert agency and an excluded hospital employee whose agency is otherwise involved.
The employee sees nothing of it, in any list, count or agenda; the expert agency sees only the
case it advises on."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import Clock, World, accept, bearer, referral_body

HBA = {"honour_based_abuse": True, "visible_high_risk": True}


def ok(response: Any, status: int = 204) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def refer(client: TestClient, headers: dict[str, str], surname: str, forename: str,
          born: str, **changes: Any) -> UUID:
    body = referral_body(surname=surname, **changes)
    body["subjects"][0] = {**body["subjects"][0], "forenames": forename, "date_of_birth": born}
    return UUID(ok(client.post("/api/v1/cases", json=body, headers=headers), 201)["id"])


def test_a_stand_alone_hearing_shows_nothing_to_an_excluded_employee(
    client: TestClient, world: World, clock: Clock
) -> None:
    coordinator = world.coordinator()
    agency = world.agencies
    # The hospital's safeguarding lead is named; a nurse there is the victim's cousin.
    lead = bearer(world.token("health-safeguarding-lead", "representative", agency="health"))
    cousin = bearer(world.token("health-cousin", "representative", agency="health"))
    colleague = world.rep("health")  # the hospital's usual MARAC representative
    expert = world.rep("hpx")
    police = world.rep("police")

    # Two 'honour'-based-abuse cases, one referred by the hospital; one ordinary case.
    h1 = refer(client, colleague, "Karimxq", "Samirahxq", "1999-02-11", criteria=HBA)
    h2 = refer(client, police, "Dervishxq", "Elifxq", "2001-07-04", criteria=HBA)
    ordinary = refer(client, police, "Ordinaryxq", "Ellaxq", "1980-01-01")
    for case_id in (h1, h2, ordinary):
        accept(client, world, case_id)
    ok(client.post(f"/api/v1/cases/{h1}/exclusions", headers=coordinator,
                   json={"person": "health-cousin", "reason": "Relative of the victim"}))

    # The area hears these cases only in a closed hearing.
    monthly = UUID(ok(client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": "2026-02-19"}), 201)["id"])
    refused = client.post(f"/api/v1/meetings/{monthly}/agenda", headers=coordinator,
                          json={"case_id": str(h1)})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_meeting_change")
    ok(client.post(f"/api/v1/meetings/{monthly}/agenda", headers=coordinator,
                   json={"case_id": str(ordinary), "invite": [str(agency["health"])]}))
    members = ["chair-1", "police-rep", "idva-rep", "health-safeguarding-lead"]
    hearing = UUID(ok(client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "harmful_practices", "held_on": "2026-01-29", "members": members}), 201)["id"])
    assert client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": "2026-01-30", "members": members}).status_code == 422
    # The expert agency advises on h1 only.
    ok(client.post(f"/api/v1/meetings/{hearing}/agenda", headers=coordinator,
                   json={"case_id": str(h1), "invite": [str(agency["hpx"])]}))
    ok(client.post(f"/api/v1/meetings/{hearing}/agenda", headers=coordinator,
                   json={"case_id": str(h2)}))

    def status(headers: dict[str, str], path: str) -> int:
        code: int = client.get(path, headers=headers).status_code
        return code

    # Named members see both cases and the whole hearing.
    for headers in (coordinator, police, lead):
        assert status(headers, f"/api/v1/cases/{h1}") == 200
        assert status(headers, f"/api/v1/cases/{h2}") == 200
        rows = ok(client.get(f"/api/v1/meetings/{hearing}/agenda", headers=headers), 200)
        assert {r["case_id"] for r in rows} == {str(h1), str(h2)}
    # The expert agency sees the case it advises on, and nothing else of the hearing.
    assert status(expert, f"/api/v1/cases/{h1}") == 200
    assert status(expert, f"/api/v1/cases/{h2}") == 404
    assert [r["case_id"] for r in ok(client.get(f"/api/v1/meetings/{hearing}/agenda",
                                                headers=expert), 200)] == [str(h1)]
    # The hospital referred h1, but restriction wins over involvement: its usual rep, not
    # named, sees nothing either.
    assert status(colleague, f"/api/v1/cases/{h1}") == 404

    # The hearing itself: research by the expert agency, risks, an action for it.
    ok(client.post(f"/api/v1/meetings/{hearing}/research-requests", headers=coordinator,
                   json={"case_id": str(h1), "agencies": [str(agency["hpx"])],
                         "due_on": "2026-01-27"}))
    note = ok(client.post(f"/api/v1/cases/{h1}/information", headers=expert, json={
        "kind": "research_note", "text": "Family pressure to travel abroad for marriage.",
        "audience": {"kind": "coordinators"}, "meeting_id": str(hearing)}), 201)["id"]
    clock.at = datetime(2026, 1, 29, 10, 0, tzinfo=clock.at.tzinfo)
    for headers in (coordinator, police, lead, expert):
        ok(client.post(f"/api/v1/meetings/{hearing}/attendance", headers=headers,
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": 1}))
    ok(client.post(f"/api/v1/cases/{h1}/information/{note}/release", headers=expert,
                   json={"audience": {"kind": "whole_case"}}))
    ok(client.post(f"/api/v1/meetings/{hearing}/hearings", headers=coordinator, json={
        "case_id": str(h1), "risks": [{"to": "victim", "description": "Forced marriage."}]}))
    ok(client.post(f"/api/v1/cases/{h1}/actions", headers=coordinator, json={
        "owner_agency_id": str(agency["hpx"]), "for_whom": "victim", "due_on": "2026-02-05",
        "description": "Forced Marriage Protection Order advice.",
        "meeting_id": str(hearing)}), 201)
    expert_minutes = ok(client.get(f"/api/v1/meetings/{hearing}/minutes/{h1}",
                                   headers=expert), 200)
    assert [i["kind"] for i in expert_minutes["information"]] == ["research_note"]
    assert status(expert, f"/api/v1/meetings/{hearing}/minutes/{h2}") == 404

    # The excluded employee: nothing, anywhere. Not the cases, not the hearing, not a count.
    for path in (f"/api/v1/cases/{h1}", f"/api/v1/cases/{h2}",
                 f"/api/v1/meetings/{hearing}", f"/api/v1/meetings/{hearing}/agenda",
                 f"/api/v1/meetings/{hearing}/review",
                 f"/api/v1/meetings/{hearing}/minutes/{h1}"):
        answer = client.get(path, headers=cousin)
        assert answer.status_code == 404, path
        assert answer.json() == {"code": "not_found", "message": "Not found"}
    listed = ok(client.get("/api/v1/cases", headers=cousin), 200)
    assert {i["case_id"] for i in listed["items"]} == {str(ordinary)}
    assert listed["total"] == 1
    for surname, born in (("Karimxq", "1999-02-11"), ("Dervishxq", "2001-07-04")):
        params = {"surname": surname, "date_of_birth": born}
        assert ok(client.get("/api/v1/search", headers=lead, params=params), 200)["total"] == 1
        found = ok(client.get("/api/v1/search", headers=cousin, params=params), 200)
        assert found == {"items": [], "total": 0, "next_cursor": None}
    # Her next meeting is the monthly one, although the closed hearing comes first.
    upcoming = ok(client.get("/api/v1/meetings/next", headers=cousin), 200)
    assert upcoming["meeting_id"] == str(monthly)
    assert [r["case_id"] for r in upcoming["agenda"]] == [str(ordinary)]
    assert ok(client.get("/api/v1/actions", headers=cousin), 200) == []
    assert ok(client.get("/api/v1/research-requests", headers=cousin), 200) == []
    # And nothing she might try to write reveals it either.
    assert client.post(f"/api/v1/meetings/{hearing}/attendance", headers=cousin,
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": 1}).status_code == 404
    assert client.post(f"/api/v1/cases/{h1}/information", headers=cousin, json={
        "kind": "note", "text": "x", "audience": {"kind": "whole_case"}}).status_code == 404
    assert client.post(f"/api/v1/cases/{h1}/break-glass", headers=cousin,
                       json={"reason": "Emergency"}).status_code == 404
