"""A MARRAC case co-ordinator works a case on its page in Chromium, with JavaScript on and off:
the page reached from the case, a contact with a mistake corrected through the error summary,
needs and the first step recorded; axe finds nothing at each state."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

from playwright.sync_api import Page, expect

from api.demo import demo_ids
from bench.read import bench_referral
from tests.browser.conftest import Accessibility, Demo
from tests.browser.test_sign_in import sign_in

SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "marrac.png"


def allocated_case(demo: Demo, n: int) -> UUID:
    ids = demo_ids()
    app = demo.platform.marac
    case_id = app.refer(bench_referral(ids.marrac_area_id, ids.marrac_agencies["police"], n))
    app.allocate(case_id, "demo-case-coordinator-1", by="demo-team-leader")
    demo.platform.runner.catch_up()
    return case_id


def test_a_case_coordinator_records_time_needs_and_a_step(
        page: Page, demo: Demo, javascript: bool, accessible: Accessibility) -> None:
    case_id = allocated_case(demo, 9_000 + int(javascript))
    sign_in(page, demo, "case-coordinator-1")
    page.goto(f"{demo.url}/cases/{case_id}/marrac")  # the purpose first, then back here
    page.get_by_label("Safety planning").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="MARRAC case work")).to_be_visible()
    expect(page.get_by_text("demo-case-coordinator-1")).to_be_visible()
    accessible()
    page.get_by_role("link", name="Back to the case").click()  # and from the case, again
    page.get_by_role("link", name="MARRAC case work").click()
    expect(page.get_by_role("heading", name="MARRAC case work")).to_be_visible()

    contact = page.locator("form[action$='/marrac/contact']")
    contact.get_by_label("How long?").fill("forty")
    contact.get_by_role("button", name="Record time").click()
    expect(page).to_have_title(re.compile(r"^Error: MARRAC case work"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select who it was")
    expect(summary).to_contain_text("Enter the minutes spent as a number, like 40")
    accessible()
    summary.get_by_role("link", name="Select who it was").click()

    contact = page.locator("form[action$='/marrac/contact']")
    contact.get_by_label("Victim").check()
    contact.get_by_label("How long?").fill("40")
    contact.get_by_role("button", name="Record time").click()
    expect(page.get_by_text("Contact recorded")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("40 minutes")

    needs = page.locator("form[action$='/marrac/needs']")
    needs.get_by_label("Perpetrator").check()
    needs.get_by_label("Their needs").fill("Alcohol support")
    needs.get_by_role("button", name="Record needs").click()
    expect(page.get_by_text("Needs recorded")).to_be_visible()

    page.get_by_role("button", name="Complete “Gather and assess”").click()
    expect(page.get_by_text("Step completed")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Gather and assess: done"))).to_be_visible()
    accessible()
    if javascript:
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_the_team_leader_allocates_from_the_board(
        page: Page, demo: Demo, javascript: bool, accessible: Accessibility) -> None:
    ids = demo_ids()
    case_id = demo.platform.marac.refer(bench_referral(
        ids.marrac_area_id, ids.marrac_agencies["police"], 9_100 + int(javascript)))
    demo.platform.runner.catch_up()
    sign_in(page, demo, "team-leader")
    page.get_by_role("link", name="Allocation").click()
    expect(page.get_by_role("heading", name="Allocate cases")).to_be_visible()
    page.get_by_label("Your team's case co-ordinators").fill(
        "demo-case-coordinator-1\ndemo-case-coordinator-2")
    page.get_by_role("button", name="Show the team's cases").click()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOT.with_name("allocation.png")), full_page=True)
    card = page.locator(".govuk-summary-card").filter(
        has=page.locator(f"input[name=case][value='{case_id}']"))
    card.get_by_label("demo-case-coordinator-2", exact=False).check()
    card.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Case allocated")).to_be_visible()
    expect(page.locator(f"input[name=case][value='{case_id}']")).to_have_count(0)
    accessible()
