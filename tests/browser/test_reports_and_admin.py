"""Reports and the partnership's set-up, as people use them in the browser: the strategic lead
chooses a period, reads the indicators (the charts loaded, the figures as tables, the withheld
ones explained) and downloads the CSV, which is the API's; the administrator adds an agency
(after an incomplete try) and changes a setting of the area, which the API then answers.
JavaScript on and off; axe on every state.

On a server of this module's own: the agency it adds changes the lists other modules count."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("reports-admin-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def released_quarter(today: date, settle_days: int) -> str:
    """The latest quarter whose figures are released by `today` (ended and settled)."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    while True:
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        end = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
               ) - timedelta(days=1)
        if today > end + timedelta(days=settle_days):
            return f"{year}-Q{quarter}"


def sign_in_to(page: Page, demo: Demo, persona: str, path: str) -> None:
    """Signed in as the persona, at `path`. (Where sign-in lands a person who reads no cases
    is the home page's to decide: these start at their own pages.)"""
    page.goto(demo.url + "/")
    page.get_by_label(persona, exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(demo.url + path)


def api_csv(demo: Demo, api: DemoApi, persona: str, period: str) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - the demo on loopback
        f"{demo.url}/api/v1/reports/indicators?period={period}&format=csv",
        headers={"Authorization": f"Bearer {api.token(persona)}"})
    with urllib.request.urlopen(request) as response:  # noqa: S310
        body: bytes = response.read()
        return body


def test_the_strategic_lead_views_a_report_and_downloads_its_csv(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility,
        tmp_path: Path, *, javascript: bool) -> None:
    settle = max(a.settings.report_settle_days for a in demo.platform.marac.areas())
    quarter = released_quarter(demo.platform.marac.today(), settle)
    sign_in_to(page, demo, "strategic-lead", "/reports")
    expect(page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Reports")).to_be_visible()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    accessible()

    # Asked without a period: the error summary, linked to the field.
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_title("Error: Reports - MARAC platform")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the period the report covers")
    accessible()

    page.get_by_label("Period").select_option(quarter)
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name=f"Performance indicators, {quarter}")).to_be_visible()
    expect(page.locator("#withheld")).to_be_visible()
    for chart in ("monthly_trend", "referrals_by_agency"):
        image = page.locator(f"#chart-{chart} img")
        expect(image).to_have_attribute("alt", re.compile(
            rf"^Chart of .*, {quarter}\. Its figures are in the table below"))
        served = page.request.get(demo.url + (image.get_attribute("src") or ""))
        assert served.status == 200
        assert served.headers["content-type"] == "image/svg+xml"
        assert "<title" in served.text()
    expect(page.locator("table.app-figures").first).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download this report as CSV").click()
    saved = tmp_path / "report.csv"
    downloading.value.save_as(saved)
    assert downloading.value.suggested_filename.endswith(f"{quarter}.csv")
    assert saved.read_bytes() == api_csv(demo, api, "strategic-lead", quarter)


def test_the_administrator_adds_an_agency_and_changes_a_setting(
        page: Page, demo: Demo, api: DemoApi, javascript: bool,
        accessible: Accessibility) -> None:
    code = "fire-js" if javascript else "fire-nojs"
    sign_in_to(page, demo, "administrator", "/admin/agencies")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Areas")).to_be_visible()
    accessible()

    page.get_by_role("link", name="Agencies").first.click()
    expect(page.get_by_role("heading", name="Agencies", exact=True)).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "admin.png"), full_page=True)
    page.get_by_role("button", name="Add an agency").click()
    expect(page.get_by_role("heading", name="Add an agency")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Add the agency").click()
    expect(page).to_have_title("Error: Add an agency - MARAC platform")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a code")
    accessible()
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill(f"Demoshire Fire and Rescue ({code})")
    page.get_by_label("Type").select_option("fire_and_rescue")
    page.get_by_role("group", name="Does it attend every meeting?").get_by_label("No").check()
    page.get_by_label("Single point of contact").fill("marac@fire.example")
    page.get_by_role("button", name="Add the agency").click()
    expect(page.get_by_text("Agency added")).to_be_visible()
    expect(page.locator(f'tr[data-code="{code}"]')).to_contain_text("marac@fire.example")
    accessible()
    listed = api.ok("administrator", "GET", "/agencies")
    assert any(a["code"] == code and a["agency_type"] == "fire_and_rescue" for a in listed)

    # A setting: out of range first (the domain's rule at its field), then changed.
    page.get_by_role("link", name="Areas").first.click()
    page.get_by_role("link", name="Change Demoshire").click()
    accessible()
    field = page.get_by_label("Withhold counts below")
    field.fill("50")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Withhold counts below must be between 2 and 20")
    accessible()
    page.get_by_label("Withhold counts below").fill("6" if javascript else "7")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_text("Area changed")).to_be_visible()
    expect(page.get_by_label("Withhold counts below")).to_have_value(
        "6" if javascript else "7")
    accessible()
    area_id = listed[0]["area_id"]
    settings = api.ok("administrator", "GET", f"/areas/{area_id}/settings")
    assert settings["suppress_below"] == (6 if javascript else 7)


def test_the_performance_officer_asks_for_exact_figures_over_a_range_of_days(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    sign_in_to(page, demo, "performance-officer", "/reports")
    page.get_by_label("Exact figures, for compiling a return").check()
    start = page.get_by_role("group", name="Or a range of days: from")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("2")
    start.get_by_label("Year").fill("2026")
    end = page.get_by_role("group", name="To", exact=True)
    end.get_by_label("Day").fill("30")
    end.get_by_label("Month").fill("2")
    end.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The end of the range must be a real date")
    accessible()
    page.get_by_role("group", name="To", exact=True).get_by_label("Day").fill("28")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Performance indicators, 2026-02-01 to "
                                            "2026-02-28")).to_be_visible()
    expect(page.locator("#withheld")).to_have_text(
        "No figure is withheld: these are exact figures.")
    accessible()
