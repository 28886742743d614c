"""The case page over HTTP, without a browser: it is the API's view of the case, recorded in
the audit trail exactly as the API's read is (its purpose, the items it shows); it asks the
purpose first and remembers it; and a case the person may not see, a missing one and an
address that names no case are the same "Page not found", byte for byte."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from domain.access import Audience
from security.sessions import SessionData
from tests.api.conftest import World, accept, refer
from web.session import COOKIE

pytestmark = pytest.mark.in_memory
CSRF = "csrf-of-this-session"


def sign_in(client: TestClient, platform: Platform, token: str,
            purpose: str | None = None) -> None:
    """A signed-in session, as the sign-in would leave it, and its cookie in the client."""
    session = platform.web_sessions.start(platform.now(), SessionData(
        csrf_token=CSRF, access_token=token, person_name="A person", purpose=purpose))
    client.cookies.set(COOKIE, session.session_id)


def reads(platform: Platform, last: int) -> list[dict[str, Any]]:
    """The last audit records, as compared: who read what, for what, and what was shown."""
    return [{k: record[k] for k in ("actor", "agency_id", "roles", "action", "purpose",
                                    "case_id", "outcome", "area_id")} | {
        "items": json.loads(record["item_ids"])} for record in platform.audit.records()[-last:]]


def last_read(platform: Platform) -> dict[str, Any]:
    return reads(platform, 1)[0]


def shared_case(client: TestClient, world: World, platform: Platform) -> dict[str, UUID]:
    """An accepted case with an item for everyone, one for the coordinators only, and one for
    the health agency only (which the police do not see)."""
    case_id = refer(client, world)
    accept(client, world, case_id)
    app = platform.marac
    ids = {"case": case_id}
    ids["for_all"] = app.share(case_id, kind="research", text="Seen by all who see the case",
                               audience=Audience("whole_case"), author="police-rep",
                               author_agency=world.agencies["police"], for_agency=True)
    ids["coordinators"] = app.share(case_id, kind="note", text="For coordinators only",
                                    audience=Audience("coordinators"), author="coordinator-1",
                                    author_agency=world.agencies["police"], for_agency=False)
    app.grant_access(case_id, by="coordinator-1", reason="Research",
                     agency_id=world.agencies["health"])
    ids["health"] = app.share(case_id, kind="disclosure", text="For the trust alone",
                              audience=Audience("agencies", (world.agencies["health"],)),
                              author="coordinator-1", author_agency=world.agencies["police"],
                              for_agency=False)
    platform.runner.catch_up()
    return ids


@pytest.mark.parametrize("who", ["police", "health", "coordinator"])
def test_a_page_view_is_recorded_as_the_apis_read_with_its_purpose_and_the_items_shown(
        client: TestClient, world: World, api_platform: Platform, who: str) -> None:
    ids = shared_case(client, world, api_platform)
    case_id = ids["case"]
    token = (world.token("coordinator-1", "coordinator", agency="police")
             if who == "coordinator" else world.token(f"{who}-rep", "representative",
                                                      agency=who))
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "safety_planning"}
    api = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert api.status_code == 200, api.text
    timeline = client.get(f"/api/v1/cases/{case_id}/timeline", headers=headers)
    assert timeline.status_code == 200, timeline.text
    by_the_api = reads(api_platform, 2)
    sign_in(client, api_platform, token, purpose="safety_planning")

    page = client.get(f"/cases/{case_id}")

    assert page.status_code == 200, page.text
    # The page is the API's two reads, the case and its timeline, recorded as they are.
    assert reads(api_platform, 2) == by_the_api
    by_the_page, of_the_timeline = reads(api_platform, 2)
    assert of_the_timeline["items"][0] == "timeline"
    assert page.text.count('class="moj-timeline__item"') == len(timeline.json()["entries"])
    assert by_the_page["purpose"] == "safety_planning"
    assert by_the_page["outcome"] == "allowed"
    # The items the record names are those the page shows, and those the API answered.
    shown = re.findall(r'data-item="([0-9a-f-]{36})"', page.text)
    assert sorted(shown) == sorted(str(i["item_id"]) for i in api.json()["items"])
    assert ["referral", "decision", *shown] == by_the_page["items"]
    expected = {"police": {"for_all"}, "health": {"for_all", "health"},
                "coordinator": {"for_all", "coordinators", "health"}}[who]
    assert set(shown) == {str(ids[k]) for k in expected}
    for text, key in (("Seen by all who see the case", "for_all"),
                      ("For coordinators only", "coordinators"), ("For the trust alone", "health")):
        assert (text in page.text) == (key in expected)
    # What only coordinators see is shown only when the view holds it.
    assert ('id="access"' in page.text) == (who == "coordinator")
    assert ('id="safeguarding"' in page.text) == (who == "coordinator")


def test_the_purpose_is_asked_first_then_remembered_and_may_be_changed(
        client: TestClient, world: World, api_platform: Platform) -> None:
    ids = shared_case(client, world, api_platform)
    case_page = f"/cases/{ids['case']}"
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"))
    before = api_platform.audit.count()

    asked = client.get(case_page, follow_redirects=False)
    assert (asked.status_code, asked.headers["location"]) == (303, f"{case_page}/purpose")
    assert api_platform.audit.count() == before  # nothing of the case was read
    form = client.get(f"{case_page}/purpose")
    assert form.status_code == 200
    assert 'name="csrf_token" value="' + CSRF + '"' in form.text

    forged = client.post(f"{case_page}/purpose", data={"purpose": "research"},
                         follow_redirects=False)
    assert forged.status_code == 403
    none_given = client.post(f"{case_page}/purpose", data={"csrf_token": CSRF},
                             follow_redirects=False)
    assert none_given.status_code == 400
    assert "<title>Error: Why are you viewing this case?" in none_given.text
    assert 'href="#purpose">Select why you are viewing this case</a>' in none_given.text
    unknown = client.post(f"{case_page}/purpose",
                          data={"csrf_token": CSRF, "purpose": "curiosity"},
                          follow_redirects=False)
    assert unknown.status_code == 400
    assert api_platform.audit.count() == before

    chosen = client.post(f"{case_page}/purpose", data={"csrf_token": CSRF,
                                                       "purpose": "research"},
                         follow_redirects=False)
    assert (chosen.status_code, chosen.headers["location"]) == (303, case_page)
    assert client.get(case_page).status_code == 200
    assert [r["purpose"] for r in reads(api_platform, 2)] == ["research", "research"]
    # Another case: not asked again. Changed: the next read is for the new purpose.
    other = refer(client, world)
    assert client.get(f"/cases/{other}", follow_redirects=False).status_code == 200
    assert 'value="research" checked' in client.get(f"{case_page}/purpose").text
    client.post(f"{case_page}/purpose", data={"csrf_token": CSRF,
                                              "purpose": "action_follow_up"})
    assert last_read(api_platform)["purpose"] == "action_follow_up"


def test_a_case_one_may_not_see_is_the_same_page_not_found_as_a_missing_one(
        client: TestClient, world: World, api_platform: Platform) -> None:
    ids = shared_case(client, world, api_platform)
    api_platform.marac.exclude(ids["case"], "police-relative", by="coordinator-1",
                               reason="Related to the family")
    api_platform.runner.catch_up()
    answers = {}
    for who, token, case in (
            ("not involved", world.token("idva-rep", "representative", agency="idva"),
             ids["case"]),
            ("excluded", world.token("police-relative", "representative", agency="police"),
             ids["case"]),
            ("another area", world.token("coordinator-2", "coordinator",
                                         area=world.other_area_id), ids["case"]),
            ("missing", world.token("police-rep", "representative", agency="police"),
             uuid.uuid4()),
            ("no case", world.token("police-rep", "representative", agency="police"),
             "not-a-case")):
        sign_in(client, api_platform, token, purpose="research")
        answer = client.get(f"/cases/{case}")
        assert answer.status_code == 404, who
        answers[who] = answer.text
    assert len(set(answers.values())) == 1
    assert "Page not found" in answers["excluded"]
    assert "For coordinators only" not in answers["excluded"]
    # Each refusal recorded with its purpose; an address that names no case reads nothing.
    reads = [(r["action"], r["outcome"], r["purpose"]) for r in api_platform.audit.records()
             if r["action"] == "read"]
    assert reads[-4:] == [("read", "denied", "research")] * 3 + [
        ("read", "not_found", "research")]
