"""The meetings pages over HTTP, without a browser: a coordinator schedules, reschedules and
cancels meetings, builds an agenda (add, move, invite, research, remove) and sees every
agency's research; each form's mistakes come back with the error summary; a meeting of
another area and a missing one are the same "Page not found"; a post without its CSRF token
and a representative are refused. What the pages did is read back through the API."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer, referral_body
from tests.web.test_case_page import CSRF, sign_in

pytestmark = pytest.mark.in_memory


def coordinator(client: TestClient, world: World, platform: Platform) -> None:
    sign_in(client, platform, world.token("coordinator-1", "coordinator", agency="police"))


def day(prefix: str, d: int, m: int, y: int) -> dict[str, str]:
    return {f"{prefix}-day": str(d), f"{prefix}-month": str(m), f"{prefix}-year": str(y)}


def form(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    pairs: list[tuple[str, str]] = [("csrf_token", CSRF)]
    for name, value in data.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((name, str(v)))
    return client.post(path, content=urlencode(pairs), headers={
        "Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)


def errored(page: Any, status: int, *messages: str) -> None:
    assert page.status_code == status, page.text
    assert re.search(r"<title>\s*Error: ", page.text)
    assert "There is a problem" in page.text
    for message in messages:
        assert message in page.text


def schedule(client: TestClient, held_on: tuple[int, int, int] = (20, 1, 2026)) -> UUID:
    done = form(client, "/meetings", {"kind": "standard", **day("held-on", *held_on)})
    assert done.status_code == 303, done.text
    found = re.fullmatch(r"/meetings/([0-9a-f-]{36})\?done=scheduled", done.headers["location"])
    assert found
    return UUID(found.group(1))


def api_meeting(client: TestClient, world: World, meeting: UUID) -> Any:
    return client.get(f"/api/v1/meetings/{meeting}", headers=world.coordinator()).json()


def agenda(client: TestClient, world: World, meeting: UUID) -> list[str]:
    return [line["case_id"] for line in client.get(f"/api/v1/meetings/{meeting}/agenda",
                                                   headers=world.coordinator()).json()]


def test_a_coordinator_schedules_reschedules_and_cancels_a_meeting(
        client: TestClient, world: World, api_platform: Platform) -> None:
    coordinator(client, world, api_platform)
    page = client.get("/meetings")
    assert page.status_code == 200
    assert 'href="/meetings"' in page.text  # the navigation entry
    assert "No meeting is scheduled." in page.text

    errored(form(client, "/meetings", {"held-on-day": "31", "held-on-month": "2",
                                       "held-on-year": "2026"}), 400,
            "Select the kind of meeting", "The meeting&#39;s date must be a real date")
    meeting = schedule(client)
    listed = client.get("/meetings?done=scheduled")
    assert "Meeting scheduled" in listed.text
    assert f'data-meeting="{meeting}"' in listed.text
    assert "20 January 2026" in listed.text

    path = f"/meetings/{meeting}/reschedule"
    assert client.get(path).status_code == 200
    errored(form(client, path, day("held-on", 27, 1, 2026)), 400, "Enter why the meeting is moved")
    # To an earlier day than today: the domain's rule, shown on the form.
    errored(form(client, path, {**day("held-on", 1, 1, 2026), "reason": "Room"}), 422,
            "Enter a new date, from today on")
    moved = form(client, path, {**day("held-on", 27, 1, 2026), "reason": "Room unavailable"})
    assert (moved.status_code, moved.headers["location"]) == (
        303, f"/meetings/{meeting}?done=rescheduled")
    assert api_meeting(client, world, meeting)["held_on"] == "2026-01-27"

    path = f"/meetings/{meeting}/cancel"
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Why is it cancelled?" in confirm.text
    errored(form(client, path, {"reason": ""}), 400, "Enter why the meeting is cancelled")
    cancelled = form(client, path, {"reason": "Chair unavailable"})
    assert (cancelled.status_code, cancelled.headers["location"]) == (
        303, "/meetings?done=cancelled")
    assert api_meeting(client, world, meeting)["status"] == "cancelled"
    # Cancelled, it is not cancelled twice: the domain's refusal on the form (409).
    errored(form(client, path, {"reason": "Again"}), 409, "This meeting was cancelled")
    listing = client.get("/meetings").text
    row = listing[listing.index(f'data-meeting="{meeting}"'):]
    assert "Cancelled" in row[:row.index("</tr>")]
    assert f"/meetings/{meeting}/cancel" not in listing


def with_children(client: TestClient, world: World) -> UUID:
    body = referral_body(surname="Childxq")
    body["subjects"].append({"role": "child", "forenames": "Tobyxq", "surname": "Childxq",
                             "date_of_birth": "2019-05-05"})
    created = client.post("/api/v1/cases", json=body, headers=world.rep("police"))
    assert created.status_code == 201, created.text
    case_id = UUID(created.json()["id"])
    accept(client, world, case_id)
    return case_id


def test_a_coordinator_builds_an_agenda_and_asks_for_research(
        client: TestClient, world: World, api_platform: Platform) -> None:
    first = refer(client, world, surname="Firstxq")
    accept(client, world, first)
    second = refer(client, world, surname="Secondxq")
    accept(client, world, second)
    child = with_children(client, world)
    coordinator(client, world, api_platform)
    meeting = schedule(client)
    path = f"/meetings/{meeting}"

    page = client.get(path)
    assert page.status_code == 200
    assert "No case is on the agenda yet." in page.text
    for case_id in (first, second, child):
        assert f'value="{case_id}"' in page.text  # accepted, not yet listed
    errored(form(client, f"{path}/agenda", {}), 400, "Select the case to add")
    for case_id in (first, second, child):
        added = form(client, f"{path}/agenda", {"case": case_id})
        assert added.headers["location"] == f"{path}?done=added#agenda"
    # Children's cases are heard first: the area's rule, said beside the case.
    assert agenda(client, world, meeting) == [str(child), str(first), str(second)]
    built = client.get(path).text
    assert "Children&#39;s cases are heard first" in built
    assert f'value="{first}"' not in built  # listed: no longer offered

    moved = form(client, f"{path}/agenda/{second}/move", {"direction": "up"})
    assert moved.headers["location"] == f"{path}?done=moved#agenda"
    assert agenda(client, world, meeting) == [str(child), str(second), str(first)]
    # Above the children's case it may not go: the rule holds, shown on the page.
    errored(form(client, f"{path}/agenda/{second}/move", {"direction": "up"}), 422,
            "The area&#39;s rules fix where that case is heard")
    assert agenda(client, world, meeting) == [str(child), str(second), str(first)]
    assert form(client, f"{path}/agenda/{second}/move", {"direction": "sideways"}
                ).status_code == 400

    listed = f"{path}/agenda/{second}"
    page = client.get(listed)
    assert page.status_code == 200
    # The referring agency is involved in the case already; the others are to invite.
    invited_row = page.text[page.text.index("Invited agencies"):]
    assert re.match(r"Invited agencies\s*</dt>\s*<dd[^>]*>\s*Police\s*</dd>", invited_row)
    assert f'name="agencies" type="checkbox" value="{world.agencies["health"]}"' in page.text
    errored(form(client, f"{listed}/invitations", {}), 400, "Select the agency to invite")
    health, housing = world.agencies["health"], world.agencies["housing"]
    invited = form(client, f"{listed}/invitations", {"agencies": [health, housing]})
    assert invited.headers["location"] == f"{listed}?done=invited"
    assert client.get(f"/api/v1/cases/{second}", headers=world.rep("health")).status_code == 200

    errored(form(client, f"{listed}/research-requests", {"agencies": health}), 400,
            "Enter the date research is due")
    # Of an agency not invited: the domain's rule, on the form.
    errored(form(client, f"{listed}/research-requests",
                 {"agencies": world.agencies["idva"], **day("due-on", 16, 1, 2026)}), 422,
            "Ask agencies invited to the case")
    asked = form(client, f"{listed}/research-requests",
                 {"agencies": [health, housing], **day("due-on", 16, 1, 2026)})
    assert asked.headers["location"] == f"{listed}?done=research"

    outstanding = client.get("/research-requests")
    assert outstanding.status_code == 200
    assert outstanding.text.count(f'data-case="{second}"') == 2
    assert client.get("/api/v1/research-requests/outstanding",
                      headers=world.coordinator()).json()[0]["case_id"] == str(second)
    only_health = client.get(f"/research-requests?agency={health}").text
    assert only_health.count(f'data-case="{second}"') == 1
    assert f'data-agency="{housing}"' not in only_health
    answered = client.get("/research-requests?status=answered").text
    assert "No research request matches these filters." in answered

    remove = f"{listed}/remove"
    assert "Why is it removed?" in client.get(remove).text
    errored(form(client, remove, {}), 400, "Enter why the case is taken off the agenda")
    removed = form(client, remove, {"reason": "Heard at the daily triage"})
    assert removed.headers["location"] == f"{path}?done=removed#agenda"
    assert agenda(client, world, meeting) == [str(child), str(first)]
    # Off the agenda, its page is not found; its research no longer stands.
    assert client.get(listed).status_code == 404
    assert f'data-case="{second}"' not in client.get("/research-requests").text


def test_a_meeting_of_another_area_and_a_missing_one_are_not_found(
        client: TestClient, world: World, api_platform: Platform) -> None:
    elsewhere = client.post("/api/v1/meetings", json={"kind": "standard",
                                                      "held_on": "2026-01-20"},
                            headers=bearer(world.token("coordinator-9", "coordinator",
                                                       area=world.other_area_id)))
    assert elsewhere.status_code == 201, elsewhere.text
    other = elsewhere.json()["id"]
    coordinator(client, world, api_platform)
    missing = "00000000-0000-4000-8000-000000000000"
    answers = [client.get(f"/meetings/{m}{tail}") for m in (other, missing)
               for tail in ("", "/reschedule", "/cancel")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1  # byte for byte the same page
    refused = form(client, f"/meetings/{other}/cancel", {"reason": "Not mine"})
    assert refused.status_code == 404
    assert client.get("/meetings/not-a-meeting").status_code in (404, 422)


def test_a_post_without_its_csrf_token_is_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    coordinator(client, world, api_platform)
    refused = client.post("/meetings", data={"kind": "standard", **day("held-on", 20, 1, 2026)},
                          follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post("/meetings", data={"csrf_token": "another", "kind": "standard",
                                           **day("held-on", 20, 1, 2026)},
                        follow_redirects=False)
    assert wrong.status_code == 403
    assert client.get("/api/v1/meetings", headers=world.coordinator()).json() == []


def test_a_representative_does_not_reach_the_meetings_pages(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    coordinator(client, world, api_platform)
    meeting = schedule(client)
    assert form(client, f"/meetings/{meeting}/agenda", {"case": case_id}).status_code == 303
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"))
    cases = client.get("/cases")
    assert 'href="/meetings"' not in cases.text
    for path in ("/meetings", f"/meetings/{meeting}", f"/meetings/{meeting}/reschedule",
                 f"/meetings/{meeting}/cancel", f"/meetings/{meeting}/agenda/{case_id}",
                 "/research-requests"):
        assert client.get(path).status_code == 403, path
    for path, data in ((f"/meetings/{meeting}/agenda/{case_id}/move", {"direction": "down"}),
                       (f"/meetings/{meeting}/cancel", {"reason": "Not mine"}),
                       ("/meetings", {"kind": "standard", **day("held-on", 21, 1, 2026)})):
        assert form(client, path, data).status_code == 403, path
    assert api_meeting(client, world, meeting)["status"] == "scheduled"
