"""A whole monthly MARAC on pages only, as its people do it in the browser: a police
representative refers a case; the coordinator accepts it at threshold, schedules the month's
meeting, lists the case, invites the hospital trust and asks it for research; the trust's
representative answers from their work; on the meeting's day the chair records attendance with
the confidentiality statement, hears the case with its risks and an action for the trust, and
distributes the minutes; the trust's representative downloads them as a PDF (its text marked
OFFICIAL-SENSITIVE and watermarked as their copy), acknowledges receipt and records the action
done; the coordinator closes the case and the trust acknowledges the closure. JavaScript on and
off; axe on every page and state reached. Each step checks its result on the page, and where
cheap in what the platform recorded.

On a server of this module's own, whose clock the test moves on a day (the meeting is
scheduled for the next day, as the agenda is built before the day; the chair runs it on the
day): the other modules' dates stay real time."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from domain.risk import DASH_RIC_QUESTIONS
from services.partnership import agency_directory
from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.test_access import as_person, move_clock_on
from tests.browser.test_decision_page import surname
from tests.browser.test_meetings_pages import fill_date

HEALTH = "Demoshire Hospitals NHS Trust"
RESEARCH = "Two admissions with unexplained injuries in the last year"
ACTION = "Flag the victim's records for a safeguarding review at any admission"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("monthly-marac-demo")) as served:
        yield served


@dataclass
class Marac:
    """One month's MARAC as it goes: the browser, and what the steps made."""

    page: Page
    demo: Demo
    accessible: Accessibility
    victim: str
    case_id: UUID | None = None
    meeting_id: UUID | None = None

    @property
    def today(self) -> date:
        """The demo's day (its clock moves on for the meeting)."""
        return self.demo.platform.now().date()

    @property
    def case(self) -> UUID:
        assert self.case_id is not None
        return self.case_id

    @property
    def meeting(self) -> UUID:
        assert self.meeting_id is not None
        return self.meeting_id


def refer(m: Marac) -> None:
    """The police representative's referral: the people, the DASH checklist (visible high
    risk: 15 'yes'), the criteria and consent, checked and sent."""
    page = m.page
    as_person(page, m.demo, "police-officer")
    page.get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", name="The people")).to_be_visible()
    m.accessible()
    page.locator("#victim-forenames").fill("Marnie")
    page.locator("#victim-surname").fill(m.victim)
    page.locator("#victim-dob-day").fill("14")
    page.locator("#victim-dob-month").fill("6")
    page.locator("#victim-dob-year").fill("1989")
    page.get_by_label("How and when is it safe to contact the victim?").fill(
        "Mobile, weekday mornings")
    page.locator("#perpetrator-1-forenames").fill("Dale")
    page.locator("#perpetrator-1-surname").fill(m.victim)
    page.locator("#perpetrator-1-relationship").fill("Husband")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Risk: the DASH checklist")).to_be_visible()
    for n, question in enumerate(DASH_RIC_QUESTIONS):
        page.locator(f"#q-{question}" if n < 15 else f"#q-{question}-2").check()
    page.get_by_role("button", name="Update score").click()
    expect(page.locator("#score-now")).to_contain_text("15 'yes' answers of 24")
    m.accessible()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Criteria and consent")).to_be_visible()
    page.get_by_label("Summary of the latest incident").fill(
        "Strangled during an argument about the children.")
    page.get_by_label("Visible high risk", exact=True).check()
    page.get_by_label("Yes, they consented").check()
    page.locator("#victim-informed").check()
    page.locator("#idva-referral-made").check()
    m.accessible()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.locator(".govuk-summary-card", has_text="The people")).to_contain_text(
        f"Marnie {m.victim}, born 14 June 1989")
    m.accessible()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    m.accessible()
    href = page.locator("#case-link").get_attribute("href")
    assert href is not None
    found = re.fullmatch(r"/cases/([0-9a-f-]{36})", href)
    assert found, href
    m.case_id = UUID(found.group(1))
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert document.status == "referred"


