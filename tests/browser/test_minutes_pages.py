"""A meeting's minutes in the browser: the coordinator reads them, downloads the PDF (its text
marked OFFICIAL-SENSITIVE and watermarked for them on every page) and distributes them; the
housing representative, whose agency attended, acknowledges receipt (after an error summary
for a form sent unticked); the coordinator then sees who has and has not. JavaScript on and
off; axe on every state.

On a server of this module's own: its meeting and case change the lists other modules count."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_decision_page import surname
from tests.browser.test_sharing_pages import agency_of
from tests.browser.test_sign_in import sign_in

RISK = "Strangulation; escalating frequency."
ACTION = "Fit target-hardening at the victim home."
FOR_POLICE = "Crisis plan, for the police alone."

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("minutes-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


@dataclass
class Held:
    meeting_id: UUID
    case_id: UUID
    victim: str


def held_today(api: DemoApi) -> Held:
    """A meeting today with one case heard, attended by the coordinator, the police and
    housing; a disclosure for the police alone; an action for housing."""
    victim = surname()
    case_id = api.refer("police-officer", forename="Eve", surname=victim,
                        born=date(1989, 5, 5), yes=15)
    api.ok("coordinator", "POST", f"/cases/{case_id}/decision", {"outcome": "accept"})
    housing = agency_of(api, "housing-officer")
    meeting_id = UUID(api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": date.today().isoformat()})["id"])
    api.ok("coordinator", "POST", f"/meetings/{meeting_id}/agenda",
           {"case_id": str(case_id), "invite": [housing]})
    for persona in ("coordinator", "police-officer", "housing-officer"):
        version = api.ok(persona, "GET",
                         f"/meetings/{meeting_id}/confidentiality-statement")["version"]
        api.ok(persona, "POST", f"/meetings/{meeting_id}/attendance", {
            "acknowledge_confidentiality": True, "confidentiality_statement_version": version})
    api.ok("coordinator", "POST", f"/cases/{case_id}/information", {
        "kind": "disclosure", "text": FOR_POLICE, "meeting_id": str(meeting_id),
        "audience": {"kind": "agencies", "agencies": [agency_of(api, "police-officer")]}})
    api.ok("coordinator", "POST", f"/meetings/{meeting_id}/hearings", {
        "case_id": str(case_id), "risks": [{"to": "victim", "description": RISK}]})
    api.ok("coordinator", "POST", f"/cases/{case_id}/actions", {
        "owner_agency_id": housing, "description": ACTION, "for_whom": "victim",
        "due_on": date.today().isoformat(), "meeting_id": str(meeting_id)})
    return Held(meeting_id, case_id, victim)


def pdf_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_minutes_are_read_downloaded_distributed_and_acknowledged(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility, *,
        javascript: bool) -> None:
    held = held_today(api)
    minutes = f"{demo.url}/meetings/{held.meeting_id}/minutes"
    sign_in(page, demo, "coordinator")
    page.goto(minutes)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes of the MARAC meeting")
    expect(page.get_by_text(RISK)).to_be_visible()
    expect(page.get_by_text(FOR_POLICE)).to_be_visible()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "minutes.png"), full_page=True)
    # Printed, every page carries the marking at its top and its bottom (the print styles).
    for text in pdf_texts(page.pdf()):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, text

    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("Download the minutes as a PDF")).click()
    download = downloading.value
    assert re.fullmatch(r"marac-minutes-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    path = download.path()
    assert path is not None
    texts = pdf_texts(path.read_bytes())
    for text in texts:
        assert text.count("OFFICIAL-SENSITIVE") >= 2
        assert "Issued to MARAC coordinator" in text
    assert RISK in "\n".join(texts)
    assert held.victim not in "\n".join(texts)

    page.get_by_role("button", name="Distribute the minutes to the agencies that attended").click()
    expect(page.get_by_text("Minutes distributed to the agencies that attended")).to_be_visible()
    expect(page.locator("#receipts")).to_contain_text("0 of 2 agencies")
    accessible()

    page.context.clear_cookies()
    sign_in(page, demo, "housing-officer")
    page.goto(minutes)
    expect(page.get_by_text(RISK)).to_be_visible()
    expect(page.get_by_text(FOR_POLICE)).to_have_count(0)  # for the police alone
    page.get_by_role("link", name="Acknowledge receipt for your agency").click()
    expect(page.get_by_role("heading", name="Acknowledge receipt of the minutes")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page).to_have_title(re.compile(r"^Error: Acknowledge receipt of the minutes"))
    expect(page.get_by_role("link", name="Confirm that your agency has received the minutes")
           ).to_be_visible()
    accessible()
    page.get_by_label(re.compile("has received the minutes")).check()
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_text("Receipt of the minutes acknowledged for your agency")
           ).to_be_visible()
    accessible()

    page.context.clear_cookies()
    sign_in(page, demo, "coordinator")
    page.goto(minutes)
    receipts = page.locator("#receipts")
    expect(receipts).to_contain_text("1 of 2 agencies")
    expect(receipts.get_by_text("Not yet acknowledged")).to_have_count(1)
    accessible()
