"""A meeting's minutes on the pages, over HTTP without a browser: the printable page shows each
reader only the cases heard (and the items) they may see; the PDF is issued to the person who
asks, marked OFFICIAL-SENSITIVE and watermarked for them on every page, recorded before it is
handed over (and not handed over if it cannot be recorded); the coordinator distributes the
minutes and follows which attending agencies have acknowledged receipt."""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.bootstrap import Platform
from audit.trail import AuditRecord, AuditTrail, AuditUnavailable
from security.sessions import SessionData
from tests.api.conftest import Clock, World
from tests.api.meeting_held import (
    ACTION_ON_A,
    FOR_ALL_ON_A,
    FOR_POLICE_ONLY,
    ON_B,
    RISK_ON_A,
    Meeting,
    held_meeting,
)
from web.session import COOKIE

pytestmark = pytest.mark.in_memory
CSRF = "csrf-of-this-session"
@pytest.fixture
def meeting(client: TestClient, world: World, clock: Clock) -> Meeting:
    return held_meeting(client, world, clock)


def sign_in(client: TestClient, platform: Platform, token: str, name: str) -> None:
    session = platform.web_sessions.start(platform.now(), SessionData(
        csrf_token=CSRF, access_token=token, person_name=name))
    client.cookies.set(COOKIE, session.session_id)


READERS = {
    "coordinator": (("coordinator-1", "coordinator"), "police", "Casey Coordinator"),
    "police": (("police-rep", "representative"), "police", "Pat Police"),
    "housing": (("housing-rep", "representative"), "housing", "Harper Housing"),
    "idva": (("idva-rep", "representative"), "idva", "Indy Advocate"),
}


def as_reader(client: TestClient, world: World, platform: Platform, who: str) -> str:
    (sub, role), agency, name = READERS[who]
    sign_in(client, platform, world.token(sub, role, agency=agency), name)
    return name


def last_record(platform: Platform) -> dict[str, Any]:
    record = platform.audit.records()[-1]
    return {**record, "item_ids": json.loads(record["item_ids"])}


@pytest.mark.parametrize("who", ["coordinator", "police", "housing", "idva"])
def test_the_minutes_page_shows_each_reader_only_what_they_may_see(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting,
        who: str) -> None:
    as_reader(client, world, api_platform, who)

    page = client.get(f"/meetings/{meeting.meeting_id}/minutes")

    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count("OFFICIAL-SENSITIVE") >= 2  # the layout's marking, top and bottom
    cases = set(re.findall(r'data-case="([0-9a-f-]{36})"', page.text))
    expected = {"coordinator": {meeting.a, meeting.b}, "police": {meeting.a},
                "housing": {meeting.a}, "idva": {meeting.b}}[who]
    assert cases == {str(c) for c in expected}
    assert (FOR_POLICE_ONLY in page.text) == (who in ("coordinator", "police"))
    assert (FOR_ALL_ON_A in page.text) == (meeting.a in expected)
    assert (ON_B in page.text) == (meeting.b in expected)
    assert (ACTION_ON_A in page.text) == (meeting.a in expected)
    # The attendance, each with their agency by name and the statement's version.
    for agency in ("Police", "Health", "Housing"):
        assert f'<td class="govuk-table__cell">{agency}</td>' in page.text
    assert "Version 1" in page.text
    # One record of the read, naming the meeting, the cases and what of them was shown.
    record = last_record(api_platform)
    assert (record["action"], record["outcome"], record["case_id"]) == (
        "read_minutes", "allowed", None)
    shown = set(re.findall(r'data-(?:item|action)="([0-9a-f-]{36})"', page.text))
    assert set(record["item_ids"]) == {str(meeting.meeting_id), *cases, *shown}


def test_a_meeting_of_another_area_or_no_meeting_is_page_not_found(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting) -> None:
    sign_in(client, api_platform, world.token("coordinator-9", "coordinator",
                                              area=world.other_area_id), "Another")
    elsewhere = client.get(f"/meetings/{meeting.meeting_id}/minutes")
    missing = client.get("/meetings/6d1c0c2e-0d5b-4c59-9a44-0b1f8d9e1a11/minutes")
    nonsense = client.get("/meetings/not-a-meeting/minutes")
    pdf = client.get(f"/meetings/{meeting.meeting_id}/minutes.pdf")
    assert {r.status_code for r in (elsewhere, missing, nonsense, pdf)} == {404}
    assert elsewhere.text == missing.text
    assert FOR_ALL_ON_A not in elsewhere.text + pdf.text


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