def decide(m: Marac) -> None:
    """The coordinator accepts the referral at threshold, from the list awaiting a decision."""
    page = m.page
    as_person(page, m.demo, "coordinator")
    page.get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", name="Referrals awaiting a decision")).to_be_visible()
    m.accessible()
    page.get_by_role("link", name=f"Decide on case {str(m.case)[:8]}").click()
    expect(page.get_by_role("heading", name="Threshold decision")).to_be_visible()
    expect(page.locator("#dash-score")).to_have_text("15")
    m.accessible()
    page.get_by_label("Accept the referral").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: Accepted")).to_be_visible()
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert document.status == "accepted"


def build_the_agenda(m: Marac) -> None:
    """The coordinator schedules the meeting for tomorrow, lists the case on its agenda,
    invites the hospital trust to it and asks the trust for research, due today."""
    page = m.page
    held_on = m.today + timedelta(days=1)
    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()
    m.accessible()
    page.get_by_label("Standard MARAC").check()
    fill_date(page, "Date of the meeting", held_on)
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_text("Meeting scheduled")).to_be_visible()
    found = re.fullmatch(rf"{m.demo.url}/meetings/([0-9a-f-]{{36}})\?done=scheduled",
                         page.url)
    assert found, page.url
    m.meeting_id = UUID(found.group(1))
    m.accessible()
    assert m.demo.platform.marac.get_meeting(m.meeting).held_on == held_on

    page.locator(f'input[name="case"][value="{m.case}"]').check()
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.get_by_text("Case added to the agenda")).to_be_visible()
    expect(page.locator(f'#agenda-table tr[data-case="{m.case}"]')).to_have_count(1)
    m.accessible()

    page.locator(f'tr[data-case="{m.case}"]').get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("on the agenda$"))).to_be_visible()
    m.accessible()
    page.get_by_label(HEALTH).check()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Agency invited")).to_be_visible()
    m.accessible()
    page.get_by_label(HEALTH).check()
    fill_date(page, "Due by", m.today)
    page.get_by_role("button", name="Send research requests").click()
    expect(page.get_by_text("Research requested")).to_be_visible()
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    names = agency_directory(m.demo.platform)
    assert [(names[r.agency_id].name, r.meeting_id, r.answered)
            for r in document.research_requests] == [(HEALTH, m.meeting, False)]


def answer_the_research(m: Marac) -> None:
    """The trust's representative finds the research asked of the trust on their work and
    records what it found for the meeting."""
    page = m.page
    as_person(page, m.demo, "health-rep")
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    research = page.locator(
        f'#research-list a[href="/cases/{m.case}/research?meeting={m.meeting}"]')
    expect(research).to_contain_text("Answer")
    m.accessible()
    research.click()
    expect(page.get_by_role("heading", name="Research", exact=True)).to_be_visible()
    held_on = m.today + timedelta(days=1)
    # The meeting it was asked for is chosen already.
    expect(page.get_by_label(f"Meeting on {held_on.day} {held_on.strftime('%B %Y')}")
           ).to_be_checked()
    m.accessible()
    page.get_by_label("What did your agency find?").fill(RESEARCH)
    page.get_by_role("button", name="Record research").click()
    expect(page.get_by_text("Research recorded")).to_be_visible()
    expect(page.get_by_text(RESEARCH)).to_be_visible()
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert [r.answered for r in document.research_requests] == [True]


