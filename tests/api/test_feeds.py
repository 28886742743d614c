"""Integration feeds through the HTTP API with real tokens: subscriptions, the pull feed with
need-to-know filtering, and signed webhooks to a real receiver on loopback (demo mode)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker

from api.bootstrap import Platform
from feeds.delivery import WebhookDeliverer
from feeds.events import EVENT_TYPES, json_schema
from feeds.visibility import Gate
from feeds.webhooks import InvalidSignature, verify
from tests.api.conftest import Clock, World, accept, bearer, refer
from tests.factories import referral


def integration(world: World, agency: str, client_id: str | None = None) -> dict[str, str]:
    sub = client_id or f"{agency}-cms"
    return bearer(world.token(sub, agency=agency, client=True, scope="cases:read"))


def subscribe(client: TestClient, world: World, agency: str, endpoint: str | None = None,
              types: tuple[str, ...] = EVENT_TYPES) -> dict[str, Any]:
    response = client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
        "client_id": f"{agency}-cms", "agency_id": str(world.agencies[agency]),
        "event_types": list(types), "endpoint": endpoint})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert "secret" not in response.json()  # the coordinator never holds it
    sid = response.json()["id"]
    activated = client.post(f"/api/v1/feeds/{sid}/activation",
                            headers=integration(world, agency))
    assert activated.status_code == 201, activated.text
    body: dict[str, Any] = activated.json()
    return body


def pulled(client: TestClient, world: World, agency: str, subscription: str,
           after: int = 0) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/feeds/{subscription}/events?after={after}",
                          headers=integration(world, agency))
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    for event in events:  # what goes out is exactly what is published
        Draft202012Validator(json_schema(event["type"]), format_checker=FormatChecker()
                             ).validate({k: v for k, v in event.items() if k != "cursor"})
    return events


def test_a_subscriber_hears_only_of_cases_its_agency_may_see(
    client: TestClient, world: World
) -> None:
    police = subscribe(client, world, "police")["id"]
    housing = subscribe(client, world, "housing")["id"]
    idva = subscribe(client, world, "idva")["id"]
    own = refer(client, world, "police")
    other = refer(client, world, "idva", surname="Otherxq")
    accept(client, world, own)
    accept(client, world, other)
    events = pulled(client, world, "police", police)
    assert [(e["type"], e["case_id"]) for e in events] == [
        ("case.referred.v1", str(own)), ("case.accepted.v1", str(own))]
    assert [e["cursor"] for e in events] == [1, 2]  # gap-free, per subscriber
    assert pulled(client, world, "housing", housing) == []
    # Granted: from that moment on. Revoked: nothing more.
    grant = client.post(f"/api/v1/cases/{other}/grants", headers=world.coordinator(),
                        json={"agency_id": str(world.agencies["housing"]), "reason": "Housing"})
    grant_id = grant.json()["id"]
    client.post(f"/api/v1/cases/{other}/actions", headers=world.coordinator(), json={
        "owner_agency_id": str(world.agencies["idva"]), "for_whom": "victim",
        "description": "Safety plan", "due_on": "2026-02-01"})
    heard = pulled(client, world, "housing", housing)
    assert [e["type"] for e in heard] == ["access.granted.v1", "action.assigned.v1"]
    client.post(f"/api/v1/cases/{other}/grants/{grant_id}/revoke",
                headers=world.coordinator(), json={"reason": "No longer needed"})
    client.post(f"/api/v1/cases/{other}/closure", headers=world.coordinator(),
                json={"reason": "Risk reduced"})
    assert pulled(client, world, "housing", housing, after=heard[-1]["cursor"]) == []
    # Who else was granted access is not another agency's business.
    assert "access.granted.v1" not in [e["type"] for e in pulled(client, world, "idva", idva)]
    # Thin payloads: ids, types, times; no names, no text.
    assert all(set(e) == {"cursor", "id", "type", "occurred_at", "area_id", "case_id", "data"}
               for e in events)
    assert "Quennevillexq" not in json.dumps(events)


def test_restricted_cases_reach_member_agencies_only(client: TestClient, world: World) -> None:
    police = subscribe(client, world, "police")["id"]
    hpx = subscribe(client, world, "hpx")["id"]
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    before = pulled(client, world, "police", police)
    assert [e["type"] for e in before] == ["case.referred.v1", "case.accepted.v1"]
    client.post(f"/api/v1/cases/{case_id}/restriction", headers=world.coordinator(), json={
        "members": ["coordinator-1"], "member_agencies": [str(world.agencies["hpx"])],
        "reason": "Harmful practices"})
    client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(), json={
        "owner_agency_id": str(world.agencies["hpx"]), "for_whom": "victim",
        "description": "Advice", "due_on": "2026-02-01"})
    # The referrer is not a member: nothing more, not even a replay of what it had.
    assert pulled(client, world, "police", police, after=before[-1]["cursor"]) == []
    assert pulled(client, world, "police", police) == []
    assert [e["type"] for e in pulled(client, world, "hpx", hpx)] == [
        "case.restricted.v1", "action.assigned.v1"]


def test_a_feed_is_taken_on_by_its_own_client_only(client: TestClient, world: World) -> None:
    """A coordinator (or administrator) sets a feed up, but only its client activates it and
    holds its secret: otherwise anyone who may set feeds up could point a member agency's
    feed at themselves and hear of restricted cases they may not see."""
    pending = client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
        "client_id": "hpx-cms", "agency_id": str(world.agencies["hpx"]),
        "event_types": list(EVENT_TYPES), "endpoint": "https://receiver.example/hook"}).json()
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    client.post(f"/api/v1/cases/{case_id}/restriction", headers=world.coordinator(), json={
        "members": ["coordinator-1"], "member_agencies": [str(world.agencies["hpx"])],
        "reason": "Harmful practices"})
    for headers in (world.coordinator(), world.coordinator("coordinator-2"),
                    integration(world, "police", "hpx-cms"), integration(world, "hpx", "x")):
        assert client.post(f"/api/v1/feeds/{pending['id']}/activation",
                           headers=headers).status_code == 404
    assert client.get(f"/api/v1/subscriptions/{pending['id']}",
                      headers=integration(world, "hpx")).json()["latest_cursor"] == 0
    # Nor does a replay take it on for its client (it would start it from the log's start).
    replayed = client.post(f"/api/v1/subscriptions/{pending['id']}/replay",
                           headers=world.coordinator(), json={"from_cursor": 1})
    assert (replayed.status_code, replayed.json()["code"]) == (422, "invalid_subscription")
    # Its counts are its client's: they count a restricted case's events too.
    assert client.get(f"/api/v1/subscriptions/{pending['id']}", headers=world.coordinator()
                      ).json()["latest_cursor"] is None
    taken = client.post(f"/api/v1/feeds/{pending['id']}/activation",
                        headers=integration(world, "hpx"))
    assert taken.status_code == 201
    assert taken.json()["secret"].startswith("whsec_")
    assert client.post(f"/api/v1/feeds/{pending['id']}/activation",
                       headers=integration(world, "hpx")).status_code == 422
    assert pulled(client, world, "hpx", pending["id"]) == []  # from activation on


def test_only_its_own_client_reads_a_feed(client: TestClient, world: World) -> None:
    police = subscribe(client, world, "police")["id"]
    elsewhere = bearer(world.token("police-cms", agency="police", client=True,
                                   scope="cases:read", area=world.other_area_id))
    for headers in (integration(world, "housing"), integration(world, "police", "impostor"),
                    world.rep("police"), world.coordinator(), elsewhere):
        answer = client.get(f"/api/v1/feeds/{police}/events", headers=headers)
        assert answer.status_code == 404
    assert client.post("/api/v1/subscriptions", headers=world.rep("police"), json={
        "client_id": "x", "agency_id": str(world.agencies["police"]),
        "event_types": ["case.referred.v1"]}).status_code == 403
    unknown = client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
        "client_id": "x", "agency_id": str(world.agencies["police"]),
        "event_types": ["case.everything.v9"]})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_subscription")
    elsewhere_agency = client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
        "client_id": "x", "agency_id": "00000000-0000-4000-8000-000000000000",
        "event_types": ["case.referred.v1"]})
    assert (elsewhere_agency.status_code, elsewhere_agency.json()["code"]) == (
        422, "invalid_subscription")



def test_the_areas_feeds_are_listed_for_who_sets_them_up_newest_first(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    made = []
    for agency, endpoint in (("police", None), ("idva", "https://127.0.0.1/hook")):
        made.append(client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
            "client_id": f"{agency}-cms", "agency_id": str(world.agencies[agency]),
            "event_types": ["case.referred.v1"], "endpoint": endpoint}).json()["id"])
        clock.advance(minutes=1)
    client.post(f"/api/v1/feeds/{made[0]}/activation", headers=integration(world, "police"))
    elsewhere = bearer(world.token("coordinator-9", "coordinator",
                                   area=world.other_area_id))
    assert client.get("/api/v1/subscriptions", headers=elsewhere).json() == []
    for refused in (world.rep("police"), bearer(world.token("dpo-1", "dpo")),
                    integration(world, "police")):
        answer = client.get("/api/v1/subscriptions", headers=refused)
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    listed = client.get("/api/v1/subscriptions", headers=world.coordinator())
    assert listed.status_code == 200, listed.text
    assert [(s["id"], s["client_id"], s["agency_name"], s["endpoint"], s["status"])
            for s in listed.json()] == [
        (made[1], "idva-cms", "Idva", "https://127.0.0.1/hook", "pending"),
        (made[0], "police-cms", "Police", None, "active")]
    # What the list says of each is what its own status says.
    for row in listed.json():
        status = client.get(f"/api/v1/subscriptions/{row['id']}",
                            headers=world.coordinator()).json()
        assert {k: status[k] for k in row} == row
    record = [r for r in api_platform.audit.records() if r["action"] == "read_subscription"][-3]
    assert (record["outcome"], json.loads(record["item_ids"])) == ("allowed", made[::-1])


# Webhooks ---------------------------------------------------------------------------------


class Receiver:
    """A real HTTP receiver on loopback that verifies every signature it gets."""

    def __init__(self, clock: Clock) -> None:
        self.secrets: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.status = 200
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.status != 200:
                    receiver.refused += 1
                    self.send_response(receiver.status)
                    self.end_headers()
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                for secret in receiver.secrets:
                    verify(secret, headers, body, int(clock.at.timestamp()))
                receiver.ids.append(headers["webhook-id"])
                receiver.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def unique(self) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for webhook_id, event in zip(self.ids, self.received, strict=True):
            seen.setdefault(webhook_id, event)
        return list(seen.values())


@pytest.fixture
def receiver(clock: Clock) -> Iterator[Receiver]:
    r = Receiver(clock)
    yield r
    r.server.shutdown()
    r.server.server_close()


def deliverer(platform: Platform, **options: Any) -> WebhookDeliverer:
    return WebhookDeliverer(platform.feeds, platform.audit, platform.now,
                            Gate(platform.cases, platform.blind_index, platform.runner.catch_up,
                                 platform.now), allow_private=True, **options)


def test_webhooks_arrive_signed_once_each_in_order_after_an_outage(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver, clock: Clock
) -> None:
    created = subscribe(client, world, "police", endpoint=receiver.url)
    receiver.secrets = [created["secret"]]
    cases = [refer(client, world, "police", surname=f"Caseno{n}xq") for n in range(3)]
    api_platform.feed_runner.catch_up()
    receiver.status = 503  # down for a while
    worker = deliverer(api_platform)
    assert worker.run_once() == 0
    assert receiver.refused == 1
    for _ in range(3):  # each retry waits its backoff; nothing is sent before it is due
        clock.advance(hours=2)
        worker.run_once()
    receiver.status = 200
    clock.advance(hours=2)
    assert worker.run_once() == 3
    got = receiver.unique()
    assert [e["case_id"] for e in got] == [str(c) for c in cases]
    assert len(receiver.ids) == len(set(receiver.ids)) == 3
    status = client.get(f"/api/v1/subscriptions/{created['id']}",
                        headers=integration(world, "police")).json()
    assert (status["lag"], status["dead_letters"]) == (0, [])


def test_signatures_fail_for_a_tampered_body_a_stale_timestamp_and_a_rotated_out_secret(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver, clock: Clock
) -> None:
    created = subscribe(client, world, "police", endpoint=receiver.url)
    old = created["secret"]
    assert client.post(f"/api/v1/feeds/{created['id']}/secret",
                       headers=world.coordinator()).status_code == 404
    rotated = client.post(f"/api/v1/feeds/{created['id']}/secret",
                          headers=integration(world, "police")).json()["secret"]
    captured: list[tuple[dict[str, str], bytes]] = []

    def capture(url: str, headers: Any, body: bytes) -> Any:
        from feeds.webhooks import Delivery  # noqa: PLC0415
        captured.append((dict(headers), body))
        return Delivery(204, None, None)

    refer(client, world, "police")
    api_platform.feed_runner.catch_up()
    deliverer(api_platform, send=capture).run_once()
    headers, body = captured[0]
    now = int(clock.at.timestamp())
    verify(old, headers, body, now)  # both sign during the overlap
    verify(rotated, headers, body, now)
    with pytest.raises(InvalidSignature) as tampered:
        verify(rotated, headers, body.replace(b"case.referred", b"case.xreferred"), now)
    assert tampered.value.code == "bad_signature"
    with pytest.raises(InvalidSignature) as stale:
        verify(rotated, headers, body, now + 3600)
    assert stale.value.code == "stale_timestamp"
    clock.advance(hours=25)  # the overlap ends: the old secret no longer signs
    refer(client, world, "police", surname="Laterxq")
    api_platform.feed_runner.catch_up()
    deliverer(api_platform, send=capture).run_once()
    later_headers, later_body = captured[-1]
    later = int(clock.at.timestamp())
    verify(rotated, later_headers, later_body, later)
    with pytest.raises(InvalidSignature):
        verify(old, later_headers, later_body, later)


def test_dead_letters_and_replay(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver, clock: Clock
) -> None:
    created = subscribe(client, world, "police", endpoint=receiver.url)
    receiver.secrets = [created["secret"]]
    refer(client, world, "police")
    api_platform.feed_runner.catch_up()
    receiver.status = 500
    worker = deliverer(api_platform, budget=3)
    for _ in range(3):
        worker.run_once()
        clock.advance(hours=2)
    status = client.get(f"/api/v1/subscriptions/{created['id']}",
                        headers=integration(world, "police")).json()
    assert status["dead_letters"] == [1]
    assert status["last_status"] == 500
    watched = client.get(f"/api/v1/subscriptions/{created['id']}",
                         headers=world.coordinator()).json()
    assert (watched["dead_letters"], watched["last_status"]) == (None, None)
    receiver.status = 200
    assert worker.run_once() == 0  # a dead letter waits for a person
    replayed = client.post(f"/api/v1/subscriptions/{created['id']}/replay",
                           headers=integration(world, "police"), json={"from_cursor": 1})
    assert replayed.json() == {"replayed": 1}
    assert worker.run_once() == 1
    assert [e["type"] for e in receiver.unique()] == ["case.referred.v1"]


def test_a_410_disables_the_subscription(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver
) -> None:
    created = subscribe(client, world, "police", endpoint=receiver.url)
    refer(client, world, "police")
    api_platform.feed_runner.catch_up()
    receiver.status = 410
    deliverer(api_platform).run_once()
    status = client.get(f"/api/v1/subscriptions/{created['id']}",
                        headers=integration(world, "police")).json()
    assert (status["status"], status["last_error"]) == ("disabled", "gone")


def test_private_targets_are_refused_outside_demo_mode(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    api_platform.settings.demo = False
    try:
        answer = client.post("/api/v1/subscriptions", headers=world.coordinator(), json={
            "client_id": "police-cms", "agency_id": str(world.agencies["police"]),
            "event_types": ["case.referred.v1"], "endpoint": "http://127.0.0.1:9/hook"})
    finally:
        api_platform.settings.demo = True
    assert (answer.status_code, answer.json()["code"]) == (422, "unsafe_webhook_target")


def sse(text: str) -> list[tuple[int, str, dict[str, Any]]]:
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if ": " in line and not line.startswith(":"))
        if "id" in fields:
            found.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
    return found


def test_server_sent_events_resume_from_the_last_event_id(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    created = subscribe(client, world, "police")
    first = refer(client, world, "police")
    accept(client, world, first)
    url = f"/api/v1/feeds/{created['id']}/stream?seconds=1"
    got = sse(client.get(url, headers=integration(world, "police")).text)
    assert [(c, t) for c, t, _ in got] == [(1, "case.referred.v1"), (2, "case.accepted.v1")]
    second = refer(client, world, "police", surname="Laterxq")
    resumed = sse(client.get(url, headers={**integration(world, "police"),
                                           "Last-Event-ID": "2"}).text)
    assert [(c, e["case_id"]) for c, _, e in resumed] == [(3, str(second))]
    assert client.get(url, headers=integration(world, "housing")).status_code == 404
    # An event committed while the stream is open arrives on it (audited as a later batch).
    timer = threading.Timer(0.5, lambda: api_platform.marac.refer(referral(
        world.area_id, world.agencies["police"], referred_on=date(2026, 1, 11))))
    timer.start()
    live = sse(client.get(url.replace("seconds=1", "seconds=2"), headers={
        **integration(world, "police"), "Last-Event-ID": "3"}).text)
    timer.join()
    assert [(c, t) for c, t, _ in live] == [(4, "case.referred.v1")]
    # Every event streamed is in an audit record of its stream, before it was sent.
    audited = {i for r in api_platform.audit.records() if r["action"] == "feed_stream"
               and r["outcome"] == "allowed" for i in json.loads(r["item_ids"])}
    assert {e["id"] for _, _, e in got + resumed + live} <= audited


def test_a_listing_is_judged_as_it_happened_and_nothing_goes_out_after_a_revocation(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    housing = subscribe(client, world, "housing")["id"]
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    meeting = client.post("/api/v1/meetings", headers=world.coordinator(), json={
        "kind": "standard", "held_on": "2026-01-22"}).json()["id"]
    # All of this before the outbox reads the log: the listing came before the grant.
    api_platform.feed_runner.catch_up = lambda: 0  # type: ignore[method-assign]
    client.post(f"/api/v1/meetings/{meeting}/agenda", headers=world.coordinator(),
                json={"case_id": str(case_id)})
    grant = client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                        json={"agency_id": str(world.agencies["housing"]), "reason": "Need"})
    client.post(f"/api/v1/cases/{case_id}/actions", headers=world.coordinator(), json={
        "owner_agency_id": str(world.agencies["police"]), "for_whom": "victim",
        "description": "Check", "due_on": "2026-02-01"})
    del api_platform.feed_runner.catch_up
    api_platform.feed_runner.catch_up()
    kept = [e.event.type for e in api_platform.feeds.events(UUID(housing), 0, 100)]
    assert kept == ["meeting.scheduled.v1", "access.granted.v1", "action.assigned.v1"]
    # Revoked before the subscriber pulls: what was queued no longer goes out.
    client.post(f"/api/v1/cases/{case_id}/grants/{grant.json()['id']}/revoke",
                headers=world.coordinator(), json={"reason": "Done"})
    assert [e["type"] for e in pulled(client, world, "housing", housing)] == [
        "meeting.scheduled.v1"]


def test_one_worker_at_a_time_and_nothing_sent_after_a_revocation(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver
) -> None:
    created = subscribe(client, world, "housing", endpoint=receiver.url)
    receiver.secrets = [created["secret"]]
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    grant = client.post(f"/api/v1/cases/{case_id}/grants", headers=world.coordinator(),
                        json={"agency_id": str(world.agencies["housing"]), "reason": "Need"})
    api_platform.feed_runner.catch_up()
    first, second = deliverer(api_platform), deliverer(api_platform)
    sid = UUID(created["id"])
    assert api_platform.feeds.lease(sid, first.holder, api_platform.now())
    assert second.run_once() == 0  # the first holds the subscription
    api_platform.feeds.release(sid, first.holder)
    client.post(f"/api/v1/cases/{case_id}/grants/{grant.json()['id']}/revoke",
                headers=world.coordinator(), json={"reason": "Done"})
    second.run_once()
    assert receiver.received == []  # queued before the revocation, never sent after it
    withheld = [r for r in api_platform.audit.records(case_id)
                if r["action"] == "feed_delivery"]
    assert {r["outcome"] for r in withheld} == {"withheld"}
    status = client.get(f"/api/v1/subscriptions/{created['id']}",
                        headers=integration(world, "housing")).json()
    assert status["lag"] == 0


def test_a_webhook_feeds_delivery_says_nothing_of_a_restricted_case_to_non_members(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver
) -> None:
    """Found in review: the last status, error and retry time of an agency's webhook feed
    moved with a delivery about a restricted case of which the agency is a member."""
    created = subscribe(client, world, "idva", endpoint=receiver.url)
    watched = f"/api/v1/subscriptions/{created['id']}"
    outsider = world.coordinator("coordinator-2")
    before = client.get(watched, headers=outsider).json()
    case_id = refer(client, world, "police")
    restricted = client.post(f"/api/v1/cases/{case_id}/restriction",
                             headers=world.coordinator(), json={
                                 "members": [], "member_agencies": [str(world.agencies["idva"])],
                                 "reason": "Employee case"})
    assert restricted.status_code == 204, restricted.text
    assert client.get(f"/api/v1/cases/{case_id}", headers=outsider).status_code == 404
    api_platform.feed_runner.catch_up()
    receiver.status = 503
    deliverer(api_platform).run_once()
    assert client.get(watched, headers=outsider).json() == before
    assert client.get(watched, headers=integration(world, "idva")).json()["last_status"] == 503


def test_the_published_event_schema_is_each_types_json_schema_unchanged(
    client: TestClient, world: World
) -> None:
    """The answer's named schema leaves nothing out and adds nothing (no keyword written as
    null), and each document is a JSON Schema its own example meets."""
    response = client.get("/api/v1/feeds/schema", headers=world.coordinator())
    assert response.status_code == 200, response.text
    assert response.json() == {t: json_schema(t) for t in EVENT_TYPES}
    for document in response.json().values():
        Draft202012Validator.check_schema(document)
        Draft202012Validator(document, format_checker=FormatChecker()).validate(
            document["examples"][0])
