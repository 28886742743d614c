"""The feeds pages over HTTP, without a browser: the area's feeds listed as the API lists
them; a feed set up with a form through the API's use case (pending, the client's next calls
shown, never a secret); the form's own errors and the service's refusals (an agency of another
area, an unknown event type, an endpoint that is not public https) at their fields, nothing
written; a webhook feed its client has taken on replayed; a representative and a data
protection officer refused alike; a form without its CSRF token refused."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World, bearer
from tests.web.page_html import parse
from tests.web.test_admin_pages import errors_of
from tests.web.test_case_page import CSRF, reads, sign_in

pytestmark = pytest.mark.in_memory


def feeds_api(client: TestClient, world: World) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/subscriptions", headers=world.coordinator())
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()
    return listed


def new_feed(client: TestClient, **changes: Any) -> Any:
    data = {"csrf_token": CSRF, "client_id": "idva-cms", "agency": "",
            "event_types": ["case.referred.v1", "case.closed.v1"], "endpoint": "", **changes}
    return client.post("/feeds/new", data=data, follow_redirects=False)


def activate(client: TestClient, world: World, feed: str, agency: str) -> None:
    answer = client.post(f"/api/v1/feeds/{feed}/activation", headers=bearer(world.token(
        f"{agency}-cms", agency=agency, client=True, scope="cases:read")))
    assert answer.status_code == 201, answer.text


def test_a_coordinator_sets_a_feed_up_and_sees_it_pending_without_its_secret(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    empty = client.get("/feeds")
    assert empty.status_code == 200
    assert 'href="/feeds"' in empty.text  # Feeds in the navigation
    assert 'id="no-feeds"' in empty.text
    form = parse(client.get("/feeds/new").text)
    agencies = {o.attrs["value"]: o.text for o in form.one("select", id="agency").all("option")}
    assert agencies[str(world.agencies["idva"])] == "Idva"
    assert str(world.other_area_id) not in agencies
    # Each event type with what it means.
    closed = form.one("input", value="case.closed.v1")
    assert form.one(id=closed.attrs["aria-describedby"]).text == (
        "The case was closed; agencies involved acknowledge it.")

    made = new_feed(client, agency=str(world.agencies["idva"]),
                    endpoint="https://127.0.0.1/hook")
    assert made.status_code == 303, made.text
    (listed,) = feeds_api(client, world)
    assert made.headers["location"] == f"/feeds/{listed['id']}?done=set-up"
    assert (listed["client_id"], listed["agency_name"], listed["event_types"],
            listed["endpoint"], listed["status"]) == (
        "idva-cms", "Idva", ["case.closed.v1", "case.referred.v1"], "https://127.0.0.1/hook",
        "pending")
    page = client.get(made.headers["location"]).text
    assert "Feed set up: pending until its client takes it on" in page
    assert f"POST /api/v1/feeds/{listed['id']}/activation" in page
    assert "Deliver again" not in page  # pending: its client takes it on first
    secrets = api_platform.feeds.secrets(UUID(listed["id"]), api_platform.now())
    assert secrets
    assert not any(s in page for s in secrets)
    assert "whsec_" not in page
    # The list page is the API's list.
    clock.advance(minutes=1)
    client.post("/feeds/new", data={"csrf_token": CSRF, "client_id": "police-cms",
                                    "agency": str(world.agencies["police"]),
                                    "event_types": ["case.referred.v1"]})
    rows = parse(client.get("/feeds").text).one("table", id="feeds").all("tr", has="data-feed")
    assert [r.attrs["data-feed"] for r in rows] == [f["id"] for f in feeds_api(client, world)]
    assert "Pull" in rows[0].text
    assert "Pending" in rows[0].text
    assert reads(api_platform, 1)[0]["action"] == "read_subscription"


def test_an_incomplete_or_refused_feed_is_shown_at_its_fields_and_nothing_is_written(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    empty = client.post("/feeds/new", data={"csrf_token": CSRF})
    assert empty.status_code == 400
    assert "<title>Error: Set up a feed" in empty.text
    assert errors_of(empty.text) == {
        "client_id": "Enter the integration client id",
        "agency": "Select the agency the feed is for",
        "event_types": "Select at least one event type"}
    assert 'id="event_types-error"' in empty.text
    too_long = new_feed(client, client_id="x" * 201, agency=str(world.agencies["idva"]))
    assert set(errors_of(too_long.text)) == {"client_id"}
    # The service's refusals, at their fields, the form kept as typed.
    elsewhere = api_platform.marac.register_agency(world.other_area_id, "faraway", "Faraway",
                                                   "police", core=True)
    for changes, status, field in (
            ({"agency": str(elsewhere)}, 422, "agency"),
            ({"agency": str(world.agencies["idva"]), "event_types": ["case.everything.v9"]},
             422, "event_types")):
        refused = new_feed(client, **changes)
        assert refused.status_code == status, changes
        assert set(errors_of(refused.text)) == {field}
        assert 'value="idva-cms"' in refused.text
    demo = client.app.state.web_config  # type: ignore[attr-defined]
    client.app.state.web_config = replace(demo, demo=False)  # type: ignore[attr-defined]
    try:
        unsafe = new_feed(client, agency=str(world.agencies["idva"]),
                          endpoint="http://127.0.0.1:9/hook")
    finally:
        client.app.state.web_config = demo  # type: ignore[attr-defined]
    assert unsafe.status_code == 422
    assert errors_of(unsafe.text) == {
        "endpoint": "Enter a public https address, like https://cms.example.org/marac-events"}
    assert feeds_api(client, world) == []


def test_a_webhook_feed_its_client_took_on_is_replayed_and_a_pull_feed_is_not(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    for agency, endpoint in (("police", "https://127.0.0.1/hook"), ("idva", "")):
        new_feed(client, client_id=f"{agency}-cms", agency=str(world.agencies[agency]),
                 endpoint=endpoint)
    ids = {f["client_id"]: f["id"] for f in feeds_api(client, world)}
    webhook, pull = ids["police-cms"], ids["idva-cms"]
    activate(client, world, webhook, "police")
    activate(client, world, pull, "idva")
    assert 'action="/feeds/' not in client.get(f"/feeds/{pull}").text
    page = client.get(f"/feeds/{webhook}").text
    assert f'action="/feeds/{webhook}/replay"' in page
    assert "Active" in page
    assert "POST /api/v1/feeds" not in page
    # Delivery counts are the client's: the page shows none of what the API withholds.
    watched = client.get(f"/api/v1/subscriptions/{webhook}", headers=world.coordinator()).json()
    assert (watched["latest_cursor"], watched["dead_letters"]) == (None, None)
    for wrong in ("", "0", "first", "-1", str(2**62 + 1)):
        refused = client.post(f"/feeds/{webhook}/replay",
                              data={"csrf_token": CSRF, "from_cursor": wrong})
        assert refused.status_code == 400, wrong
        assert set(errors_of(refused.text)) == {"from_cursor"}
    # A receiver that said 410 disabled the feed: a replay re-enables it.
    api_platform.feeds.set_status(UUID(webhook), "disabled", "gone")
    assert 'id="disabled"' in client.get(f"/feeds/{webhook}").text
    replayed = client.post(f"/feeds/{webhook}/replay",
                           data={"csrf_token": CSRF, "from_cursor": "1"},
                           follow_redirects=False)
    assert replayed.status_code == 303
    assert replayed.headers["location"] == f"/feeds/{webhook}?done=replayed"
    assert [(r["action"], r["outcome"], r["items"]) for r in reads(api_platform, 1)] == [
        ("replay", "allowed", [webhook, "1"])]
    assert "Replay requested" in client.get(replayed.headers["location"]).text
    assert feeds_api(client, world)[0]["status"] == "active"


def test_a_representative_and_a_dpo_are_refused_alike_and_offered_no_feeds(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    new_feed(client, agency=str(world.agencies["idva"]))
    (feed,) = (f["id"] for f in feeds_api(client, world))
    missing = uuid.uuid4()
    answers: dict[str, list[tuple[int, str]]] = {}
    for who, token in (
            ("representative", world.token("idva-rep", "representative", agency="idva")),
            ("dpo", world.token("dpo-1", "dpo")),
            ("another area", world.token("coordinator-9", "coordinator",
                                         area=world.other_area_id))):
        sign_in(client, api_platform, token)
        assert 'href="/feeds"' not in client.get("/cases").text or who == "another area"
        got = [client.get(path) for path in (f"/feeds/{feed}", f"/feeds/{missing}",
                                              "/feeds/not-a-feed", "/no-such-page")]
        got.append(client.post(f"/feeds/{feed}/replay",
                               data={"csrf_token": CSRF, "from_cursor": "1"}))
        assert {a.status_code for a in got} == {404}, who
        assert len({a.text for a in got}) == 1, who  # the feed is as missing as no page
        if who != "another area":
            got += [client.get("/feeds"), client.get("/feeds/new"), new_feed(
                client, agency=str(world.agencies["idva"])), client.post(
                "/feeds/new", data={"csrf_token": CSRF})]
            assert [a.status_code for a in got[-4:]] == [403] * 4, who
        answers[who] = [(a.status_code, a.text) for a in got]
    assert answers["representative"] == answers["dpo"]
    assert len(feeds_api(client, world)) == 1
    assert {(r["action"], r["outcome"]) for r in api_platform.audit.records()
            if r["actor"] == "dpo-1" and r["action"] != "list"} == {
        ("read_subscription", "not_found"), ("replay", "not_found"),
        ("read_subscription", "denied"), ("subscribe", "denied")}


def test_a_form_without_its_csrf_token_is_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    new_feed(client, client_id="police-cms", agency=str(world.agencies["police"]),
             endpoint="https://127.0.0.1/hook")
    (feed,) = (f["id"] for f in feeds_api(client, world))
    activate(client, world, feed, "police")
    for token in (None, "another-sessions-token"):
        given = {"csrf_token": token} if token else {}
        assert client.post("/feeds/new", data={
            **given, "client_id": "idva-cms", "agency": str(world.agencies["idva"]),
            "event_types": ["case.referred.v1"]}).status_code == 403
        assert client.post(f"/feeds/{feed}/replay",
                           data={**given, "from_cursor": "1"}).status_code == 403
    assert len(feeds_api(client, world)) == 1
    assert not [r for r in api_platform.audit.records() if r["action"] == "replay"]