def record_attendance(m: Marac) -> None:
    """The meeting's day: the chair records who attends, each having heard the
    confidentiality statement."""
    move_clock_on(m.demo, timedelta(days=1))
    page = m.page
    as_person(page, m.demo, "chair")  # the clock's move ended any session
    page.get_by_role("link", name="Meetings").click()
    page.locator(f'tr[data-meeting="{m.meeting}"]').get_by_role("link").first.click()
    page.get_by_role("link", name="Attendance").click()
    expect(page.get_by_role("heading", name="Confidentiality statement")).to_be_visible()
    expect(page.locator("#statement")).to_contain_text("This meeting is a MARAC")
    m.accessible()
    page.get_by_label("Name").fill("Sam Okafor")
    page.get_by_label("Attending for").select_option(label=HEALTH)
    page.get_by_label(re.compile("They have heard the confidentiality statement")).check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_text("Attendance recorded")).to_be_visible()
    expect(page.locator("#attendees")).to_contain_text("Sam Okafor")
    expect(page.locator("#attendees")).to_contain_text(f"{HEALTH}, confirmed version 1")
    m.accessible()
    attendance = m.demo.platform.marac.get_meeting(m.meeting).attendance
    assert [(a.person, a.statement_version) for a in attendance.values()] == [
        ("Sam Okafor", 1)]


def hear_the_case(m: Marac) -> None:
    """The chair hears the case: the risks to the victim and children, and an action for the
    trust, due in a week."""
    page = m.page
    page.get_by_role("link", name="Cases on the agenda").click()
    expect(page.get_by_role("heading", name="Running the meeting")).to_be_visible()
    m.accessible()
    page.locator("#next-hearing").click()
    expect(page.get_by_text(re.compile(r"case 1 of 1"))).to_be_visible()
    m.accessible()
    page.get_by_label("Risks to the victim").fill("Non-fatal strangulation; threats to kill")
    page.get_by_label("Risks to the children").fill("Two children witness the abuse")
    row = page.locator("#actions-1")
    row.get_by_label("Owner agency").select_option(label=HEALTH)
    row.get_by_label("For", exact=True).select_option(label="The victim")
    row.get_by_label("What is to be done").fill(ACTION)
    due = m.today + timedelta(days=7)
    row.get_by_label("Day").fill(str(due.day))
    row.get_by_label("Month").fill(str(due.month))
    row.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save and finish the agenda").click()
    expect(page.get_by_text("Hearing recorded: that was the last case")).to_be_visible()
    expect(page.locator("#all-heard")).to_be_visible()
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert [r.to for r in document.hearings[0].risks] == ["victim", "children"]
    names = agency_directory(m.demo.platform)
    assert [(a.description, names[a.owner_agency].name, a.due_on, a.outcome)
            for a in document.actions] == [(ACTION, HEALTH, due, None)]


def issue_the_minutes(m: Marac) -> None:
    """The chair opens the minutes from the meeting's page and distributes them to the
    agencies that attended."""
    page = m.page
    page.get_by_role("link", name="Meetings").click()
    page.locator(f'tr[data-meeting="{m.meeting}"]').get_by_role("link").first.click()
    page.get_by_role("link", name="Minutes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes of the")
    expect(page.get_by_text(ACTION)).to_be_visible()
    m.accessible()
    page.get_by_role("button", name="Distribute the minutes to the agencies that attended"
                     ).click()
    expect(page.get_by_text("Minutes distributed to the agencies that attended")).to_be_visible()
    expect(page.locator("#receipts")).to_contain_text("0 of 1 agencies")
    m.accessible()


def pdf_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def issues_of_minutes(m: Marac) -> int:
    """The meeting's minutes issued to the trust's representative, as the audit trail has
    them."""
    return sum(1 for r in m.demo.platform.audit.records()
               if (r["action"], r["actor"], r["outcome"]) == (
                   "issue_minutes", "demo-health-rep", "allowed"))