@pytest.mark.parametrize("who", ["police", "housing"])
def test_the_pdf_is_marked_and_watermarked_for_its_recipient_on_every_page(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting,
        who: str) -> None:
    name = as_reader(client, world, api_platform, who)
    agency = READERS[who][1].title()

    issued = client.get(f"/meetings/{meeting.meeting_id}/minutes.pdf")

    assert issued.status_code == 200, issued.text
    assert issued.headers["content-type"] == "application/pdf"
    assert issued.headers["cache-control"] == "no-store"
    assert issued.headers["content-disposition"] == (
        'attachment; filename="marac-minutes-2026-01-22.pdf"')
    pages = pdf_pages(issued.content)
    assert pages
    issued_at = f"Issued to {name} · {agency} · 22 January 2026 10:00 GMT"
    for text in pages:
        assert text.count("OFFICIAL-SENSITIVE") >= 2  # the top and the bottom of the page
        assert issued_at in text  # across the page and in its footer
    whole = "\n".join(pages)
    for shown in (FOR_ALL_ON_A, RISK_ON_A, ACTION_ON_A):
        assert shown in whole
    assert (FOR_POLICE_ONLY in whole) == (who == "police")
    assert ON_B not in whole  # a case neither may see
    for surname in ("Brackleyxq", "Ashdownxq"):  # no subject's name
        assert surname not in whole


def test_each_issue_of_the_pdf_is_recorded_naming_the_meeting_the_cases_and_the_copy(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting) -> None:
    as_reader(client, world, api_platform, "housing")
    before = api_platform.audit.count()

    first = client.get(f"/meetings/{meeting.meeting_id}/minutes.pdf")
    record = last_record(api_platform)
    second = client.get(f"/meetings/{meeting.meeting_id}/minutes.pdf")

    assert first.status_code == second.status_code == 200
    assert api_platform.audit.count() == before + 2  # one record an issue
    assert (record["action"], record["outcome"], record["actor"], record["agency_id"]) == (
        "issue_minutes", "allowed", "housing-rep", str(world.agencies["housing"]))
    items = record["item_ids"]
    assert items[:2] == [str(meeting.meeting_id), str(meeting.a)]
    assert str(meeting.b) not in items

    assert items[-1] == "sha256:" + hashlib.sha256(first.content).hexdigest()
    # Ids only: nothing of the case's content or its people.
    flat = json.dumps(record)
    for text in (FOR_ALL_ON_A, RISK_ON_A, "Ashdownxq", "Harper Housing"):
        assert text not in flat


def test_a_pdf_whose_issue_cannot_be_recorded_is_not_handed_over(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting,
        monkeypatch: pytest.MonkeyPatch) -> None:
    as_reader(client, world, api_platform, "police")
    real = AuditTrail.record

    def broken_for_issues(self: AuditTrail, rec: AuditRecord) -> int:
        if rec.action == "issue_minutes":
            raise AuditUnavailable("disk full")
        return real(self, rec)

    monkeypatch.setattr(AuditTrail, "record", broken_for_issues)
    failed = client.get(f"/meetings/{meeting.meeting_id}/minutes.pdf")

    assert failed.status_code == 503
    assert not failed.content.startswith(b"%PDF")
    assert "text/html" in failed.headers["content-type"]
    assert FOR_ALL_ON_A not in failed.text


def test_the_coordinator_distributes_and_follows_the_acknowledgements(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting) -> None:
    path = f"/meetings/{meeting.meeting_id}/minutes"
    as_reader(client, world, api_platform, "housing")
    early = client.get(f"{path}/acknowledgement")
    assert "have not been distributed yet" in early.text

    as_reader(client, world, api_platform, "coordinator")
    sent = client.post(f"{path}/distribution", data={"csrf_token": CSRF},
                       follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, f"{path}?done=distributed")
    page = client.get(sent.headers["location"])
    assert "Minutes distributed" in page.text
    assert page.text.count("Not yet acknowledged") == 3  # police, health, housing attended
    again = client.post(f"{path}/distribution", data={"csrf_token": CSRF})
    assert again.status_code == 422
    assert again.text.count("either they already have been") == 2  # summary and field
    assert "<title>Error: " in again.text

    as_reader(client, world, api_platform, "housing")
    form = client.get(f"{path}/acknowledgement")
    assert 'name="received"' in form.text
    unticked = client.post(f"{path}/acknowledgement", data={"csrf_token": CSRF})
    assert unticked.status_code == 400
    assert "<title>Error: " in unticked.text
    done = client.post(f"{path}/acknowledgement", data={"csrf_token": CSRF, "received": "yes"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert "acknowledged receipt: housing-rep" in client.get(done.headers["location"]).text
    twice = client.post(f"{path}/acknowledgement", data={"csrf_token": CSRF, "received": "yes"})
    assert twice.status_code == 422
    assert "already acknowledged" in twice.text

    as_reader(client, world, api_platform, "idva")  # did not attend: not sent the minutes
    assert "were not sent to your agency" in client.get(f"{path}/acknowledgement").text

    as_reader(client, world, api_platform, "coordinator")
    followed = client.get(path).text
    assert followed.count("Not yet acknowledged") == 2
    assert "Acknowledged</strong> by housing-rep" in followed
    assert "1 of 3 agencies" in followed


def test_a_form_without_its_csrf_token_is_refused(
        client: TestClient, world: World, api_platform: Platform, meeting: Meeting) -> None:
    as_reader(client, world, api_platform, "coordinator")
    refused = client.post(f"/meetings/{meeting.meeting_id}/minutes/distribution")
    assert refused.status_code == 403
