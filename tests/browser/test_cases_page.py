"""The cases page: the list the policy gives the person, its filters, order and search (which
asks why), each state checked with axe; and pages that do not exist. JavaScript on and off."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo
from tests.browser.test_sign_in import sign_in


def shown(page: Page) -> list[str]:
    return page.locator("tbody tr").all_inner_texts()


def test_the_filters_narrow_the_list(page: Page, demo: Demo,
                                     accessible: Accessibility) -> None:
    sign_in(page, demo, "coordinator")
    page.get_by_label("Only restricted cases").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("1 case")
    accessible()
    page.get_by_label("Only cases that are not restricted").check()
    page.get_by_label("Status").select_option("declined")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("1 case")
    assert "Declined" in shown(page)[0]
    page.get_by_label("Status").select_option("")
    page.get_by_label("Show all").check()
    page.get_by_label("Sort by").select_option("oldest")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("5 cases")
    oldest_first = shown(page)
    page.get_by_label("Sort by").select_option("newest")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("5 cases")
    assert shown(page) == list(reversed(oldest_first))
    accessible()


def test_my_agencys_cases_are_those_it_is_involved_in(page: Page, demo: Demo) -> None:
    """The housing officer's agency was granted one case, and referred none: the list shows it,
    and "my agency's" does not (a grant is not involvement)."""
    sign_in(page, demo, "housing-officer")
    expect(page.locator("#result-count")).to_have_text("1 case")
    page.get_by_label("Only my agency's cases").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("0 cases")
    expect(page.get_by_text("There are no cases to show.")).to_be_visible()


def test_each_listed_case_links_to_its_page(page: Page, demo: Demo) -> None:
    sign_in(page, demo, "idva")
    links = page.locator("tbody tr a")
    assert links.count() >= 1
    for n in range(links.count()):
        href = links.nth(n).get_attribute("href")
        assert href is not None
        assert href.startswith("/cases/")
        expect(links.nth(n)).to_have_text(f"Case {href.removeprefix('/cases/')[:8]}")


def test_a_search_asks_why_and_finds_the_cases_the_person_may_see(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    sign_in(page, demo, "coordinator")
    page.get_by_label("Surname").fill("Demovictim")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Cases\b"))
    accessible()
    page.get_by_role("link", name="Select why you are searching").click()
    page.get_by_label("Why are you searching?").select_option("meeting_preparation")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text("2 cases found")
    accessible()
    # The purpose is offered again for the next search.
    page.get_by_role("link", name="Back to all your cases").click()
    expect(page.get_by_label("Why are you searching?")).to_have_value("meeting_preparation")
    page.get_by_label("Surname").fill("Demovictim")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Date of birth must be a real date, like 14 3 1987")
           ).to_be_visible()
    accessible()


def test_a_search_finds_only_what_the_person_may_see(page: Page, demo: Demo) -> None:
    """The restricted 'honour'-based abuse case: a named member finds it; the hospital employee
    excluded from it finds nothing, as for a name that is nowhere."""
    for persona, found in (("police-officer", "1 case found"), ("hospital-employee",
                                                                "0 cases found")):
        sign_in(page, demo, persona)
        page.get_by_label("Surname").fill("Demohonour")
        page.get_by_label("Day").fill("7")
        page.get_by_label("Month").fill("7")
        page.get_by_label("Year").fill("1999")
        page.get_by_label("Why are you searching?").select_option("research")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#result-count")).to_have_text(found)
        page.get_by_role("button", name="Sign out").click()


def test_a_page_that_does_not_exist_is_not_found(page: Page, demo: Demo,
                                                accessible: Accessibility) -> None:
    sign_in(page, demo, "idva")
    answer = page.goto(demo.url + "/no-such-page")
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    accessible()
    # A case address asks why first (whether or not the case exists: the same for all).
    page.goto(f"{demo.url}/cases/{uuid.uuid4()}")
    page.get_by_label("Research for the case").check()
    with page.expect_navigation() as answered:
        page.get_by_role("button", name="Continue").click()
    answer = answered.value
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_role_that_reads_no_cases_is_told_so(page: Page, demo: Demo,
                                               accessible: Accessibility) -> None:
    sign_in_as_dpo = page.goto(demo.url + "/sign-in")
    assert sign_in_as_dpo is not None
    page.get_by_label("dpo", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(demo.url + "/audit")  # a DPO's pages start at the audit trail
    expect(page.get_by_role("link", name="Cases", exact=True)).to_have_count(0)
    page.goto(demo.url + "/cases")  # and the cases, typed, are not theirs
    expect(page.get_by_role("heading", name="You do not have access to this page")
           ).to_be_visible()
    accessible()
