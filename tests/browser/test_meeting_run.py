"""Running a meeting in the browser, as the chair does it live: attendance with the
confidentiality statement, then two cases heard with their risks, a disclosure and actions
(a row added by posting the form, which works without JavaScript), moving through the agenda
in order; and a whole hearing with the keyboard alone. JavaScript on and off; axe on every
state reached.

On a server of this module's own: its meetings and cases change what other modules count.
Each test makes its own meeting (and cases) through the API, as a coordinator does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from services.partnership import agency_directory
from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_decision_page import surname
from tests.browser.test_sign_in import sign_in

POLICE = "Demoshire Police"
HEALTH = "Demoshire Hospitals NHS Trust"

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("meeting-run-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


@dataclass(frozen=True)
class Agenda:
    meeting_id: UUID
    cases: tuple[UUID, UUID]


@pytest.fixture
def agenda(api: DemoApi) -> Agenda:
    """A meeting held today with two accepted cases on its agenda, in that order."""
    cases = []
    for forename in ("Ivy", "Jo"):
        case_id = api.refer("police-officer", forename=forename, surname=surname(),
                            born=date(1991, 4, 2), yes=15)
        api.ok("coordinator", "POST", f"/cases/{case_id}/decision", {"outcome": "accept"})
        cases.append(case_id)
    meeting = UUID(api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": date.today().isoformat()})["id"])
    for case_id in cases:
        api.ok("coordinator", "POST", f"/meetings/{meeting}/agenda", {"case_id": str(case_id)})
    return Agenda(meeting, (cases[0], cases[1]))


def due(days: int) -> tuple[str, str, str]:
    on = date.today() + timedelta(days=days)
    return str(on.day), str(on.month), str(on.year)


def fill_action(page: Page, n: int, owner: str, for_whom: str, *, description: str,
                days: int) -> None:
    row = page.locator(f"#actions-{n}")
    row.get_by_label("Owner agency").select_option(label=owner)
    row.get_by_label("For", exact=True).select_option(label=for_whom)
    row.get_by_label("What is to be done").fill(description)
    day, month, year = due(days)
    row.get_by_label("Day").fill(day)
    row.get_by_label("Month").fill(month)
    row.get_by_label("Year").fill(year)


def test_a_chair_records_attendance_and_hears_two_cases_with_actions(
        page: Page, demo: Demo, agenda: Agenda, accessible: Accessibility,
        javascript: bool) -> None:
    sign_in(page, demo, "chair")
    meeting = agenda.meeting_id
    page.goto(f"{demo.url}/meetings/{meeting}/attendance")
    expect(page.get_by_role("heading", name="Confidentiality statement")).to_be_visible()
    expect(page.locator("#statement")).to_contain_text("This meeting is a MARAC")
    expect(page.get_by_label("Name")).to_be_focused()
    accessible()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Attendance"))
    accessible()
    page.get_by_label("Name").fill("Sam Okafor")
    page.get_by_label("Attending for").select_option(label=HEALTH)
    page.get_by_label(re.compile("They have heard the confidentiality statement")).check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_text("Attendance recorded")).to_be_visible()
    expect(page.locator("#attendees")).to_contain_text("Sam Okafor")
    expect(page.locator("#attendees")).to_contain_text(f"{HEALTH}, confirmed version 1")
    accessible()

    # The review of actions carried forward (the demo's earlier cases have some or none).
    page.get_by_role("link", name="Actions still open").click()
    expect(page.get_by_role("heading", name="Actions still open from earlier meetings"))\
        .to_be_visible()
    accessible()
    page.get_by_role("link", name="Cases on the agenda").click()
    expect(page.get_by_role("heading", name="Running the meeting")).to_be_visible()
    expect(page.get_by_text("Not heard")).to_have_count(2)
    accessible()
    page.locator("#next-hearing").click()
    expect(page.locator(".moj-identity-bar")).to_be_visible()
    expect(page.get_by_text(re.compile(r"case 1 of 2"))).to_be_visible()
    expect(page.get_by_label("Risks to the victim")).to_be_focused()
    accessible()
    page.get_by_label("Risks to the victim").fill("Threats to kill")
    page.get_by_label("Disclosures made at the hearing").fill("Bail conditions end Friday")
    fill_action(page, 1, POLICE, "The victim",
                description="Mark the address for an urgent response", days=-1)
    page.get_by_role("button", name="Add another action").click()
    expect(page.locator("#actions-2")).to_be_visible()
    expect(page.locator("#actions-2-owner")).to_be_focused()
    accessible()
    if javascript:  # the README's picture of this page
        page.screenshot(path=str(SCREENSHOTS / "hearing.png"), full_page=True)
    fill_action(page, 2, HEALTH, "A child", description="Health visitor to visit the children",
                days=14)
    page.get_by_role("button", name="Save and go to next case").click()
    # The first action was due yesterday: the form comes back, as typed, to correct.
    expect(page).to_have_title(re.compile(r"^Error: Hearing"))
    expect(page.get_by_role("link", name=re.compile("today or in the future"))).to_be_visible()
    expect(page.get_by_label("Risks to the victim")).to_have_value("Threats to kill")
    accessible()
    day, month, year = due(7)
    row = page.locator("#actions-1")
    row.get_by_label("Day").fill(day)
    row.get_by_label("Month").fill(month)
    row.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Save and go to next case").click()

    expect(page.get_by_text(re.compile(r"case 2 of 2"))).to_be_visible()
    assert page.url == f"{demo.url}/meetings/{meeting}/hearings/{agenda.cases[1]}"
    expect(page.get_by_label("Risks to the victim")).to_be_focused()
    accessible()
    page.get_by_label("Risks to staff").fill("Dog at the address")
    fill_action(page, 1, POLICE, "The perpetrator", description="Check bail conditions", days=3)
    page.get_by_role("button", name="Save and finish the agenda").click()
    expect(page.get_by_text("Hearing recorded: that was the last case")).to_be_visible()
    expect(page.get_by_text("Not heard")).to_have_count(0)
    expect(page.locator("#all-heard")).to_be_visible()
    accessible()
    # A heard case shows what was recorded.
    page.locator("table a").first.click()
    expect(page.locator("#risks")).to_contain_text("Threats to kill")
    accessible()

    first, second = (demo.platform.cases.document(c) for c in agenda.cases)
    assert first is not None
    assert second is not None
    assert [(r.to, r.description) for r in first.hearings[0].risks] == [
        ("victim", "Threats to kill")]
    assert sorted(a.description for a in first.actions if a.meeting_id == meeting) == [
        "Health visitor to visit the children", "Mark the address for an urgent response"]
    assert [i.text for i in first.items if i.meeting_id == meeting] == [
        "Bail conditions end Friday"]
    assert [a.description for a in second.actions] == ["Check bail conditions"]
    attendance = demo.platform.marac.get_meeting(meeting).attendance
    assert [(a.person, a.statement_version) for a in attendance.values()] == [("Sam Okafor", 1)]


def has_focus(page: Page, field_id: str) -> None:
    """The field has the focus, waited for: the browser applies `autofocus` when it next
    renders a loaded page, not as the page loads."""
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_a_whole_hearing_with_the_keyboard_alone(
        page: Page, demo: Demo, agenda: Agenda, accessible: Accessibility) -> None:
    sign_in(page, demo, "chair")
    page.goto(f"{demo.url}/meetings/{agenda.meeting_id}/hearings/{agenda.cases[0]}")
    # Straight into the first field: the chair types as the case is discussed.
    has_focus(page, "risk-victim")
    keys = page.keyboard
    keys.type("Threats to kill")
    for field, text in (("risk-children", "Two children at the address"),
                        ("risk-perpetrator", "Recently released"), ("risk-staff", ""),
                        ("disclosures", "Bail conditions end Friday")):
        keys.press("Tab")
        has_focus(page, field)
        keys.type(text)
    keys.press("Tab")
    has_focus(page, "actions-1-owner")
    keys.type("Demoshire Police")  # a closed select picks the option its name starts with
    keys.press("Tab")
    has_focus(page, "actions-1-for-whom")
    keys.type("The victim")
    keys.press("Tab")
    has_focus(page, "actions-1-description")
    keys.type("Mark the address for an urgent response")
    for part, value in zip(("day", "month", "year"), due(7), strict=True):
        keys.press("Tab")
        has_focus(page, f"actions-1-due-{part}")
        keys.type(value)
    keys.press("Tab")
    has_focus(page, "add-action")
    keys.press("Enter")
    expect(page.locator("#actions-2")).to_be_visible()
    has_focus(page, "actions-2-owner")
    accessible()
    keys.type("Demoshire Hospitals")
    keys.press("Tab")
    keys.type("A child")
    keys.press("Tab")
    keys.type("Health visitor to visit")
    for value in due(14):
        keys.press("Tab")
        keys.type(value)
    keys.press("Tab")
    has_focus(page, "add-action")
    keys.press("Tab")
    has_focus(page, "save-hearing")
    keys.press("Enter")
    expect(page.get_by_text(re.compile(r"case 2 of 2"))).to_be_visible()
    has_focus(page, "risk-victim")
    accessible()

    document = demo.platform.cases.document(agenda.cases[0])
    assert document is not None
    assert {(r.to, r.description) for r in document.hearings[0].risks} == {
        ("victim", "Threats to kill"), ("children", "Two children at the address"),
        ("perpetrator", "Recently released")}
    names = agency_directory(demo.platform)
    agreed = {a.description: (names[a.owner_agency].name, a.for_whom, a.due_on)
              for a in document.actions if a.meeting_id == agenda.meeting_id}
    assert agreed == {
        "Mark the address for an urgent response": (POLICE, "victim",
                                                    date.today() + timedelta(7)),
        "Health visitor to visit": (HEALTH, "child", date.today() + timedelta(14))}


def test_a_meeting_not_yet_held_says_so_and_refuses_attendance_as_an_error(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    tomorrow = date.today() + timedelta(days=1)
    meeting = api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": tomorrow.isoformat()})["id"]
    sign_in(page, demo, "chair")
    page.goto(f"{demo.url}/meetings/{meeting}/attendance")
    expect(page.locator("#not-held")).to_contain_text("attendance is recorded from that day")
    accessible()
    page.get_by_label("Name").fill("Sam Okafor")
    page.get_by_label("Attending for").select_option(label=POLICE)
    page.get_by_label(re.compile("They have heard the confidentiality statement")).check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page).to_have_title(re.compile(r"^Error: Attendance"))
    expect(page.get_by_role("link", name=re.compile("on or after the day of the meeting"))
           ).to_be_visible()
    accessible()
    assert demo.platform.marac.get_meeting(UUID(meeting)).attendance == {}
