"""Webhook subscriptions delivered in parallel, against real receivers on loopback: one that
accepts a connection and never answers delays nobody else, and its attempt times out and is
retried (then dead-lettered) by the usual rules; two deliverers (as two workers would) share
the subscriptions without delivering one event twice or out of order."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from feeds.delivery import WebhookDeliverer
from feeds.events import EVENT_TYPES
from feeds.store import Subscription
from feeds.webhooks import new_secret
from tests.api.conftest import Clock, World, refer
from tests.api.test_feeds import Receiver, deliverer, receiver

__all__ = ["receiver"]  # the fixture, shared with test_feeds

WAIT = 60.0  # a bound on waiting for what must happen, never an assertion of speed


class Hanging:
    """A receiver that accepts connections, reads what it is sent and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.accepted = 0
        self.given_up = 0  # connections the deliverer closed, waiting no longer
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            self.connections.append(conn)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        try:
            while conn.recv(65536):
                pass
            self.given_up += 1
        except OSError:
            return  # closed here

    def hang_up(self) -> None:
        """Closes every connection from this side, without an answer."""
        for conn in self.connections:
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    h = Hanging()
    yield h
    h.close()


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.01)


def webhook(platform: Platform, world: World, client_id: str, url: str) -> tuple[UUID, str]:
    """An active webhook subscription of the police's, from the log's end."""
    secret = new_secret()
    sid = platform.feeds.subscribe(client_id=client_id, agency_id=world.agencies["police"],
                                   area_id=world.area_id, event_types=frozenset(EVENT_TYPES),
                                   endpoint=url, secret=new_secret(), now=platform.now())
    platform.feeds.activate(sid, secret, platform.marac.recorder.max_notification_id() or 0)
    return sid, secret


def status(platform: Platform, sid: UUID) -> Subscription:
    found = platform.feeds.get(sid)
    assert found is not None
    return found


def running(worker: WebhookDeliverer) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.01), daemon=True)
    thread.start()
    return stop, thread


def test_a_receiver_that_hangs_delays_nobody_else(
    client: TestClient, world: World, api_platform: Platform, receiver: Receiver,
    hanging: Hanging
) -> None:
    # The hanging one first: a deliverer that took subscriptions in turn would wait on it.
    stuck, _ = webhook(api_platform, world, "police-cms", hanging.url)
    good, secret = webhook(api_platform, world, "police-records", receiver.url)
    receiver.secrets = [secret]
    worker = deliverer(api_platform, timeout=WAIT * 2)  # it will not give up in this test
    stop, thread = running(worker)
    try:
        first = refer(client, world, "police", surname="Firstxq")
        api_platform.feed_runner.catch_up()
        until(lambda: hanging.accepted == 1)
        second = refer(client, world, "police", surname="Secondxq")
        api_platform.feed_runner.catch_up()
        until(lambda: len(receiver.received) == 2)
        # Both arrived, in order, while the other receiver still held its first attempt.
        assert [e["case_id"] for e in receiver.received] == [str(first), str(second)]
        assert (hanging.accepted, hanging.given_up) == (1, 0)
        assert [a for _, _, a in api_platform.feeds.pending(stuck, 10)] == [0, 0]
        hanging.hang_up()  # it closes without answering: a failed attempt
        until(lambda: status(api_platform, stuck).last_error is not None)
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    failed = status(api_platform, stuck).next_attempt_at
    assert failed is not None
    assert failed >= api_platform.now()  # retried after its backoff, not at once
    assert [a for _, _, a in api_platform.feeds.pending(stuck, 10)] == [1, 0]
    assert hanging.accepted == 1  # nothing more until then: its order is kept
    assert status(api_platform, good).delivered_cursor == 2
    assert len(set(receiver.ids)) == 2


def test_an_attempt_that_gets_no_answer_times_out_is_retried_then_dead_lettered(
    client: TestClient, world: World, api_platform: Platform, hanging: Hanging, clock: Clock
) -> None:
    stuck, _ = webhook(api_platform, world, "police-cms", hanging.url)
    refer(client, world, "police")
    api_platform.feed_runner.catch_up()
    worker = deliverer(api_platform, timeout=0.2, budget=2)
    assert worker.run_once() == 0
    waiting = status(api_platform, stuck)
    assert waiting.last_error == "TimeoutError"
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at >= clock.at
    assert [a for _, _, a in api_platform.feeds.pending(stuck, 10)] == [1]
    assert worker.run_once() == 0  # not due yet
    assert hanging.accepted == 1
    clock.advance(hours=2)
    assert worker.run_once() == 0
    assert hanging.accepted == 2
    assert api_platform.feeds.dead_letters(stuck) == [1]  # the budget of 2 is spent
    after = status(api_platform, stuck)
    assert (after.delivered_cursor, after.next_attempt_at) == (1, None)


def test_two_deliverers_share_the_subscriptions_each_event_once_in_order(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    receivers = [Receiver(clock) for _ in range(3)]
    try:
        subscriptions = []
        for n, r in enumerate(receivers):
            sid, secret = webhook(api_platform, world, f"police-cms-{n}", r.url)
            r.secrets = [secret]
            subscriptions.append(sid)
        workers = [running(deliverer(api_platform)) for _ in range(2)]
        cases = []
        try:
            for n in range(6):
                cases.append(str(refer(client, world, "police", surname=f"Caseno{n}xq")))
                api_platform.feed_runner.catch_up()
            until(lambda: all(len(r.received) >= len(cases) for r in receivers))
        finally:
            for stop, thread in workers:
                stop.set()
                thread.join(timeout=WAIT)
        for r in receivers:
            assert [e["case_id"] for e in r.received] == cases  # once each, in order
            assert len(set(r.ids)) == len(r.ids)
        for sid in subscriptions:
            assert status(api_platform, sid).delivered_cursor == len(cases)
    finally:
        for r in receivers:
            r.server.shutdown()
            r.server.server_close()


def test_one_pass_delivers_to_more_subscriptions_than_it_has_threads(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    receivers = [Receiver(clock) for _ in range(3)]
    try:
        for n, r in enumerate(receivers):
            r.secrets = [webhook(api_platform, world, f"police-cms-{n}", r.url)[1]]
        case_id = refer(client, world, "police")
        api_platform.feed_runner.catch_up()
        assert deliverer(api_platform, parallel=2).run_once() == 3
        assert [[e["case_id"] for e in r.received] for r in receivers] == [[str(case_id)]] * 3
    finally:
        for r in receivers:
            r.server.shutdown()
            r.server.server_close()
