"""End to end through the HTTP API with real tokens: a monthly MARAC with several cases, one
of them a repeat, from referrals through agenda, research, hearing, minutes and actions (one
completed, one overdue and escalated, one changed circumstance) to closure, checking at each
step what each agency can and cannot see."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.actions import escalate_overdue
from api.bootstrap import Platform
from tests.api.conftest import Clock, World, accept, referral_body

CHILD = {"role": "child", "forenames": "Robinxq", "surname": "Ashdownxq",
         "date_of_birth": "2019-05-01"}


def ok(response: Any, status: int = 204) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def sees(client: TestClient, headers: dict[str, str], case_id: UUID) -> bool:
    status = client.get(f"/api/v1/cases/{case_id}", headers=headers).status_code
    assert status in (200, 404)
    return status == 200


def texts(client: TestClient, headers: dict[str, str], case_id: UUID) -> set[str]:
    view = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers), 200)
    return {i["text"] for i in view["items"]}


def test_a_monthly_marac_from_referral_to_closure(
    client: TestClient, world: World, clock: Clock, api_platform: Platform
) -> None:
    coordinator = world.coordinator()
    police, idva, health, housing, hpx = (world.rep(a) for a in
                                          ("police", "idva", "health", "housing", "hpx"))
    agency = world.agencies

    # Referrals: A from the police (a child in the household), B from the IDVA service.
    body_a = referral_body(surname="Ashdownxq")
    body_a["subjects"] = [*body_a["subjects"], CHILD]
    a = UUID(ok(client.post("/api/v1/cases", json=body_a, headers=police), 201)["id"])
    body_b = referral_body(surname="Brackleyxq")
    body_b["subjects"][0] = {**body_b["subjects"][0], "forenames": "Imogenxq",
                             "date_of_birth": "1991-08-30"}
    b = UUID(ok(client.post("/api/v1/cases", json=body_b, headers=idva), 201)["id"])
    for case_id in (a, b):
        accept(client, world, case_id)
    assert sees(client, police, a)
    assert not sees(client, police, b)
    assert not sees(client, housing, a)
    assert not sees(client, health, a)

    # The agenda: B listed first, but the area hears children's cases first.
    meeting = UUID(ok(client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": "2026-01-22"}), 201)["id"])
    ok(client.post(f"/api/v1/meetings/{meeting}/agenda", headers=coordinator,
                   json={"case_id": str(b), "invite": [str(agency["health"])]}))
    ok(client.post(f"/api/v1/meetings/{meeting}/agenda", headers=coordinator, json={
        "case_id": str(a), "invite": [str(agency[x]) for x in ("health", "housing", "idva")]}))

    def agenda(headers: dict[str, str]) -> list[str]:
        rows = ok(client.get(f"/api/v1/meetings/{meeting}/agenda", headers=headers), 200)
        return [r["case_id"] for r in rows]

    assert agenda(coordinator) == [str(a), str(b)]
    assert agenda(health) == [str(a), str(b)]
    assert agenda(housing) == [str(a)]  # not invited to B's hearing
    assert agenda(hpx) == []  # no case of theirs, and nothing else shows
    assert sees(client, housing, a)
    assert not sees(client, housing, b)
    # Each case by its victim's initials and year of birth, for those who may see it.
    assert ok(client.get("/api/v1/meetings/next", headers=housing), 200)["agenda"] == [
        {"position": 1, "case_id": str(a), "label": "P.A. 1987", "children": True,
         "honour_based_abuse": False}]

    # Research: requested from the invited agencies; notes seen by the coordinators only.
    ok(client.post(f"/api/v1/meetings/{meeting}/research-requests", headers=coordinator,
                   json={"case_id": str(a), "due_on": "2026-01-20",
                         "agencies": [str(agency["health"]), str(agency["housing"])]}))
    ok(client.post(f"/api/v1/meetings/{meeting}/research-requests", headers=coordinator,
                   json={"case_id": str(b), "due_on": "2026-01-20",
                         "agencies": [str(agency["health"])]}))
    refused = client.post(f"/api/v1/meetings/{meeting}/research-requests",
                          headers=coordinator, json={"case_id": str(b), "due_on": "2026-01-20",
                                                     "agencies": [str(agency["housing"])]})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_hearing_change")
    todo = ok(client.get("/api/v1/research-requests", headers=health), 200)
    assert {(r["case_id"], r["answered"]) for r in todo} == {(str(a), False), (str(b), False)}

    def outstanding(query: str = "") -> set[tuple[str | None, ...]]:
        rows = ok(client.get(f"/api/v1/research-requests/outstanding{query}",
                             headers=coordinator), 200)
        assert {(r["meeting_id"], r["held_on"], r["requested_on"]) for r in rows} <= {
            (str(meeting), "2026-01-22", "2026-01-12")}
        return {(r["label"], r["agency_name"], r["agency_code"], r["status"]) for r in rows}

    # The coordinators chase every agency's research, by case label and agency name.
    assert outstanding() == {("P.A. 1987", "Health", "health", "requested"),
                             ("P.A. 1987", "Housing", "housing", "requested"),
                             ("I.B. 1991", "Health", "health", "requested")}
    assert outstanding(f"?agency_id={agency['housing']}") == {
        ("P.A. 1987", "Housing", "housing", "requested")}
    refused = client.get("/api/v1/research-requests/outstanding", headers=housing)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    research = ok(client.post(f"/api/v1/cases/{a}/information", headers=health, json={
        "kind": "research_note", "text": "GP: victim seen twice with injuries.",
        "audience": {"kind": "coordinators"}, "meeting_id": str(meeting)}), 201)["id"]
    too_wide = client.post(f"/api/v1/cases/{a}/information", headers=housing, json={
        "kind": "research_note", "text": "Housing: rent arrears.",
        "audience": {"kind": "whole_case"}, "meeting_id": str(meeting)})
    assert too_wide.status_code == 422
    assert "GP: victim seen twice with injuries." in texts(client, coordinator, a)
    assert "GP: victim seen twice with injuries." in texts(client, health, a)
    for outsider in (police, housing, idva):
        assert "GP: victim seen twice with injuries." not in texts(client, outsider, a)
    todo = ok(client.get("/api/v1/research-requests", headers=health), 200)
    assert {(r["case_id"], r["answered"]) for r in todo} == {(str(a), True), (str(b), False)}
    assert outstanding() == {("P.A. 1987", "Housing", "housing", "requested"),
                             ("I.B. 1991", "Health", "health", "requested")}
    assert outstanding("?status=answered") == {("P.A. 1987", "Health", "health", "answered")}
    assert [r["case_id"] for r in ok(client.get("/api/v1/research-requests",
                                                headers=housing), 200)] == [str(a)]
    # Another agency may not release health's research.
    assert client.post(f"/api/v1/cases/{a}/information/{research}/release", headers=housing,
                       json={"audience": {"kind": "whole_case"}}).status_code == 404

    # The meeting: attendance, research released, disclosures with audiences, risks.
    clock.at = datetime(2026, 1, 22, 10, 0, tzinfo=clock.at.tzinfo)
    # Research not done by its due day (the 20th) is overdue by the meeting's.
    assert outstanding("?status=overdue") == {("P.A. 1987", "Housing", "housing", "overdue"),
                                              ("I.B. 1991", "Health", "health", "overdue")}
    for headers in (coordinator, police, health, housing, idva):
        # Each reads the statement (the chair reads it aloud) and acknowledges its version.
        statement = ok(client.get(f"/api/v1/meetings/{meeting}/confidentiality-statement",
                                  headers=headers), 200)
        ok(client.post(f"/api/v1/meetings/{meeting}/attendance", headers=headers,
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": statement["version"]}))
    ok(client.post(f"/api/v1/cases/{a}/information/{research}/release", headers=health,
                   json={"audience": {"kind": "whole_case"}}))
    narrower = client.post(f"/api/v1/cases/{a}/information/{research}/release", headers=health,
                           json={"audience": {"kind": "coordinators"}})
    assert narrower.status_code == 422
    ok(client.post(f"/api/v1/cases/{a}/information", headers=health, json={
        "kind": "disclosure", "text": "Perpetrator's mental health crisis plan.",
        "audience": {"kind": "agencies", "agencies": [str(agency["police"])]},
        "meeting_id": str(meeting)}), 201)
    ok(client.post(f"/api/v1/cases/{a}/information", headers=police, json={
        "kind": "disclosure", "text": "Three call-outs since November.",
        "audience": {"kind": "whole_case"}, "meeting_id": str(meeting)}), 201)
    ok(client.post(f"/api/v1/meetings/{meeting}/hearings", headers=coordinator, json={
        "case_id": str(a), "risks": [
            {"to": "victim", "description": "Strangulation; escalating frequency."},
            {"to": "children", "description": "Child present at incidents."},
            {"to": "perpetrator", "description": "Self-harm when drinking."},
            {"to": "staff", "description": "Threats to visiting officers."}]}))
    assert client.post(f"/api/v1/meetings/{meeting}/hearings", headers=health,
                       json={"case_id": str(a), "risks": []}).status_code == 403
    assert "GP: victim seen twice with injuries." in texts(client, housing, a)
    assert "Perpetrator's mental health crisis plan." in texts(client, police, a)
    assert "Perpetrator's mental health crisis plan." not in texts(client, housing, a)

    # SMART actions agreed at the hearing.
    def agree(owner: str, what: str, for_whom: str, due: str) -> str:
        return str(ok(client.post(f"/api/v1/cases/{a}/actions", headers=coordinator, json={
            "owner_agency_id": str(agency[owner]), "description": what, "for_whom": for_whom,
            "due_on": due, "meeting_id": str(meeting)}), 201)["id"])

    locks = agree("housing", "Fit target-hardening at the victim's home.", "victim",
                  "2026-01-29")
    gp = agree("health", "GP review of the victim's injuries.", "victim", "2026-01-26")
    bail = agree("police", "Check the perpetrator's bail conditions.", "perpetrator",
                 "2026-02-05")

    # Minutes per case, generated from the events, as each agency's view allows.
    def minutes(headers: dict[str, str], case_id: UUID) -> Any:
        return client.get(f"/api/v1/meetings/{meeting}/minutes/{case_id}", headers=headers)

    housing_minutes = ok(minutes(housing, a), 200)
    police_minutes = ok(minutes(police, a), 200)
    assert housing_minutes["marking"] == "OFFICIAL-SENSITIVE"
    assert {r["to"] for r in housing_minutes["risks"]} == {"victim", "children", "perpetrator",
                                                          "staff"}
    assert {a["action_id"] for a in housing_minutes["actions"]} == {locks, gp, bail}
    assert {(a["agency_id"], a["statement_version"]) for a in housing_minutes["attendance"]
            } == {(str(agency[code]), 1)
                  for code in ("police", "health", "housing", "idva")}
    assert set(housing_minutes["agencies_present"]) == {
        str(agency[x]) for x in ("police", "health", "housing", "idva")}
    # Agencies by name and code beside their ids, in the minutes.
    assert {(n["agency_id"], n["name"], n["code"]) for n in
            housing_minutes["agencies_present_named"]} == {
        (str(agency[x]), x.title(), x) for x in ("police", "health", "housing", "idva")}
    assert {(x["owner_agency"], x["owner_agency_name"], x["owner_agency_code"])
            for x in housing_minutes["actions"]} == {
        (str(agency[x]), x.title(), x) for x in ("housing", "health", "police")}
    assert {(i["author_agency_name"], i["author_agency_code"])
            for i in police_minutes["information"]} == {("Health", "health"),
                                                        ("Police", "police")}
    (narrowed,) = [i["audience"] for i in police_minutes["information"]
                   if i["audience"]["kind"] == "agencies"]
    assert narrowed["agencies_named"] == [
        {"agency_id": str(agency["police"]), "name": "Police", "code": "police"}]
    assert {i["text"] for i in housing_minutes["information"]} == {
        "GP: victim seen twice with injuries.", "Three call-outs since November."}
    assert {i["text"] for i in police_minutes["information"]} == {
        "GP: victim seen twice with injuries.", "Three call-outs since November.",
        "Perpetrator's mental health crisis plan."}
    assert minutes(housing, b).status_code == 404  # not invited to B
    assert minutes(hpx, a).status_code == 404
    assert housing_minutes["distribution"] == {"due_on": "2026-01-29", "distributed_at": None,
                                               "late": False}

    # Progress: one completed, one changed circumstance, one overdue and escalated.
    ok(client.post(f"/api/v1/cases/{a}/actions/{locks}/updates", headers=housing,
                   json={"note": "Locks fitted.", "outcome": "completed"}))
    ok(client.post(f"/api/v1/cases/{a}/actions/{bail}/updates", headers=police,
                   json={"note": "Remanded in custody.", "outcome": "changed_circumstance"}))
    assert client.post(f"/api/v1/cases/{a}/actions/{gp}/updates", headers=housing,
                       json={"note": "Not ours."}).status_code == 403
    clock.at = datetime(2026, 1, 27, 8, 0, tzinfo=clock.at.tzinfo)
    assert escalate_overdue(api_platform, clock.at.date()) == [UUID(gp)]
    overdue = ok(client.get("/api/v1/actions?scope=overdue", headers=coordinator), 200)
    assert [(o["action_id"], o["escalated"], o["owner_agency_name"], o["owner_agency_code"])
            for o in overdue] == [(gp, True, "Health", "health")]
    mine = ok(client.get("/api/v1/actions", headers=health), 200)
    assert [(m["action_id"], m["overdue"]) for m in mine] == [(gp, True)]

    # The minutes went out a day late.
    assert ok(client.get(f"/api/v1/meetings/{meeting}", headers=housing), 200)[
        "minutes"]["late"] is False
    clock.at = datetime(2026, 1, 30, 9, 0, tzinfo=clock.at.tzinfo)
    assert client.post(f"/api/v1/meetings/{meeting}/minutes/distribution",
                       headers=housing).status_code == 403
    ok(client.post(f"/api/v1/meetings/{meeting}/minutes/distribution", headers=coordinator))
    sent = ok(client.get(f"/api/v1/meetings/{meeting}", headers=housing), 200)["minutes"]
    assert (sent["due_on"], sent["late"]) == ("2026-01-29", True)
    assert sent["distributed_at"].startswith("2026-01-30")

    # A repeat: a new police referral for A's victim is linked into A.
    clock.at = datetime(2026, 2, 10, 9, 0, tzinfo=clock.at.tzinfo)
    body_c = referral_body(surname="Ashdownxq", referred_on=date(2026, 2, 10))
    c = UUID(ok(client.post("/api/v1/cases", json=body_c, headers=police), 201)["id"])
    candidates = ok(client.get(f"/api/v1/cases/{c}/possible-repeats", headers=coordinator),
                    200)
    assert [p["case_id"] for p in candidates] == [str(a)]
    ok(client.post(f"/api/v1/cases/{c}/decision", headers=coordinator,
                   json={"outcome": "link_repeat", "existing_case_id": str(a)}))
    assert ok(client.get(f"/api/v1/cases/{a}", headers=coordinator), 200)[
        "repeat_referrals"] == [str(c)]

    # The next meeting reviews what is still open from the last one.
    clock.at = datetime(2026, 2, 12, 9, 0, tzinfo=clock.at.tzinfo)
    following = UUID(ok(client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": "2026-02-19"}), 201)["id"])
    review = ok(client.get(f"/api/v1/meetings/{following}/review", headers=coordinator), 200)
    assert [(r["action_id"], r["overdue"], r["escalated"], r["owner_agency_name"])
            for r in review] == [(gp, True, True, "Health")]
    assert [r["action_id"] for r in ok(client.get(
        f"/api/v1/meetings/{following}/review", headers=housing), 200)] == [gp]
    assert ok(client.get(f"/api/v1/meetings/{following}/review", headers=hpx), 200) == []

    # Closure: every agency involved is told, and each acknowledges.
    ok(client.post(f"/api/v1/cases/{a}/actions/{gp}/updates", headers=health,
                   json={"note": "Seen by GP.", "outcome": "completed"}))
    ok(client.post(f"/api/v1/cases/{a}/closure", headers=coordinator,
                   json={"reason": "Risk reduced; victim engaged with the IDVA."}))
    involved = {str(agency[x]) for x in ("police", "health", "housing", "idva")}
    closure = ok(client.get(f"/api/v1/cases/{a}", headers=coordinator), 200)["closure"]
    assert set(closure["outstanding"]) == involved
    for name in ("police", "health", "housing", "idva"):
        ok(client.post(f"/api/v1/cases/{a}/closure/acknowledgement", headers=world.rep(name)))
    closure = ok(client.get(f"/api/v1/cases/{a}", headers=coordinator), 200)["closure"]
    assert (closure["outstanding"], closure["late"]) == ([], False)
    assert not sees(client, hpx, a)
    assert clock.at - datetime(2026, 1, 22, tzinfo=clock.at.tzinfo) > timedelta(days=14)
