"""The referral form over HTTP, without a browser: its steps kept in the session, each kind of
invalid input answered with the GOV.UK error summary and the field's message, the running
score, one case however often the referral is sent, and the policy deciding who may refer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.bootstrap import Platform
from domain.risk import DASH_RIC_QUESTIONS
from security.sessions import SessionData
from tests.api.conftest import World, world
from web.monitoring import ALLOWED
from web.monitoring import QUESTIONS as MONITORING
from web.session import COOKIE

__all__ = ["world"]
pytestmark = pytest.mark.in_memory

PEOPLE = {"victim-forenames": "Philippaxq", "victim-surname": "Quennevillexq",
          "victim-dob-day": "14", "victim-dob-month": "3", "victim-dob-year": "1987",
          "safe-contact": "Mobile, texts only, not after 6pm",
          "perpetrator-1-forenames": "Dorianxq", "perpetrator-1-surname": "Marchbankxq",
          "perpetrator-1-dob-day": "", "perpetrator-1-dob-month": "",
          "perpetrator-1-dob-year": "", "perpetrator-1-relationship": "Ex-partner"}
CRITERIA = {"incident-summary": "Strangulation disclosed after an argument.",
            "criteria": "visible_high_risk", "consent": "given", "victim-informed": "yes",
            "idva-referral-made": "yes"}


def answers(yes: int, answered: int = 24) -> dict[str, str]:
    return {f"q-{q}": "yes" if n < yes else "no"
            for n, q in enumerate(DASH_RIC_QUESTIONS) if n < answered}


class Person:
    """A signed-in person's browser, as far as a test needs one: the session cookie, and form
    posts carrying the session's CSRF token."""

    def __init__(self, client: TestClient, platform: Platform, token: str) -> None:
        self.client, self.platform = client, platform
        self.session = platform.web_sessions.start(platform.now(), SessionData(
            csrf_token="csrf-" + token[-12:], access_token=token, person_name="A person"))
        client.cookies.set(COOKIE, self.session.session_id)

    def post(self, path: str, fields: Mapping[str, str | list[str]],
             action: str = "continue", csrf: bool = True) -> Response:
        data = {**fields, "action": action}
        if csrf:
            data["csrf_token"] = self.session.data.csrf_token
        return self.client.post(path, data=data, follow_redirects=False)

    def get(self, path: str) -> Response:
        return self.client.get(path, follow_redirects=False)

    def fill_in(self, yes: int = 15) -> None:
        for path, fields in (("/referrals/new", PEOPLE), ("/referrals/new/risk", answers(yes)),
                             ("/referrals/new/criteria", CRITERIA)):
            answer = self.post(path, fields)
            assert answer.status_code == 303, answer.text


@pytest.fixture
def officer(client: TestClient, api_platform: Platform, world: World) -> Person:
    return Person(client, api_platform, world.token("officer-1", "representative",
                                                    agency="police"))


