"""Subject access in the browser: the data protection officer records a request for a demo
victim (a wrong form first, corrected through the error summary), verifies, assembles, reviews
what is redacted and why, withholds more, confirms, releases and downloads the PDF, whose text
names no one else in the case (the test greps it). JavaScript on and off; axe on every state.

On a demo server of this module's own: its requests change no other module's lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import Accessibility, Demo, serving_demo

# Everyone else the demo's cases about Alexa Demovictim name: the perpetrator, and the staff
# who referred, wrote or coordinated (api/demo.py).
OTHERS = ("Perpetrator", "demo-police-officer", "demo-health-rep", "demo-coordinator")
WITHHELD = "Two emergency department attendances"

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("subject-access-demo")) as served:
        yield served


def sign_in_as_dpo(page: Page, demo: Demo) -> None:
    """Signed in (a DPO starts at the audit trail), then to the requests by the navigation."""
    page.goto(demo.url + "/")
    page.get_by_label("dpo", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(demo.url + "/audit")
    page.get_by_role("link", name="Subject access", exact=True).click()


def test_the_dpo_records_reviews_and_releases_a_request_naming_no_one_else(
        page: Page, demo: Demo, accessible: Accessibility, tmp_path: Path, *,
        javascript: bool) -> None:
    sign_in_as_dpo(page, demo)
    expect(page.get_by_role("heading", name="Subject access requests")).to_be_visible()
    expect(page.get_by_role("link", name="Subject access", exact=True)).to_have_attribute(
        "href", "/subject-access")
    accessible()

    page.get_by_role("button", name="Record the request").click()
    expect(page).to_have_title("Error: Subject access requests - MARAC platform")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the requester's surname")
    accessible()
    summary.get_by_role("link", name="Enter the requester's surname").click()
    page.get_by_label("Surname").fill("Demovictim")
    page.get_by_label("Forenames").fill("Alexa")
    birth = page.get_by_role("group", name="Date of birth")
    birth.get_by_label("Day").fill("1")
    birth.get_by_label("Month").fill("5")
    birth.get_by_label("Year").fill("1990")
    page.get_by_label("How was the requester's identity verified?").fill(
        "Passport seen in person")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("heading", name="Alexa Demovictim")).to_be_visible()
    expect(page.get_by_text("Request recorded")).to_be_visible()
    assert "Demovictim" not in page.url
    accessible()

    page.get_by_role("button", name="Assemble").click()
    expect(page.get_by_role("heading", name="Draft 1 for review")).to_be_visible()
    redactions = page.locator("#redactions")
    expect(redactions).to_contain_text("perpetrator")
    expect(redactions).to_contain_text("Staff member")
    expect(page.locator(".app-redaction").first).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "subject-access.png"), full_page=True)

    page.get_by_role("button", name="Add the redaction").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the words to withhold")
    accessible()
    page.get_by_label("Words to withhold").fill(WITHHELD)
    page.get_by_label("Exemption: serious harm test (DPA 2018 sch. 3)").check()
    page.get_by_label("Note (optional)").fill("Would show where she is treated")
    page.get_by_role("button", name="Add the redaction").click()
    expect(page.get_by_role("heading", name="Draft 2 for review")).to_be_visible()
    expect(redactions).to_contain_text("serious harm")
    accessible()

    page.get_by_role("button", name="Confirm draft 2").click()
    expect(page.get_by_text("Draft confirmed")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Release the disclosure").click()
    expect(page.get_by_text("Disclosure released")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Released")
    accessible()

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the released disclosure (PDF)").click()
    saved = tmp_path / "disclosure.pdf"
    downloading.value.save_as(saved)
    text = "\n".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Demovictim" in text  # her own records
    for other in (*OTHERS, WITHHELD):
        assert other.lower() not in text.lower(), other

    page.get_by_role("link", name="Subject access requests").click()
    expect(page.locator("#requests")).to_contain_text("Alexa Demovictim")
    accessible()
