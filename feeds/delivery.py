"""Webhook delivery, run by the worker: at least once, in cursor order per subscription (so in
order per case), signed per Standard Webhooks.

An attempt is audited before it is sent (a delivery that could not be recorded is not made).
A failure backs off exponentially with full jitter, or as the receiver's `Retry-After` asks;
after the retry budget the event is a dead letter and delivery moves on; a 410 disables the
subscription. The outbox row is settled only after the attempt, so a worker killed mid-delivery
sends that event again on restart: receivers de-duplicate by `webhook-id`. The target is
checked on every attempt, since a name may resolve elsewhere since it was registered: deliver()
resolves once and connects only to the addresses it checked. A name that does not resolve is
retried like any failed attempt; only a target refused by rule disables the subscription.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

from audit.sink import TrailAudit
from audit.trail import AuditTrail
from feeds.store import FeedStore, Subscription
from feeds.visibility import Gate
from feeds.webhooks import Delivery, UnsafeTarget, backoff, deliver, headers
from feeds.webhooks import retry_after as parse_retry_after
from security.identity import Principal

DELIVERY_ACTOR = "system:feed-delivery"
RETRY_BUDGET = 10  # about 17 minutes of backoff at base 1 s, before the jitter
RENEW_AFTER = 5.0  # seconds between lease renewals; the lease runs 15
Send = Callable[[str, Mapping[str, str], bytes], Delivery]


class WebhookDeliverer:
    def __init__(self, store: FeedStore, audit: AuditTrail, now: Callable[[], datetime],
                 gate: Gate, *, allow_private: bool, send: Send | None = None,
                 rng: random.Random | None = None, budget: int = RETRY_BUDGET,
                 base: float = 1.0, delivered: Callable[[float], None] | None = None) -> None:
        self.store = store
        self.audit = audit
        self.now = now
        self.gate = gate
        self.holder = str(uuid4())  # this deliverer, as a lease holder
        self.allow_private = allow_private
        self.send: Send = send or partial(deliver, allow_private=allow_private)
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.budget = budget
        self.base = base
        # Told, for each event delivered, the seconds from when it happened (metrics).
        self.delivered = delivered

    def run_once(self, max_per_subscription: int = 100) -> int:
        """Deliver what is due for every webhook subscription; returns events delivered."""
        delivered = 0
        for subscription in self.store.active():
            if subscription.endpoint is None:
                continue
            if subscription.next_attempt_at and subscription.next_attempt_at > self.now():
                continue
            if not self.store.lease(subscription.subscription_id, self.holder, self.now()):
                continue  # another worker is delivering this subscription's events
            try:
                delivered += self._drain(subscription, subscription.endpoint,
                                         max_per_subscription)
            finally:
                self.store.release(subscription.subscription_id, self.holder)
        return delivered

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
        for position, body, attempts in batch:
            if time.monotonic() - renewed > RENEW_AFTER:
                if not self.store.lease(sid, self.holder, self.now()):
                    return sent  # lapsed while we were slow, and taken: leave it to them
                renewed = time.monotonic()
            outcome = self._attempt(subscription, endpoint, (position, body, attempts),
                                    visible, secrets)
            if outcome != "delivered":
                return sent
            if deferred:
                self.store.defer(sid, None)
                deferred = False
            sent += 1
        return sent

    def _attempt(self, subscription: Subscription, endpoint: str,
                 queued: tuple[int, str, int], visible: set[UUID], secrets: list[str]) -> str:
        sid = subscription.subscription_id
        position, body, attempts = queued
        event = json.loads(body)
        now = self.now()
        case_id = UUID(event["case_id"]) if event["case_id"] else None
        if case_id is not None and case_id not in visible:
            # Revoked, restricted or erased since it was queued: it is not sent at all.
            self._record(subscription, case_id, "withheld", (event["id"],), now)
            self.store.settle(sid, position, "withheld", None, None)
            return "delivered"  # nothing failed: go on with the next
        self._record(subscription, case_id, "allowed", (event["id"], f"attempt:{attempts + 1}"),
                     now)
        signed = headers(secrets, event["id"], int(now.timestamp()), body.encode())
        try:
            result = self.send(endpoint, signed, body.encode())
        except UnsafeTarget:  # by rule, not a lookup failure: those come back to be retried
            self._record(subscription, case_id, "disabled_unsafe_target", (event["id"],), now)
            self.store.set_status(sid, "disabled", "unsafe_webhook_target")
            return "disabled"
        if result.ok:
            self.store.settle(sid, position, "delivered", result.status, None)
            if self.delivered is not None:
                happened = datetime.fromisoformat(event["occurred_at"])
                self.delivered((self.now() - happened).total_seconds())
            return "delivered"
        if result.status == 410:  # Gone: the receiver asks us to stop
            self.store.settle(sid, position, "pending", result.status, "gone")
            self.store.set_status(sid, "disabled", "gone")
            return "disabled"
        error = result.error or f"http_{result.status}"
        if attempts + 1 >= self.budget:
            self.store.settle(sid, position, "dead", result.status, error)
            self.store.defer(sid, None)
            return "dead"
        self.store.settle(sid, position, "pending", result.status, error)
        wait = backoff(attempts + 1, self.rng, base=self.base)
        asked = parse_retry_after(result.retry_after, now)
        self.store.defer(sid, now + timedelta(seconds=max(wait, asked or 0.0)))
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
