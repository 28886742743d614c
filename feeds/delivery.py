"""Webhook delivery, run by the worker: at least once, in cursor order per subscription (so in
order per case), signed per Standard Webhooks.

An attempt is audited before it is sent (a delivery that could not be recorded is not made).
A failure backs off exponentially with full jitter, or as the receiver's `Retry-After` asks;
after the retry budget the event is a dead letter and delivery moves on; a 410 disables the
subscription. The outbox row is settled only after the attempt, so a worker killed mid-delivery
sends that event again on restart: receivers de-duplicate by `webhook-id`. The target is
checked on every new connection, since a name may resolve elsewhere since it was registered:
a Sender (feeds/webhooks.py) resolves once and connects only to the addresses it checked, and
keeps that connection for one batch at most (over TLS, a handshake a batch rather than an
event), dropping it after any failure. A name that does not resolve is
retried like any failed attempt; only a target refused by rule disables the subscription.

Subscriptions are delivered in parallel, each by one thread at a time, so a slow or dead
receiver (an attempt waits up to `timeout` seconds for it) holds up its own subscription
only. Several workers share the subscriptions through leases in the database (store.claim):
a subscription is drained by the one deliverer that holds its lease, in cursor order, and an
attempt settles only while its deliverer still holds that lease, so that two workers never
deliver one subscription's events side by side or both move its cursor.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol
from uuid import UUID, uuid4

from audit.sink import TrailAudit
from audit.trail import AuditTrail
from feeds.store import FeedStore, Subscription
from feeds.visibility import Gate
from feeds.webhooks import Delivery, Sender, UnsafeTarget, backoff, headers
from feeds.webhooks import retry_after as parse_retry_after
from security.identity import Principal

DELIVERY_ACTOR = "system:feed-delivery"
RETRY_BUDGET = 10  # about 17 minutes of backoff at base 1 s, before the jitter
RENEW_AFTER = 5.0  # seconds between lease renewals; the lease runs 15
TIMEOUT = 10.0  # seconds an attempt waits on a receiver (each connect, send and read)
PARALLEL = 8  # subscriptions delivered at once by one deliverer
Send = Callable[[str, Mapping[str, str], bytes], Delivery]


class Connection(Protocol):
    """Where a batch's events go: one receiver, one connection kept while it lasts."""

    def send(self, headers: Mapping[str, str], body: bytes) -> Delivery: ...

    def close(self) -> None: ...


