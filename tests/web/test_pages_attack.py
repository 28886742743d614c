"""Attacks on the pages of issue 17, each a finding proved over the real app: what a page
shows must not depend on a case the person may not see (DESIGN.md, need-to-know rule 2: a
restricted case is absent from counts)."""

from __future__ import annotations

from uuid import UUID

from tests.api.conftest import referral_body
from tests.web.test_marrac_pages import DAY_ONE, Demo, demo, text_of

__all__ = ["demo"]  # the fixture, shared with the MARRAC pages' tests

TEAM = "demo-case-coordinator-1"


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
