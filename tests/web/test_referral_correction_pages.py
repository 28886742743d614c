"""Correcting a referral on the pages, over HTTP without a browser: the case page offers
"Correct" for each person, the risk assessment and the criteria to those the policy lets correct
the referral; each form is filled as the referral stands, refuses what must be put right (the
GOV.UK error summary, 4xx, nothing written) and a post without its CSRF token; a correction
made shows on the case page, in its banner and timeline, and through the API. To anyone else,
each form is the same "Page not found" as a missing case."""

from __future__ import annotations

import re
import uuid
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer, referral_body
from tests.web.page_html import parse
from tests.web.test_case_page import CSRF, sign_in

pytestmark = pytest.mark.in_memory
PURPOSE = "research"


def police(client: TestClient, world: World, platform: Platform,
           purpose: str | None = PURPOSE) -> None:
    """The referring agency's representative (the test referrals are the police's)."""
    sign_in(client, platform, world.token("police-rep", "representative", agency="police"),
            purpose)


def view(client: TestClient, world: World, case_id: UUID) -> dict[str, Any]:
    answer = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator())
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def subject_ids(client: TestClient, world: World, case_id: UUID) -> dict[str, str]:
    subjects = view(client, world, case_id)["referral"]["subjects"]
    return {s["role"]: s["subject_id"] for s in subjects}


def corrections(platform: Platform) -> list[str]:
    """The outcomes of the correction writes the trail holds."""
    return [r["outcome"] for r in platform.audit.records() if r["action"] == "correct_referral"]


def values(html: str) -> dict[str, str]:
    """Each text field's value and each checked choice, by name (a checkbox's: its values; a
    select's: its selected option's)."""
    found: dict[str, str] = {}
    for e in parse(html).walk():
        name = e.attrs.get("name")
        if not name or name == "csrf_token":
            continue
        if e.tag == "textarea":
            found[name] = e.text
        elif e.tag == "input" and e.attrs.get("type") in ("radio", "checkbox"):
            if "checked" in e.attrs:
                found[name] = " ".join(filter(None, (found.get(name), e.attrs["value"])))
        elif e.tag == "input":
            found[name] = e.attrs.get("value", "")
        elif e.tag == "select":
            found[name] = next((o.attrs.get("value", "") for o in e.all("option")
                                if "selected" in o.attrs), "")
    return found


