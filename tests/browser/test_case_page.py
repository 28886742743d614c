"""The case page in the demo, as a police representative, a coordinator and a health
representative see the case it accepted: the purpose asked once a session and changeable, the
identity bar, the people, the risk, what each may see of the information shared, the actions and
the timeline; a case the person may not see is "Page not found". axe on each state, with
JavaScript on and off."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Accessibility, Demo
from tests.browser.test_sign_in import sign_in

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
FOR_ALL = "Demo note for the whole case."
FOR_COORDINATORS = "Demo note for coordinators only."
FROM_THE_TRUST = "Two emergency department attendances in three months (fictional)."


def open_case(page: Page, demo: Demo, case: str, purpose: str | None = None) -> None:
    """Opens a demo case; `purpose`: the one to give when asked (the test expects the ask)."""
    page.goto(f"{demo.url}/cases/{demo.cases[case]}")
    if purpose is not None:
        expect(page.get_by_role("group", name="Why are you viewing this case?")).to_be_visible()
        page.get_by_label(purpose).check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Case overview", level=1)).to_be_visible()


def shared(page: Page) -> Locator:
    """The information shared, one card an item (the timeline repeats their text)."""
    return page.locator("#shared ~ .govuk-summary-card")


def test_a_police_representative_gives_a_purpose_once_and_sees_their_view_of_the_case(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    sign_in(page, demo, "police-officer")
    page.goto(f"{demo.url}/cases/{demo.cases['accepted']}")
    expect(page).to_have_title(re.compile(r"^Why are you viewing this case\?"))
    accessible()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Why are you viewing this case\?"))
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    accessible()
    page.get_by_role("link", name="Select why you are viewing this case").click()
    page.get_by_label("Research for the case").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Case overview", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Case overview: A\.D\. 1990\b"))
    bar = page.locator(".moj-identity-bar")
    expect(bar).to_contain_text("A.D. 1990")
    expect(bar).to_contain_text("Accepted")
    expect(bar).not_to_contain_text("Restricted")
    expect(page.locator("#purpose")).to_contain_text("Viewing for: Research for the case")
    expect(page.get_by_role("heading", name="Victim: Alexa Demovictim")).to_be_visible()
    expect(page.get_by_role("heading", name="Perpetrator: Demo Perpetrator")).to_be_visible()
    expect(page.locator("#dash-score")).to_have_text("16 of 24 questions answered yes")
    expect(page.locator("#criteria-met")).to_contain_text("Visible high risk")
    expect(page.locator("#dash-yes tbody tr")).to_have_count(16)
    expect(page.locator("#dash-others tbody tr")).to_have_count(8)
    expect(page.locator("#dash-others")).not_to_be_visible()
    page.get_by_text("The other 8 answers").click()
    expect(page.locator("#dash-others")).to_be_visible()
    expect(shared(page).filter(has_text=FOR_ALL)).to_have_count(1)
    expect(shared(page).filter(has_text=FROM_THE_TRUST)).to_have_count(1)
    expect(page.get_by_text(FOR_COORDINATORS)).to_have_count(0)
    actions = page.locator("#action-list tbody tr")
    expect(actions).to_have_count(2)
    expect(actions.filter(has_text="Demoshire Hospitals NHS Trust")).to_contain_text("Open")
    expect(actions.filter(has_text="Demoshire Police")).to_contain_text("Completed")
    expect(page.get_by_role("heading", name="Access", exact=True)).to_have_count(0)
    timeline = page.locator(".moj-timeline__title")
    expect(timeline.last).to_have_text("Referred")
    expect(timeline.filter(has_text="Accepted at the threshold check")).to_have_count(1)
    accessible()

    # Remembered for the session: another case opens without asking.
    open_case(page, demo, "pending")
    expect(page.locator(".moj-identity-bar")).to_contain_text("Referred")
    expect(page.get_by_role("link", name="Decide the threshold")).to_have_count(0)
    page.get_by_role("link", name="Share information").click()
    expect(page).to_have_url(re.compile(r"/share$"))
    page.go_back()
    # …and changeable from the case.
    page.get_by_role("link", name="Change why you are viewing this case").click()
    expect(page.get_by_label("Research for the case")).to_be_checked()
    page.get_by_label("Safety planning").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#purpose")).to_contain_text("Viewing for: Safety planning")
    last = demo.platform.audit.records(demo.cases["pending"])[-1]
    assert (last["actor"], last["action"], last["purpose"]) == (
        "demo-police-officer", "read", "safety_planning")


def test_a_coordinator_sees_the_whole_case_with_its_access_and_restriction(
        page: Page, demo: Demo, accessible: Accessibility, javascript: bool) -> None:
    sign_in(page, demo, "coordinator")
    open_case(page, demo, "accepted", purpose="Preparing for a meeting")
    expect(shared(page).filter(has_text=FOR_COORDINATORS)).to_have_count(1)
    expect(shared(page).filter(has_text=FOR_ALL)).to_have_count(1)
    expect(page.get_by_role("heading", name="Access", exact=True)).to_be_visible()
    expect(page.locator("#access ~ dl").first).to_contain_text("Demoshire Homes")
    expect(page.get_by_role("heading", name="Safeguarding", exact=True)).to_be_visible()
    accessible()
    page.get_by_role("link", name="Manage access to this case").click()
    expect(page).to_have_url(re.compile(r"/access$"))
    page.go_back()
    if javascript:
        page.set_viewport_size({"width": 1280, "height": 900})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "case.png", full_page=True)

    open_case(page, demo, "pending")
    page.get_by_role("link", name="Decide the threshold").click()
    expect(page).to_have_url(re.compile(r"/decision$"))
    open_case(page, demo, "honour_based_abuse")
    expect(page.locator(".moj-identity-bar")).to_contain_text("Restricted")
    expect(page.locator("#access ~ dl").first).to_contain_text("demo-hospital-employee")
    accessible()


def test_a_health_representative_sees_the_trusts_part_of_the_case(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    sign_in(page, demo, "health-rep")
    open_case(page, demo, "accepted", purpose="Following up an action")
    expect(shared(page).filter(has_text=FROM_THE_TRUST)).to_have_count(1)
    expect(shared(page).filter(has_text=FOR_ALL)).to_have_count(1)
    expect(page.get_by_text(FOR_COORDINATORS)).to_have_count(0)
    expect(page.locator("#action-list")).to_contain_text(
        "Flag the victim's hospital records")
    expect(page.get_by_role("heading", name="Access", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Safeguarding", exact=True)).to_have_count(0)
    accessible()


def test_a_case_the_person_may_not_see_is_page_not_found_as_a_missing_one(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    """The hospital employee is excluded from the HBA case (though their trust sees another
    case); a police officer of the MARRAC area sees nothing of Demoshire's cases."""
    for persona, case in (("hospital-employee", "honour_based_abuse"),
                          ("marrac-police-officer", "accepted")):
        sign_in(page, demo, persona)
        page.goto(f"{demo.url}/cases/{demo.cases[case]}")
        page.get_by_label("Research for the case").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        hidden = page.locator("main").inner_html()
        accessible()
        answer = page.goto(f"{demo.url}/cases/{uuid.uuid4()}")
        assert answer is not None
        assert answer.status == 404
        assert page.locator("main").inner_html() == hidden
        answer = page.goto(f"{demo.url}/cases/not-a-case")
        assert answer is not None
        assert answer.status == 404
        assert page.locator("main").inner_html() == hidden
        page.goto(demo.url + "/cases")  # the error pages name nobody: sign out from a page
        page.get_by_role("button", name="Sign out").click()