def problems(page: Response) -> list[tuple[str, str]]:
    """The error summary's links: (href, message)."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page.text, re.DOTALL)
    assert summary, "no error summary"
    return [(href, re.sub(r"\s+", " ", text).strip().replace("&#39;", "'"))
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary.group(0),
                                         re.DOTALL)]


def field_message(page: Response, field: str) -> str:
    found = re.search(rf'<p id="{re.escape(field)}-error" class="govuk-error-message">\s*'
                      r'<span class="govuk-visually-hidden">Error:</span>(.*?)</p>',
                      page.text, re.DOTALL)
    assert found, f"no message for {field}"
    return found.group(1).strip().replace("&#39;", "'")


def title(page: Response) -> str:
    found = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL)
    assert found
    return found.group(1).strip()


def test_a_referral_sent_twice_makes_one_case_and_the_draft_goes(
        officer: Person, api_platform: Platform) -> None:
    officer.fill_in()
    officer.post("/referrals/new", {**PEOPLE, "perpetrator-1-relationship": "<b>Ex</b> & co"})
    check = officer.get("/referrals/new/check")
    assert check.status_code == 200
    assert "Check your answers before sending the referral" in check.text
    assert "Dorianxq Marchbankxq (&lt;b&gt;Ex&lt;/b&gt; &amp; co)" in check.text  # as text
    first = officer.post("/referrals/new/check", {})
    again = officer.post("/referrals/new/check", {})  # a second click, a refreshed post
    assert (first.status_code, first.headers["location"]) == (303, "/referrals/new/sent")
    assert (again.status_code, again.headers["location"]) == (303, "/referrals/new/sent")
    sent = officer.get("/referrals/new/sent")
    case_id = re.search(r'href="/cases/([0-9a-f-]{36})"', sent.text)
    assert case_id
    case = api_platform.marac.get_case(UUID(case_id.group(1)))
    assert case.referral.referrer == "officer-1"
    assert [s.relationship for s in case.subjects.values() if s.role == "perpetrator"] == [
        "<b>Ex</b> & co"]
    assert sum(1 for r in api_platform.audit.records()
               if (r["action"], r["outcome"]) == ("create", "allowed")) == 1
    # The draft went with the referral: the form starts again, empty.
    assert 'value="Philippaxq"' not in officer.get("/referrals/new").text


def test_equality_monitoring_answers_are_optional_checked_and_reach_the_case(
        client: TestClient, world: World, officer: Person) -> None:
    """Each answer given reaches the case as the API shows it; one not given is not known
    (None); the check page shows them."""
    monitoring = {"victim-gender": "female", "victim-ethnicity": "white_irish",
                  "victim-sexuality": "bisexual", "victim-disability": "yes",
                  "victim-trans": "not_known", "perpetrator-1-gender": "male",
                  "perpetrator-1-ethnicity": ""}
    officer.fill_in()
    assert officer.post("/referrals/new", {**PEOPLE, **monitoring}).status_code == 303
    page = officer.get("/referrals/new").text
    assert re.search(r'value="bisexual" checked', page)
    assert re.search(r'value="white_irish" selected', page)
    check = officer.get("/referrals/new/check").text
    for line in ("Gender: Female", "Ethnic group: White: Irish", "Sexual orientation: Bisexual",
                 "Disabled: Yes", "Trans: Not known", "Gender: Male"):
        assert f"<li>{line}</li>" in check, line
    assert officer.post("/referrals/new/check", {}).status_code == 303
    made = re.search(r'href="/cases/([0-9a-f-]{36})"', officer.get("/referrals/new/sent").text)
    assert made
    view = client.get(f"/api/v1/cases/{made.group(1)}", headers=world.coordinator())
    assert view.status_code == 200, view.text
    fields = ("gender", "ethnicity", "sexuality", "disability", "trans")
    coded = {s["role"]: tuple(s[f] for f in fields) for s in view.json()["referral"]["subjects"]}
    assert coded == {"victim": ("female", "white_irish", "bisexual", "yes", "not_known"),
                     "perpetrator": ("male", None, None, None, None)}


def test_each_monitoring_question_offers_every_code_the_domain_records_and_no_other() -> None:
    assert {q.field: tuple(q.choices) for q in MONITORING} == ALLOWED


def test_a_double_click_that_finds_the_draft_still_there_finds_the_same_case(
        officer: Person, api_platform: Platform) -> None:
    """Two posts of one draft that both read it before either cleared it: the draft's id is
    the case's, so the second finds the case the first made."""
    officer.fill_in()
    both_found = api_platform.web_sessions.find(officer.session.session_id, api_platform.now())
    assert both_found is not None
    officer.post("/referrals/new/check", {})
    api_platform.web_sessions.save(both_found, both_found.data)  # the first not yet cleared it
    officer.post("/referrals/new/check", {})
    made = {r["case_id"] for r in api_platform.audit.records() if r["action"] == "create"}
    assert len(made) == 1
    assert api_platform.marac.get_case(UUID(made.pop())).version == 1
    assert officer.get("/referrals/new/sent").status_code == 200


