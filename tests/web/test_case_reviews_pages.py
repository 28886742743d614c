"""The coordinators' case reviews page, without a browser: the open cases whose last referral's
anniversary falls within the days asked (30 unless asked, as the API) and the restrictions due
their review, the same cases the API lists, each linking to where it is reviewed; a window
mistyped is an error beside the default window's lists; a coordinator outside a restricted
case is not told it is due; representatives are refused, and not offered the page."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer
from tests.web.test_case_page import sign_in
from tests.web.test_meetings_pages import errored
from tests.web.test_safeguarding_pages import restrict_to_coordinator_1

pytestmark = pytest.mark.in_memory


def listed(html: str, list_id: str) -> list[str]:
    """The cases a list links to, in order (its table, or its empty sentence: none)."""
    found = re.search(rf'id="{list_id}".*?</(table|p)>', html, re.DOTALL)
    assert found, list_id
    return re.findall(r'href="/cases/([0-9a-f-]{36})', found.group(0))


def api_ids(client: TestClient, token: str, path: str, within: int) -> list[str]:
    answer = client.get(f"/api/v1/case-reviews/{path}?within_days={within}",
                        headers=bearer(token, None))
    assert answer.status_code == 200, answer.text
    return [str(c["case_id"]) for c in answer.json()]


def accepted(client: TestClient, world: World, referred_on: date) -> UUID:
    case_id = refer(client, world, referred_on=referred_on)
    accept(client, world, case_id)
    return case_id


def test_a_coordinator_sees_anniversaries_and_restrictions_due_as_the_api_lists_them(
        client: TestClient, world: World, api_platform: Platform) -> None:
    # Today is 12 January 2026.
    reached = accepted(client, world, date(2025, 1, 5))  # its anniversary has passed
    soon = accepted(client, world, date(2025, 1, 30))
    later = accepted(client, world, date(2025, 6, 1))
    restricted = accepted(client, world, date(2026, 1, 10))
    restrict_to_coordinator_1(client, world, restricted)
    token = world.token("coordinator-1", "coordinator", agency="police")
    sign_in(client, api_platform, token)

    page = client.get("/cases")
    assert '<a class="govuk-service-navigation__link" href="/case-reviews"' in page.text
    page = client.get("/case-reviews")
    assert page.status_code == 200, page.text
    assert 'value="30"' in page.text  # the API's default window
    assert listed(page.text, "anniversary-list") == [str(reached), str(soon)] == api_ids(
        client, token, "anniversaries", 30)
    assert "Reached" in page.text
    assert listed(page.text, "restriction-list") == [] == api_ids(client, token,
                                                                  "restrictions", 30)
    assert "No restriction review is due within 30 days, or already due." in page.text

    wider = client.get("/case-reviews?within=200")
    assert listed(wider.text, "anniversary-list") == [str(reached), str(soon), str(later)]
    assert listed(wider.text, "restriction-list") == [str(restricted)] == api_ids(
        client, token, "restrictions", 200)
    assert f'href="/cases/{restricted}/access#restriction"' in wider.text
    # Each list read is recorded as the API records it: the cases it names.
    lists = [r for r in api_platform.audit.records()[-2:] if r["action"] == "list"]
    assert [r["outcome"] for r in lists] == ["allowed", "allowed"]

    # A coordinator who is not a member is not told the restricted case is due.
    sign_in(client, api_platform, world.token("coordinator-2", "coordinator", agency="police"))
    assert listed(client.get("/case-reviews?within=200").text, "restriction-list") == []


@pytest.mark.parametrize("given", ["abc", "367", "-1", "1.5"])
def test_a_window_mistyped_is_an_error_beside_the_default_windows_lists(
        client: TestClient, world: World, api_platform: Platform, given: str) -> None:
    soon = accepted(client, world, date(2025, 1, 30))
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    page = client.get("/case-reviews", params={"within": given})
    errored(page, 400, "Enter a whole number of days from 0 to 366")
    assert f'value="{given}"' in page.text
    assert listed(page.text, "anniversary-list") == [str(soon)]


def test_representatives_and_data_protection_officers_are_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    accepted(client, world, date(2025, 1, 30))
    for token, home in ((world.token("police-rep", "representative", agency="police"),
                         "/cases"), (world.token("dpo-1", "dpo"), "/restriction-reviews")):
        sign_in(client, api_platform, token)
        assert 'href="/case-reviews"' not in client.get(home).text
        assert client.get("/case-reviews").status_code == 403
        assert client.get("/api/v1/case-reviews/anniversaries",
                          headers=bearer(token, None)).status_code == 403
