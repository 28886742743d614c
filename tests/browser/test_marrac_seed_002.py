"""Seed 002's appendix case study on the pages, in the stock demo's MARRAC area, in Chromium
with JavaScript on and off: the story tests/api/test_marrac_demo_timeline.py drives through the
API, with its numbers, told here by the demo's personas on the pages they would use. The
attending officer refers the family (victim, perpetrator, two children) on the referral form; the
team leader allocates from the board; the case co-ordinator accepts the referral, works the case
on its MARRAC page (contacts, needs, steps, plan, review, completion, the agencies told, the
feedback) and the figures are checked on the page and through the API's MARRAC summary.

The demo clock is moved to each moment the story is entered at (days 1, 2, 15 and 16, UK time),
and the person signs in afresh after each move (a move ends an idle page session). Each thing
is entered after the event, with the time it happened given in the form.

The plan's five actions are added on the add-action page, reached from the plan step of the
MARRAC page and then from the case page.

One demo server for this module: the story moves its clock on by weeks, which no other module
should see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from api.demo import demo_ids
from domain.risk import DASH_RIC_QUESTIONS
from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_access import as_person, move_clock_on

UK = ZoneInfo("Europe/London")
TL, CC, OFFICER = "team-leader", "case-coordinator-1", "marrac-police-officer"
OLDER, YOUNGER = "Child: Ellaxq Quennevillexq", "Child: Finnxq Quennevillexq"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("marrac-seed-002-demo")) as served:
        yield served


class Story:
    """Day 1 (the incident) is the demo's next UK day: each run starts a fresh timeline."""

    def __init__(self, demo: Demo, page: Page) -> None:
        self.demo = demo
        self.page = page
        self.day_one = self.now().astimezone(UK).date() + timedelta(days=1)

    def now(self) -> datetime:
        assert self.demo.platform.demo_clock is not None
        return self.demo.platform.demo_clock.now()

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day_one + timedelta(days=day - 1), time(hour, minute),
                                tzinfo=UK)

    def shown(self, day: int, hour: int, minute: int = 0) -> str:
        """As the pages show a moment (the moj macro mojDateTime)."""
        when = self.at(day, hour, minute)
        return (f"{when.day} {when.strftime('%B %Y')} at {(when.hour % 12) or 12}:"
                f"{when.minute:02d}{'am' if when.hour < 12 else 'pm'}")

    def enter_at(self, day: int, hour: int, minute: int, persona: str) -> None:
        """The clock moved on to the moment the story is entered, and `persona` signed in."""
        move_clock_on(self.demo, self.at(day, hour, minute) - self.now())
        as_person(self.page, self.demo, persona)

    def when(self, form: Locator, prefix: str, day: int, hour: int, minute: int = 0) -> None:
        moment = self.at(day, hour, minute)
        form.locator(f"#{prefix}-day").fill(str(moment.day))
        form.locator(f"#{prefix}-month").fill(str(moment.month))
        form.locator(f"#{prefix}-year").fill(str(moment.year))
        form.locator(f"#{prefix}-time").fill(f"{moment.hour:02d}:{moment.minute:02d}")


def marrac_page(page: Page, demo: Demo, case_id: UUID) -> None:
    """The case's MARRAC page (a fresh session asks the purpose first, then comes back)."""
    page.goto(f"{demo.url}/cases/{case_id}/marrac")
    if page.get_by_role("heading", name="MARRAC case work").count() == 0:
        page.get_by_label("Safety planning").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="MARRAC case work")).to_be_visible()


