"""Correcting a referral, as the referring officer does it in the browser: from the case page,
the victim's surname (after an error summary) and an equality monitoring answer, one DASH
answer, and the criteria (professional judgement added, after an error summary); each
correction in the case page's banner and timeline, and in the API's view. JavaScript on and
off; axe on every state reached.

On a server of this module's own: its corrections change what other modules count."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_decision_page import surname
from tests.browser.test_my_work import give_purpose
from tests.browser.test_sharing_pages import accepted_case
from tests.browser.test_sign_in import sign_in

SAVE = "Save the correction"
REASON = "Why is this correction made?"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("corrections-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def corrected(page: Page, banner: str, timeline: str) -> None:
    """Back on the case page: the banner, and the correction in the timeline."""
    expect(page.get_by_role("heading", name="Case overview", level=1)).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(banner)
    expect(page.locator(".moj-timeline")).to_contain_text(timeline)


def test_the_referring_officer_corrects_a_person_the_risk_and_the_criteria(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)  # the police officer's referral, 15 answers yes
    new_surname = surname()

    sign_in(page, demo, "police-officer")
    page.goto(f"{demo.url}/cases/{case_id}")
    give_purpose(page, "Research for the case")
    # The case page is checked by axe with its links and the banner, once corrected.

    page.get_by_role("link", name=re.compile(r"^Correct the details \(Victim: ")).click()
    expect(page.get_by_role("heading", name="Correct the victim's details")).to_be_visible()
    expect(page.get_by_label("Forenames")).to_have_value("Eve")
    expect(page.get_by_label("Year")).to_have_value("1989")
    accessible()
    page.get_by_label("Forenames").fill("")
    page.get_by_label("Surname").fill("")
    page.get_by_role("button", name=SAVE).click()
    expect(page).to_have_title(re.compile(r"^Error: Correct the victim's details"))
    for message in ("Enter the victim's forenames or surname",
                    "Enter how and when it is safe to contact the victim",
                    "Enter why these details are corrected"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()
    page.get_by_label("Forenames").fill("Eve")
    page.get_by_label("Surname").fill(new_surname)
    page.get_by_label("How and when is it safe to contact the victim?").fill("Texts only")
    page.get_by_role("group", name="Do they have a disability?").get_by_label(
        "Yes", exact=True).check()
    page.get_by_label(REASON).fill("Surname misspelt on the referral")
    page.get_by_role("button", name=SAVE).click()
    corrected(page, "Details corrected", "The victim's details corrected")
    expect(page.get_by_role("heading", name=f"Victim: Eve {new_surname}")).to_be_visible()
    accessible()

    page.get_by_role("link", name="Correct the risk assessment").click()
    expect(page.get_by_role("heading", name="Correct the risk assessment")).to_be_visible()
    injury = page.get_by_role("group", name="1. Injury from the current incident")
    expect(injury.get_by_label("Yes", exact=True)).to_be_checked()
    accessible()
    injury.get_by_label("No", exact=True).check()
    page.get_by_label(REASON).fill("Injury recorded against the wrong incident")
    page.get_by_role("button", name=SAVE).click()
    corrected(page, "Risk assessment corrected", "Risk assessment corrected")
    expect(page.locator("#dash-score")).to_contain_text("14 of 24")

    page.get_by_role("link", name="Correct the referral criteria").click()
    expect(page.get_by_role("heading", name="Correct the referral criteria")).to_be_visible()
    expect(page.get_by_label("Visible high risk")).to_be_checked()
    accessible()
    page.get_by_label("Professional judgement", exact=True).check()
    page.get_by_label(REASON).fill("Judgement left out of the referral")
    page.get_by_role("button", name=SAVE).click()
    expect(page.get_by_role("link", name=re.compile(
        r"^Enter why, in your professional judgement"))).to_be_visible()
    accessible()
    page.get_by_label("Why, in your professional judgement, is the victim at high risk?").fill(
        "Threats escalating since separation")
    page.get_by_role("button", name=SAVE).click()
    corrected(page, "Referral criteria corrected", "Referral criteria corrected")
    expect(page.locator("#criteria-met")).to_contain_text("Threats escalating since separation")

    _, seen = api.call("police-officer", "GET", f"/cases/{case_id}", purpose="research")
    referral = seen["referral"]
    victim = next(s for s in referral["subjects"] if s["role"] == "victim")
    assert (victim["surname"], victim["safe_contact"], victim["disability"]) == (
        new_surname, "Texts only", "yes")
    assert referral["dash_score"] == 14
    assert referral["criteria"]["professional_judgement_reason"] == (
        "Threats escalating since separation")