def receive_the_minutes(m: Marac) -> None:
    """The trust's representative downloads the minutes as a PDF (marked, and watermarked as
    their copy) and acknowledges receipt for the trust."""
    page = m.page
    as_person(page, m.demo, "health-rep")
    page.goto(f"{m.demo.url}/meetings/{m.meeting}/minutes")
    expect(page.get_by_text(ACTION)).to_be_visible()
    m.accessible()
    issued = issues_of_minutes(m)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("Download the minutes as a PDF")).click()
    path = downloading.value.path()
    assert issues_of_minutes(m) == issued + 1  # each issue audited
    assert path is not None
    texts = pdf_texts(path.read_bytes())
    for text in texts:  # on every page: the marking, and whose copy it is
        assert "OFFICIAL-SENSITIVE" in text, text
        assert "Issued to Hospital trust safeguarding lead" in text, text
        assert HEALTH in text, text
    assert ACTION in " ".join(" ".join(texts).split())

    page.get_by_role("link", name="Acknowledge receipt for your agency").click()
    expect(page.get_by_role("heading", name="Acknowledge receipt of the minutes")).to_be_visible()
    m.accessible()
    page.get_by_label(re.compile("has received the minutes")).check()
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_text("Receipt of the minutes acknowledged for your agency")
           ).to_be_visible()
    m.accessible()
    names = agency_directory(m.demo.platform)
    receipts = m.demo.platform.marac.get_meeting(m.meeting).minutes_receipts
    assert [(names[r.agency_id].name, r.by) for r in receipts.values()] == [
        (HEALTH, "demo-health-rep")]


def update_the_action(m: Marac) -> None:
    """The trust's representative finds the action on their work and records it done."""
    page = m.page
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    m.accessible()
    page.locator(f'#action-list a[href^="/cases/{m.case}/actions/"]').click()
    expect(page.get_by_role("heading", name="Update an action")).to_be_visible()
    expect(page.get_by_text(ACTION)).to_be_visible()
    m.accessible()
    page.get_by_label("What has happened?").fill("Records flagged; safeguarding team told")
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Save the update").click()
    expect(page.get_by_text("Action updated")).to_be_visible()
    expect(page.locator(f'#action-list a[href^="/cases/{m.case}/actions/"]')).to_have_count(0)
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert [(a.outcome, [n.note for n in a.notes]) for a in document.actions] == [
        ("completed", ["Records flagged; safeguarding team told"])]


def close_the_case(m: Marac) -> None:
    """The coordinator closes the case from its page; the agencies involved are to be told."""
    page = m.page
    as_person(page, m.demo, "coordinator")
    page.locator(f'a[href="/cases/{m.case}"]').click()
    expect(page.get_by_role("group", name="Why are you viewing this case?")).to_be_visible()
    page.get_by_label("Following up an action").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Case overview", level=1)).to_be_visible()
    m.accessible()
    page.get_by_role("link", name="Close the case").click()
    expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
    expect(page.locator("#no-open-actions")).to_be_visible()
    m.accessible()
    page.get_by_label("Why is the case closed?").fill("Risk reduced; safety plan in place")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed", exact=True)).to_be_visible()
    expect(page.locator("#told").get_by_role("row", name=re.compile(HEALTH))).to_contain_text(
        "Not yet acknowledged")
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    assert document.status == "closed"


def acknowledge_the_closure(m: Marac) -> None:
    """The trust, told of the closure on its work, acknowledges it."""
    page = m.page
    as_person(page, m.demo, "health-rep")
    page.get_by_role("link", name="My work").click()
    page.locator(f'#closure-list a[href="/cases/{m.case}/closure"]').click()
    expect(page.get_by_role("heading", name="Closure", level=1)).to_be_visible()
    m.accessible()
    page.get_by_role("button", name="Acknowledge the closure").click()
    expect(page.get_by_text("Closure acknowledged")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge the closure")).to_have_count(0)
    expect(page.locator("#told").get_by_role("row", name=re.compile(HEALTH))).not_to_contain_text(
        "Not yet")
    m.accessible()
    document = m.demo.platform.cases.document(m.case)
    assert document is not None
    names = agency_directory(m.demo.platform)
    told = {names[a].name: t.told_at is not None for a, t in document.closure_told.items()}
    assert told[HEALTH] is True


def test_a_whole_monthly_marac_on_pages_only(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    m = Marac(page, demo, accessible, victim=surname())
    refer(m)
    decide(m)
    build_the_agenda(m)
    answer_the_research(m)
    record_attendance(m)
    hear_the_case(m)
    issue_the_minutes(m)
    receive_the_minutes(m)
    update_the_action(m)
    close_the_case(m)
    acknowledge_the_closure(m)