def done(page: Page, message: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(message)


def contact(story: Story, who: str, minutes: int, at: tuple[int, int, int]) -> None:
    """Time with an ME; `at` is (day, hour, minute) of when it started."""
    form = story.page.locator("form[action$='/marrac/contact']")
    form.get_by_label(who, exact=True).check()
    form.get_by_label("How long?").fill(str(minutes))
    story.when(form, "contact-when", *at)
    form.get_by_role("button", name="Record time").click()
    done(story.page, "Contact recorded")


def needs(page: Page, who: str, text: str) -> None:
    form = page.locator("form[action$='/marrac/needs']")
    form.get_by_label(who, exact=True).check()
    form.get_by_label("Their needs").fill(text)
    form.get_by_role("button", name="Record needs").click()
    done(page, "Needs recorded")


def step(story: Story, name: str, day: int, hour: int, minute: int = 0) -> None:
    form = story.page.locator("form[action$='/marrac/step']")
    story.when(form, "step-when", day, hour, minute)
    form.get_by_role("button", name=f"Complete “{name}”").click()
    done(story.page, "Step completed")


def add_action(story: Story, owner: UUID, for_whom: str, what: str, due: date) -> None:
    """On the add-action page: back to the case page with the action added."""
    page = story.page
    expect(page.get_by_role("heading", name="Add an action")).to_be_visible()
    page.get_by_label("Owner agency").select_option(str(owner))
    page.get_by_label("For", exact=True).select_option(label=for_whom)
    page.get_by_label("What is to be done").fill(what)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Add the action").click()
    done(page, "Action added")


def refer(story: Story) -> None:
    """Day 1, 02:30: the attending officer refers the mother, her partner and her two
    children, aged 7 and 3, on the referral form."""
    page = story.page
    page.get_by_role("link", name="New referral").click()
    for prefix, forenames, surname, born, relationship in (
            ("victim", "Maraxq", "Quennevillexq", date(1990, 4, 12), None),
            ("perpetrator-1", "Dorianxq", "Hallettxq", date(1987, 6, 3), "Partner"),
            ("child-1", "Ellaxq", "Quennevillexq", date(2018, 9, 2), "Daughter"),
            ("child-2", "Finnxq", "Quennevillexq", date(2022, 10, 20), "Son")):
        if prefix.startswith("child"):
            page.get_by_role("button", name=re.compile(r"^Add (a|another) child$")).click()
        page.locator(f"#{prefix}-forenames").fill(forenames)
        page.locator(f"#{prefix}-surname").fill(surname)
        page.locator(f"#{prefix}-dob-day").fill(str(born.day))
        page.locator(f"#{prefix}-dob-month").fill(str(born.month))
        page.locator(f"#{prefix}-dob-year").fill(str(born.year))
        if relationship:
            page.locator(f"#{prefix}-relationship").fill(relationship)
        if prefix == "victim":
            page.get_by_label("How and when is it safe to contact the victim?").fill(
                "Mobile, any time")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Risk: the DASH checklist")).to_be_visible()
    for n, question in enumerate(DASH_RIC_QUESTIONS):
        page.locator(f"#q-{question}" if n < 15 else f"#q-{question}-2").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Criteria and consent")).to_be_visible()
    page.get_by_label("Summary of the latest incident").fill(
        "Perpetrator intoxicated; assault, minor head injury. Police called by the older "
        "child.")
    page.get_by_label("Visible high risk", exact=True).check()
    page.get_by_label("No, they refused").check()
    page.get_by_label("Why is information shared without consent?").fill(
        "Risk to life; the children are at risk")
    page.get_by_label("Lawful basis for sharing without consent").fill(
        "UK GDPR Article 6(1)(e), DPA 2018 Schedule 1 paragraph 18")
    page.get_by_label("No, it is not safe to tell them").check()
    page.locator("#idva-referral-made").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    people = page.locator(".govuk-summary-card", has_text="The people")
    expect(people).to_contain_text("Ellaxq Quennevillexq, born 2 September 2018 (Daughter)")
    expect(people).to_contain_text("Finnxq Quennevillexq, born 20 October 2022 (Son)")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()


def test_the_seed_002_case_study_on_the_pages(
        page: Page, demo: Demo, accessible: Accessibility, *, javascript: bool) -> None:
    story = Story(demo, page)
    api = DemoApi(demo)
    agencies = demo_ids().marrac_agencies

    # Day 1, 01:00: the incident; 02:30: the referral.
    story.enter_at(1, 2, 30, OFFICER)
    refer(story)
    accessible()
    href = page.locator("#case-link").get_attribute("href")
    assert href is not None
    case_id = UUID(href.rsplit("/", 1)[-1])

    # 08:15: the team leader allocates from the board; neither co-ordinator has an open case,
    # so the first is the least loaded, and preselected.
    story.enter_at(1, 8, 15, TL)
    page.goto(demo.url + "/marrac/allocation")
    page.get_by_label("Your team's case co-ordinators").fill(
        "demo-case-coordinator-2\ndemo-case-coordinator-1")
    page.get_by_role("button", name="Show the team's cases").click()
    card = page.locator(".govuk-summary-card").filter(
        has=page.locator(f"input[name=case][value='{case_id}']"))
    expect(card.get_by_label("demo-case-coordinator-1", exact=False)).to_be_checked()
    accessible()
    card.get_by_role("button", name="Allocate").click()
    done(page, "Case allocated")
    accessible()

    # 10:45, entered after the event: the victim spoken to from 10:00 (40 minutes); the case
    # meets purpose (the co-ordinator accepts it), step 1 done at 10:40.
    story.enter_at(1, 10, 45, CC)
    page.goto(f"{demo.url}/cases/{case_id}/decision")
    if page.get_by_role("heading", name="Threshold decision").count() == 0:
        page.get_by_label("Safety planning").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Threshold decision")).to_be_visible()
    accessible()
    page.get_by_label("Accept the referral").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: Accepted")).to_be_visible()
    marrac_page(page, demo, case_id)
    expect(page.get_by_text("demo-case-coordinator-1")).to_be_visible()
    accessible()
    contact(story, "Victim", 40, (1, 10, 0))
    step(story, "Gather and assess", 1, 10, 40)
    accessible()

    # 17:00, entered after the day's visits: the home visit from 13:30 (the victim, 60
    # minutes; the 7-year-old, 20 from 14:30; the 3-year-old, 10 from 14:50), the perpetrator
    # in custody from 15:30 (45), each ME's needs, and step 2 at 16:15.
    story.enter_at(1, 17, 0, CC)
    marrac_page(page, demo, case_id)
    contact(story, "Victim", 60, (1, 13, 30))
    contact(story, OLDER, 20, (1, 14, 30))
    contact(story, YOUNGER, 10, (1, 14, 50))
    contact(story, "Perpetrator", 45, (1, 15, 30))
    needs(page, "Victim", "Financial and MH support")
    needs(page, "Perpetrator", "Alcohol and MH support")
    needs(page, OLDER, "Someone to speak to")
    needs(page, YOUNGER, "Speech and language follow-up")
    step(story, "Analyse risk and need", 1, 16, 15)
    accessible()

    # Day 2, entered at 17:30: the plan's five actions, added from the plan step, the plan
    # agreed with each ME (the victim from 13:00, 30 minutes; the perpetrator from 14:00, 20;
    # the 7-year-old from 15:30, 15), agreed at 16:00 with step 3.
    story.enter_at(2, 17, 30, CC)
    plan = (("mentalhealth", "The victim", "Mental-health assessment"),
            ("citizensadvice", "The victim", "Debt advice on the loan repayments"),
            ("school", "A child", "Someone to talk to at school; asthma check"),
            ("health", "A child", "Speech and language follow-up visit"),
            ("substancemisuse", "The perpetrator", "Alcohol treatment referral"))
    marrac_page(page, demo, case_id)
    page.get_by_role("link", name="Add an action to the plan").click()
    for n, (agency, for_whom, what) in enumerate(plan):
        if n:  # back on the case page
            page.get_by_role("link", name="Add an action", exact=True).click()
        add_action(story, agencies[agency], for_whom, what, due=story.at(9, 0).date())
        if n == 0:
            accessible()
    expect(page.locator("#action-list tbody tr")).to_have_count(5)
    marrac_page(page, demo, case_id)
    contact(story, "Victim", 30, (2, 13, 0))
    contact(story, "Perpetrator", 20, (2, 14, 0))
    contact(story, OLDER, 15, (2, 15, 30))
    form = page.locator("form[action$='/marrac/plan']")
    story.when(form, "plan-when", 2, 16)
    form.get_by_role("button", name="Record the plan as agreed").click()
    done(page, "Plan agreed")
    step(story, "Identify the solution", 2, 16)
    accessible()

    # Day 15, entered at 12:00: reviewed at 10:00 (no longer meets purpose), closure agreed
    # with the victim from 10:30 (20 minutes), the case completed at 11:00 with each plan
    # action done; police told at 11:30, the four other plan agencies by 11:55.
    story.enter_at(15, 12, 0, CC)
    marrac_page(page, demo, case_id)
    form = page.locator("form[action$='/marrac/review']")
    form.get_by_label("No", exact=True).check()
    form.get_by_label("Ready to close", exact=False).check()
    story.when(form, "review-when", 15, 10)
    form.get_by_role("button", name="Record the review").click()
    done(page, "Review recorded")
    contact(story, "Victim", 20, (15, 10, 30))
    accessible()
    form = page.locator("form[action$='/marrac/close']")
    form.get_by_label("Why is the case complete?").fill("Risk no longer meets purpose")
    actions = [a.get_attribute("value") for a in form.locator("input[name=action]").all()]
    assert len(actions) == 5
    for action in actions:
        form.locator(f"input[name='fate-{action}'][value='completed']").check()
    story.when(form, "close-when", 15, 11)
    form.get_by_role("button", name="Complete and close the case").click()
    done(page, "Case completed and closed")
    accessible()
    told_at = (("police", 11, 30), ("mentalhealth", 11, 40), ("citizensadvice", 11, 45),
               ("school", 11, 50), ("substancemisuse", 11, 55))

    def told(agency: str, day: int, hour: int, minute: int) -> None:
        form = page.locator("form[action$='/marrac/told']")
        form.get_by_label("Agency told").select_option(str(agencies[agency]))
        story.when(form, "told-when", day, hour, minute)
        form.get_by_role("button", name="Record as told").click()
        done(page, "Agency recorded as told")

    for agency, hour, minute in told_at:
        told(agency, 15, hour, minute)

    # Day 16, entered at 12:30: health visiting reached only at 12:00; the feedback.
    story.enter_at(16, 12, 30, CC)
    marrac_page(page, demo, case_id)
    told("health", 16, 12, 0)
    for source in ("Victim", "Perpetrator", OLDER, "School"):
        form = page.locator("form[action$='/marrac/feedback']")
        if source == "School":
            form.locator(f"input[name=feedback-from][value='agency:{agencies['school']}']"
                         ).check()
        else:
            form.get_by_label(source, exact=True).check()
        form.get_by_label("What they said").fill("Felt listened to; one contact throughout.")
        story.when(form, "feedback-when", 16, 12, 15)
        form.get_by_role("button", name="Record feedback").click()
        done(page, "Feedback recorded")
    accessible()

    # The figures on the page. Time per ME, by hand (as the API test):
    #   victim      40 (day 1, 10:00) + 60 (13:30) + 30 (day 2, 13:00) + 20 (day 15, 10:30)
    #               = 150 minutes, 4 contacts
    #   perpetrator 45 (day 1, 15:30) + 20 (day 2, 14:00) = 65 minutes, 2 contacts
    #   child, 7    20 (day 1, 14:30) + 15 (day 2, 15:30) = 35 minutes, 2 contacts
    #   child, 3    10 (day 1, 14:50)                     = 10 minutes, 1 contact
    #   children together: 35 + 10 = 45 minutes, 3 contacts
    rows = page.locator("table").first.locator("tbody tr")
    for who, needed, minutes, contacts in (
            ("Victim", "Financial and MH support", 150, 4),
            ("Perpetrator", "Alcohol and MH support", 65, 2),
            (OLDER, "Someone to speak to", 35, 2),
            (YOUNGER, "Speech and language follow-up", 10, 1)):
        expect(rows.filter(has_text=who).locator("td, th")).to_have_text(
            [who, needed, f"{minutes} minutes", str(contacts)])
    # The plan, by hand: due 48 hours after the allocation (day 1 08:15 -> day 3 08:15),
    # agreed day 2 16:00: on time. The review: due two weeks after the plan (day 16 16:00),
    # done day 15 10:00: on time.
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(
        f"Due by {story.shown(3, 8, 15)}; done {story.shown(2, 16)} (on time)")
    expect(summary).to_contain_text(
        f"Due by {story.shown(16, 16)}; done {story.shown(15, 10)} (on time)")
    steps = page.locator("#step + ol li")
    expect(steps).to_have_text([f"Gather and assess: done {story.shown(1, 10, 40)}",
                                f"Analyse risk and need: done {story.shown(1, 16, 15)}",
                                f"Identify the solution: done {story.shown(2, 16)}",
                                f"Complete the case: done {story.shown(15, 11)}"])
    # The closure, by hand: closed day 15 11:00, every agency to be told by day 16 11:00;
    # health, told day 16 12:00, an hour late, makes the closure late.
    closure = page.locator("#told + p")
    expect(closure).to_contain_text(f"to be told by {story.shown(16, 11)}")
    expect(closure.locator(".govuk-tag")).to_have_text("Late")
    told_rows = page.locator("#told ~ table tbody tr")
    expect(told_rows).to_have_count(6)
    expect(told_rows.filter(has_text="(late)")).to_have_count(1)
    expect(told_rows.filter(has_text="(late)")).to_contain_text(story.shown(16, 12))
    expect(page.locator("#feedback + ul li")).to_have_count(4)

    # The same figures through the API's MARRAC summary (services/marrac_summary.py).
    status, worked = api.call(TL, "GET", f"/cases/{case_id}/marrac", purpose="safety_planning")
    assert status == 200, worked
    assert worked["status"] == "closed"
    assert worked["time_per_me"] == {"victim": {"minutes": 150, "contacts": 4},
                                     "perpetrator": {"minutes": 65, "contacts": 2},
                                     "child": {"minutes": 45, "contacts": 3}}
    assert [(c["minutes"], c["contacts"]) for c in worked["children"]] == [(35, 2), (10, 1)]
    assert worked["plan"]["on_time"] is True
    assert worked["review"]["on_time"] is True
    assert worked["review"]["reviews"] == 1
    assert datetime.fromisoformat(worked["closure"]["inform_by"]) == story.at(16, 11)
    assert {a: t["late"] for a, t in worked["closure"]["informed"].items()} == {
        **{str(agencies[a]): False for a, _, _ in told_at}, str(agencies["health"]): True}
    assert worked["closure"]["late"] is True
    assert worked["closure"]["outstanding"] == []
    # The allocation is at the moment the board was used: 08:15 and the seconds it took.
    allocated = datetime.fromisoformat(worked["allocation"]["allocated_at"])
    assert story.at(1, 8, 15) <= allocated < story.at(1, 8, 16)
