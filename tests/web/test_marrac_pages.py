"""The MARRAC case page over HTTP, without a browser, on the stock demo's MARRAC area: the case
co-ordinator records time with each ME (each child its own), needs, the steps, the plan and
the review, completes the case and records the agencies told; the domain's refusals (a time in
the future or before the allocation) are shown beside the form, typing errors in the GOV.UK
error summary; the other co-ordinator may not record; a form without its CSRF token is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.demo import demo_ids, seed_demo
from security.sessions import SessionData
from tests.api.conftest import Clock, referral_body
from web.session import COOKIE

pytestmark = pytest.mark.in_memory
CSRF = "csrf-of-this-session"
DAY_ONE = datetime(2026, 1, 13, 8, tzinfo=UTC)  # 08:00 GMT: UK time is UTC in January


class Demo:
    def __init__(self, client: TestClient, platform: Platform) -> None:
        self.client, self.platform = client, platform
        self.tokens: dict[str, str] = {}

    def token(self, persona: str) -> str:
        if persona not in self.tokens:
            issued = self.client.post("/dev/token", json={"persona": persona})
            assert issued.status_code == 200, issued.text
            self.tokens[persona] = issued.json()["access_token"]
        return self.tokens[persona]

    def api(self, persona: str, method: str, path: str, json: Any = None) -> Any:
        self.client.cookies.clear()
        response = self.client.request(method, path, json=json, headers={
            "Authorization": f"Bearer {self.token(persona)}", "X-Purpose": "research"})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def page_as(self, persona: str) -> None:
        session = self.platform.web_sessions.start(self.platform.now(), SessionData(
            csrf_token=CSRF, access_token=self.token(persona), person_name=persona,
            purpose="safety_planning"))
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, session.session_id)

    def post(self, case_id: UUID, form: str, data: dict[str, str], *,
             csrf: bool = True) -> Any:
        return self.client.post(f"/cases/{case_id}/marrac/{form}",
                                data={**({"csrf_token": CSRF} if csrf else {}), **data},
                                follow_redirects=False)


@pytest.fixture
def demo(api_platform: Platform, client: TestClient, clock: Clock) -> Demo:
    seed_demo(api_platform.marac)
    api_platform.runner.catch_up()
    clock.at = DAY_ONE
    return Demo(client, api_platform)


def allocated_case(demo: Demo) -> tuple[UUID, dict[str, UUID]]:
    body = referral_body(referred_on=DAY_ONE.date())
    body["subjects"] += [
        {"role": "child", "forenames": "Ellaxq", "surname": "Quennevillexq",
         "date_of_birth": "2018-09-02"},
        {"role": "child", "forenames": "Finnxq", "surname": "Quennevillexq",
         "date_of_birth": "2022-10-20"}]
    case_id = UUID(demo.api("marrac-police-officer", "POST", "/api/v1/cases", body)["id"])
    demo.api("team-leader", "POST", f"/api/v1/cases/{case_id}/marrac/allocation",
             {"coordinator": "demo-case-coordinator-1"})
    summary = demo.api("case-coordinator-1", "GET", f"/api/v1/cases/{case_id}/marrac")
    older, younger = (UUID(c["child"]) for c in summary["children"])
    return case_id, {"older": older, "younger": younger}


def when(prefix: str, at: datetime) -> dict[str, str]:
    return {f"{prefix}-day": str(at.day), f"{prefix}-month": str(at.month),
            f"{prefix}-year": str(at.year), f"{prefix}-time": at.strftime("%H:%M")}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_case_coordinator_works_the_case_on_its_page(demo: Demo, clock: Clock) -> None:
    case_id, children = allocated_case(demo)
    clock.at = DAY_ONE + timedelta(hours=3)
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/decision",
             {"outcome": "accept"})
    demo.page_as("case-coordinator-1")
    page = demo.client.get(f"/cases/{case_id}/marrac")
    assert page.status_code == 200
    assert "demo-case-coordinator-1" in page.text
    assert "Child: Ellaxq Quennevillexq" in page.text
    # The plan step leads to the page that adds the plan's actions.
    assert f'href="/cases/{case_id}/actions/new" id="add-plan-action"' in page.text

    for me, minutes, at in (("victim", "40", DAY_ONE + timedelta(hours=2)),
                            (f"child:{children['older']}", "20", DAY_ONE + timedelta(hours=2)),
                            (f"child:{children['younger']}", "10", DAY_ONE + timedelta(hours=2))):
        done = demo.post(case_id, "contact", {"contact-me": me, "contact-minutes": minutes,
                                              **when("contact-when", at)})
        assert done.status_code == 303, done.text
    assert demo.post(case_id, "needs", {"needs-me": "victim", "needs-text": "Financial support"}
                     ).status_code == 303
    step_at = DAY_ONE + timedelta(hours=2, minutes=40)
    assert demo.post(case_id, "step", {"step": "gather_and_assess", **when("step-when", step_at)}
                     ).status_code == 303
    shown = text_of(demo.client.get(f"/cases/{case_id}/marrac?done=step").text)
    assert "Step completed" in shown
    assert "Victim Financial support 40 minutes 1" in shown
    assert "Child: Ellaxq Quennevillexq Not recorded 20 minutes 1" in shown
    assert "Child: Finnxq Quennevillexq Not recorded 10 minutes 1" in shown
    assert "Gather and assess: done 13 January 2026 at 10:40am" in shown

    # The API says the same as the page.
    summary = demo.api("case-coordinator-1", "GET", f"/api/v1/cases/{case_id}/marrac")
    assert summary["time_per_me"]["victim"] == {"minutes": 40, "contacts": 1}
    assert summary["time_per_me"]["child"] == {"minutes": 30, "contacts": 2}


def test_typing_errors_and_the_domains_refusals_are_shown_beside_the_form(
        demo: Demo, clock: Clock) -> None:
    case_id, _ = allocated_case(demo)
    clock.at = DAY_ONE + timedelta(hours=3)
    demo.page_as("case-coordinator-1")
    typed = demo.post(case_id, "contact", {"contact-minutes": "forty",
                                           "contact-when-day": "31", "contact-when-month": "2",
                                           "contact-when-year": "2026"})
    assert typed.status_code == 400
    assert "<title>Error: MARAC case work" not in typed.text
    assert "<title>Error: MARRAC case work - MARAC platform</title>" in typed.text
    assert "govuk-error-summary" in typed.text
    for message in ("Select who it was", "Enter the minutes spent as a number, like 40",
                    "The date must be a real date"):
        assert message in typed.text
    assert 'value="forty"' in typed.text  # what was typed is kept

    for at in (DAY_ONE + timedelta(hours=4), DAY_ONE - timedelta(hours=1)):  # future; before
        refused = demo.post(case_id, "contact", {"contact-me": "victim", "contact-minutes": "5",
                                                 **when("contact-when", at)})
        assert refused.status_code == 422
        assert "That time is in the future, or before what must come first" in refused.text
    summary = demo.api("case-coordinator-1", "GET", f"/api/v1/cases/{case_id}/marrac")
    assert summary["time_per_me"].get("victim", {"contacts": 0})["contacts"] == 0


def test_another_coordinator_may_not_record_and_a_form_needs_its_csrf_token(
        demo: Demo, clock: Clock) -> None:
    case_id, _ = allocated_case(demo)
    clock.at = DAY_ONE + timedelta(hours=3)
    demo.page_as("case-coordinator-2")
    other = demo.post(case_id, "contact", {"contact-me": "victim", "contact-minutes": "5"})
    assert other.status_code in (403, 404)
    demo.page_as("case-coordinator-1")
    forged = demo.post(case_id, "contact", {"contact-me": "victim", "contact-minutes": "5"},
                       csrf=False)
    assert forged.status_code == 403
    summary = demo.api("case-coordinator-1", "GET", f"/api/v1/cases/{case_id}/marrac")
    assert "victim" not in summary["time_per_me"] or \
        summary["time_per_me"]["victim"]["contacts"] == 0


def test_a_case_the_person_may_not_see_is_page_not_found_like_a_missing_one(
        demo: Demo) -> None:
    case_id, _ = allocated_case(demo)
    demo.page_as("idva")  # Demoshire's IDVA: another area
    hidden = demo.client.get(f"/cases/{case_id}/marrac")
    missing = demo.client.get(f"/cases/{UUID(int=7)}/marrac")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text == missing.text


def test_completing_the_case_needs_each_open_action_accounted_for_and_agencies_told(
        demo: Demo, clock: Clock) -> None:
    case_id, _ = allocated_case(demo)
    police = demo_ids().marrac_agencies["police"]
    clock.at = DAY_ONE + timedelta(hours=3)
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/decision",
             {"outcome": "accept"})
    action = demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/actions",
                      {"owner_agency_id": str(police), "for_whom": "victim",
                       "description": "Safety visit", "due_on": "2026-01-20"})["id"]
    for minutes, step in ((10, "gather_and_assess"), (20, "analyse_risk_and_need")):
        demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/marrac/steps",
                 {"step": step, "at": (DAY_ONE + timedelta(minutes=minutes)).isoformat()})
    at = (DAY_ONE + timedelta(minutes=30)).isoformat()
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/marrac/plan", {"at": at})
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/marrac/steps",
             {"step": "identify_solution", "at": at})
    demo.page_as("case-coordinator-1")
    unaccounted = demo.post(case_id, "close", {"reason": "Risk no longer meets purpose"})
    assert unaccounted.status_code == 422
    assert "Say what becomes of each open action" in unaccounted.text
    closed = demo.post(case_id, "close", {"reason": "Risk no longer meets purpose",
                                          "action": action, f"fate-{action}": "completed"})
    assert closed.status_code == 303, closed.text
    told = demo.post(case_id, "told", {"told-agency": str(police),
                                       **when("told-when", DAY_ONE + timedelta(hours=3))})
    assert told.status_code == 303, told.text
    summary = demo.api("case-coordinator-1", "GET", f"/api/v1/cases/{case_id}/marrac")
    assert summary["status"] == "closed"
    assert summary["closure"]["informed"][str(police)]["told_at"] is not None


def test_the_team_leader_allocates_from_the_board_to_the_least_loaded(demo: Demo) -> None:
    body = referral_body(referred_on=DAY_ONE.date())
    first = UUID(demo.api("marrac-police-officer", "POST", "/api/v1/cases", body)["id"])
    second = UUID(demo.api("marrac-police-officer", "POST", "/api/v1/cases", body)["id"])
    team = "demo-case-coordinator-2\ndemo-case-coordinator-1"
    demo.page_as("team-leader")
    board = demo.client.get("/marrac/allocation", params={"team": team})
    assert board.status_code == 200
    assert 'href="/marrac/allocation"' in board.text  # the navigation offers it
    assert f'value="{first}"' in board.text
    assert f'value="{second}"' in board.text
    done = demo.client.post("/marrac/allocation", data={
        "csrf_token": CSRF, "case": str(first), "team": team,
        "coordinator": "demo-case-coordinator-1"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = text_of(demo.client.get(done.headers["location"]).text)
    assert "Case allocated" in shown
    assert "demo-case-coordinator-1 Least loaded" not in shown  # it now has one open case
    assert "demo-case-coordinator-2 Least loaded 0" in shown
    after = demo.client.get("/marrac/allocation", params={"team": team}).text
    assert f'value="{first}"' not in after  # allocated: off the queue
    assert f'value="{second}"' in after
    refused = demo.client.post("/marrac/allocation", data={
        "csrf_token": CSRF, "case": str(second), "team": team, "coordinator": ""},
        follow_redirects=False)
    assert refused.status_code == 400
    assert "Select the case co-ordinator to give the case to" in refused.text


def test_only_a_team_leader_has_a_board(demo: Demo) -> None:
    demo.page_as("case-coordinator-1")
    board = demo.client.get("/marrac/allocation")
    assert board.status_code == 403
    assert 'href="/marrac/allocation"' not in demo.client.get("/cases").text


def test_an_open_actions_fate_has_no_conditional_reveal(demo: Demo, clock: Clock) -> None:
    """GOV.UK Frontend's script marks a radio that reveals a field aria-expanded, which ARIA
    does not allow on a radio (axe's aria-allowed-attr, found with JavaScript on): the agency
    that carries an action on is asked beside the fates, not revealed by one."""
    case_id, _ = allocated_case(demo)
    police = demo_ids().marrac_agencies["police"]
    clock.at = DAY_ONE + timedelta(hours=3)
    demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/decision",
             {"outcome": "accept"})
    action = demo.api("case-coordinator-1", "POST", f"/api/v1/cases/{case_id}/actions",
                      {"owner_agency_id": str(police), "for_whom": "victim",
                       "description": "Safety visit", "due_on": "2026-01-20"})["id"]
    demo.page_as("case-coordinator-1")
    shown = demo.client.get(f"/cases/{case_id}/marrac")
    assert shown.status_code == 200
    assert f'name="fate-{action}"' in shown.text
    assert f'name="carried_to-{action}"' in shown.text
    assert "data-aria-controls" not in shown.text
    assert "govuk-radios__conditional" not in shown.text