def test_the_score_and_the_criteria_it_meets_show_as_the_answers_are_saved(
        officer: Person) -> None:
    officer.post("/referrals/new/risk", answers(9, answered=12), action="update")
    page = officer.get("/referrals/new/risk")
    assert re.search(r'font-weight-bold">9</span>\s*\'yes\' answers of 24', page.text)
    assert "None yet" in page.text
    answer = officer.post("/referrals/new/risk", answers(14), action="update")
    assert answer.headers["location"] == "/referrals/new/risk#score"
    page = officer.get("/referrals/new/risk")
    assert re.search(r'font-weight-bold">14</span>', page.text)
    assert "<li>Visible high risk</li>" in page.text


def test_the_score_for_the_page_s_script_keeps_nothing(officer: Person) -> None:
    partial = officer.post("/referrals/new/risk/score", answers(16))
    assert re.search(r'font-weight-bold">16</span>', partial.text)
    assert "<li>Visible high risk</li>" in partial.text
    assert re.search(r'font-weight-bold">0</span>', officer.get("/referrals/new/risk").text)


@pytest.mark.parametrize(("path", "fields", "expected"), [
    ("/referrals/new", {**PEOPLE, "victim-forenames": "", "victim-surname": ""},
     [("#victim-forenames", "Enter the victim's forenames or surname")]),
    ("/referrals/new", {**PEOPLE, "perpetrator-1-forenames": "", "perpetrator-1-surname": ""},
     [("#perpetrator-1-forenames", "Enter perpetrator 1's forenames or surname")]),
    ("/referrals/new", {**PEOPLE, "victim-dob-day": "31", "victim-dob-month": "2"},
     [("#victim-dob-day", "The date of birth of the victim must be a real date")]),
    ("/referrals/new", {**PEOPLE, "victim-dob-month": ""},
     [("#victim-dob-month", "The date of birth of the victim must include a month")]),
    ("/referrals/new", {**PEOPLE, "safe-contact": ""},
     [("#safe-contact", "Enter how and when it is safe to contact the victim")]),
    ("/referrals/new", {**PEOPLE, "victim-ethnicity": "martian", "victim-gender": "female"},
     [("#victim-ethnicity", "Select the victim's ethnic group from the list")]),
    ("/referrals/new", {**PEOPLE, "perpetrator-1-trans": "maybe"},
     [("#perpetrator-1-trans", "Select yes, no or not known for whether perpetrator 1 is "
                               "trans")]),
    ("/referrals/new/risk", answers(3, answered=22),
     [("#q-breached_bail_or_orders", "Select yes, no or not known for question 23: breach of "
                                     "bail, an injunction or another order"),
      ("#q-criminal_history", "Select yes, no or not known for question 24: the "
                              "perpetrator's criminal history")]),
    ("/referrals/new/criteria", {**CRITERIA, "criteria": "professional_judgement"},
     [("#judgement-reason", "Enter why, in your professional judgement, the victim is at "
                            "high risk")]),
    ("/referrals/new/criteria", {**CRITERIA, "consent": "refused",
                                 "consent-reason": "Risk to life"},
     [("#lawful-basis", "Enter the lawful basis for sharing without consent")]),
    ("/referrals/new/criteria", {**CRITERIA, "consent": "not_sought"},
     [("#consent-reason", "Enter why information is shared without consent"),
      ("#lawful-basis", "Enter the lawful basis for sharing without consent")]),
    ("/referrals/new/criteria", {k: v for k, v in CRITERIA.items() if k != "criteria"},
     [("#criteria", "Select the criteria the referral meets")]),
    ("/referrals/new/criteria", {**CRITERIA, "criteria": ["potential_escalation"],
                                 "incidents": "three"},
     [("#incidents", "The number of incidents must be a whole number, like 3")]),
    ("/referrals/new/criteria", {"criteria": "visible_high_risk"},
     [("#incident-summary", "Enter a summary of the latest incident"),
      ("#consent", "Select whether the victim consented to the referral"),
      ("#victim-informed", "Select whether the victim knows about the referral"),
      ("#idva-referral-made", "Select whether the victim was referred to an IDVA service")]),
])
def test_each_kind_of_invalid_input_is_summarised_and_named_at_its_field(
        officer: Person, path: str, fields: dict[str, str | list[str]],
        expected: list[tuple[str, str]]) -> None:
    page = officer.post(path, fields)
    assert page.status_code == 400
    assert title(page).startswith("Error: ")
    assert problems(page) == expected
    for href, message in expected:
        field = href.removeprefix("#")
        field = re.sub(r"-dob-(day|month|year)$", "-dob", field)
        assert field_message(page, field) == message


