"""Running a meeting on pages, over HTTP without a browser: attendance with the confidentiality
statement (an outdated version, a meeting not yet held and a form to correct each answered as
a GOV.UK error), each case's hearing with its risks, disclosures and actions (rows added
without JavaScript; the due date's guardrails), moving through the agenda in order; CSRF
refused; a representative refused; another area's meeting and a case not on the agenda not
found. Meetings and agendas are made through the API, as a coordinator makes them."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from api.bootstrap import Platform
from domain.actions import FOR_WHOM as DOMAIN_FOR_WHOM
from domain.meeting import RISK_TO
from tests.api.conftest import Clock, World, accept, refer
from tests.web.test_case_page import CSRF, sign_in
from web.action_fields import FOR_WHOM
from web.meeting_run_forms import RISKS, HearingForm

pytestmark = pytest.mark.in_memory
TODAY = date(2026, 1, 12)  # the clock's (tests/api/conftest.py)


def schedule(client: TestClient, world: World, held_on: date, *cases: UUID,
             area: UUID | None = None) -> UUID:
    headers = world.coordinator() if area is None else {
        "Authorization": f"Bearer {world.token('other-coordinator', 'coordinator', area=area)}"}
    made = client.post("/api/v1/meetings", headers=headers,
                       json={"kind": "standard", "held_on": held_on.isoformat()})
    assert made.status_code == 201, made.text
    meeting_id = UUID(made.json()["id"])
    for case_id in cases:
        listed = client.post(f"/api/v1/meetings/{meeting_id}/agenda", headers=headers,
                             json={"case_id": str(case_id)})
        assert listed.status_code == 204, listed.text
    return meeting_id


def accepted(client: TestClient, world: World, surname: str) -> UUID:
    case_id = refer(client, world, surname=surname)
    accept(client, world, case_id)
    return case_id


def as_chair(client: TestClient, platform: Platform, world: World) -> None:
    sign_in(client, platform, world.token("chair-1", "chair", agency="police"),
            purpose="meeting")


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert found
    return found.group(1).strip()


def error_summary(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.DOTALL)
    return re.findall(r'<a href="(#[^"]+)"', summary.group(1)) if summary else []


def test_the_chair_records_attendance_for_an_agency_with_the_statement_version(
        client: TestClient, api_platform: Platform, world: World) -> None:
    meeting_id = schedule(client, world, TODAY)
    as_chair(client, api_platform, world)
    page = client.get(f"/meetings/{meeting_id}/attendance")
    assert page.status_code == 200
    assert "This meeting is a MARAC" in page.text
    assert 'name="statement_version" value="1"' in page.text
    assert ">Health</option>" in page.text  # the area's agencies by name
    recorded = client.post(f"/meetings/{meeting_id}/attendance", data={
        "csrf_token": CSRF, "person": "Sam Okafor", "agency": str(world.agencies["health"]),
        "confirmed": "yes", "statement_version": "1"}, follow_redirects=False)
    assert recorded.status_code == 303
    assert recorded.headers["location"] == f"/meetings/{meeting_id}/attendance?recorded=yes"
    held = api_platform.marac.get_meeting(meeting_id)
    [attendance] = held.attendance.values()
    assert (attendance.person, attendance.agency_id, attendance.statement_version) == (
        "Sam Okafor", world.agencies["health"], 1)
    shown = client.get(recorded.headers["location"]).text
    assert "Attendance recorded" in shown
    assert "Sam Okafor" in shown
    assert "Health, confirmed version 1" in shown


def test_an_attendance_form_to_correct_shows_each_error_with_the_error_title(
        client: TestClient, api_platform: Platform, world: World) -> None:
    meeting_id = schedule(client, world, TODAY)
    as_chair(client, api_platform, world)
    page = client.post(f"/meetings/{meeting_id}/attendance", data={
        "csrf_token": CSRF, "person": " ", "agency": "not-an-agency",
        "statement_version": "1"})
    assert page.status_code == 400
    assert title(page.text).startswith("Error: Attendance")
    assert error_summary(page.text) == ["#person", "#agency", "#confirmed"]
    # An agency of another area is not one an attendee may attend for.
    other = client.post(f"/meetings/{meeting_id}/attendance", data={
        "csrf_token": CSRF, "person": "Sam", "agency": str(world.other_area_id),
        "confirmed": "yes", "statement_version": "1"})
    assert error_summary(other.text) == ["#agency"]
    assert api_platform.marac.get_meeting(meeting_id).attendance == {}


def test_an_outdated_statement_version_is_shown_again_as_an_error_not_a_500(
        client: TestClient, api_platform: Platform, world: World) -> None:
    meeting_id = schedule(client, world, TODAY)
    as_chair(client, api_platform, world)
    area = api_platform.marac.get_area(world.area_id)
    # The statement changes after the page was shown (version 1): its version 2 is in force.
    api_platform.marac.change_area_settings(world.area_id, dataclasses.replace(
        area.settings, confidentiality_statement="Our own statement, read at every meeting."))
    page = client.post(f"/meetings/{meeting_id}/attendance", data={
        "csrf_token": CSRF, "person": "Sam Okafor", "agency": str(world.agencies["police"]),
        "confirmed": "yes", "statement_version": "1"})
    assert page.status_code == 409
    assert title(page.text).startswith("Error: ")
    assert error_summary(page.text) == ["#confirmed"]
    assert "The confidentiality statement has changed" in page.text
    assert "Our own statement, read at every meeting." in page.text
    assert 'name="statement_version" value="2"' in page.text
    assert 'value="Sam Okafor"' in page.text  # what was typed stays; the box is unticked
    assert api_platform.marac.get_meeting(meeting_id).attendance == {}


def test_attendance_and_hearings_wait_for_the_meetings_day(
        client: TestClient, api_platform: Platform, world: World) -> None:
    case_id = accepted(client, world, "Tomorrowxq")
    meeting_id = schedule(client, world, TODAY + timedelta(days=1), case_id)
    as_chair(client, api_platform, world)
    for path in ("attendance", f"hearings/{case_id}", "run"):
        assert "This meeting is on 13 January 2026" in client.get(
            f"/meetings/{meeting_id}/{path}").text
    page = client.post(f"/meetings/{meeting_id}/attendance", data={
        "csrf_token": CSRF, "person": "Sam Okafor", "agency": str(world.agencies["police"]),
        "confirmed": "yes", "statement_version": "1"})
    assert page.status_code == 422
    assert "Attendance is recorded on or after the day of the meeting" in page.text
    heard = client.post(f"/meetings/{meeting_id}/hearings/{case_id}", data={
        "csrf_token": CSRF, "rows": "1", "risk-victim": "Threats to kill"})
    assert heard.status_code == 422
    assert error_summary(heard.text) == ["#risk-victim"]
    assert "A hearing is recorded on or after the day of the meeting" in heard.text
    assert 'Threats to kill</textarea>' in heard.text
    document = api_platform.cases.document(case_id)
    assert document is not None
    assert document.hearings == ()


def test_the_chair_hears_the_agenda_case_by_case_with_actions(
        client: TestClient, api_platform: Platform, world: World) -> None:
    first, second = (accepted(client, world, "Firstxq"), accepted(client, world, "Secondxq"))
    meeting_id = schedule(client, world, TODAY, first, second)
    as_chair(client, api_platform, world)
    run = client.get(f"/meetings/{meeting_id}/run").text
    assert run.count("Not heard") == 2
    assert f'id="next-hearing" href="/meetings/{meeting_id}/hearings/{first}"' in run

    page = client.get(f"/meetings/{meeting_id}/hearings/{first}")
    assert page.status_code == 200
    assert "moj-identity-bar" in page.text
    assert "case 1 of 2" in page.text
    assert re.search(r'id="risk-victim"[^>]*autofocus', page.text)
    # A row is added without JavaScript: the form comes back as typed, one row longer.
    police = str(world.agencies["police"])
    typed = {"csrf_token": CSRF, "rows": "1", "risk-victim": "Threats to kill",
             "risk-children": "Two children at the address", "disclosures": "Bail ends Friday",
             "actions-1-owner": police, "actions-1-for-whom": "victim",
             "actions-1-description": "Mark the address for an urgent response",
             "actions-1-due-day": "19", "actions-1-due-month": "1", "actions-1-due-year": "2026"}
    more = client.post(f"/meetings/{meeting_id}/hearings/{first}",
                       data={**typed, "add_action": "yes"})
    assert more.status_code == 200
    assert 'name="rows" value="2"' in more.text
    assert 'id="actions-2-owner"' in more.text
    assert re.search(r'id="actions-2-owner"[^>]*autofocus', more.text)
    assert "Threats to kill</textarea>" in more.text
    assert api_platform.cases.document(first).hearings == ()  # type: ignore[union-attr]

    saved = client.post(f"/meetings/{meeting_id}/hearings/{first}", data={
        **typed, "rows": "2", "actions-2-owner": str(world.agencies["health"]),
        "actions-2-for-whom": "child", "actions-2-description": "Health visitor to visit",
        "actions-2-due-day": "26", "actions-2-due-month": "1", "actions-2-due-year": "2026"},
        follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/meetings/{meeting_id}/hearings/{second}"
    # Each write its own audit record, as the API's calls would make them, in one request;
    # none of them holds what was typed.
    trail = api_platform.audit.records(case_id=first)
    request = [r for r in trail if r["request_id"] == trail[-1]["request_id"]]
    assert sorted((r["action"], r["outcome"]) for r in request) == [
        ("agree_action", "allowed"), ("agree_action", "allowed"), ("read_agenda", "allowed"),
        ("record_hearing", "allowed"), ("share", "allowed")]
    assert "Threats" not in repr(request)
    assert "Bail" not in repr(request)
    document = api_platform.cases.document(first)
    assert document is not None
    [hearing] = document.hearings
    assert {(r.to, r.description) for r in hearing.risks} == {
        ("victim", "Threats to kill"), ("children", "Two children at the address")}
    assert sorted((a.description, a.due_on, a.meeting_id) for a in document.actions) == [
        ("Health visitor to visit", date(2026, 1, 26), meeting_id),
        ("Mark the address for an urgent response", date(2026, 1, 19), meeting_id)]
    assert [(i.kind, i.text, i.meeting_id) for i in document.items] == [
        ("disclosure", "Bail ends Friday", meeting_id)]

    # The last case, with no action: back to the run sheet, everything heard.
    last = client.post(f"/meetings/{meeting_id}/hearings/{second}", data={
        "csrf_token": CSRF, "rows": "1", "risk-staff": "Dog at the address"},
        follow_redirects=False)
    assert last.headers["location"] == f"/meetings/{meeting_id}/run?done=yes"
    run = client.get(last.headers["location"]).text
    assert len(re.findall(r">\s*Heard\s*<", run)) == 2
    assert "Not heard" not in run
    # A case heard shows what was recorded; recording it again is refused as already heard.
    again = client.post(f"/meetings/{meeting_id}/hearings/{second}", data={
        "csrf_token": CSRF, "rows": "1"})
    assert again.status_code == 422
    assert "already been recorded" in again.text


def test_an_action_row_to_correct_and_a_due_date_in_the_past_are_errors(
        client: TestClient, api_platform: Platform, world: World) -> None:
    case_id = accepted(client, world, "Rowsxq")
    meeting_id = schedule(client, world, TODAY, case_id)
    as_chair(client, api_platform, world)
    page = client.post(f"/meetings/{meeting_id}/hearings/{case_id}", data={
        "csrf_token": CSRF, "rows": "2", "risk-victim": "Threats",
        "actions-1-owner": str(world.agencies["police"]), "actions-1-for-whom": "victim",
        "actions-1-description": "Mark the address", "actions-1-due-day": "11",
        "actions-1-due-month": "1", "actions-1-due-year": "2026",
        "actions-2-owner": str(world.other_area_id), "actions-2-due-day": "31",
        "actions-2-due-month": "2", "actions-2-due-year": "2026"})
    assert page.status_code == 400
    assert title(page.text).startswith("Error: Hearing")
    assert error_summary(page.text) == ["#actions-1-due-day", "#actions-2-owner",
                                        "#actions-2-for-whom", "#actions-2-description",
                                        "#actions-2-due-day"]
    assert "The due date must be today or in the future (action 1)" in page.text
    assert "The due date must be a real date (action 2)" in page.text
    document = api_platform.cases.document(case_id)
    assert document is not None
    assert (document.hearings, document.actions) == ((), ())


def test_forms_without_their_csrf_token_are_refused(
        client: TestClient, api_platform: Platform, world: World) -> None:
    case_id = accepted(client, world, "Csrfxq")
    meeting_id = schedule(client, world, TODAY, case_id)
    as_chair(client, api_platform, world)
    for path, data in ((f"/meetings/{meeting_id}/attendance", {
            "person": "Sam", "agency": str(world.agencies["police"]), "confirmed": "yes",
            "statement_version": "1"}),
            (f"/meetings/{meeting_id}/hearings/{case_id}", {"rows": "1", "risk-victim": "x"})):
        for token in ({}, {"csrf_token": "another-sessions-token"}):
            assert client.post(path, data={**data, **token}).status_code == 403
    assert api_platform.marac.get_meeting(meeting_id).attendance == {}
    assert api_platform.cases.document(case_id).hearings == ()  # type: ignore[union-attr]


def test_a_representative_is_refused_as_on_other_pages(
        client: TestClient, api_platform: Platform, world: World) -> None:
    case_id = accepted(client, world, "Repxq")
    meeting_id = schedule(client, world, TODAY, case_id)
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"),
            purpose="meeting")
    # The page every other refusal gives (the decisions list is the coordinators').
    other = client.get("/decisions")
    assert other.status_code == 403
    for path in (f"/meetings/{meeting_id}/run", f"/meetings/{meeting_id}/attendance",
                 f"/meetings/{meeting_id}/hearings/{case_id}"):
        page = client.get(path)
        assert page.status_code == 403
        assert page.text == other.text
    refused = client.post(f"/meetings/{meeting_id}/hearings/{case_id}",
                          data={"csrf_token": CSRF, "rows": "1", "risk-victim": "x"})
    assert refused.status_code == 403
    assert api_platform.cases.document(case_id).hearings == ()  # type: ignore[union-attr]


def test_another_areas_meeting_and_a_case_not_on_the_agenda_are_not_found(
        client: TestClient, api_platform: Platform, world: World, clock: Clock) -> None:
    on_agenda = accepted(client, world, "Listedxq")
    elsewhere = accepted(client, world, "Unlistedxq")
    meeting_id = schedule(client, world, TODAY, on_agenda)
    other_area = schedule(client, world, TODAY, area=world.other_area_id)
    as_chair(client, api_platform, world)
    missing = client.get(f"/meetings/{meeting_id}/hearings/{UUID(int=1)}")
    assert missing.status_code == 404
    for path in (f"/meetings/{other_area}/run", f"/meetings/{other_area}/attendance",
                 f"/meetings/{meeting_id}/hearings/{elsewhere}"):
        page = client.get(path)
        assert page.status_code == 404
        assert page.text == missing.text
    posted = client.post(f"/meetings/{meeting_id}/hearings/{elsewhere}",
                         data={"csrf_token": CSRF, "rows": "1", "risk-victim": "x"})
    assert posted.status_code == 404
    assert api_platform.cases.document(elsewhere).hearings == ()  # type: ignore[union-attr]


def test_the_hearing_form_covers_every_risk_and_for_whom_the_domain_knows() -> None:
    assert set(RISKS) == set(RISK_TO)
    assert set(FOR_WHOM) == set(DOMAIN_FOR_WHOM)
    # Rows are bounded: a forged count does not make thousands of rows.
    assert len(HearingForm.of(FormData([("rows", "100000")])).actions) == 30


def test_a_chair_without_an_agency_hears_a_case_but_shares_no_disclosure(
        client: TestClient, api_platform: Platform, world: World) -> None:
    case_id = accepted(client, world, "Noagencyxq")
    meeting_id = schedule(client, world, TODAY, case_id)
    sign_in(client, api_platform, world.token("chair-2", "chair"), purpose="meeting")
    page = client.get(f"/meetings/{meeting_id}/hearings/{case_id}").text
    assert 'name="disclosures"' not in page
    assert "Disclosures are shared by an agency" in page
    # A forged disclosure is refused before anything is recorded.
    forged = client.post(f"/meetings/{meeting_id}/hearings/{case_id}", data={
        "csrf_token": CSRF, "rows": "1", "risk-victim": "Threats", "disclosures": "Forged"})
    assert forged.status_code == 403
    document = api_platform.cases.document(case_id)
    assert document is not None
    assert (document.hearings, document.items) == ((), ())
    heard = client.post(f"/meetings/{meeting_id}/hearings/{case_id}", data={
        "csrf_token": CSRF, "rows": "1", "risk-victim": "Threats"}, follow_redirects=False)
    assert heard.status_code == 303
    document = api_platform.cases.document(case_id)
    assert document is not None
    assert len(document.hearings) == 1


def test_the_review_lists_actions_still_open_from_before_the_meeting_overdue_first(
        client: TestClient, api_platform: Platform, world: World) -> None:
    """The API's `/meetings/{id}/review`, as a page of the running meeting: every open action
    agreed before the meeting, on cases the chair sees, overdue ones first."""
    case_id = accepted(client, world, "Reviewedxq")
    for description, due in (("Fit a door alarm", TODAY + timedelta(days=20)),
                             ("Refer to the perpetrator programme", TODAY + timedelta(days=3))):
        agreed = client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(),
                             json={"owner_agency_id": str(world.agencies["police"]),
                                   "description": description, "for_whom": "victim",
                                   "due_on": due.isoformat()})
        assert agreed.status_code == 201, agreed.text
    meeting_id = schedule(client, world, TODAY + timedelta(days=7))
    as_chair(client, api_platform, world)
    page = client.get(f"/meetings/{meeting_id}/review")
    assert page.status_code == 200
    table = page.text.split('id="carried-actions"', 1)[1]
    # Overdue at the meeting (due before it) first, then the other; each linked to its case.
    assert table.index("Refer to the perpetrator programme") < table.index("Fit a door alarm")
    assert table.count("Overdue") == 1
    assert table.count(f'href="/cases/{case_id}"') == 2
    api = client.get(f"/api/v1/meetings/{meeting_id}/review", headers=world.coordinator())
    assert {a["description"] for a in api.json()} == {"Fit a door alarm",
                                                      "Refer to the perpetrator programme"}
    other_area = schedule(client, world, TODAY, area=world.other_area_id)
    missing = client.get(f"/meetings/{UUID(int=1)}/review")
    assert missing.status_code == 404
    assert client.get(f"/meetings/{other_area}/review").text == missing.text
