"""Attacks on the pages of issue 17, each a finding proved over the real app: what a page
shows must not depend on a case the person may not see (DESIGN.md, need-to-know rule 2: a
restricted case is absent from counts)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer, referral_body
from tests.web.test_case_page import CSRF, sign_in
from tests.web.test_marrac_pages import DAY_ONE, Demo, demo, text_of

__all__ = ["demo"]  # the fixture, shared with the MARRAC pages' tests

TEAM = "demo-case-coordinator-1"
TODAY = date(2026, 1, 12)  # the test clock's day


def board_text(demo: Demo) -> str:
    demo.page_as("team-leader")
    board = demo.client.get("/marrac/allocation", params={"team": TEAM})
    assert board.status_code == 200, board.text
    return text_of(board.text)


def test_the_allocation_board_counts_no_case_the_team_leader_may_not_see(demo: Demo) -> None:
    """A co-ordinator's load on the board is the same whether they hold a case the team leader
    may not see (restricted to its members) or no case at all."""
    case_id = UUID(demo.api("marrac-police-officer", "POST", "/api/v1/cases",
                            referral_body(referred_on=DAY_ONE.date()))["id"])
    demo.api("team-leader", "POST", f"/api/v1/cases/{case_id}/marrac/allocation",
             {"coordinator": TEAM})
    demo.api("team-leader", "POST", f"/api/v1/cases/{case_id}/decision", {"outcome": "accept"})
    before = board_text(demo)
    assert f"{TEAM} Least loaded 1" in before  # the case is the team leader's to see

    # Restricted to its co-ordinator: to the team leader, it does not exist.
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/restriction",
             {"members": [TEAM], "reason": "A member of staff is related to the victim"})
    demo.page_as("team-leader")
    assert demo.client.get(f"/cases/{case_id}").status_code == 404

    assert f"{TEAM} Least loaded 0" in board_text(demo)


def meeting_today(client: TestClient, world: World) -> UUID:
    created = client.post("/api/v1/meetings", headers=world.coordinator(), json={
        "kind": "standard", "held_on": TODAY.isoformat()})
    assert created.status_code == 201, created.text
    return UUID(created.json()["id"])


@pytest.mark.in_memory
def test_distributing_minutes_answers_alike_for_a_hidden_case_and_no_case(
        client: TestClient, world: World, api_platform: Platform) -> None:
    """A coordinator who is not a member of a restricted case sees a meeting that lists only
    it as a meeting with no cases: distributing its minutes is refused as for a meeting that
    lists none (a success would tell that a hidden case is on the agenda)."""
    hidden = refer(client, world)
    accept(client, world, hidden)
    with_hidden, empty = meeting_today(client, world), meeting_today(client, world)
    listed = client.post(f"/api/v1/meetings/{with_hidden}/agenda", headers=world.coordinator(),
                         json={"case_id": str(hidden), "invite": []})
    assert listed.status_code in (201, 204), listed.text
    restricted = client.post(f"/api/v1/cases/{hidden}/restriction",
                             headers=world.coordinator(),
                             json={"members": ["coordinator-1"], "reason": "Employee case"})
    assert restricted.status_code == 204, restricted.text
    outsider = world.token("coordinator-2", "coordinator", agency="health")
    assert client.get(f"/api/v1/cases/{hidden}", headers=bearer(outsider)).status_code == 404
    sign_in(client, api_platform, outsider)

    answers = [client.post(f"/meetings/{m}/minutes/distribution", data={"csrf_token": CSRF},
                           follow_redirects=False) for m in (with_hidden, empty)]

    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].text.replace(str(with_hidden), "M") == answers[1].text.replace(
        str(empty), "M")


@pytest.mark.in_memory
def test_minutes_of_a_meeting_listing_only_a_hidden_case_read_as_an_empty_meetings(
        client: TestClient, world: World, api_platform: Platform) -> None:
    """A meeting with no cases can never have its minutes distributed; one whose only case is
    hidden from the reader, distributed by a member, shows "distributed" on its minutes page,
    telling the reader that a case they may not see was heard there."""
    hidden = refer(client, world)
    accept(client, world, hidden)
    with_hidden, empty = meeting_today(client, world), meeting_today(client, world)
    assert client.post(f"/api/v1/meetings/{with_hidden}/agenda", headers=world.coordinator(),
                       json={"case_id": str(hidden), "invite": []}).status_code in (201, 204)
    assert client.post(f"/api/v1/meetings/{with_hidden}/minutes/distribution",
                       headers=world.coordinator()).status_code in (200, 201, 204)
    assert client.post(f"/api/v1/cases/{hidden}/restriction", headers=world.coordinator(),
                       json={"members": ["coordinator-1"], "reason": "Employee case"}
                       ).status_code == 204
    sign_in(client, api_platform, world.token("coordinator-2", "coordinator", agency="health"))

    pages = [client.get(f"/meetings/{m}/minutes") for m in (with_hidden, empty)]

    assert [p.status_code for p in pages] == [200, 200]
    assert pages[0].text.replace(str(with_hidden), "M") == pages[1].text.replace(
        str(empty), "M")
    # And through the API: the meeting's minutes state and its receipts, alike.
    token = world.token("coordinator-2", "coordinator", agency="health")
    outsider = {"Authorization": f"Bearer {token}"}
    for path in ("", "/minutes/acknowledgements"):
        answers = [client.get(f"/api/v1/meetings/{m}{path}", headers=outsider)
                   for m in (with_hidden, empty)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].text.replace(str(with_hidden), "M") == answers[1].text.replace(
            str(empty), "M")
