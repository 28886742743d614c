"""The data protection officer in the browser: finds who viewed a demo case (a representative
views it first) with one search by its id, and downloads that search; reviews a break-glass
use (the reason shown; no decision chosen is an error; then a decision and a note); and reads
the trail's verification, the retention schedule and the restriction reviews due. Every state
is checked with axe, with JavaScript on and off.

The demo here is this module's own: break-glass uses and views are added to it."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_access import as_person, new_case

SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "dpo.png"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("dpo-demo")) as served:
        yield served


def as_dpo(page: Page, demo: Demo) -> None:
    """Signed in afresh as the DPO, whose pages start at the audit trail (no cases)."""
    if page.url.startswith(demo.url):
        page.goto(demo.url + "/")
    signed_out = page.get_by_role("button", name="Sign out")
    if signed_out.count():
        signed_out.click()
    page.goto(demo.url + "/")
    page.get_by_label("dpo", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Audit trail", exact=True)).to_be_visible()
    assert page.url == demo.url + "/audit"


def view_case_as(page: Page, demo: Demo, persona: str, path: str) -> None:
    """The case page, as `persona`, for research (the purpose asked first)."""
    as_person(page, demo, persona)
    page.goto(demo.url + path)
    if page.get_by_role("group", name="Why are you viewing this case?").count():
        page.get_by_label("Research for the case").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator(".moj-identity-bar")).to_be_visible()


def test_the_dpo_finds_who_viewed_a_case_and_downloads_the_search(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    case_id = demo.cases["accepted"]
    view_case_as(page, demo, "housing-officer", f"/cases/{case_id}")

    as_dpo(page, demo)
    accessible()
    page.get_by_label("Case id").fill("not a case id")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title("Error: Audit trail - MARAC platform")
    expect(page.get_by_role("link", name="Enter the case id in full")).to_be_visible()
    accessible()

    page.get_by_label("Case id").fill(str(case_id))
    page.get_by_role("button", name="Search").click()
    records = page.locator("#audit-records")
    viewed = records.locator("tr", has_text="demo-housing-officer").filter(has_text="read")
    expect(viewed.first).to_be_visible()
    expect(viewed.first).to_contain_text("Demoshire Homes")
    expect(viewed.first).to_contain_text("Research for the case")
    expect(viewed.first).to_contain_text(str(case_id)[:8])
    accessible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="CSV file of the records found").click()
    download = downloading.value
    assert download.suggested_filename == "audit-export.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert any(r["actor"] == "demo-housing-officer" and r["action"] == "read"
               and r["purpose"] == "research" for r in rows)
    assert {r["case_id"] for r in rows} <= {str(case_id), ""}


def test_the_dpo_reviews_a_break_glass_use(page: Page, demo: Demo,
                                          accessible: Accessibility) -> None:
    case_id = new_case(demo)  # the police's: the probation officer does not see it
    api = DemoApi(demo)
    reason = f"Victim at the probation office now, visit {uuid.uuid4().hex[:6]}"
    api.ok("probation-officer", "POST", f"/cases/{case_id}/break-glass", {"reason": reason})

    as_dpo(page, demo)
    page.get_by_role("link", name="Break-glass reviews").click()
    expect(page.get_by_role("heading", name="Break-glass reviews")).to_be_visible()
    use = page.locator("#break-glass-uses tr", has_text=reason)
    expect(use).to_contain_text("demo-probation-officer")
    expect(use).to_contain_text("60 minutes")
    expect(use).to_contain_text("Awaiting review")
    accessible()
    use.get_by_role("link", name="Review").click()
    expect(page.get_by_text(reason)).to_be_visible()
    expect(page.get_by_text(str(case_id))).to_be_visible()
    accessible()

    page.get_by_label("Note").fill("Confirmed with the probation manager: the victim was there")
    page.get_by_role("button", name="Record the review").click()
    expect(page).to_have_title(re.compile(r"^Error: Break-glass use \d+ - "))
    expect(page.get_by_role("link", name="Select whether the use was appropriate")).to_be_visible()
    expect(page.get_by_label("Note")).to_have_value(
        "Confirmed with the probation manager: the victim was there")
    accessible()

    page.get_by_label("Appropriate: the emergency justified it").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Review recorded")
    reviewed = page.locator("#break-glass-uses tr", has_text=reason)
    expect(reviewed).to_contain_text("Appropriate")
    accessible()
    reviews = [r for r in demo.platform.audit.records()
               if r["action"] == "review" and r["actor"] == "demo-dpo"]
    assert reviews
    assert reviews[-1]["outcome"] == "allowed"


def test_the_dpo_reads_verification_retention_and_restriction_reviews(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    demo.platform.checkpoints.issue()
    as_dpo(page, demo)
    page.get_by_role("link", name="Trail verification").click()
    expect(page.get_by_role("heading", name="Audit trail verification")).to_be_visible()
    expect(page.get_by_text("The trail verifies")).to_be_visible()
    expect(page.locator("#verification")).to_contain_text("Last checkpoint")
    accessible()
    page.get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", name="Retention schedule")).to_be_visible()
    accessible()
    page.get_by_role("link", name="Restriction reviews").click()
    expect(page.get_by_role("heading", name="Restriction reviews due")).to_be_visible()
    page.get_by_label("Show reviews").select_option("90")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Show reviews")).to_have_value("90")
    accessible()
