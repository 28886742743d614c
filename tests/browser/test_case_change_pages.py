"""A coordinator adds an action to a case outside a hearing, then withdraws the referral as
entered in error, each from the link on the case page, through its errors to the case page's
banner; axe on every state (each empty form, its errors, each success). With JavaScript on and
off.

The demo here is this module's own (a case is referred, then withdrawn): the other modules'
counts stay as the demo seeds them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.test_access import as_person, banner, new_case


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("case-change-demo")) as served:
        yield served


def errors(page: Page) -> list[str]:
    return page.locator(".govuk-error-summary__list a").all_inner_texts()


def test_a_coordinator_adds_an_action_then_withdraws_the_referral(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    case_id = new_case(demo)
    due = demo.platform.marac.today()
    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}")
    page.get_by_label("Safety planning").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("link", name="Add an action").click()
    expect(page.get_by_role("heading", name="Add an action")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Add the action").click()
    expect(page).to_have_title(re.compile(r"^Error: Add an action"))
    assert errors(page) == ["Select the agency that owns the action",
                            "Select whom the action is for", "Enter what the action is",
                            "Enter the date the action is due by"]
    accessible()
    page.get_by_label("Owner agency").select_option(label="Demoshire Homes")
    page.get_by_label("For", exact=True).select_option(label="The victim")
    page.get_by_label("What is to be done").fill("Change the locks at the address")
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Add the action").click()
    expect(banner(page)).to_contain_text("Action added")
    expect(page.locator("#action-list")).to_contain_text("Change the locks at the address")
    expect(page.locator("#action-list")).to_contain_text("Demoshire Homes")
    accessible()

    page.get_by_role("link", name="Withdraw the referral").click()
    expect(page.get_by_role("heading", name="Withdraw the referral")).to_be_visible()
    expect(page.get_by_text("A withdrawal cannot be undone.")).to_be_visible()
    accessible()
    page.get_by_label("Why is the referral withdrawn?").fill("Referred twice: a duplicate")
    page.get_by_role("button", name="Withdraw the referral").click()
    expect(page).to_have_title(re.compile(r"^Error: Withdraw the referral"))
    assert errors(page) == ["Confirm that the referral was entered in error"]
    expect(page.get_by_label("Why is the referral withdrawn?")).to_have_value(
        "Referred twice: a duplicate")
    accessible()
    page.get_by_label("This referral was entered in error: withdraw it").check()
    page.get_by_role("button", name="Withdraw the referral").click()
    expect(banner(page)).to_contain_text("Referral withdrawn as entered in error")
    expect(page.get_by_role("link", name="Withdraw the referral")).to_have_count(0)
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    accessible()
    assert demo.platform.marac.get_case(case_id).status == "withdrawn"
