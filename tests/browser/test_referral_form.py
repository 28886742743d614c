"""The referral form as a police officer fills it in: the people (adding a child without
JavaScript; one equality monitoring answer), the DASH checklist with its running score, the
criteria and consent, the check of the answers with its Change links, and the case in their
list afterwards; each kind of invalid input; the whole form with the keyboard alone. axe on
every step and every error state. JavaScript on and off.

The referrer is the MARRAC's police officer (`marrac-police-officer`): their area has no other
case, so the cases these tests make change no other test's counts."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from domain.risk import DASH_RIC_QUESTIONS
from tests.browser.conftest import Accessibility, Demo
from tests.browser.test_sign_in import sign_in

REFERRER = "marrac-police-officer"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def start(page: Page, demo: Demo) -> None:
    sign_in(page, demo, REFERRER)
    page.get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", name="The people")).to_be_visible()


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def score(page: Page) -> str:
    return re.sub(r"\s+", " ", page.locator("#score-now").inner_text()).strip()


def fill_people(page: Page) -> None:
    page.locator("#victim-forenames").fill("Rowanxq")
    page.locator("#victim-surname").fill("Ashdownxq")
    page.locator("#victim-dob-day").fill("2")
    page.locator("#victim-dob-month").fill("11")
    page.locator("#victim-dob-year").fill("1991")
    page.get_by_label("How and when is it safe to contact the victim?").fill(
        "Work phone only, weekdays before 5pm")
    page.locator("#perpetrator-1-forenames").fill("Corinxq")
    page.locator("#perpetrator-1-surname").fill("Pellowxq")
    page.locator("#perpetrator-1-relationship").fill("Husband")


def test_a_police_officer_refers_a_case_and_finds_it_in_their_list(
        page: Page, demo: Demo, accessible: Accessibility, javascript: bool) -> None:
    start(page, demo)
    accessible()
    fill_people(page)
    # Equality monitoring: optional; one answer chosen, the rest left unanswered.
    page.get_by_role("group", name="Equality monitoring (optional)").first.get_by_label(
        "Ethnic group").select_option("black_caribbean")
    page.get_by_role("button", name="Add a child").click()
    expect(page.locator("#child-1-forenames")).to_be_visible()
    expect(page.locator("#victim-forenames")).to_have_value("Rowanxq")  # kept meanwhile
    page.locator("#child-1-forenames").fill("Ellisxq")
    page.locator("#child-1-surname").fill("Pellowxq")
    page.locator("#child-1-relationship").fill("Son")
    accessible()
    continue_(page)

    expect(page.get_by_role("heading", name="Risk: the DASH checklist")).to_be_visible()
    accessible()
    for n, question in enumerate(DASH_RIC_QUESTIONS):
        page.locator(f"#q-{question}" if n < 15 else f"#q-{question}-2").check()
    page.get_by_label("Source of answer 23, if not the victim").fill("Police records")
    # The score stays in view beside the questions as the person answers them.
    page.locator("#q-criminal_history").scroll_into_view_if_needed()
    expect(page.locator("#score")).to_be_in_viewport()
    if javascript:  # the score follows the answers as they are given
        expect(page.locator("#score-now")).to_contain_text("15 'yes' answers of 24")
    page.get_by_role("button", name="Update score").click()
    expect(page.locator("#score-now")).to_contain_text("15 'yes' answers of 24")
    assert "Visible high risk" in score(page)
    expect(page.locator("#q-breached_bail_or_orders-2")).to_be_checked()  # kept
    accessible()
    if javascript:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "referral-dash.png"), full_page=True)
    continue_(page)

    expect(page.get_by_role("heading", name="Criteria and consent")).to_be_visible()
    accessible()
    page.get_by_label("Summary of the latest incident").fill(
        "Threats to kill made after the victim asked the perpetrator to leave.")
    page.get_by_label("Visible high risk", exact=True).check()
    page.get_by_label("No, they refused").check()
    page.get_by_label("Why is information shared without consent?").fill(
        "Risk to life; the children are at risk")
    page.get_by_label("Lawful basis for sharing without consent").fill(
        "UK GDPR Article 6(1)(e), DPA 2018 Schedule 1 paragraph 18")
    page.get_by_label("No, it is not safe to tell them").check()
    page.locator("#idva-referral-made").check()
    continue_(page)

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    accessible()
    people = page.locator(".govuk-summary-card", has_text="The people")
    expect(people).to_contain_text("Rowanxq Ashdownxq, born 2 November 1991")
    expect(people).to_contain_text("Ellisxq Pellowxq (Son)")
    expect(people.locator(".govuk-summary-list__row").first).to_contain_text(
        "Ethnic group: Black, Black British, Caribbean or African: Caribbean")
    risk = page.locator(".govuk-summary-card", has_text="Risk: the DASH checklist")
    expect(risk).to_contain_text("15 'yes' answers of 24")
    expect(risk).to_contain_text("No (source: Police records)")
    if javascript:
        page.screenshot(path=str(SCREENSHOTS / "referral-check.png"), full_page=True)
    # Change goes back to the question, and on to this page again.
    page.get_by_role("link", name="Change whether the victim was referred to an IDVA "
                                  "service").click()
    expect(page.get_by_role("heading", name="Criteria and consent")).to_be_visible()
    page.get_by_label("No", exact=True).last.check()
    continue_(page)
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="Referred to an IDVA service")
           ).to_contain_text("No")

    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    accessible()
    href = page.locator("#case-link").get_attribute("href")
    assert href is not None
    page.reload()  # a refresh sends nothing again: it shows the same referral
    expect(page.locator("#case-link")).to_have_attribute("href", href)
    page.get_by_role("link", name="Your cases").click()
    expect(page.locator(f'tbody a[href="{href}"]')).to_be_visible()


def test_each_kind_of_invalid_input_shows_the_error_summary(
        page: Page, demo: Demo, accessible: Accessibility, javascript: bool) -> None:
    start(page, demo)
    page.locator("#victim-dob-day").fill("30")
    page.locator("#victim-dob-month").fill("2")
    page.locator("#victim-dob-year").fill("1990")
    continue_(page)
    summary = page.locator(".govuk-error-summary")
    expect(page).to_have_title(re.compile(r"^Error: The people\b"))
    expect(summary).to_contain_text("Enter the victim's forenames or surname")
    expect(summary).to_contain_text("The date of birth of the victim must be a real date")
    expect(summary).to_contain_text("Enter how and when it is safe to contact the victim")
    expect(summary).to_contain_text("Enter perpetrator 1's forenames or surname")
    expect(page.locator("#victim-dob-error")).to_contain_text("must be a real date")
    accessible()
    summary.get_by_role("link", name="Enter the victim's forenames or surname").click()
    if javascript:  # GOV.UK Frontend's error summary moves the focus to the field
        expect(page.locator("#victim-forenames")).to_be_focused()
    fill_people(page)
    continue_(page)

    page.locator("#q-injury").check()
    continue_(page)
    expect(page).to_have_title(re.compile(r"^Error: Risk: the DASH checklist\b"))
    expect(summary.get_by_role("link")).to_have_count(23)
    expect(summary).to_contain_text("Select yes, no or not known for question 2: the victim "
                                    "is very frightened")
    expect(page.locator("#q-injury")).to_be_checked()  # what was given is kept
    accessible()
    for question in DASH_RIC_QUESTIONS:
        page.locator(f"#q-{question}-3").check()
    continue_(page)

    page.get_by_label("Professional judgement", exact=True).check()
    page.get_by_label("Potential escalation", exact=True).check()
    page.get_by_label("How many incidents in the last 12 months?").fill("several")
    page.get_by_label("Consent was not sought").check()
    continue_(page)
    expect(page).to_have_title(re.compile(r"^Error: Criteria and consent\b"))
    for message in ("Enter a summary of the latest incident",
                    "The number of incidents must be a whole number, like 3",
                    "Enter why, in your professional judgement, the victim is at high risk",
                    "Enter why information is shared without consent",
                    "Enter the lawful basis for sharing without consent",
                    "Select whether the victim knows about the referral",
                    "Select whether the victim was referred to an IDVA service"):
        expect(summary).to_contain_text(message)
    expect(page.locator("#judgement-reason-error")).to_be_visible()
    accessible()
    page.get_by_label("Professional judgement", exact=True).uncheck()
    page.get_by_label("Potential escalation", exact=True).uncheck()
    page.get_by_label("Summary of the latest incident").fill("An incident.")
    page.get_by_label("Yes, they consented").check()
    page.locator("#victim-informed").check()
    page.locator("#idva-referral-made").check()
    continue_(page)
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary).to_contain_text("Select the criteria the referral meets")
    accessible()


def tab_to(page: Page, selector: str, most: int = 400) -> None:
    """Tab until the element `selector` names has the focus, as a person would."""
    for _ in range(most):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never had the focus")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def press(page: Page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector)
    page.keyboard.press(key)


def test_the_referral_form_is_completed_with_the_keyboard_alone(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    """Tab, Space and Enter (and typing): no click from the navigation to the case sent.
    Tabbing into a group of radios selects nothing: Space then selects the first."""
    sign_in(page, demo, REFERRER)
    press(page, 'a[href="/referrals/new"]')
    expect(page.get_by_role("heading", name="The people")).to_be_visible()
    type_into(page, "#victim-forenames", "Keyxq")
    type_into(page, "#victim-surname", "Boardxq")
    type_into(page, "#safe-contact", "Mobile, any time")
    type_into(page, "#perpetrator-1-forenames", "Tabxq")
    press(page, 'button[value="add-household"]')  # "add another", by the keyboard
    expect(page.locator("#household-1-forenames")).to_be_visible()
    type_into(page, "#household-1-forenames", "Spacexq")
    type_into(page, "#household-1-relationship", "Lodger")
    # Enter in a field saves and continues: it does not press the "add" and "remove" buttons
    # that come before "Save and continue" on the page.
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Risk: the DASH checklist")).to_be_visible()
    for question in DASH_RIC_QUESTIONS:
        press(page, f"#q-{question}", "Space")
    press(page, 'button[value="update"]')
    expect(page.locator("#score-now")).to_contain_text("24 'yes' answers of 24")
    press(page, 'button[value="continue"]')

    expect(page.get_by_role("heading", name="Criteria and consent")).to_be_visible()
    type_into(page, "#incident-summary", "Threats made by text message.")
    press(page, "#criteria", "Space")
    press(page, "#consent", "Space")
    press(page, "#victim-informed", "Space")
    press(page, "#idva-referral-made", "Space")
    press(page, 'button[value="continue"]')

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.locator(".govuk-summary-card", has_text="The people")).to_contain_text(
        "Spacexq (Lodger)")
    press(page, "form[action='/referrals/new/check'] button")
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    accessible()
