"""The coordinator's safeguarding and review pages, as people use them in the browser: from a
case page, record an onward referral and whether the case is open to social care (each form
sent incomplete first: the error summary); from the navigation, the case reviews (a window
typed, and mistyped) and the failed notifications. JavaScript on and off; axe on every state.

On a server of this module's own: its cases and failed notices change what other modules
count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from notifications.notices import notice
from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_my_work import give_purpose
from tests.browser.test_sharing_pages import accepted_case, agency_of
from tests.browser.test_sign_in import sign_in


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("safeguarding-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def test_a_coordinator_records_an_onward_referral_and_social_care_from_the_case_page(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)
    today = date.today()

    sign_in(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}")
    give_purpose(page)
    page.get_by_role("link", name="Add an onward referral").click()
    expect(page.get_by_role("heading", name="Onward referrals", level=1)).to_be_visible()
    accessible()
    page.get_by_role("button", name="Record the onward referral").click()
    expect(page).to_have_title(re.compile(r"^Error: Onward referrals\b"))
    for message in ("Select where the case was referred on to",
                    "Enter the date of the onward referral"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()
    page.get_by_label("MASH (multi-agency safeguarding hub)").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the onward referral").click()
    expect(page.get_by_text("Onward referral recorded")).to_be_visible()
    expect(page.locator("#onward-referrals")).to_contain_text(
        "MASH (multi-agency safeguarding hub)")
    accessible()

    page.get_by_role("link", name="Back to the case").click()
    page.get_by_role("link", name="Record whether the case is open to social care").click()
    expect(page.get_by_role("heading", name="Social care", level=1)).to_be_visible()
    page.get_by_role("button", name="Record social care").click()
    for message in ("Select whether the case is open to children's social care",
                    "Select whether the case is open to adult social care"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()
    page.get_by_role("group", name="Is the case open to children's social care?").get_by_label(
        "Yes").check()
    page.get_by_role("group", name="Is the case open to adult social care?").get_by_label(
        "No").check()
    page.get_by_role("button", name="Record social care").click()
    expect(page.get_by_text("Social care recorded")).to_be_visible()
    expect(page.locator("#social-care")).to_contain_text("Open to children's social care Yes")
    accessible()

    status, view = api.call("coordinator", "GET", f"/cases/{case_id}", purpose="research")
    assert status == 200, view
    assert [o["to"] for o in view["safeguarding"]["onward_referrals"]] == ["mash"]
    care = view["safeguarding"]["social_care"]
    assert (care["childrens"], care["adult"]) == (True, False)


def test_a_coordinator_finds_case_reviews_and_failed_notifications_in_the_navigation(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)  # referred today: its anniversary is a year away
    restricted = demo.cases["honour_based_abuse"]  # due its review 90 days after restriction
    _, personas = api._send("GET", "/dev/personas", None, {})
    area = UUID(next(p["area_id"] for p in personas if p["name"] == "coordinator"))
    failed = notice(f"browser-{case_id}", "action_assigned", area,
                    UUID(agency_of(api, "police-officer")), case_id=case_id)
    now = demo.platform.now()
    demo.platform.notices.add(failed, now - timedelta(days=1))
    demo.platform.notices.failed([failed.message_id], now, "smtp:550")

    sign_in(page, demo, "coordinator")
    page.get_by_role("link", name="Case reviews").click()
    expect(page.get_by_role("heading", name="Case reviews", level=1)).to_be_visible()
    accessible()
    page.get_by_label("Show what is due within").fill("366")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(f'#anniversary-list a[href="/cases/{case_id}"]')).to_be_visible()
    expect(page.locator(f'#restriction-list a[href="/cases/{restricted}/access#restriction"]')
           ).to_be_visible()
    accessible()
    page.get_by_label("Show what is due within").fill("a year")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_title(re.compile(r"^Error: Case reviews\b"))
    expect(page.get_by_role("link", name="Enter a whole number of days from 0 to 366, like 30")
           ).to_be_visible()
    accessible()

    page.get_by_role("link", name="Failed notifications").click()
    expect(page.get_by_role("heading", name="Failed notifications", level=1)).to_be_visible()
    card = page.locator(f'[data-message="{failed.message_id}"]')
    expect(card).to_contain_text("Refused for good (reply code 550)")
    expect(card.get_by_role("link", name=f"Case {str(case_id)[:8]}")).to_be_visible()
    accessible()
