"""Meetings: invitations give access; agenda order follows the area's rules; a restricted
case's line is invisible to non-members; attendance needs the confidentiality statement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import Clock, World, accept, bearer, refer, referral_body


def schedule(client: TestClient, world: World, kind: str = "standard") -> UUID:
    response = client.post("/api/v1/meetings", headers=world.coordinator(),
                           json={"kind": kind, "held_on": "2026-01-20"})
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


def accepted(client: TestClient, world: World, **changes: Any) -> UUID:
    case_id = refer(client, world, "police", **changes)
    accept(client, world, case_id)
    return case_id


def test_inviting_an_agency_to_a_hearing_gives_it_the_case(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    case_id = accepted(client, world)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health")).status_code == 404
    assert client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                       json={"case_id": str(case_id),
                             "invite": [str(world.agencies["health"])]}).status_code == 204
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health")).status_code == 200
    nxt = client.get("/api/v1/meetings/next", headers=world.rep("health")).json()
    assert [i["case_id"] for i in nxt["agenda"]] == [str(case_id)]
    assert client.get("/api/v1/meetings/next", headers=world.rep("housing")
                      ).json()["agenda"] == []


def test_childrens_cases_are_heard_first_and_hba_goes_to_a_closed_hearing(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    plain = accepted(client, world)
    body = referral_body(surname="Childxq")
    body["subjects"].append({"role": "child", "forenames": "Tobyxq", "surname": "Childxq",
                             "date_of_birth": "2019-05-05"})
    created = client.post("/api/v1/cases", json=body, headers=world.rep("police"))
    with_child = UUID(created.json()["id"])
    accept(client, world, with_child)
    hba = accepted(client, world, surname="Honourxq",
                   criteria={"visible_high_risk": True, "honour_based_abuse": True})
    for case_id in (plain, with_child):
        assert client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                           json={"case_id": str(case_id)}).status_code == 204
    refused = client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                          json={"case_id": str(hba)})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_meeting_change")
    closed = schedule(client, world, "harmful_practices")
    assert client.post(f"/api/v1/meetings/{closed}/agenda", headers=world.coordinator(),
                       json={"case_id": str(hba)}).status_code == 204
    order = [i["case_id"] for i in client.get(f"/api/v1/meetings/{meeting}/agenda",
                                              headers=world.coordinator()).json()]
    # Listed second, heard first: the area hears children's cases first.
    assert order == [str(with_child), str(plain)]


def test_a_restricted_cases_line_is_absent_for_non_members(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world, "harmful_practices")
    hba = accepted(client, world, criteria={"honour_based_abuse": True,
                                            "visible_high_risk": True})
    client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                json={"case_id": str(hba), "invite": [str(world.agencies["health"])]})
    client.post(f"/api/v1/cases/{hba}/restriction", headers=world.coordinator(),
                json={"members": ["expert-1"], "member_agencies": [str(world.agencies["hpx"])],
                      "reason": "Harmful practices"})
    client.post(f"/api/v1/cases/{hba}/exclusions", headers=world.coordinator(),
                json={"person": "health-rep", "reason": "Relative of the victim"})
    # A closed hearing whose cases they may not see does not exist for them at all.
    for outsider in ("health", "police"):
        answer = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=world.rep(outsider))
        assert answer.status_code == 404
        assert answer.json() == {"code": "not_found", "message": "Not found"}
    seen = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=world.rep("hpx")).json()
    assert [i["case_id"] for i in seen] == [str(hba)]


def test_attendance_requires_the_confidentiality_statement(
    client: TestClient, world: World, clock: Clock
) -> None:
    meeting = schedule(client, world)
    clock.at = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)  # the meeting's day
    no = client.post(f"/api/v1/meetings/{meeting}/attendance", headers=world.rep("police"),
                     json={"acknowledge_confidentiality": False,
                           "confidentiality_statement_version": 1})
    assert no.status_code == 422
    assert client.post(f"/api/v1/meetings/{meeting}/attendance", headers=world.rep("police"),
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": 1}).status_code == 204
    elsewhere = bearer(world.token("visitor", "representative", agency="health",
                                   area=world.other_area_id))
    assert client.post(f"/api/v1/meetings/{meeting}/attendance", headers=elsewhere,
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": 1}).status_code == 404


def test_the_chair_records_who_attended_for_which_agency(
    client: TestClient, world: World, clock: Clock
) -> None:
    meeting = schedule(client, world)
    body = {"person": "Sam Attendee", "agency_id": str(world.agencies["health"]),
            "acknowledge_confidentiality": True, "confidentiality_statement_version": 1}
    early = client.post(f"/api/v1/meetings/{meeting}/attendees", headers=world.coordinator(),
                        json=body)
    assert (early.status_code, early.json()["code"]) == (422, "meeting_not_yet_held")
    clock.at = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)  # the meeting's day
    by_a_representative = client.post(f"/api/v1/meetings/{meeting}/attendees",
                                      headers=world.rep("police"), json=body)
    assert by_a_representative.status_code == 403
    outdated = client.post(f"/api/v1/meetings/{meeting}/attendees", headers=world.coordinator(),
                           json={**body, "confidentiality_statement_version": 2})
    assert (outdated.status_code, outdated.json()["code"]) == (
        409, "confidentiality_statement_outdated")
    assert client.post(f"/api/v1/meetings/{meeting}/attendees", headers=world.coordinator(),
                       json=body).status_code == 204
    other_area = client.post(f"/api/v1/meetings/{meeting}/attendees",
                             headers=world.coordinator(),
                             json={**body, "person": "Another",
                                   "agency_id": str(uuid.uuid4())})
    assert other_area.status_code == 404


def test_agenda_order_rules() -> None:
    from uuid import uuid4  # noqa: PLC0415

    from domain.area import AreaSettings  # noqa: PLC0415
    from domain.meeting import AgendaItem, agenda_order  # noqa: PLC0415

    a, b, c, d = (AgendaItem(uuid4(), ch, hba, "x") for ch, hba in
                  ((False, False), (True, False), (False, True), (True, False)))
    start = AreaSettings(children_first=True, hba_placement="start")
    end = AreaSettings(children_first=False, hba_placement="end")
    assert agenda_order([a, b, c, d], start) == [c, b, d, a]
    assert agenda_order([a, b, c, d], end) == [a, b, d, c]


# Corrections: each route answers as documented ----------------------------------------------

def listed(client: TestClient, world: World, meeting: UUID, *cases: UUID) -> None:
    for case_id in cases:
        assert client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                           json={"case_id": str(case_id)}).status_code == 204


def order(client: TestClient, world: World, meeting: UUID) -> list[str]:
    answer = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator())
    return [i["case_id"] for i in answer.json()]


def test_the_area_s_meetings_are_listed_with_status_and_cases(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    listed(client, world, meeting, accepted(client, world))
    answer = client.get("/api/v1/meetings", headers=world.rep("police"),
                        params={"when": "upcoming"})
    assert answer.status_code == 200
    assert answer.json() == [{"meeting_id": str(meeting), "kind": "standard",
                              "held_on": "2026-01-20", "status": "scheduled", "cases": 1}]
    assert client.get("/api/v1/meetings", headers=world.rep("police"),
                      params={"when": "past"}).json() == []
    assert client.get("/api/v1/meetings", headers=world.rep("police"),
                      params={"limit": 0}).status_code == 422


def test_a_meeting_is_rescheduled_until_its_day(
    client: TestClient, world: World, clock: Clock
) -> None:
    meeting = schedule(client, world)
    path = f"/api/v1/meetings/{meeting}/rescheduling"
    body = {"held_on": "2026-01-27", "reason": "Chair unavailable"}
    assert client.post(path, headers=world.rep("police"), json=body).status_code == 403
    assert client.post(path, headers=world.coordinator(), json=body).status_code == 204
    assert client.get(f"/api/v1/meetings/{meeting}", headers=world.coordinator()
                      ).json()["held_on"] == "2026-01-27"
    clock.at = datetime(2026, 1, 27, 9, tzinfo=UTC)
    late = client.post(path, headers=world.coordinator(),
                       json={"held_on": "2026-02-03", "reason": "Again"})
    assert (late.status_code, late.json()["code"]) == (409, "meeting_already_held")


def test_a_cancelled_meeting_is_shown_so_and_takes_no_attendance(
    client: TestClient, world: World, clock: Clock
) -> None:
    meeting = schedule(client, world)
    path = f"/api/v1/meetings/{meeting}/cancellation"
    assert client.post(path, headers=world.coordinator(), json={"reason": ""}
                       ).status_code == 422
    assert client.post(path, headers=world.coordinator(),
                       json={"reason": "Not quorate"}).status_code == 204
    assert client.get(f"/api/v1/meetings/{meeting}", headers=world.coordinator()
                      ).json()["status"] == "cancelled"
    again = client.post(path, headers=world.coordinator(), json={"reason": "Twice"})
    assert (again.status_code, again.json()["code"]) == (409, "meeting_cancelled")
    clock.at = datetime(2026, 1, 20, 9, tzinfo=UTC)
    attended = client.post(f"/api/v1/meetings/{meeting}/attendance",
                           headers=world.rep("police"),
                           json={"acknowledge_confidentiality": True,
                                 "confidentiality_statement_version": 1})
    assert (attended.status_code, attended.json()["code"]) == (409, "meeting_cancelled")


def test_attendance_before_the_meeting_s_day_is_refused(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    early = client.post(f"/api/v1/meetings/{meeting}/attendance", headers=world.rep("police"),
                        json={"acknowledge_confidentiality": True,
                              "confidentiality_statement_version": 1})
    assert (early.status_code, early.json()["code"]) == (422, "meeting_not_yet_held")


def test_a_case_is_moved_on_the_agenda_within_the_area_s_order(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    a, b = accepted(client, world), accepted(client, world, surname="Secondxq")
    listed(client, world, meeting, a, b)
    path = f"/api/v1/meetings/{meeting}/agenda/{b}/move"
    assert client.post(path, headers=world.coordinator(), json={"position": 1}
                       ).status_code == 204
    assert order(client, world, meeting) == [str(b), str(a)]
    off = client.post(path, headers=world.coordinator(), json={"direction": "up"})
    assert (off.status_code, off.json()["code"]) == (422, "invalid_agenda_order")
    both = client.post(path, headers=world.coordinator(),
                       json={"position": 2, "direction": "up"})
    assert (both.status_code, both.json()["code"]) == (422, "invalid_request")


def test_a_case_is_removed_from_the_agenda_with_a_reason(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    a, b = accepted(client, world), accepted(client, world, surname="Secondxq")
    listed(client, world, meeting, a, b)
    path = f"/api/v1/meetings/{meeting}/agenda/{a}/removal"
    assert client.post(path, headers=world.rep("police"), json={"reason": "Error"}
                       ).status_code == 403
    assert client.post(path, headers=world.coordinator(), json={"reason": "Listed in error"}
                       ).status_code == 204
    assert order(client, world, meeting) == [str(b)]


def test_an_agency_invited_to_a_listed_case_sees_it(
    client: TestClient, world: World
) -> None:
    meeting = schedule(client, world)
    case_id = accepted(client, world)
    listed(client, world, meeting, case_id)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health")).status_code == 404
    assert client.post(f"/api/v1/meetings/{meeting}/agenda/{case_id}/invitations",
                       headers=world.coordinator(),
                       json={"agencies": [str(world.agencies["health"])]}).status_code == 204
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("health")).status_code == 200


def test_the_confidentiality_statement_is_served_and_its_version_kept_with_attendance(
    client: TestClient, world: World, clock: Clock
) -> None:
    meeting = schedule(client, world)
    path = f"/api/v1/meetings/{meeting}"
    served = client.get(f"{path}/confidentiality-statement", headers=world.rep("police"))
    assert served.status_code == 200
    assert served.json()["version"] == 1
    assert "confidence" in served.json()["text"]
    admin = bearer(world.token("admin-1", "administrator"), purpose=None)
    changed = client.patch(f"/api/v1/areas/{world.area_id}/settings", headers=admin,
                           json={"confidentiality_statement": "Our own statement."})
    assert changed.status_code == 200, changed.text
    assert changed.json()["confidentiality_statement"] == "Our own statement."
    assert client.get(f"{path}/confidentiality-statement",
                      headers=world.rep("police")).json() == {
        "text": "Our own statement.", "version": 2}

    clock.at = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)  # the meeting's day
    old = client.post(f"{path}/attendance", headers=world.rep("police"),
                      json={"acknowledge_confidentiality": True,
                            "confidentiality_statement_version": 1})
    assert (old.status_code, old.json()["code"]) == (409, "confidentiality_statement_outdated")
    assert client.post(f"{path}/attendance", headers=world.rep("police"),
                       json={"acknowledge_confidentiality": True,
                             "confidentiality_statement_version": 2}).status_code == 204
    attendance = client.get(path, headers=world.coordinator()).json()["attendance"]
    assert [(a["person"], a["agency_id"], a["statement_version"]) for a in attendance] == [
        ("police-rep", str(world.agencies["police"]), 2)]
    elsewhere = bearer(world.token("visitor", "representative", agency="health",
                                   area=world.other_area_id))
    assert client.get(f"{path}/confidentiality-statement",
                      headers=elsewhere).status_code == 404
