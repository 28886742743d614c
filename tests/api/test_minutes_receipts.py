"""A meeting's minutes and their receipts through the API: the whole minutes as each caller
may see them; the distribution to the agencies that attended; each one's acknowledgement, once,
with the domain's refusals as their documented codes; who has and has not acknowledged."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World
from tests.api.meeting_held import FOR_POLICE_ONLY, held_meeting, ok


def test_the_meeting_s_minutes_hold_only_what_the_caller_may_see(
        client: TestClient, world: World, clock: Clock) -> None:
    meeting = held_meeting(client, world, clock)
    path = f"/api/v1/meetings/{meeting.meeting_id}/minutes"

    every = ok(client.get(path, headers=world.coordinator()), 200)
    housing = ok(client.get(path, headers=world.rep("housing")), 200)

    assert every["marking"] == "OFFICIAL-SENSITIVE"
    assert [c["entry"]["case_id"] for c in every["cases"]] == [str(meeting.a), str(meeting.b)]
    assert [c["entry"]["case_id"] for c in housing["cases"]] == [str(meeting.a)]
    assert FOR_POLICE_ONLY in {i["text"] for i in every["cases"][0]["information"]}
    assert FOR_POLICE_ONLY not in {i["text"] for i in housing["cases"][0]["information"]}
    assert {(a["agency"]["name"] if a["agency"] else None, a["statement_version"])
            for a in every["attendance"]} == {("Police", 1), ("Health", 1), ("Housing", 1)}
    elsewhere = world.token("coordinator-9", "coordinator", area=world.other_area_id)
    assert client.get(path, headers={"Authorization": f"Bearer {elsewhere}"}
                      ).status_code == 404


def test_each_attending_agency_acknowledges_receipt_once_and_the_coordinator_follows(
        client: TestClient, world: World, clock: Clock, api_platform: Platform) -> None:
    meeting = held_meeting(client, world, clock)
    path = f"/api/v1/meetings/{meeting.meeting_id}/minutes"
    early = client.post(f"{path}/acknowledgement", headers=world.rep("housing"))
    assert (early.status_code, early.json()["code"]) == (422, "minutes_not_distributed")

    ok(client.post(f"{path}/distribution", headers=world.coordinator()))
    ok(client.post(f"{path}/acknowledgement", headers=world.rep("housing")))
    twice = client.post(f"{path}/acknowledgement", headers=world.rep("housing"))
    not_sent = client.post(f"{path}/acknowledgement", headers=world.rep("idva"))

    assert (twice.status_code, twice.json()["code"]) == (409, "minutes_already_acknowledged")
    assert (not_sent.status_code, not_sent.json()["code"]) == (
        422, "minutes_not_sent_to_agency")
    followed = ok(client.get(f"{path}/acknowledgements", headers=world.coordinator()), 200)
    assert {(r["agency"]["name"], r["acknowledged_by"]) for r in followed["receipts"]} == {
        ("Police", None), ("Health", None), ("Housing", "housing-rep")}
    own = ok(client.get(f"{path}/acknowledgements", headers=world.rep("police")), 200)
    assert [(r["agency"]["name"], own["may_acknowledge"]) for r in own["receipts"]] == [
        ("Police", True)]
    records = [(r["action"], r["outcome"]) for r in api_platform.audit.records()
               if r["action"] == "acknowledge_minutes"]
    assert records == [("acknowledge_minutes", "refused"), ("acknowledge_minutes", "allowed"),
                       ("acknowledge_minutes", "refused"), ("acknowledge_minutes", "refused")]
