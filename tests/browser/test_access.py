"""A case's access pages: a coordinator grants an agency access until a day and revokes it,
restricts a case to members (and lifts it), excludes a person; a representative who may not
see a case asks for emergency access with a reason and sees the time left. Each person's own
list (and "Page not found") shows what the change did; every state is checked with axe. With
JavaScript on and off.

The demo here is this module's own (its clock is moved on, and its cases changed): the other
modules' counts stay as the demo seeds them. Each test refers its own case."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from api.demo import demo_ids
from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.test_sign_in import sign_in
from tests.factories import referral

SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "access.png"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("access-demo")) as served:
        yield served


def new_case(demo: Demo) -> UUID:
    """An accepted case the police referred: the police and the coordinators see it."""
    app, ids = demo.platform.marac, demo_ids()
    case_id = app.refer(referral(ids.area_id, ids.agencies["police"], referred_on=app.today()))
    app.accept(case_id, "demo-coordinator")
    demo.platform.runner.catch_up()
    return case_id


def move_clock_on(demo: Demo, by: timedelta) -> None:
    assert demo.platform.demo_clock is not None
    demo.platform.demo_clock.advance(by)


def as_person(page: Page, demo: Demo, persona: str) -> None:
    """Signed in afresh as `persona` (whoever was signed in, signed out)."""
    if page.url.startswith(demo.url):
        page.goto(demo.url + "/cases")  # error pages show no sign-out form
    signed_out = page.get_by_role("button", name="Sign out")
    if signed_out.count():
        signed_out.click()
    sign_in(page, demo, persona)


def banner(page: Page) -> Locator:
    """What the change just made says at the top of the page."""
    return page.locator(".govuk-notification-banner")


def listed(page: Page, demo: Demo, case_id: UUID) -> bool:
    page.goto(demo.url + "/cases")
    return page.locator(f'a[href="/cases/{case_id}"]').count() == 1


def not_found(page: Page, demo: Demo, path: str) -> str:
    answer = page.goto(demo.url + path)
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    return page.locator("main").inner_html()


def test_a_coordinator_grants_an_agency_access_until_a_day_and_revokes_it(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "housing-officer")
    assert not listed(page, demo, case_id)

    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    expect(page.get_by_role("heading", name="Who may see this case")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the case")).to_have_attribute(
        "href", f"/cases/{case_id}")
    expect(page.get_by_text("No agency or person holds a grant now.")).to_be_visible()
    accessible()
    page.get_by_label("An agency").check()
    page.get_by_label("Agency", exact=True).select_option(label="Demoshire Homes")
    page.locator("#grant-expiry-day").fill("31")
    page.locator("#grant-expiry-month").fill("12")
    page.locator("#grant-expiry-year").fill(str(demo.platform.marac.today().year + 1))
    page.get_by_label("Why access is granted").fill("Housing need identified at triage")
    page.get_by_role("button", name="Grant access").click()
    expect(banner(page)).to_contain_text("Access granted")
    current = page.locator("table", has_text="Current grants")
    expect(current).to_contain_text("Demoshire Homes")
    expect(current).to_contain_text(f"31 December {demo.platform.marac.today().year + 1} "
                                    "at 11:59pm")
    accessible()

    as_person(page, demo, "housing-officer")
    assert listed(page, demo, case_id)

    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_role("link", name="Revoke access for Demoshire Homes").click()
    expect(page.get_by_role("heading", name="Revoke access for Demoshire Homes")).to_be_visible()
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_role("link", name="Enter why access is revoked")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Revoke access"))
    accessible()
    page.get_by_label("Why access is revoked").fill("Housing need met")
    page.get_by_role("button", name="Revoke access").click()
    expect(banner(page)).to_contain_text("Access revoked")
    expect(page.get_by_text("No agency or person holds a grant now.")).to_be_visible()

    as_person(page, demo, "housing-officer")
    assert not listed(page, demo, case_id)


def test_a_grant_that_has_run_out_is_listed_as_expired(page: Page, demo: Demo) -> None:
    case_id = new_case(demo)
    tomorrow = demo.platform.marac.today() + timedelta(days=1)
    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_label("A person").check()
    page.get_by_label("Staff identifier", exact=True).fill("demo-social-worker")
    page.locator("#grant-expiry-day").fill(str(tomorrow.day))
    page.locator("#grant-expiry-month").fill(str(tomorrow.month))
    page.locator("#grant-expiry-year").fill(str(tomorrow.year))
    page.get_by_label("At (optional)").fill("9:00")
    page.get_by_label("Why access is granted").fill("Child protection conference")
    page.get_by_role("button", name="Grant access").click()
    expect(page.locator("table", has_text="Current grants")).to_contain_text(
        "demo-social-worker (person)")
    move_clock_on(demo, timedelta(days=2))
    as_person(page, demo, "coordinator")  # the clock's move ended the session
    page.goto(f"{demo.url}/cases/{case_id}/access")
    expect(page.locator("table", has_text="Expired grants")).to_contain_text(
        "demo-social-worker (person)")
    expect(page.locator("table", has_text="Current grants")).to_have_count(0)


def test_the_grant_form_says_what_is_wrong(page: Page, demo: Demo,
                                           accessible: Accessibility) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_role("button", name="Grant access").click()
    expect(page).to_have_title(re.compile(r"^Error: Who may see case"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether to grant access to an agency or a person")
    expect(summary).to_contain_text("Enter why access is granted")
    accessible()
    page.get_by_label("An agency").check()
    page.get_by_label("Why access is granted").fill("Invited to the next hearing")
    page.get_by_role("button", name="Grant access").click()
    expect(summary).to_contain_text("Select an agency from the list")
    accessible()
    page.get_by_label("A person").check()
    page.get_by_label("Staff identifier", exact=True).fill("Jane Smith")
    page.get_by_role("button", name="Grant access").click()
    expect(summary).to_contain_text("not a name")
    page.get_by_label("Staff identifier", exact=True).fill("demo-probation-officer")
    last_year = demo.platform.marac.today().year - 1
    page.locator("#grant-expiry-day").fill("1")
    page.locator("#grant-expiry-month").fill("2")
    page.locator("#grant-expiry-year").fill(str(last_year))
    page.get_by_role("button", name="Grant access").click()
    expect(page.get_by_role("link", name="The expiry must be in the future")).to_be_visible()
    # What was typed is kept.
    expect(page.get_by_label("Why access is granted")).to_have_value(
        "Invited to the next hearing")
    accessible()
    page.get_by_role("link", name="The expiry must be in the future").click()
    expect(page.locator("#grant-expiry-day")).to_be_focused()
    page.locator("#grant-expiry-month").fill("13")
    page.get_by_role("button", name="Grant access").click()
    expect(summary).to_contain_text("The expiry date must be a real date")
    expect(page.locator("table", has_text="Current grants")).to_have_count(0)


def test_a_restricted_case_is_not_found_by_anyone_outside_it_until_lifted(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "police-officer")  # the referring agency's
    assert listed(page, demo, case_id)
    missing = not_found(page, demo, f"/cases/{uuid.uuid4()}")

    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_label("Members", exact=True).fill("demo-idva\ndemo-chair")
    page.get_by_label("Harmful Practices Expert Service").check()
    page.get_by_role("button", name="Restrict the case").click()
    expect(page.get_by_role("link", name="Enter why the case is restricted")).to_be_visible()
    expect(page.get_by_label("Members", exact=True)).to_have_value("demo-idva\ndemo-chair")
    accessible()
    page.get_by_label("Why the case is restricted").fill("A member of staff is related to "
                                                         "the perpetrator")
    page.get_by_role("button", name="Restrict the case").click()
    expect(banner(page)).to_contain_text("The case is restricted to its members")
    members = page.locator(".govuk-summary-list")
    for member in ("demo-idva", "demo-chair", "demo-coordinator",
                   "Harmful Practices Expert Service"):
        expect(members).to_contain_text(member)
    accessible()

    as_person(page, demo, "police-officer")
    assert not listed(page, demo, case_id)
    assert not_found(page, demo, f"/cases/{case_id}") == missing
    assert not_found(page, demo, f"/cases/{case_id}/access") == missing
    as_person(page, demo, "idva")
    assert listed(page, demo, case_id)

    # Members changed: the IDVA is no longer one.
    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_label("Members", exact=True).fill("demo-chair")
    page.get_by_label("Why the members change").fill("The IDVA has handed the case on")
    page.get_by_role("button", name="Change the members").click()
    expect(page.locator(".govuk-summary-list")).not_to_contain_text("demo-idva")
    as_person(page, demo, "idva")
    assert not listed(page, demo, case_id)

    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    page.get_by_label("Lift the restriction").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("link", name="Enter the reason for your decision")).to_be_visible()
    accessible()
    page.get_by_label("Reason for your decision").fill("The member of staff has left")
    page.get_by_role("button", name="Record the review").click()
    expect(banner(page)).to_contain_text("The restriction is lifted")
    expect(page.get_by_text("This case is not restricted.")).to_be_visible()
    as_person(page, demo, "police-officer")
    assert listed(page, demo, case_id)


def test_an_excluded_person_is_told_the_case_is_not_found(
        page: Page, demo: Demo, accessible: Accessibility, javascript: bool) -> None:
    """The hospital's representatives are given the case; the relative of the family who
    works at the hospital is excluded from it."""
    case_id = new_case(demo)
    demo.platform.marac.grant_access(case_id, by="demo-coordinator", reason="Health history",
                                     agency_id=demo_ids().agencies["health"])
    demo.platform.runner.catch_up()
    as_person(page, demo, "hospital-employee")
    assert listed(page, demo, case_id)
    missing = not_found(page, demo, f"/cases/{uuid.uuid4()}")

    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    expect(page.get_by_text("Nobody is excluded.")).to_be_visible()
    page.get_by_label("Staff identifier of the person to exclude").fill("A Relative")
    page.get_by_role("button", name="Exclude this person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("not a name")
    expect(summary).to_contain_text("Enter why this person is excluded")
    accessible()
    page.get_by_label("Staff identifier of the person to exclude").fill(
        "demo-hospital-employee")
    page.get_by_label("Why they are excluded").fill("Related to the victim's family")
    page.get_by_role("button", name="Exclude this person").click()
    expect(banner(page)).to_contain_text("The person is excluded from the case")
    expect(page.locator("table", has_text="Excluded from this case")).to_contain_text(
        "demo-hospital-employee")
    accessible()
    if javascript:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    as_person(page, demo, "hospital-employee")
    assert not listed(page, demo, case_id)
    assert not_found(page, demo, f"/cases/{case_id}") == missing
    as_person(page, demo, "health-rep")
    assert listed(page, demo, case_id)


def test_break_glass_opens_a_case_for_the_time_chosen_and_shows_the_time_left(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "housing-officer")
    assert not listed(page, demo, case_id)
    page.goto(f"{demo.url}/cases/{case_id}/break-glass")  # none open: the form, with the case
    expect(page.get_by_role("heading", name="Emergency access to a case")).to_be_visible()
    expect(page.get_by_text("reviewed by the data protection officer")).to_be_visible()
    expect(page.get_by_label("Case reference")).to_have_value(str(case_id))
    accessible()
    page.get_by_label("Case reference").fill("")
    page.get_by_role("button", name="Open the case in an emergency").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the case reference")
    expect(summary).to_contain_text("Enter why you need emergency access now")
    expect(page).to_have_title(re.compile(r"^Error: Emergency access"))
    accessible()
    page.get_by_label("Case reference").fill(f"{demo.url}/cases/{case_id}")
    page.get_by_label("Why you need emergency access now").fill(
        "Victim at the housing office now, at risk; the coordinators are not answering")
    page.get_by_label("30 minutes").check()
    page.get_by_role("button", name="Open the case in an emergency").click()
    expect(page.get_by_role("heading", name=f"You have emergency access to case "
                                            f"{str(case_id)[:8]}")).to_be_visible()
    expect(page.locator("#time-left")).to_contain_text("30 minutes left")
    accessible()
    assert listed(page, demo, case_id)

    move_clock_on(demo, timedelta(minutes=20))
    page.goto(f"{demo.url}/cases/{case_id}/break-glass")
    expect(page.locator("#time-left")).to_contain_text("10 minutes left")
    move_clock_on(demo, timedelta(minutes=10))
    page.goto(f"{demo.url}/cases/{case_id}/break-glass")
    expect(page.get_by_role("heading", name="Emergency access to a case")).to_be_visible()
    assert not listed(page, demo, case_id)


def test_break_glass_answers_alike_for_a_restricted_case_and_none(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    """As the API does: a reference that opens nothing is "not found", whatever it names."""
    restricted = new_case(demo)
    demo.platform.marac.restrict(restricted, by="demo-coordinator", reason="Staff case",
                                 members={"demo-chair"})
    demo.platform.runner.catch_up()
    as_person(page, demo, "housing-officer")
    answers = []
    for reference in (restricted, uuid.uuid4()):
        page.goto(demo.url + "/break-glass")
        page.get_by_label("Case reference").fill(str(reference))
        page.get_by_label("Why you need emergency access now").fill("Victim here now")
        with page.expect_response(demo.url + "/break-glass") as posted:
            page.get_by_role("button", name="Open the case in an emergency").click()
        assert posted.value.status == 404
        answers.append(page.locator(".govuk-error-summary").inner_html())
    assert answers[0] == answers[1]
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "No case that you can open in an emergency has this reference")
    accessible()


def test_one_who_sees_the_case_already_is_told_so(page: Page, demo: Demo) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "police-officer")
    page.goto(f"{demo.url}/break-glass?case={case_id}")
    page.get_by_label("Why you need emergency access now").fill("Out of hours")
    page.get_by_role("button", name="Open the case in an emergency").click()
    expect(page.get_by_role("heading", name=f"You can already see case {str(case_id)[:8]}")
           ).to_be_visible()


def test_only_the_areas_coordinators_manage_access(page: Page, demo: Demo) -> None:
    case_id = new_case(demo)
    as_person(page, demo, "police-officer")  # sees the case, may not manage it
    answer = page.goto(f"{demo.url}/cases/{case_id}/access")
    assert answer is not None
    assert answer.status == 403


def test_forms_posted_by_hand_change_nothing_they_may_not(
        page: Page, context: BrowserContext, demo: Demo) -> None:
    """Without the session's CSRF token: refused. An agency the form did not offer: an error
    to correct. A case the person may not see: not found, as a missing one."""
    case_id = new_case(demo)
    as_person(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{case_id}/access")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    grant = {"form": "grant", "grant-to": "agency", "grant-reason": "Hearing"}
    refused = context.request.post(f"{demo.url}/cases/{case_id}/access/grants",
                                   form={**grant, "grant-agency": str(demo_ids().agencies["idva"])},
                                   max_redirects=0)
    assert refused.status == 403
    unknown = context.request.post(f"{demo.url}/cases/{case_id}/access/grants",
                                   form={**grant, "csrf_token": token,
                                         "grant-agency": str(uuid.uuid4())}, max_redirects=0)
    assert unknown.status == 400
    assert "Select an agency from the list" in unknown.text()
    page.goto(f"{demo.url}/cases/{case_id}/access")
    expect(page.get_by_text("No agency or person holds a grant now.")).to_be_visible()

    demo.platform.marac.restrict(case_id, by="demo-chair", reason="Staff case", members=set())
    demo.platform.runner.catch_up()
    page.goto(f"{demo.url}/cases")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answers = [context.request.post(f"{demo.url}/cases/{c}/access/exclusions", form={
        "form": "exclude", "csrf_token": token or "", "exclude-person": "demo-idva",
        "exclude-reason": "Neighbour"}, max_redirects=0) for c in (case_id, uuid.uuid4())]
    assert [a.status for a in answers] == [404, 404]
    assert answers[0].text() == answers[1].text()
