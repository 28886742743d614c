"""An agency representative's work and a case's closure, as people do it in the browser: a
police representative finds, on "My work", research asked of their agency and an action it
owns, answers the one and updates the other; a coordinator closes a case, carrying an open
action on to another agency, which acknowledges the closure; the coordinator sees who has.
Error summaries for forms sent incomplete. JavaScript on and off; axe on every state.

On a server of this module's own: its cases, meetings and actions change what other modules
count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_decision_page import surname
from tests.browser.test_sharing_pages import accepted_case, agency_of
from tests.browser.test_sign_in import sign_in

HOUSING = "Demoshire Homes"

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("my-work-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def agree(api: DemoApi, case_id: UUID, owner: str, description: str, due_in: int) -> UUID:
    made = api.ok("coordinator", "POST", f"/cases/{case_id}/actions", {
        "owner_agency_id": agency_of(api, owner), "description": description,
        "for_whom": "victim", "due_on": (date.today() + timedelta(days=due_in)).isoformat()})
    return UUID(made["id"])


def action_of(api: DemoApi, persona: str, case_id: UUID, action_id: UUID) -> dict[str, Any]:
    status, view = api.call(persona, "GET", f"/cases/{case_id}", purpose="action_follow_up")
    assert status == 200, view
    return next(a for a in view["actions"] if a["action_id"] == str(action_id))


def give_purpose(page: Page, purpose: str = "Following up an action") -> None:
    """The case page asks why, once a session."""
    if page.get_by_role("group", name="Why are you viewing this case?").count():
        page.get_by_label(purpose).check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Case overview", level=1)).to_be_visible()


def test_a_police_representative_answers_research_and_updates_an_action(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility, *,
        javascript: bool) -> None:
    case_id = accepted_case(api)
    police = agency_of(api, "police-officer")
    held_on = date.today() + timedelta(days=14)
    meeting = api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": held_on.isoformat()})["id"]
    api.ok("coordinator", "POST", f"/meetings/{meeting}/agenda", {
        "case_id": str(case_id), "invite": [police]})
    api.ok("coordinator", "POST", f"/meetings/{meeting}/research-requests", {
        "case_id": str(case_id), "agencies": [police],
        "due_on": (held_on - timedelta(days=7)).isoformat()})
    action = agree(api, case_id, "police-officer", f"Visit the address ({surname()})", 10)
    found = f"Three call-outs this year ({surname()})"

    sign_in(page, demo, "police-officer")
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.locator(f'[data-meeting="{meeting}"] a[href="/cases/{case_id}"]')).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "my-work.png"), full_page=True)

    page.locator(f'a[href="/cases/{case_id}/research?meeting={meeting}"]').click()
    expect(page.get_by_role("heading", name="Research", exact=True)).to_be_visible()
    # The meeting it was asked for is chosen already.
    expect(page.get_by_label(f"Meeting on {held_on.day} {held_on.strftime('%B %Y')}")
           ).to_be_checked()
    page.get_by_role("button", name="Record research").click()
    expect(page.get_by_role("link", name="Enter what your agency found")).to_be_visible()
    accessible()
    page.get_by_label("What did your agency find?").fill(found)
    page.get_by_role("button", name="Record research").click()
    expect(page.get_by_text("Research recorded")).to_be_visible()
    accessible()

    page.goto(demo.url + "/my-work")
    row = page.locator("#research-list tr", has=page.locator(
        f'a[href="/cases/{case_id}/research?meeting={meeting}"]'))
    expect(row).to_contain_text("Answered")
    page.locator(f'a[href="/cases/{case_id}/actions/{action}/update"]').click()
    expect(page.get_by_role("heading", name="Update an action")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Save the update").click()
    expect(page).to_have_title(re.compile(r"^Error: Update an action\b"))
    for message in ("Enter what has happened",
                    "Select whether the action is still open or how it ended"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()
    page.get_by_label("What has happened?").fill("Visited; safety advice given")
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Save the update").click()
    expect(page.get_by_text("Action updated")).to_be_visible()
    expect(page.locator(f'a[href="/cases/{case_id}/actions/{action}/update"]')).to_have_count(0)
    accessible()

    updated = action_of(api, "police-officer", case_id, action)
    assert updated["outcome"] == "completed"
    assert [n["note"] for n in updated["notes"]] == ["Visited; safety advice given"]
    assert found in [i["text"] for i in api.call(
        "coordinator", "GET", f"/cases/{case_id}", purpose="research")[1]["items"]]


def test_a_coordinator_closes_a_case_carrying_an_action_and_an_agency_acknowledges(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)
    done = agree(api, case_id, "police-officer", f"Mark the address ({surname()})", 7)
    carried = agree(api, case_id, "health-rep", f"Flag the records ({surname()})", 14)

    sign_in(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}")
    give_purpose(page)
    page.get_by_role("link", name="Close the case").click()
    expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Close the case").click()
    expect(page).to_have_title(re.compile(r"^Error: Close the case\b"))
    expect(page.get_by_role("link", name="Enter why the case is closed")).to_be_visible()
    expect(page.get_by_role("link", name="Select what becomes of open action 1")).to_be_visible()
    accessible()

    page.get_by_label("Why is the case closed?").fill("Risk reduced; plan in place")
    page.locator(f'[data-action="{done}"]').get_by_label("Completed").check()
    page.locator(f'[data-action="{carried}"]').get_by_label(
        "Carried on after closure by a named agency").check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("link", name=re.compile(
        r"^Select the agency that carries on open action"))).to_be_visible()
    accessible()
    page.locator(f'[data-action="{carried}"]').get_by_role("combobox").select_option(
        label=HOUSING)
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed", exact=True)).to_be_visible()
    told = page.locator("#told")
    expect(told.get_by_role("row", name=re.compile(HOUSING))).to_contain_text(
        "Not yet acknowledged")
    accessible()

    # Housing now owns the action carried on, and is told of the closure: both on its work.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo, "housing-officer")
    page.get_by_role("link", name="My work").click()
    expect(page.locator(f'a[href="/cases/{case_id}/actions/{carried}/update"]')).to_be_visible()
    accessible()
    page.locator(f'a[href="/cases/{case_id}/closure"]').click()
    expect(page.get_by_role("heading", name="Closure", level=1)).to_be_visible()
    accessible()
    page.get_by_role("button", name="Acknowledge the closure").click()
    expect(page.get_by_text("Closure acknowledged")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge the closure")).to_have_count(0)
    accessible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/closure")
    expect(page.locator("#told").get_by_role("row", name=re.compile(HOUSING))).not_to_contain_text(
        "Not yet")
    expect(page.locator("#told").get_by_role("row", name=re.compile("Demoshire Police"))
           ).to_contain_text("Not yet acknowledged")
    accessible()
    assert action_of(api, "coordinator", case_id, carried)["owner_agency"] == agency_of(
        api, "housing-officer")