@dataclass
class _EachOnItsOwn:
    """A `send` function given instead (tests): called once an event."""

    send_to: Send
    url: str = field(repr=False)  # it may carry the subscriber's token

    def send(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        return self.send_to(self.url, headers, body)

    def close(self) -> None:
        pass


class WebhookDeliverer:
    def __init__(self, store: FeedStore, audit: AuditTrail, now: Callable[[], datetime],
                 gate: Gate, *, allow_private: bool, send: Send | None = None,
                 rng: random.Random | None = None, budget: int = RETRY_BUDGET,
                 base: float = 1.0, delivered: Callable[[float], None] | None = None,
                 timeout: float = TIMEOUT, parallel: int = PARALLEL) -> None:
        self.store = store
        self.audit = audit
        self.now = now
        self.gate = gate
        self.holder = str(uuid4())  # this deliverer, as a lease holder
        self.allow_private = allow_private
        # One connection to a receiver for each batch of its subscription's events.
        self.connect: Callable[[str], Connection] = (
            partial(_EachOnItsOwn, send) if send is not None
            else partial(Sender, allow_private=allow_private, timeout=timeout))
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.budget = budget
        self.base = base
        # Told, for each event delivered, the seconds from when it happened (metrics).
        self.delivered = delivered
        self.parallel = parallel
        self._pool = ThreadPoolExecutor(parallel, thread_name_prefix="webhooks")
        self._lock = threading.Lock()
        self._in_flight: dict[UUID, Future[int]] = {}
        self._wake = threading.Event()  # a delivery ended: its thread is free

    def run_once(self, max_per_subscription: int = 100) -> int:
        """Deliver what is due for every webhook subscription, each once, in parallel, and
        wait for all of it; returns events delivered."""
        futures: dict[UUID, Future[int]] = {}
        while started := self.dispatch(max_per_subscription, skip=frozenset(futures)):
            futures.update(started)
            # More subscriptions due than threads: claim the next as threads come free.
            wait([f for f in futures.values() if not f.done()], return_when=FIRST_COMPLETED)
        return sum(f.result() for f in futures.values())

    def run(self, stop: threading.Event, idle: float, max_per_subscription: int = 100,
            failed: Callable[[BaseException], None] | None = None) -> None:
        """Until `stop`: hand each subscription with events due to a thread of its own as
        soon as one is free, never waiting for one still delivering (a receiver that hangs
        keeps its own thread only); look again when a delivery ends, or after `idle`
        seconds. `failed` is told of what went wrong (the next pass retries)."""
        try:
            while not stop.is_set():
                try:
                    started = self.dispatch(max_per_subscription, failed)
                except Exception as exc:  # the database, say: the next pass retries
                    if failed is not None:
                        failed(exc)
                    started = {}
                if not started:
                    self._wake.wait(idle)
                    self._wake.clear()
        finally:
            self.close()

    def dispatch(self, max_per_subscription: int = 100,
                 failed: Callable[[BaseException], None] | None = None,
                 skip: frozenset[UUID] = frozenset()) -> dict[UUID, Future[int]]:
        """Claim the subscriptions due now that no thread here is delivering (nor in `skip`),
        as many as there are free threads, and start delivering each; returns their
        futures."""
        with self._lock:
            busy = frozenset(self._in_flight)
            free = self.parallel - len(busy)
        if free <= 0:
            return {}
        claimed = self.store.claim(self.holder, self.now(), free, busy | skip)
        started = {}
        for subscription in claimed:
            with self._lock:
                future = self._pool.submit(self._deliver, subscription, max_per_subscription)
                self._in_flight[subscription.subscription_id] = future
            future.add_done_callback(partial(self._ended, failed))
            started[subscription.subscription_id] = future
        return started

    def _ended(self, failed: Callable[[BaseException], None] | None,
               future: Future[int]) -> None:
        error = future.exception()
        if error is not None and failed is not None:
            failed(error)
        self._wake.set()

    def close(self) -> None:
        """Wait for the deliveries under way (each ends within its timeout)."""
        self._pool.shutdown(wait=True)

    def _deliver(self, subscription: Subscription, limit: int) -> int:
        sid = subscription.subscription_id
        try:
            if subscription.endpoint is None:
                return 0
            return self._drain(subscription, subscription.endpoint, limit)
        finally:
            try:
                self.store.release(sid, self.holder)
            finally:
                with self._lock:
                    self._in_flight.pop(sid, None)

    def _drain(self, subscription: Subscription, endpoint: str, limit: int) -> int:
        """In order, one batch: what may still go out is decided for the whole batch, the
        secrets are opened once, and the lease is renewed as the batch goes on."""
        sid = subscription.subscription_id
        batch = self.store.pending(sid, limit)
        if not batch:
            return 0
        cases = sorted({UUID(c) for _, body, _ in batch
                        if (c := json.loads(body)["case_id"])}, key=str)
        visible = self.gate.visible(subscription, cases) if cases else set()
        secrets = self.store.secrets(sid, self.now())
        deferred = subscription.next_attempt_at is not None
        renewed, sent = time.monotonic(), 0
        connection = self.connect(endpoint)
        try:
            for position, body, attempts in batch:
                if (time.monotonic() - renewed > RENEW_AFTER
                        and not self.store.lease(sid, self.holder, self.now())):
                    return sent  # lapsed while we were slow, and taken: leave it to them
                outcome = self._attempt(subscription, connection,
                                        (position, body, attempts), visible, secrets,
                                        deferred=deferred)
                # Each settled attempt renewed the lease.
                renewed, deferred = time.monotonic(), False
                if outcome != "delivered":
                    return sent
                sent += 1
            return sent
        finally:
            connection.close()

    def _attempt(self, subscription: Subscription, connection: Connection,
                 queued: tuple[int, str, int], visible: set[UUID], secrets: list[str], *,
                 deferred: bool) -> str:
        sid = subscription.subscription_id
        position, body, attempts = queued
        event = json.loads(body)
        now = self.now()
        case_id = UUID(event["case_id"]) if event["case_id"] else None

        def settle(state: str, status: int | None, error: str | None,
                   retry_at: datetime | None = None) -> bool:
            # Fenced by the lease: one that lapsed and was taken settles nothing.
            return self.store.settle(sid, position, state, status, error, holder=self.holder,
                                     now=self.now(), retry_at=retry_at,
                                     deferred=deferred or state == "dead")

        if case_id is not None and case_id not in visible:
            # Revoked, restricted or erased since it was queued: it is not sent at all.
            self._record(subscription, case_id, "withheld", (event["id"],), now)
            # Nothing failed: go on with the next.
            return "delivered" if settle("withheld", None, None) else "lost"
        self._record(subscription, case_id, "allowed", (event["id"], f"attempt:{attempts + 1}"),
                     now)
        signed = headers(secrets, event["id"], int(now.timestamp()), body.encode())
        try:
            result = connection.send(signed, body.encode())
        except UnsafeTarget:  # by rule, not a lookup failure: those come back to be retried
            self._record(subscription, case_id, "disabled_unsafe_target", (event["id"],), now)
            self.store.set_status(sid, "disabled", "unsafe_webhook_target")
            return "disabled"
        if result.ok:
            settled = settle("delivered", result.status, None)
            if settled and self.delivered is not None:
                happened = datetime.fromisoformat(event["occurred_at"])
                self.delivered((self.now() - happened).total_seconds())
            return "delivered" if settled else "lost"
        if result.status == 410:  # Gone: the receiver asks us to stop
            if settle("pending", result.status, "gone"):
                self.store.set_status(sid, "disabled", "gone")
            return "disabled"
        error = result.error or f"http_{result.status}"
        if attempts + 1 >= self.budget:
            settle("dead", result.status, error)
            return "dead"
        wait = backoff(attempts + 1, self.rng, base=self.base)
        asked = parse_retry_after(result.retry_after, now)
        settle("pending", result.status, error,
               retry_at=now + timedelta(seconds=max(wait, asked or 0.0)))
        return "retry"

    def _record(self, subscription: Subscription, case_id: UUID | None, outcome: str,
                items: tuple[str, ...], at: datetime) -> None:
        # A system principal acting towards the subscription's agency and client: each
        # attempt a request of its own, recorded as every request is (audit/sink.py).
        principal = Principal(DELIVERY_ACTOR, "system", subscription.agency_id,
                              subscription.area_id, frozenset(),
                              client_id=subscription.client_id)
        TrailAudit(self.audit, principal, lambda: at).record(
            "feed_delivery", outcome, case_id=case_id, items=items, area_id=subscription.area_id)
