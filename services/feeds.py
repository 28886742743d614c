"""Integration feeds, the use cases: subscriptions (set up by coordinators or administrators),
the pull feed with long-poll for the integration client, and the admin view of delivery.

A subscription the caller may not manage or read answers 404, like one that does not exist.
Every request writes its one audit record; a pull records the ids of the events it returns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from audit.actions import AuditAction
from domain.exceptions import AgencyNotFound
from feeds.events import EVENT_TYPES
from feeds.store import Subscription
from feeds.visibility import Gate
from feeds.webhooks import UnsafeTarget, check_target, new_secret
from security.policy import may_manage_feeds, may_pull, sees_feed_delivery
from services.actor import Actor, TrailAudit
from services.errors import Invalid, NotFound
from services.platform import Platform

LONG_POLL_STEP = 0.2
STREAM_BATCH = 100
HEARTBEAT = 10.0


class InvalidSubscription(Invalid):
    code = "invalid_subscription"


class UnsafeWebhookTarget(Invalid):
    code = "unsafe_webhook_target"


@dataclass(frozen=True)
class Subscribed:
    id: str
    status: str


@dataclass(frozen=True)
class SubscriptionStatus:
    """Its configuration and state for whoever watches it; the counts (None otherwise) for
    its own client only."""

    id: str
    client_id: str
    agency_id: str
    event_types: list[str]
    endpoint: str | None
    status: str
    latest_cursor: int | None
    delivered_cursor: int | None
    lag: int | None
    last_status: int | None
    last_error: str | None
    next_attempt_at: str | None
    dead_letters: list[int] | None


@dataclass(frozen=True)
class Replayed:
    replayed: int | None


@dataclass(frozen=True)
class SubscriptionSecret:
    """Shown in this answer only."""

    id: str
    secret: str


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, Any]]  # as the public event schema has them (feeds/events.py)
    next_after: int


class Feeds:
    def __init__(self, platform: Platform, actor: Actor, *, allow_private: bool) -> None:
        self.platform = platform
        self.actor = actor
        self.principal = actor.principal
        self.audit = actor.audit
        self.allow_private = allow_private

    # Administration ---------------------------------------------------------------------

    def subscribe(self, *, client_id: str, agency_id: UUID, event_types: list[str],
                  endpoint: str | None) -> Subscribed:
        p = self.principal
        if p.area_id is None or not may_manage_feeds(p, p.area_id):
            self.actor.deny("subscribe", "Coordinators and administrators set up feeds")
        try:
            agency_area = self.platform.marac.get_agency(agency_id).area_id
        except AgencyNotFound:
            agency_area = None
        if agency_area != p.area_id:
            self.audit.record("subscribe", "rejected", items=(str(agency_id),))
            raise InvalidSubscription("the agency is not one of this area's")
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown:
            self.audit.record("subscribe", "rejected")
            raise InvalidSubscription(f"unknown event types: {', '.join(unknown)}")
        if endpoint is not None:
            try:
                check_target(endpoint, allow_private=self.allow_private)
            except UnsafeTarget as exc:
                self.audit.record("subscribe", "rejected")
                raise UnsafeWebhookTarget("webhooks go to public https endpoints") from exc
        self.audit.record("subscribe", "allowed", area_id=p.area_id, items=(client_id,))
        subscription_id = self.platform.feeds.subscribe(
            client_id=client_id, agency_id=agency_id, area_id=p.area_id,
            event_types=frozenset(event_types), endpoint=endpoint, secret=new_secret(),
            now=self.platform.now())
        # Pending until its client activates it, and receives the secret, itself.
        return Subscribed(str(subscription_id), "pending")

    def _watched(self, subscription_id: UUID,
                 action: AuditAction) -> tuple[Subscription, bool]:
        """A subscription, for those who set feeds up and for its own client; and whether
        the caller may see its counts (`security.policy.sees_feed_delivery`)."""
        found = self.platform.feeds.get(subscription_id)
        p = self.principal
        counts = found is not None and sees_feed_delivery(p, found.client_id, found.agency_id,
                                                        found.area_id)
        if found is None or not (counts or may_manage_feeds(p, found.area_id)):
            self.audit.record(action, "not_found", items=(str(subscription_id),))
            raise NotFound(f"subscription {subscription_id} not found")
        return found, counts

    def status(self, subscription_id: UUID) -> SubscriptionStatus:
        """Its configuration and state (pending, active, disabled) for whoever watches it;
        lag, cursors, dead letters and delivery attempts for its own client only."""
        s, counts = self._watched(subscription_id, "read_subscription")
        dead = self.platform.feeds.dead_letters(subscription_id) if counts else None
        self.audit.record("read_subscription", "allowed", area_id=s.area_id,
                          items=(str(subscription_id),))
        latest = s.next_cursor - 1
        return SubscriptionStatus(
            id=str(s.subscription_id), client_id=s.client_id, agency_id=str(s.agency_id),
            event_types=sorted(s.event_types), endpoint=s.endpoint, status=s.status,
            latest_cursor=latest if counts else None,
            delivered_cursor=s.delivered_cursor if counts else None,
            lag=latest - s.delivered_cursor if s.endpoint and counts else None,
            last_status=s.last_status if counts else None,
            last_error=s.last_error if counts else None,
            next_attempt_at=s.next_attempt_at.isoformat()
            if s.next_attempt_at and counts else None, dead_letters=dead)

    def replay(self, subscription_id: UUID, from_cursor: int) -> Replayed:
        s, counts = self._watched(subscription_id, "replay")
        self.audit.record("replay", "allowed", area_id=s.area_id,
                          items=(str(subscription_id), str(from_cursor)))
        replayed = self.platform.feeds.replay(subscription_id, from_cursor)
        return Replayed(replayed if counts else None)

    # The pull feed ----------------------------------------------------------------------

    def _readable(self, subscription_id: UUID, action: AuditAction) -> Subscription:
        found = self.platform.feeds.get(subscription_id)
        if found is None or not may_pull(self.principal, found.client_id, found.agency_id,
                                         found.area_id):
            self.audit.record(action, "not_found", items=(str(subscription_id),))
            raise NotFound(f"subscription {subscription_id} not found")
        return found

    def activate(self, subscription_id: UUID) -> SubscriptionSecret:
        """The client takes its subscription on: the secret, shown once, and events from
        now on."""
        found = self._readable(subscription_id, "activate_subscription")
        if found.status != "pending":
            self.audit.record("activate_subscription", "rejected", area_id=found.area_id,
                              items=(str(subscription_id),))
            raise InvalidSubscription("the subscription is not pending")
        secret = new_secret()
        self.audit.record("activate_subscription", "allowed", area_id=found.area_id,
                          items=(str(subscription_id),))
        position = self.platform.marac.recorder.max_notification_id() or 0
        self.platform.feeds.activate(subscription_id, secret, position)
        return SubscriptionSecret(str(subscription_id), secret)

    def rotate_secret(self, subscription_id: UUID) -> SubscriptionSecret:
        found = self._readable(subscription_id, "rotate_secret")
        secret = new_secret()
        self.audit.record("rotate_secret", "allowed", area_id=found.area_id,
                          items=(str(subscription_id),))
        self.platform.feeds.rotate(subscription_id, secret, self.platform.now())
        return SubscriptionSecret(str(subscription_id), secret)

    def _still_visible(self, found: Subscription,
                       events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """What goes out now: nothing about a case the agency can no longer see (revoked
        since, restricted since, or erased)."""
        cases = sorted({UUID(e["case_id"]) for e in events if e["case_id"]}, key=str)
        gate = Gate(self.platform.cases, self.platform.blind_index,
                    self.platform.runner.catch_up, self.platform.now)
        seen = gate.visible(found, cases) if cases else set()
        return [e for e in events if e["case_id"] is None or UUID(e["case_id"]) in seen]

    def pull(self, subscription_id: UUID, after: int, limit: int,
             wait: float) -> FeedPage:
        found = self._readable(subscription_id, "feed_pull")
        deadline = time.monotonic() + wait
        while True:
            self.platform.feed_runner.catch_up()
            page = self.platform.feeds.events(subscription_id, after, limit)
            events = self._still_visible(found, page)
            if page:
                after = page[-1]["cursor"]
            if events or time.monotonic() >= deadline:
                break
            time.sleep(LONG_POLL_STEP)
        self.audit.record("feed_pull", "allowed", area_id=found.area_id, items=_items(events))
        return FeedPage(events, after)

    def stream(self, subscription_id: UUID, after: int, seconds: float) -> Iterator[str]:
        """Server-sent events from a cursor (`Last-Event-ID`), for `seconds`, then the client
        reconnects. The first batch is this request's audit record; each later batch is
        audited before it is sent, and a batch that cannot be audited ends the stream."""
        found = self._readable(subscription_id, "feed_stream")
        self.platform.feed_runner.catch_up()
        page = self.platform.feeds.events(subscription_id, after, STREAM_BATCH)
        first = self._still_visible(found, page)
        self.audit.record("feed_stream", "allowed", area_id=found.area_id, items=_items(first))
        return self._events(found, first, page[-1]["cursor"] if page else after,
                            time.monotonic() + seconds)

    def _events(self, found: Subscription, batch: list[dict[str, Any]], after: int,
                deadline: float) -> Iterator[str]:
        quiet = time.monotonic()
        yield "retry: 1000\n\n"
        while True:
            for event in batch:
                body = {k: v for k, v in event.items() if k != "cursor"}
                yield (f"id: {event['cursor']}\nevent: {event['type']}\n"
                       f"data: {json.dumps(body, separators=(',', ':'))}\n\n")
                quiet = time.monotonic()
            if time.monotonic() >= deadline:
                return
            if time.monotonic() - quiet >= HEARTBEAT:
                yield ": keep-alive\n\n"  # a comment: keeps proxies from closing the stream
                quiet = time.monotonic()
            time.sleep(LONG_POLL_STEP)
            self.platform.feed_runner.catch_up()
            page = self.platform.feeds.events(found.subscription_id, after, STREAM_BATCH)
            if page:
                after = page[-1]["cursor"]
            batch = self._still_visible(found, page)
            if batch:
                # A further record of the same request: the stream is one request, and each
                # batch is recorded before it goes.
                TrailAudit(self.platform.audit, self.principal, self.platform.now,
                           request_id=self.audit.request_id).record(
                    "feed_stream", "allowed", items=_items(batch), area_id=found.area_id)


def _items(events: list[dict[str, Any]]) -> tuple[str, ...]:
    """The events' ids and the cases they concern, so a DPO's query by case finds them."""
    cases = sorted({e["case_id"] for e in events if e["case_id"]})
    return (*(e["id"] for e in events), *cases)
