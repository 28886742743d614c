"""The coordinators' meetings pages in a browser: a coordinator schedules a meeting (after a
mistake the error summary shows), builds its agenda, moves a case, invites an agency, sends
research requests and sees them outstanding across agencies; reschedules and cancels another
meeting through its confirmation page; and a representative is refused these pages as the
API's coordinator-only reads refuse them. JavaScript on and off; axe on every state.

The scene is the demo's, on a server of this module's own (its meetings change the lists other
modules count)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_sign_in import sign_in

HEALTH = "Demoshire Hospitals NHS Trust"

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("meetings-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def accepted(api: DemoApi) -> UUID:
    """A new referral, accepted at threshold (letters only in its surname: names are
    normalised)."""
    surname = "Demo" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    case_id = api.refer("police-officer", forename="Ann", surname=surname,
                        born=date(1985, 1, 1), yes=15)
    api.ok("coordinator", "POST", f"/cases/{case_id}/decision", {"outcome": "accept"})
    return case_id


def fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def order(api: DemoApi, meeting: str) -> list[str]:
    return [line["case_id"] for line in api.ok("coordinator", "GET", f"/meetings/{meeting}/agenda")]


def test_a_coordinator_schedules_a_meeting_builds_its_agenda_and_asks_for_research(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility,
        javascript: bool) -> None:
    first, second = accepted(api), accepted(api)
    held_on = date.today() + timedelta(days=14 + (1 if javascript else 0))
    sign_in(page, demo, "coordinator")
    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()
    accessible()

    # A mistake first: the error summary, linked to the field.
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Meetings\b"))
    accessible()
    page.get_by_role("link", name="Select the kind of meeting").click()
    page.get_by_label("Standard MARAC").check()
    fill_date(page, "Date of the meeting", held_on)
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_text("Meeting scheduled")).to_be_visible()
    meeting = re.fullmatch(rf"{demo.url}/meetings/([0-9a-f-]{{36}})\?done=scheduled",
                           page.url)
    assert meeting
    meeting_id = meeting.group(1)
    expect(page.get_by_text("No case is on the agenda yet.")).to_be_visible()
    accessible()
    assert api.ok("coordinator", "GET", f"/meetings/{meeting_id}")["held_on"] == (
        held_on.isoformat())

    for case_id in (first, second):
        page.locator(f'input[name="case"][value="{case_id}"]').check()
        page.get_by_role("button", name="Add to the agenda").click()
        expect(page.get_by_text("Case added to the agenda")).to_be_visible()
    accessible()
    assert order(api, meeting_id) == [str(first), str(second)]

    page.locator(f'tr[data-case="{second}"]').get_by_role(
        "button", name=re.compile(r"^Move up")).click()
    expect(page.get_by_text("Agenda order changed")).to_be_visible()
    expect(page.locator("#agenda-table tbody tr").first).to_have_attribute(
        "data-case", str(second))
    accessible()
    assert order(api, meeting_id) == [str(second), str(first)]

    page.locator(f'tr[data-case="{second}"]').get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("on the agenda$"))).to_be_visible()
    accessible()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("link", name="Select the agency to invite")).to_be_visible()
    accessible()
    page.get_by_label(HEALTH).check()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Agency invited")).to_be_visible()
    accessible()
    assert api.call("health-rep", "GET", f"/cases/{second}", purpose="research")[0] == 200

    page.get_by_label(HEALTH).check()
    fill_date(page, "Due by", date.today() + timedelta(days=5))
    page.get_by_role("button", name="Send research requests").click()
    expect(page.get_by_text("Research requested")).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "research-requested.png"), full_page=True)

    page.get_by_role("link", name="Back to the agenda").click()
    page.get_by_role("link", name="Research requested for this meeting").click()
    expect(page.get_by_role("heading", name="Research requests")).to_be_visible()
    row = page.locator(f'tr[data-case="{second}"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(HEALTH)
    expect(row).to_contain_text("Requested")
    accessible()
    # Every meeting's outstanding research, filtered to the agency.
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Agency").select_option(label=HEALTH)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(f'tr[data-case="{second}"]')).to_have_count(1)
    expect(page.locator("#research-requests tbody tr")).to_have_count(
        page.locator(f"#research-requests tbody tr:has-text('{HEALTH}')").count())
    accessible()
    outstanding = api.ok("coordinator", "GET", "/research-requests/outstanding")
    assert any(r["case_id"] == str(second) and r["agency_name"] == HEALTH
               for r in outstanding)

    # Taken off the agenda, with a reason, through its confirmation page.
    page.goto(f"{demo.url}/meetings/{meeting_id}")
    page.locator(f'tr[data-case="{first}"]').get_by_role(
        "link", name=re.compile(r"^Remove")).click()
    expect(page.get_by_role("heading", name=re.compile("^Remove .* from the agenda$"))
           ).to_be_visible()
    accessible()
    page.get_by_label("Why is it removed?").fill("Heard at the daily triage")
    page.get_by_role("button", name="Remove from the agenda").click()
    expect(page.get_by_text("Case removed from the agenda")).to_be_visible()
    accessible()
    assert order(api, meeting_id) == [str(second)]


def test_a_coordinator_reschedules_and_cancels_a_meeting(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    held_on = date.today() + timedelta(days=21)
    meeting_id = api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": held_on.isoformat()})["id"]
    sign_in(page, demo, "coordinator")
    page.get_by_role("link", name="Meetings").click()
    row = page.locator(f'tr[data-meeting="{meeting_id}"]')
    row.get_by_role("link", name=re.compile("^Reschedule")).click()
    expect(page.get_by_role("heading", name="Reschedule the meeting")).to_be_visible()
    fill_date(page, "New date", held_on + timedelta(days=7))
    page.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_role("link", name="Enter why the meeting is moved")).to_be_visible()
    accessible()
    page.get_by_label("Why is it moved?").fill("Room unavailable")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_text("Meeting rescheduled")).to_be_visible()
    assert api.ok("coordinator", "GET", f"/meetings/{meeting_id}")["held_on"] == (
        held_on + timedelta(days=7)).isoformat()

    page.get_by_role("link", name="Cancel the meeting").click()
    expect(page.get_by_role("heading", name="Cancel the meeting")).to_be_visible()
    accessible()
    page.get_by_label("Why is it cancelled?").fill("Chair unavailable")
    page.get_by_role("button", name="Cancel the meeting").click()
    expect(page.get_by_text("Meeting cancelled")).to_be_visible()
    expect(page.locator(f'tr[data-meeting="{meeting_id}"]')).to_contain_text("Cancelled")
    accessible()
    assert api.ok("coordinator", "GET", f"/meetings/{meeting_id}")["status"] == "cancelled"


def test_a_representative_does_not_reach_the_meetings_pages(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    meeting_id = api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": (date.today() + timedelta(days=30)).isoformat()})["id"]
    sign_in(page, demo, "police-officer")
    expect(page.get_by_role("link", name="Meetings")).to_have_count(0)
    for path in ("/meetings", f"/meetings/{meeting_id}", "/research-requests"):
        answer = page.goto(demo.url + path)
        assert answer is not None
        assert answer.status == 403
        expect(page.get_by_role("heading", name="You do not have access to this page")
               ).to_be_visible()
    accessible()
    # As the API refuses them the research across agencies.
    assert api.call("police-officer", "GET", "/research-requests/outstanding")[0] == 403
