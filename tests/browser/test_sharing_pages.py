"""Sharing on a case and releasing research, as people do it in the browser: a health
representative shares a note with named agencies, which a person outside them does not see
(through the API's case view, which the case page shows); and an agency's research for a
hearing, kept for it and the coordinators until it is released. Error summaries for forms
sent incomplete. JavaScript on and off; axe on every state.

On a server of this module's own: its cases change the lists other modules count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Accessibility, Demo, serving_demo
from tests.browser.demo_api import DemoApi
from tests.browser.test_decision_page import surname
from tests.browser.test_sign_in import sign_in

HEALTH = "Demoshire Hospitals NHS Trust"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("sharing-demo")) as served:
        yield served


@pytest.fixture(scope="module")
def api(demo: Demo) -> DemoApi:
    return DemoApi(demo)


def agency_of(api: DemoApi, persona: str) -> str:
    _, personas = api._send("GET", "/dev/personas", None, {})
    return str(next(p["agency_id"] for p in personas if p["name"] == persona))


def accepted_case(api: DemoApi, *granted: str) -> UUID:
    """A police referral, accepted, with these personas' agencies granted access."""
    case_id = api.refer("police-officer", forename="Eve", surname=surname(),
                        born=date(1989, 5, 5), yes=15)
    api.ok("coordinator", "POST", f"/cases/{case_id}/decision", {"outcome": "accept"})
    for persona in granted:
        api.ok("coordinator", "POST", f"/cases/{case_id}/grants", {
            "agency_id": agency_of(api, persona), "reason": "Invited to the next hearing"})
    return case_id


def texts_seen(api: DemoApi, persona: str, case_id: UUID) -> list[str]:
    """The items' texts the API's case view gives the persona (what the case page shows)."""
    status, view = api.call(persona, "GET", f"/cases/{case_id}", purpose="meeting_preparation")
    assert status == 200, view
    return [item["text"] for item in view["items"]]


def test_a_health_representative_shares_a_note_with_named_agencies(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api, "health-rep", "housing-officer")
    note = f"Seen at A&E twice this month ({surname()})"
    sign_in(page, demo, "health-rep")
    page.goto(f"{demo.url}/cases/{case_id}/share")
    expect(page.get_by_role("heading", name="Share information on the case")).to_be_visible()
    accessible()

    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Share information on the case\b"))
    for message in ("Select what you are sharing", "Enter the information to share",
                    "Select who may see it"):
        expect(page.get_by_role("link", name=message)).to_be_visible()
    accessible()

    page.get_by_label("A note").check()
    page.get_by_label("Information").fill(note)
    page.get_by_label("Named agencies (and the coordinators)").check()
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("link", name="Select the agencies that may see it")).to_be_visible()
    expect(page.get_by_label("Information")).to_have_value(note)
    accessible()

    page.get_by_label("Demoshire Police", exact=True).check()
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_text("Information shared")).to_be_visible()
    accessible()

    assert note in texts_seen(api, "health-rep", case_id)
    assert note in texts_seen(api, "police-officer", case_id)  # in the audience
    assert note in texts_seen(api, "coordinator", case_id)
    assert note not in texts_seen(api, "housing-officer", case_id)  # sees the case, not this


def test_a_person_who_may_not_see_the_case_finds_no_sharing_page(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)
    sign_in(page, demo, "health-rep")
    for path in (f"/cases/{case_id}/share", f"/cases/{case_id}/research"):
        answer = page.goto(demo.url + path)
        assert answer is not None
        assert answer.status == 404
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    accessible()
    assert api.call("health-rep", "POST", f"/cases/{case_id}/information", {
        "kind": "note", "text": "x", "audience": {"kind": "whole_case"}})[0] == 404


def test_research_for_a_hearing_is_kept_until_it_is_released(
        page: Page, demo: Demo, api: DemoApi, accessible: Accessibility) -> None:
    case_id = accepted_case(api)
    health = agency_of(api, "health-rep")
    held_on = date.today() + timedelta(days=14)
    meeting = api.ok("coordinator", "POST", "/meetings", {
        "kind": "standard", "held_on": held_on.isoformat()})["id"]
    api.ok("coordinator", "POST", f"/meetings/{meeting}/agenda", {
        "case_id": str(case_id), "invite": [health]})
    api.ok("coordinator", "POST", f"/meetings/{meeting}/research-requests", {
        "case_id": str(case_id), "agencies": [health],
        "due_on": (held_on - timedelta(days=7)).isoformat()})
    found = f"Two admissions with unexplained injuries ({surname()})"

    sign_in(page, demo, "health-rep")
    page.goto(f"{demo.url}/cases/{case_id}/research")
    expect(page.get_by_role("heading", name="Research", exact=True)).to_be_visible()
    expect(page.get_by_text("No research on this case that you may see.")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Record research").click()
    expect(page.get_by_role("link", name="Select the meeting the research is for")
           ).to_be_visible()
    accessible()
    page.get_by_label(f"Meeting on {held_on.day} {held_on.strftime('%B %Y')}").check()
    page.get_by_label("What did your agency find?").fill(found)
    page.get_by_role("button", name="Record research").click()
    expect(page.get_by_text("Research recorded")).to_be_visible()
    expect(page.get_by_text(f"Not released: {HEALTH} and the coordinators only")
           ).to_be_visible()
    accessible()
    assert found in texts_seen(api, "coordinator", case_id)
    assert found not in texts_seen(api, "police-officer", case_id)

    page.get_by_role("link", name=re.compile(r"^Release the research by")).click()
    expect(page.get_by_role("heading", name="Release research")).to_be_visible()
    accessible()
    page.get_by_role("button", name="Release the research").click()
    expect(page.get_by_role("link", name="Select who the research is released to")
           ).to_be_visible()
    accessible()
    page.get_by_label("Everyone who may see the case").check()
    page.get_by_role("button", name="Release the research").click()
    expect(page.get_by_text("Research released", exact=True)).to_be_visible()
    expect(page.get_by_text("Released to everyone who may see the case")).to_be_visible()
    accessible()
    assert found in texts_seen(api, "police-officer", case_id)
