"""Integration feeds as a coordinator sets them up in the browser: the menu's Feeds, a new
feed sent incomplete (the error summary) then complete, the page saying what the agency's
system does next, the system taking the feed on through the API, and a replay asked for
(incomplete first). JavaScript on and off; axe on every state.

On the session's demo server: a feed of its own client id each run, which no other module
counts."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_sign_in import sign_in

# The demo's police integration client (api/demo.py), which takes the feed on.
CLIENT = "demo-police-integration"


def test_a_coordinator_sets_up_a_feed_its_client_takes_on_and_replays_it(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    api = DemoApi(demo)
    sign_in(page, demo, "coordinator")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Feeds").click()
    expect(page.get_by_role("heading", name="Feeds", level=1)).to_be_visible()
    accessible()

    page.get_by_role("button", name="Set up a feed").click()
    page.get_by_role("button", name="Set up the feed").click()
    expect(page).to_have_title(re.compile(r"^Error: Set up a feed\b"))
    for message in ("Enter the integration client id", "Select the agency the feed is for",
                    "Select at least one event type"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()

    page.get_by_label("Integration client id").fill(CLIENT)
    page.get_by_label("Agency", exact=True).select_option(label="Demoshire Police")
    page.get_by_label("case.referred.v1").check()
    page.get_by_label("case.closed.v1").check()
    page.get_by_label("Webhook endpoint (optional)").fill("https://127.0.0.1:9/hook")
    page.get_by_role("button", name="Set up the feed").click()
    expect(page.get_by_text("Feed set up: pending until its client takes it on")).to_be_visible()
    expect(page.get_by_role("heading", name="What the agency's system does next")).to_be_visible()
    feed = page.url.split("/feeds/", 1)[1].split("?", 1)[0]
    expect(page.get_by_text(f"POST /api/v1/feeds/{feed}/activation")).to_be_visible()
    expect(page.get_by_role("button", name="Deliver again")).to_have_count(0)
    accessible()

    # The agency's system takes it on, with its own token; the page then offers a replay.
    taken = api.ok("police-integration", "POST", f"/feeds/{feed}/activation")
    assert taken["secret"] not in page.content()
    page.reload()
    expect(page.locator("#feed")).to_contain_text("Active")
    page.get_by_role("button", name="Deliver again").click()
    expect(page.get_by_role("link", name="Enter the event number to deliver again from, like 1")
           ).to_be_visible()
    accessible()
    page.get_by_label("From event number").fill("1")
    page.get_by_role("button", name="Deliver again").click()
    expect(page.get_by_text("Replay requested: the events will be delivered again")
           ).to_be_visible()
    accessible()

    page.get_by_role("link", name="Back to feeds").click()
    row = page.locator(f'[data-feed="{feed}"]')
    expect(row).to_contain_text("Demoshire Police")
    expect(row).to_contain_text("Active")
    assert api.ok("coordinator", "GET", "/subscriptions")[0]["id"] == feed
