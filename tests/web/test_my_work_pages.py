"""An agency representative's "My work", action updates and a case's closure over HTTP,
without a browser: the lists hold only the caller's agency's work, overdue first; the forms
refuse what must be corrected (with the GOV.UK error summary) and a post without its CSRF
token; an action of another agency, and a case the person may not see, answer the same "Page
not found" as one that does not exist."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World, accept, refer
from tests.web.page_html import parse
from tests.web.test_case_page import CSRF, sign_in

pytestmark = pytest.mark.in_memory
TODAY = date(2026, 1, 12)  # the test clock's day


def ok(answer: object) -> None:
    status = getattr(answer, "status_code")  # noqa: B009 - httpx's Response
    assert status in (200, 201, 204), getattr(answer, "text")  # noqa: B009


@dataclass(frozen=True)
class Scene:
    case: UUID
    other_case: UUID
    meeting: UUID
    answered_at: UUID  # a later meeting, whose research (due sooner) the police answered
    soon: UUID  # police's, overdue by the time the page is read
    later: UUID  # police's, due later
    health: UUID  # health's, on the same case


def scene(client: TestClient, world: World, platform: Platform, clock: Clock) -> Scene:
    """Two accepted cases; the first on the next meeting's agenda with the police and health
    invited, police research asked for; two police actions and one of health's on it. Then a
    week passes, so that the police's first action and research are overdue. A later meeting
    asks the police for research due sooner, which they answer."""
    coordinator = world.coordinator()
    # The other case is the IDVA's: the police are not involved in it.
    case, other = (refer(client, world, surname="Quennevillexq"),
                   refer(client, world, agency="idva", surname="Otherxq"))
    accept(client, world, case)
    accept(client, world, other)
    police, health = world.agencies["police"], world.agencies["health"]
    created = client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": (TODAY + timedelta(days=21)).isoformat()})
    ok(created)
    meeting = UUID(created.json()["id"])
    ok(client.post(f"/api/v1/meetings/{meeting}/agenda", headers=coordinator, json={
        "case_id": str(case), "invite": [str(police), str(health)]}))
    ok(client.post(f"/api/v1/meetings/{meeting}/research-requests", headers=coordinator, json={
        "case_id": str(case), "agencies": [str(police)],
        "due_on": (TODAY + timedelta(days=2)).isoformat()}))

    later_meeting = client.post("/api/v1/meetings", headers=coordinator, json={
        "kind": "standard", "held_on": (TODAY + timedelta(days=28)).isoformat()})
    ok(later_meeting)
    answered_at = UUID(later_meeting.json()["id"])
    ok(client.post(f"/api/v1/meetings/{answered_at}/agenda", headers=coordinator, json={
        "case_id": str(case), "invite": [str(police)]}))
    ok(client.post(f"/api/v1/meetings/{answered_at}/research-requests", headers=coordinator,
                   json={"case_id": str(case), "agencies": [str(police)],
                         "due_on": (TODAY + timedelta(days=1)).isoformat()}))
    ok(client.post(f"/api/v1/cases/{case}/information", headers=world.rep("police"), json={
        "kind": "research_note", "text": "Two call-outs", "audience": {"kind": "coordinators"},
        "meeting_id": str(answered_at)}))

    def action(owner: UUID, due_in: int, text: str, on: UUID = case) -> UUID:
        made = client.post(f"/api/v1/cases/{on}/actions", headers=coordinator, json={
            "owner_agency_id": str(owner), "description": text, "for_whom": "victim",
            "due_on": (TODAY + timedelta(days=due_in)).isoformat()})
        ok(made)
        return UUID(made.json()["id"])

    later = action(police, 30, "Review the marker on the address")
    soon = action(police, 3, "Mark the address for an urgent response")
    health_action = action(health, 1, "Flag the hospital records")
    clock.advance(days=7)
    platform.runner.catch_up()
    return Scene(case, other, meeting, answered_at, soon, later, health_action)


def police_rep(client: TestClient, world: World, platform: Platform) -> None:
    sign_in(client, platform, world.token("police-rep", "representative", agency="police"))


def test_my_work_lists_my_agencys_work_overdue_first(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    s = scene(client, world, api_platform, clock)
    police_rep(client, world, api_platform)

    page = client.get("/my-work")

    assert page.status_code == 200, page.text
    assert 'href="/my-work" aria-current="true"' in page.text
    actions = re.findall(r"/actions/([0-9a-f-]{36})/update", page.text)
    # Police's two, overdue first; health's is not theirs.
    assert actions == [str(s.soon), str(s.later)]
    action_list = page.text[page.text.index('id="action-list"'):]
    assert action_list.index("govuk-tag--red") < action_list.index("govuk-tag--blue")
    research = re.findall(r'/cases/([0-9a-f-]{36})/research\?meeting=([0-9a-f-]{36})', page.text)
    # The overdue request first, though the answered one was due sooner.
    assert research == [(str(s.case), str(s.meeting)), (str(s.case), str(s.answered_at))]
    assert "Overdue" in page.text[page.text.index('id="research-list"'):
                                  page.text.index('id="actions"')]
    # The agenda lists the case the police were invited to; the other is not theirs.
    agendas = page.text[page.text.index('id="agendas"'):]
    assert f'data-meeting="{s.meeting}"' in agendas
    assert f"/cases/{s.case}" in agendas
    assert str(s.other_case) not in page.text

    health = world.token("health-rep", "representative", agency="health")
    sign_in(client, api_platform, health)
    theirs = client.get("/my-work").text
    assert re.findall(r"/actions/([0-9a-f-]{36})/update", theirs) == [str(s.health)]
    assert "Your agency has no research to answer." in theirs


def test_my_work_is_a_representatives_and_only_they_are_offered_it(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    assert 'href="/my-work"' not in client.get("/cases").text
    assert client.get("/my-work").status_code == 403
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"))
    assert 'href="/my-work"' in client.get("/cases").text
    empty = client.get("/my-work")
    assert empty.status_code == 200
    assert "Your agency has no open actions." in empty.text


def test_an_action_is_updated_by_its_owner_with_errors_shown_first(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    s = scene(client, world, api_platform, clock)
    police_rep(client, world, api_platform)
    path = f"/cases/{s.case}/actions/{s.soon}/update"
    form = client.get(path)
    assert form.status_code == 200
    assert "Mark the address for an urgent response" in form.text
    assert "(overdue)" in form.text
    # The case page offers "Update" for the police's actions only.
    client.post(f"/cases/{s.case}/purpose", data={"csrf_token": CSRF,
                                                  "purpose": "action_follow_up"})
    case_page = client.get(f"/cases/{s.case}").text
    assert set(re.findall(r"/actions/([0-9a-f-]{36})/update", case_page)) == {
        str(s.soon), str(s.later)}
    # Links, not their markup shown as text.
    links = [a for a in parse(case_page).all("a") if a.attrs["href"].endswith("/update")]
    assert sorted(a.text for a in links) == [
        "Update the action: Mark the address for an urgent response",
        "Update the action: Review the marker on the address"]

    forged = client.post(path, data={"note": "Done", "outcome": "completed"})
    assert forged.status_code == 403
    empty = client.post(path, data={"csrf_token": CSRF})
    assert empty.status_code == 400
    assert "<title>Error: Update an action" in empty.text
    assert 'href="#note">Enter what has happened</a>' in empty.text
    assert 'href="#outcome">Select whether the action is still open or how it ended</a>' in (
        empty.text)
    long = client.post(path, data={"csrf_token": CSRF, "note": "x" * 5_001, "outcome": "open"})
    assert long.status_code == 400
    assert "5,000 characters or fewer" in long.text

    progress = client.post(path, data={"csrf_token": CSRF, "note": "Marker requested",
                                       "outcome": "open"}, follow_redirects=False)
    assert (progress.status_code, progress.headers["location"]) == (303, "/my-work?done=action")
    done = client.post(path, data={"csrf_token": CSRF, "note": "Marker on the system",
                                   "outcome": "completed"}, follow_redirects=False)
    assert done.status_code == 303
    api = client.get(f"/api/v1/cases/{s.case}", headers={
        "Authorization": f"Bearer {world.token('police-rep', 'representative', agency='police')}",
        "X-Purpose": "action_follow_up"}).json()
    (updated,) = [a for a in api["actions"] if a["action_id"] == str(s.soon)]
    assert updated["outcome"] == "completed"
    assert [n["note"] for n in updated["notes"]] == ["Marker requested", "Marker on the system"]
    # Ended: no form, and a further update is refused where the form shows it.
    assert "This action has ended" in client.get(path).text
    again = client.post(path, data={"csrf_token": CSRF, "note": "More", "outcome": "open"})
    assert again.status_code == 409
    assert "This action has already ended" in again.text
    assert re.findall(r"/actions/([0-9a-f-]{36})/update",
                      client.get("/my-work").text) == [str(s.later)]


def test_another_agencys_action_and_a_case_not_seen_are_not_found_like_a_missing_one(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    s = scene(client, world, api_platform, clock)
    police_rep(client, world, api_platform)
    answers = {}
    for who, path in (
            ("another agency's action", f"/cases/{s.case}/actions/{s.health}/update"),
            ("a missing action", f"/cases/{s.case}/actions/{uuid.uuid4()}/update"),
            ("a missing case", f"/cases/{uuid.uuid4()}/actions/{s.soon}/update"),
            ("not an id", f"/cases/{s.case}/actions/not-an-id/update"),
            ("an action on a case not seen", f"/cases/{s.other_case}/actions/{s.soon}/update"),
            ("closure of a case not seen", f"/cases/{s.other_case}/closure"),
            ("closure of a missing case", f"/cases/{uuid.uuid4()}/closure")):
        answer = client.get(path)
        assert answer.status_code == 404, who
        answers[who] = answer.text
    posted = client.post(f"/cases/{s.case}/actions/{s.health}/update",
                         data={"csrf_token": CSRF, "note": "Not ours", "outcome": "open"})
    assert posted.status_code == 404
    answers["another agency's action, posted"] = posted.text
    assert len(set(answers.values())) == 1
    assert "Page not found" in answers["another agency's action"]
    assert "Flag the hospital records" not in answers["another agency's action"]
    # Recorded as what they were: denied, not found.
    outcomes = [(r["action"], r["outcome"]) for r in api_platform.audit.records()[-9:]]
    assert ("read", "denied") in outcomes
    assert ("update_action", "denied") in outcomes


def test_a_coordinator_closes_a_case_accounting_for_each_open_action_then_agencies_acknowledge(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    s = scene(client, world, api_platform, clock)
    coordinator = world.token("coordinator-1", "coordinator", agency="police")
    sign_in(client, api_platform, coordinator, purpose="action_follow_up")
    assert 'id="close-case"' in client.get(f"/cases/{s.case}").text
    path = f"/cases/{s.case}/closure"
    form = client.get(path)
    assert form.status_code == 200
    for action in (s.soon, s.later, s.health):
        assert f'name="fate-{action}"' in form.text

    hidden = {"action": [str(a) for a in (s.soon, s.later, s.health)]}
    empty = client.post(path, data={"csrf_token": CSRF, **hidden})
    assert empty.status_code == 400
    assert "<title>Error: Close the case" in empty.text
    assert 'href="#reason">Enter why the case is closed</a>' in empty.text
    assert f'href="#fate-{s.soon}">Select what becomes of open action' in empty.text
    no_agency = client.post(path, data={
        "csrf_token": CSRF, "reason": "Risk reduced", **hidden,
        f"fate-{s.soon}": "completed", f"fate-{s.later}": "carried",
        f"fate-{s.health}": "closed_with_case"})
    assert no_agency.status_code == 400
    assert f'href="#carried-to-{s.later}">Select the agency that carries on' in no_agency.text
    # An action left out of the form (as if the page were stale) is the domain's refusal.
    stale = client.post(path, data={
        "csrf_token": CSRF, "reason": "Risk reduced", "action": str(s.soon),
        f"fate-{s.soon}": "completed"})
    assert stale.status_code == 422
    assert "The case has open actions this page did not show" in stale.text
    assert client.post(path, data={"reason": "Risk reduced"}).status_code == 403

    housing = world.agencies["housing"]
    closed = client.post(path, data={
        "csrf_token": CSRF, "reason": "Risk reduced", **hidden,
        f"fate-{s.soon}": "completed", f"fate-{s.later}": "carried",
        f"carried_to-{s.later}": str(housing), f"fate-{s.health}": "closed_with_case"},
        follow_redirects=False)
    assert (closed.status_code, closed.headers["location"]) == (303, f"{path}?done=closed")
    shown = client.get(f"{path}?done=closed").text
    assert "Case closed" in shown
    told = shown[shown.index('id="told"'):]
    for name in ("Police", "Health", "Housing"):
        assert name in told
    assert "Acknowledged</strong>" not in told

    # Housing carries the action on and is told; it acknowledges, once.
    sign_in(client, api_platform, world.token("housing-rep", "representative",
                                               agency="housing"))
    owed = client.get("/my-work").text
    assert f'href="/cases/{s.case}/closure"' in owed[owed.index('id="closure-list"'):]
    client.post(f"/cases/{s.case}/purpose", data={"csrf_token": CSRF,
                                                  "purpose": "action_follow_up"})
    assert re.search(r'id="closure-link">\s*Acknowledge the closure',
                     client.get(f"/cases/{s.case}").text)
    theirs = client.get(path).text
    assert "Acknowledge the closure" in theirs
    assert "Police" not in theirs[theirs.index('id="told"'):]
    forged = client.post(f"{path}/acknowledgement", data={})
    assert forged.status_code == 403
    acknowledged = client.post(f"{path}/acknowledgement", data={"csrf_token": CSRF},
                               follow_redirects=False)
    assert acknowledged.status_code == 303
    twice = client.post(f"{path}/acknowledgement", data={"csrf_token": CSRF})
    assert twice.status_code == 409
    assert "Your agency has already acknowledged this closure" in twice.text
    after = client.get("/my-work").text
    assert str(s.later) in after  # carried on: now housing's
    assert "Your agency has no closure to acknowledge." in after

    sign_in(client, api_platform, coordinator)
    told = client.get(path).text
    told = told[told.index('id="told"'):]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", told, re.DOTALL)
    status = {name: "Not yet acknowledged" not in row for row in rows
              for name in ("Police", "Health", "Housing") if name in row}
    assert status == {"Police": False, "Health": False, "Housing": True}
