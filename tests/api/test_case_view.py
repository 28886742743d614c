"""The case view shows the case as recorded: the referral, decision, access and safeguarding in
its JSON are the sealed document's parts, field for field, as they were sent before they had a
schema, and the last two for coordinators only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, refer


def test_a_coordinator_sees_the_referral_decision_access_and_safeguarding_as_recorded(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    base = f"/api/v1/cases/{case_id}"
    opened = client.post(f"{base}/break-glass", json={"reason": "Out of hours", "minutes": 30},
                         headers=world.rep("housing"))
    assert opened.status_code == 201, opened.text
    for path, body in [
        ("grants", {"agency_id": str(world.agencies["health"]), "reason": "Invited",
                    "expires_at": "2026-03-31T17:00:00Z"}),
        ("grants", {"person": "idva-2", "reason": "Cover"}),
        ("exclusions", {"person": "cousin-9", "reason": "Relative of the victim"}),
        ("onward-referrals", {"to": "mash", "on": "2026-01-15"}),
        ("social-care", {"childrens": True, "adult": False}),
        ("restriction", {"members": ["coordinator-1"],
                         "member_agencies": [str(world.agencies["police"])],
                         "reason": "A member of staff is related to the perpetrator"}),
    ]:
        response = client.post(f"{base}/{path}", json=body, headers=world.coordinator())
        assert response.status_code in (201, 204), (path, response.text)
    api_platform.runner.catch_up()
    document = api_platform.cases.document(case_id)
    assert document is not None
    recorded = document.to_json()

    view = client.get(base, headers=world.coordinator()).json()

    # The referral as recorded, with its DASH score beside the answers (referral_body's 15
    # "yes") and the criterion that score meets (the demo area's threshold is 14).
    scored = {**recorded["referral"], "dash_score": 15, "criteria_met": ["visible_high_risk"]}
    assert view["referral"] == scored
    assert view["decision"] == recorded["decision"]
    assert view["access"] == recorded["access"]
    assert view["safeguarding"] == recorded["safeguarding"]
    # Every part was there to be shown.
    access = view["access"]
    assert access["restriction"]["provisional"] is False
    assert len(access["grants"]) == 2
    assert access["grants"][0]["expires_at"] == "2026-03-31T17:00:00+00:00"
    assert access["break_glass"][0]["reason"] == "Out of hours"
    assert (access["excluded"], access["members"]) == (["cousin-9"], ["coordinator-1"])
    assert view["safeguarding"]["social_care"]["childrens"] is True
    assert view["decision"]["outcome"] == "accepted"

    member = client.get(base, headers=world.rep("police")).json()
    assert member["referral"] == scored
    assert (member["access"], member["safeguarding"]) == (None, None)