def test_people_are_added_and_removed_without_javascript(officer: Person) -> None:
    added = officer.post("/referrals/new", PEOPLE, action="add-perpetrator")
    assert added.headers["location"] == "/referrals/new#perpetrator-2"
    page = officer.get("/referrals/new").text
    assert 'id="perpetrator-2-forenames"' in page
    assert 'value="Dorianxq"' in page  # what was typed is kept
    fields = {**PEOPLE, "perpetrator-2-forenames": "Second", "perpetrator-2-surname": "",
              "child-1-forenames": ""}
    officer.post("/referrals/new", fields, action="add-child")
    page = officer.get("/referrals/new").text
    assert 'id="child-1-forenames"' in page
    assert 'value="Second"' in page
    removed = officer.post("/referrals/new", {**fields, "child-1-surname": ""},
                           action="remove-perpetrator-1")
    assert removed.headers["location"] == "/referrals/new#perpetrator-list"
    page = officer.get("/referrals/new").text
    assert 'value="Dorianxq"' not in page
    assert re.search(r'id="perpetrator-1-forenames"[^>]*value="Second"', page)
    # The one perpetrator left cannot be removed: a referral names at least one.
    officer.post("/referrals/new", {**fields, "perpetrator-2-forenames": "x"},
                 action="remove-perpetrator-1")
    assert "Remove perpetrator 1" not in officer.get("/referrals/new").text


def test_the_check_page_waits_for_every_step(officer: Person) -> None:
    assert officer.get("/referrals/new/check").headers["location"] == "/referrals/new"
    officer.post("/referrals/new", PEOPLE)
    assert officer.get("/referrals/new/check").headers["location"] == "/referrals/new/risk"
    officer.post("/referrals/new/risk", answers(15))
    officer.post("/referrals/new/criteria", CRITERIA)
    # A change once every step is done goes back to the check page.
    assert officer.post("/referrals/new", PEOPLE).headers["location"] == "/referrals/new/check"


def test_a_step_posted_without_its_csrf_token_is_refused_and_kept_nowhere(
        officer: Person) -> None:
    refused = officer.post("/referrals/new", PEOPLE, csrf=False)
    assert refused.status_code == 403
    assert 'value="Philippaxq"' not in officer.get("/referrals/new").text


def test_only_those_who_may_refer_are_offered_the_form_and_others_are_refused(
        client: TestClient, api_platform: Platform, world: World, officer: Person) -> None:
    offered = '<a class="govuk-service-navigation__link" href="/referrals/new"'
    assert offered in officer.get("/cases").text
    # A representative whose token names no agency reads cases but refers for no agency.
    unplaced = Person(client, api_platform, world.token("rep-9", "representative"))
    cases = unplaced.get("/cases")
    assert cases.status_code == 200
    assert offered not in cases.text
    dpo = Person(client, api_platform, world.token("dpo-1", "dpo"))
    for answer in (dpo.get("/referrals/new"), dpo.post("/referrals/new", PEOPLE)):
        assert answer.status_code == 403
    assert [(r["action"], r["outcome"]) for r in api_platform.audit.records()
            if r["actor"] == "dpo-1"][-2:] == [("create", "denied")] * 2