def test_the_referrer_corrects_the_victims_details_from_the_case_page(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    ids = subject_ids(client, world, case_id)
    police(client, world, api_platform)
    case_page = client.get(f"/cases/{case_id}").text
    offered = re.findall(rf"/cases/{case_id}/subjects/([0-9a-f-]{{36}})/correction", case_page)
    assert sorted(offered) == sorted(ids.values())
    assert f'href="/cases/{case_id}/risk-assessment/correction"' in case_page
    assert f'href="/cases/{case_id}/criteria/correction"' in case_page

    path = f"/cases/{case_id}/subjects/{ids['victim']}/correction"
    form = client.get(path)
    assert form.status_code == 200, form.text
    assert "<title>Correct the victim's details" in form.text
    shown = values(form.text)
    assert {k: shown[k] for k in ("victim-forenames", "victim-surname", "victim-dob-day",
                                  "victim-dob-month", "victim-dob-year", "address",
                                  "safe-contact")} == {
        "victim-forenames": "Philippaxq", "victim-surname": "Quennevillexq",
        "victim-dob-day": "14", "victim-dob-month": "3", "victim-dob-year": "1987",
        "address": "17 Larkspurxq Crescent", "safe-contact": ""}
    assert "victim-relationship" not in shown  # as the referral form asks of the victim
    read = api_platform.audit.records()[-1]
    assert (read["action"], read["outcome"], read["purpose"]) == ("read", "allowed", PURPOSE)

    given = {"victim-forenames": "Philippaxq", "victim-surname": "Quennevilleyq",
             "victim-dob-day": "14", "victim-dob-month": "3", "victim-dob-year": "1987",
             "safe-contact": "Texts only", "address": "17 Larkspurxq Crescent",
             "aliases": "Pip Quennevillexq\n", "references": "", "reason": "Misspelt"}
    assert client.post(path, data=given).status_code == 403  # no CSRF token
    wrong = client.post(path, data={**given, "csrf_token": CSRF, "victim-forenames": "",
                                    "victim-surname": "", "victim-dob-year": "",
                                    "safe-contact": "", "reason": ""})
    assert wrong.status_code == 400
    assert "<title>Error: Correct the victim's details" in wrong.text
    for href, message in (
            ("#victim-forenames", "Enter the victim&#39;s forenames or surname"),
            ("#victim-dob-year", "The date of birth of the victim must include a year"),
            ("#safe-contact", "Enter how and when it is safe to contact the victim"),
            ("#reason", "Enter why these details are corrected")):
        assert f'href="{href}">{message}</a>' in wrong.text, message
    too_many = client.post(path, data={**given, "csrf_token": CSRF,
                                       "aliases": "\n".join(f"Name {n}" for n in range(21))})
    assert too_many.status_code == 400
    assert 'href="#aliases">Enter 20 other names or fewer</a>' in too_many.text
    assert corrections(api_platform) == []

    done = client.post(path, data={**given, "csrf_token": CSRF}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (
        303, f"/cases/{case_id}?done=subject-corrected")
    page = client.get(done.headers["location"]).text
    assert "Details corrected" in page[page.index("govuk-notification-banner"):]
    assert "The victim&#39;s details corrected" in page[page.index('id="timeline"'):]
    (victim,) = [s for s in view(client, world, case_id)["referral"]["subjects"]
                 if s["role"] == "victim"]
    assert (victim["surname"], victim["aliases"], victim["safe_contact"],
            victim["date_of_birth"]) == ("Quennevilleyq", ["Pip Quennevillexq"], "Texts only",
                                         "1987-03-14")
    assert corrections(api_platform) == ["allowed"]

    # A perpetrator's form asks their relationship to the victim, not a safe contact.
    perpetrator = client.get(f"/cases/{case_id}/subjects/{ids['perpetrator']}/correction").text
    assert {"person-forenames", "person-relationship"} <= values(perpetrator).keys()
    assert "safe-contact" not in values(perpetrator)


def test_equality_monitoring_answers_are_shown_as_referred_checked_and_corrected(
        client: TestClient, world: World, api_platform: Platform) -> None:
    subjects = referral_body()["subjects"]
    subjects[0].update(gender="female", ethnicity="asian_indian", disability="yes")
    case_id = refer(client, world, subjects=subjects)
    ids = subject_ids(client, world, case_id)
    police(client, world, api_platform)
    path = f"/cases/{case_id}/subjects/{ids['victim']}/correction"
    shown = values(client.get(path).text)
    assert {k: shown.get(k) for k in ("victim-gender", "victim-ethnicity", "victim-sexuality",
                                      "victim-disability", "victim-trans")} == {
        "victim-gender": "female", "victim-ethnicity": "asian_indian", "victim-sexuality": None,
        "victim-disability": "yes", "victim-trans": None}
    given = {**shown, "safe-contact": "Texts only", "csrf_token": CSRF, "reason": "Asked"}
    wrong = client.post(path, data={**given, "victim-sexuality": "unicorn"})
    assert wrong.status_code == 400
    assert ('href="#victim-sexuality">Select the victim&#39;s sexual orientation from the '
            "list</a>") in wrong.text
    assert corrections(api_platform) == []
    done = client.post(path, data={**given, "victim-gender": "non_binary",
                                   "victim-ethnicity": "", "victim-sexuality": "gay_or_lesbian"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    (victim,) = [s for s in view(client, world, case_id)["referral"]["subjects"]
                 if s["role"] == "victim"]
    assert tuple(victim[f] for f in ("gender", "ethnicity", "sexuality", "disability",
                                     "trans")) == ("non_binary", None, "gay_or_lesbian", "yes",
                                                   None)
    # A perpetrator's form asks the same questions, of them.
    perpetrator = client.get(f"/cases/{case_id}/subjects/{ids['perpetrator']}/correction").text
    assert {"person-ethnicity"} <= values(perpetrator).keys()
    assert 'name="person-trans"' in perpetrator


def test_the_risk_assessment_and_the_criteria_are_corrected_with_errors_shown_first(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world, yes=15)
    accept(client, world, case_id)
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"),
            PURPOSE)

    risk = f"/cases/{case_id}/risk-assessment/correction"
    shown = values(client.get(risk).text)
    assert [shown[f"q-{k}"] for k in ("injury", "criminal_history")] == ["yes", "no"]
    answers = {k: v for k, v in shown.items() if k.startswith("q-")}
    assert list(answers.values()).count("yes") == 15
    missing = client.post(risk, data={**answers, "q-injury": "", "csrf_token": CSRF})
    assert missing.status_code == 400
    assert ('href="#q-injury">Select yes, no or not known for question 1: injury from the '
            "current incident</a>") in missing.text
    assert 'href="#reason">Enter why the risk assessment is corrected</a>' in missing.text
    assert corrections(api_platform) == []
    fewer = {**answers, "q-injury": "no", "q-very_frightened": "not_known",
             "q-isolated-source": "Police records"}
    done = client.post(risk, data={**fewer, "reason": "Two answers entered wrongly",
                                   "csrf_token": CSRF}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (
        303, f"/cases/{case_id}?done=risk-assessment-corrected")
    referral = view(client, world, case_id)["referral"]
    assert referral["dash_score"] == 13
    assert {a["question"]: a["source"] for a in referral["risk_assessment"]["answers"]
            }["isolated"] == "Police records"
    page = client.get(done.headers["location"]).text
    assert "Risk assessment corrected" in page[page.index('id="timeline"'):]
    assert "Risk assessment corrected" in page[:page.index('id="timeline"')]  # the banner

    criteria = f"/cases/{case_id}/criteria/correction"
    assert values(client.get(criteria).text)["criteria"] == "visible_high_risk"
    no_reason = client.post(criteria, data={
        "criteria": ["visible_high_risk", "professional_judgement"], "csrf_token": CSRF,
        "reason": "Judgement left out"})
    assert no_reason.status_code == 400
    assert 'href="#judgement-reason">Enter why, in your professional judgement' in no_reason.text
    none = client.post(criteria, data={"csrf_token": CSRF, "reason": "Wrong"})
    assert 'href="#criteria">Select the criteria the referral meets</a>' in none.text
    assert corrections(api_platform) == ["allowed"]
    done = client.post(criteria, data={
        "criteria": ["visible_high_risk", "professional_judgement", "potential_escalation"],
        "judgement-reason": "Escalating threats", "incidents": "4", "csrf_token": CSRF,
        "reason": "Judgement left out"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (
        303, f"/cases/{case_id}?done=criteria-corrected")
    assert view(client, world, case_id)["referral"]["criteria"] == {
        "visible_high_risk": True, "professional_judgement_reason": "Escalating threats",
        "incidents_in_12_months": 4, "honour_based_abuse": False}
    timeline = client.get(done.headers["location"]).text
    assert "Referral criteria corrected" in timeline[timeline.index('id="timeline"'):]
    assert values(client.get(criteria).text)["incidents"] == "4"


def test_the_honour_based_abuse_flag_is_kept_and_a_post_changing_it_is_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world, criteria={"visible_high_risk": True,
                                             "honour_based_abuse": True})
    police(client, world, api_platform)
    path = f"/cases/{case_id}/criteria/correction"
    form = client.get(path).text
    assert '<input type="hidden" name="criteria" value="honour_based_abuse">' in form
    assert 'value="honour_based_abuse" checked' not in form  # not offered as a choice
    refused = client.post(path, data={"criteria": "visible_high_risk", "csrf_token": CSRF,
                                      "reason": "Flag set by mistake"})
    assert refused.status_code == 422
    assert 'href="#criteria">The &#39;honour&#39;-based abuse flag is not corrected' in (
        refused.text)
    assert corrections(api_platform) == ["refused"]


def test_a_withdrawn_referral_offers_no_correction_and_refuses_one_where_the_form_shows_it(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    withdrawn = client.post(f"/api/v1/cases/{case_id}/withdrawal", headers=world.coordinator(),
                            json={"reason": "Entered twice"})
    assert withdrawn.status_code == 204
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"),
            PURPOSE)
    assert "/correction" not in client.get(f"/cases/{case_id}").text
    refused = client.post(f"/cases/{case_id}/criteria/correction", data={
        "criteria": "visible_high_risk", "csrf_token": CSRF, "reason": "Wrong"})
    assert refused.status_code == 422
    assert "This referral was withdrawn as entered in error" in refused.text


def test_the_forms_ask_the_purpose_first_and_come_back(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    victim = subject_ids(client, world, case_id)["victim"]
    police(client, world, api_platform, purpose=None)
    for then in (f"subjects/{victim}/correction", "risk-assessment/correction",
                 "criteria/correction"):
        asked = client.get(f"/cases/{case_id}/{then}", follow_redirects=False)
        assert asked.headers["location"] == f"/cases/{case_id}/purpose?then={then}"
        assert f'name="then" value="{then}"' in client.get(asked.headers["location"]).text
    chosen = client.post(f"/cases/{case_id}/purpose", data={
        "csrf_token": CSRF, "purpose": PURPOSE, "then": f"subjects/{victim}/correction"},
        follow_redirects=False)
    assert chosen.headers["location"] == f"/cases/{case_id}/subjects/{victim}/correction"
    elsewhere = client.post(f"/cases/{case_id}/purpose", data={
        "csrf_token": CSRF, "purpose": PURPOSE, "then": "subjects/../../elsewhere/correction"},
        follow_redirects=False)
    assert elsewhere.headers["location"] == f"/cases/{case_id}"


def test_to_those_who_may_not_correct_or_see_the_case_each_form_is_not_found(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    granted = client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                          json={"agency_id": str(world.agencies["health"]), "reason": "Attends"})
    assert granted.status_code in (201, 204), granted.text
    other = refer(client, world, agency="idva", surname="Otherxq")
    victim = subject_ids(client, world, case_id)["victim"]
    criteria = {"criteria": "visible_high_risk", "reason": "Wrong", "csrf_token": CSRF}

    # Health sees the case (granted) but did not refer it: no "Correct", and no form.
    sign_in(client, api_platform, world.token("health-rep", "representative", agency="health"),
            PURPOSE)
    seen = client.get(f"/cases/{case_id}")
    assert seen.status_code == 200
    assert "/correction" not in seen.text
    answers: dict[str, str] = {}
    for who, path in (
            ("a person's, seen", f"/cases/{case_id}/subjects/{victim}/correction"),
            ("risk, seen", f"/cases/{case_id}/risk-assessment/correction"),
            ("criteria, seen", f"/cases/{case_id}/criteria/correction"),
            ("a case not seen", f"/cases/{other}/criteria/correction"),
            ("a missing case", f"/cases/{uuid.uuid4()}/criteria/correction"),
            ("not an id", "/cases/not-an-id/risk-assessment/correction")):
        answer = client.get(path)
        assert answer.status_code == 404, who
        answers[who] = answer.text
    for who, path, data in (
            ("criteria posted, seen", f"/cases/{case_id}/criteria/correction", criteria),
            ("criteria posted with errors", f"/cases/{case_id}/criteria/correction",
             {"csrf_token": CSRF}),
            ("criteria posted, not seen", f"/cases/{other}/criteria/correction", criteria)):
        answer = client.post(path, data=data)
        assert answer.status_code == 404, who
        answers[who] = answer.text
    assert len(set(answers.values())) == 1
    assert "Page not found" in answers["a missing case"]
    assert "Quennevillexq" not in answers["a person's, seen"]
    assert corrections(api_platform) == ["denied", "denied"]

    # The referrer: a person the referral does not name is not found either.
    police(client, world, api_platform)
    assert client.get(f"/cases/{case_id}/subjects/{uuid.uuid4()}/correction").text == (
        answers["a missing case"])
    assert client.post(f"/cases/{case_id}/subjects/{uuid.uuid4()}/correction", data={
        "victim-forenames": "A", "safe-contact": "Texts", "reason": "Wrong",
        "csrf_token": CSRF}).text == answers["a missing case"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(world.token(
        "health-rep", "representative", agency="health"))).status_code == 200
