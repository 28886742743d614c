"""Integration feeds, the events: the pull feed with long-poll, and server-sent events, for a
subscription's own client. Nothing goes out about a case the client's agency can no longer see.

Every request writes its one audit record, naming the events it returns and their cases; a
stream records each later batch before it is sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from feeds.store import OutboxEvent, Subscription
from feeds.visibility import Gate
from services.actor import Actor, TrailAudit
from services.feeds import readable
from services.platform import Platform

LONG_POLL_STEP = 0.2
STREAM_BATCH = 100
HEARTBEAT = 10.0


@dataclass(frozen=True)
class FeedPage:
    events: tuple[OutboxEvent, ...]
    next_after: int


class FeedReader:
    def __init__(self, platform: Platform, actor: Actor) -> None:
        self.platform = platform
        self.actor = actor
        self.principal = actor.principal
        self.audit = actor.audit

    def _still_visible(self, found: Subscription,
                       events: list[OutboxEvent]) -> list[OutboxEvent]:
        """What goes out now: nothing about a case the agency can no longer see (revoked
        since, restricted since, or erased)."""
        cases = sorted({e.event.case_id for e in events if e.event.case_id}, key=str)
        gate = Gate(self.platform.cases, self.platform.blind_index,
                    self.platform.runner.catch_up, self.platform.now)
        seen = gate.visible(found, cases) if cases else set()
        return [e for e in events if e.event.case_id is None or e.event.case_id in seen]

    def pull(self, subscription_id: UUID, after: int, limit: int,
             wait: float) -> FeedPage:
        found = readable(self.platform, self.actor, subscription_id, "feed_pull")
        deadline = time.monotonic() + wait
        while True:
            self.platform.feed_runner.catch_up()
            page = self.platform.feeds.events(subscription_id, after, limit)
            events = self._still_visible(found, page)
            if page:
                after = page[-1].cursor
            if events or time.monotonic() >= deadline:
                break
            time.sleep(LONG_POLL_STEP)
        self.audit.record("feed_pull", "allowed", area_id=found.area_id, items=_items(events))
        return FeedPage(tuple(events), after)

    def stream(self, subscription_id: UUID, after: int, seconds: float) -> Iterator[str]:
        """Server-sent events from a cursor (`Last-Event-ID`), for `seconds`, then the client
        reconnects. The first batch is this request's audit record; each later batch is
        audited before it is sent, and a batch that cannot be audited ends the stream."""
        found = readable(self.platform, self.actor, subscription_id, "feed_stream")
        self.platform.feed_runner.catch_up()
        page = self.platform.feeds.events(subscription_id, after, STREAM_BATCH)
        first = self._still_visible(found, page)
        self.audit.record("feed_stream", "allowed", area_id=found.area_id, items=_items(first))
        return self._events(found, first, page[-1].cursor if page else after,
                            time.monotonic() + seconds)

    def _events(self, found: Subscription, batch: list[OutboxEvent], after: int,
                deadline: float) -> Iterator[str]:
        quiet = time.monotonic()
        yield "retry: 1000\n\n"
        while True:
            for e in batch:
                # As the outbox keeps it (keys sorted), as a webhook sends it.
                body = json.dumps(e.event.body(), sort_keys=True, separators=(",", ":"))
                yield f"id: {e.cursor}\nevent: {e.event.type}\ndata: {body}\n\n"
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
                after = page[-1].cursor
            batch = self._still_visible(found, page)
            if batch:
                # A further record of the same request: the stream is one request, and each
                # batch is recorded before it goes.
                TrailAudit(self.platform.audit, self.principal, self.platform.now,
                           request_id=self.audit.request_id).record(
                    "feed_stream", "allowed", items=_items(batch), area_id=found.area_id)


def _items(events: Sequence[OutboxEvent]) -> tuple[str, ...]:
    """The events' ids and the cases they concern, so a DPO's query by case finds them."""
    cases = sorted({str(e.event.case_id) for e in events if e.event.case_id})
    return (*(str(e.event.event_id) for e in events), *cases)
