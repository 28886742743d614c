"""The threshold decision pages: the coordinators' list of referrals awaiting a decision and a
referral's decision page, with the possible repeats beside the form; a decline without a
reason corrected through the error summary; and a person who may not decide refused exactly as
the API refuses them. JavaScript on and off; axe on every state.

The scene is the demo's, on a server of this module's own (its decisions change the lists
other modules count)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_sign_in import sign_in

SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "decision.png"
JUDGEMENT = {"professional_judgement_reason": "Escalating coercive control"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("decision-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def surname() -> str:
    """A surname of its own for each referral (letters only: names are normalised)."""
    return "Demo" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


def case_view(api: DemoApi, persona: str, case_id: UUID) -> tuple[int, Any]:
    return api.call(persona, "GET", f"/cases/{case_id}", purpose="threshold_decision")


def decide_on(page: Page, demo: Demo, case_id: UUID) -> None:
    """From the list of referrals awaiting a decision to this one's page."""
    page.get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", name="Referrals awaiting a decision")).to_be_visible()
    page.get_by_role("link", name=f"Decide on case {str(case_id)[:8]}").click()
    expect(page.get_by_role("heading", name="Threshold decision")).to_be_visible()
    assert page.url == f"{demo.url}/cases/{case_id}/decision"


def test_the_coordinator_accepts_declines_and_links_referrals(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility,
        javascript: bool) -> None:
    high = api.refer("police-officer", forename="Ann", surname=surname(),
                     born=date(1985, 1, 1), yes=15)
    low = api.refer("idva", forename="Bel", surname=surname(), born=date(1986, 2, 2), yes=4,
                    criteria=JUDGEMENT)
    # The demo's accepted case's victim, referred again: a repeat.
    again = api.refer("idva", forename="Alexa", surname="Demovictim", born=date(1990, 5, 1),
                      yes=3, criteria=JUDGEMENT)
    sign_in(page, demo, "coordinator")
    page.get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("link", name=f"Decide on case {str(high)[:8]}")).to_be_visible()
    accessible()

    decide_on(page, demo, high)
    expect(page.locator("#dash-score")).to_have_text("15")
    expect(page.locator("#criteria-met")).to_contain_text("Visible high risk")
    accessible()
    page.get_by_label("Accept the referral").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: Accepted")).to_be_visible()
    accessible()
    assert case_view(api, "coordinator", high)[1]["summary"]["status"] == "accepted"

    decide_on(page, demo, low)
    page.get_by_label("Decline the referral").check()
    with page.expect_response(f"{demo.url}/cases/{low}/decision") as refused:
        page.get_by_role("button", name="Record the decision").click()
    assert refused.value.status == 422  # as the API answers `decline_reason_required`
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Threshold decision\b"))
    accessible()
    page.get_by_role("link", name="Enter why the referral is declined").click()
    page.get_by_label("Why is it declined?").fill("Below threshold: IDVA support offered")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: Declined")).to_be_visible()
    accessible()
    decided = case_view(api, "coordinator", low)[1]
    assert decided["summary"]["status"] == "declined"
    assert decided["decision"]["reason"] == "Below threshold: IDVA support offered"

    decide_on(page, demo, again)
    _, listed = api.call("coordinator", "GET", "/cases?status=accepted&page_size=100")
    accepted = {item["case_id"] for item in listed["items"]}
    candidates = page.locator('input[name="existing_case"]')
    earlier = next(v for n in range(candidates.count())
                   if (v := candidates.nth(n).get_attribute("value")) in accepted)
    expect(page.locator(f'a[href="/cases/{earlier}"]')).to_be_visible()
    # Ranked, the strongest first (the demo's other referral of her, then this case), each
    # with why it is suggested.
    listed = page.locator(".app-repeats li")
    expect(listed.first).to_contain_text("Strong match")
    shown = listed.filter(has=page.locator(f'a[href="/cases/{earlier}"]'))
    expect(shown).to_contain_text("Strong match")
    expect(shown).to_contain_text("Same date of birth, similar surname and same forename")
    page.get_by_label("Link it as a repeat of an existing case").check()
    page.locator(f'input[name="existing_case"][value="{earlier}"]').check()
    accessible()
    if javascript:
        page.set_viewport_size({"width": 1280, "height": 900})
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: Linked as a repeat")).to_be_visible()
    accessible()
    assert case_view(api, "coordinator", again)[1]["summary"]["repeat_of"] == earlier

    # Decided, they leave the list.
    page.get_by_role("link", name="Decisions").click()
    for case_id in (high, low, again):
        expect(page.get_by_role("link", name=f"Decide on case {str(case_id)[:8]}")
               ).to_have_count(0)


def test_a_decision_the_rules_refuse_is_shown_on_the_form(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    """A visible-high-risk referral cannot be declined, whatever the reason (the domain's
    rule, as the API answers it: 422)."""
    high = api.refer("police-officer", forename="Cat", surname=surname(),
                     born=date(1987, 3, 3), yes=16)
    sign_in(page, demo, "coordinator")
    page.goto(f"{demo.url}/cases/{high}/decision")
    page.get_by_label("Decline the referral").check()
    page.get_by_label("Why is it declined?").fill("Not needed")
    with page.expect_response(f"{demo.url}/cases/{high}/decision") as answer:
        page.get_by_role("button", name="Record the decision").click()
    assert answer.value.status == 422
    expect(page.get_by_role("link", name=re.compile("meets a criterion that cannot be "
                                                    "overruled"))).to_be_visible()
    expect(page.get_by_label("Why is it declined?")).to_have_value("Not needed")
    accessible()
    assert case_view(api, "coordinator", high)[1]["summary"]["status"] == "referred"


def csrf_token(page: Page) -> str:
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    return token


def test_a_person_who_may_not_decide_is_refused_as_the_api_refuses_them(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    """The police officer sees their agency's referral but may not decide it: 403, as the
    API's possible repeats and decision answer; the IDVA may not see it: 404, as the API's.
    Neither is offered the list of decisions, which refuses them too."""
    case_id = api.refer("police-officer", forename="Dee", surname=surname(),
                        born=date(1988, 4, 4), yes=15)
    path = f"/cases/{case_id}/decision"
    for persona, status, heading in (
            ("police-officer", 403, "You do not have access to this page"),
            ("idva", 404, "Page not found")):
        sign_in(page, demo, persona)
        expect(page.get_by_role("link", name="Decisions")).to_have_count(0)
        token = csrf_token(page)
        answer = page.goto(demo.url + path)
        assert answer is not None
        assert answer.status == status
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        accessible()
        posted = page.request.post(demo.url + path, form={
            "csrf_token": token, "outcome": "accept"})
        assert posted.status == status
        assert api.call(persona, "GET", f"/cases/{case_id}/possible-repeats",
                        purpose="threshold_decision")[0] == status
        assert api.call(persona, "POST", path, {"outcome": "accept"})[0] == status
        listing = page.goto(demo.url + "/decisions")
        assert listing is not None
        assert listing.status == 403
        page.goto(demo.url + "/cases")
        page.get_by_role("button", name="Sign out").click()
    assert case_view(api, "coordinator", case_id)[1]["summary"]["status"] == "referred"
