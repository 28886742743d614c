"""The outbox projector: each domain event that stands for integration events is offered to
every active subscription, and appended to a subscription's outbox only if its agency may see
the case at that moment (the case as that event left it, a linked repeat taking its case's
restriction). A restricted case reaches only member agencies; after a revocation nothing more
of the case reaches the agency. The decision is the policy's (`security/policy.py`), made for
the integration client as if it were reading the case then.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification

from domain.application import Marac
from domain.case import Case
from domain.exceptions import CaseErased, CaseNotFound
from domain.meeting import Meeting
from feeds.events import CASE, FEED_TOPICS, IntegrationEvent, translate
from feeds.store import FeedStore, Subscription
from projections.cases import CaseProjector, inherit
from security.blind_index import BlindIndex
from security.identity import Principal
from security.policy import READ_SCOPE, CaseAccess, Viewer, case_visibility, may_see_meeting
from storage.database import Cursor


def subscriber(subscription: Subscription, index: BlindIndex) -> Viewer:
    """The integration client a subscription delivers to, as the policy sees it."""
    principal = Principal(subscription.client_id, "integration", subscription.agency_id,
                          subscription.area_id, frozenset(), frozenset({READ_SCOPE}),
                          subscription.client_id)
    return Viewer(principal, index.person_ref(subscription.client_id))


class OutboxProjector:
    name = "feeds"

    def __init__(self, app: Marac, store: FeedStore, cases: CaseProjector,
                 index: BlindIndex) -> None:
        self.app = app
        self.store = store
        self.cases = cases
        self.index = index

    def tables(self) -> tuple[str, ...]:
        # Not rebuilt: a rebuild would deliver every event again to every subscriber.
        return ()

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        subscriptions = self.store.active(cur)
        # Each case's version as far as this batch has read: a meeting's listing, or a linked
        # repeat's case, is judged as it stood at that point in the log, however far behind
        # the projector runs.
        versions: dict[UUID, int] = {}
        folded = Folded(self.app, notifications)
        try:
            for n in notifications:
                if n.topic.startswith(CASE):
                    versions[UUID(str(n.originator_id))] = n.originator_version
                if subscriptions and n.topic in FEED_TOPICS:
                    self._offer(cur, n, subscriptions, versions, folded)
        finally:
            self.store.record_versions(cur, versions)

    def _offer(self, cur: Cursor, n: Notification, subscriptions: list[Subscription],
               versions: dict[UUID, int], folded: Folded) -> None:
        listening = [s for s in subscriptions if s.start_position < n.id]
        if not listening:
            return  # a subscription hears of what happens after its activation only
        originator = UUID(str(n.originator_id))
        try:
            event = folded.event(n)
            # The case just before a revocation, copied: folding on changes it in place.
            before = (copy.deepcopy(folded.at(originator, n.originator_version - 1))
                      if n.topic == CASE + "AccessRevoked" else None)
            aggregate: object = folded.at(originator, n.originator_version)
        except (CaseErased, CaseNotFound, AggregateNotFoundError):
            return  # erased since: nothing about it goes out
        for item in translate(n.id, n.topic, event, aggregate, before):
            access = self._access(cur, item, aggregate, versions, folded)
            for subscription in listening:
                if self._offered(subscription, item, aggregate, access):
                    self.store.append(cur, subscription.subscription_id, item)

    def _access(self, cur: Cursor, item: IntegrationEvent, aggregate: object,
                versions: dict[UUID, int], folded: Folded) -> CaseAccess | None:
        if item.case_id is None:
            return None
        case = (aggregate if isinstance(aggregate, Case)
                else self._case(cur, item.case_id, versions, folded))
        if case is None:
            return None
        access = self.cases.access_of(case)
        if case.repeat_of is not None:
            parent = self._case(cur, case.repeat_of, versions, folded)
            if parent is not None:
                access = inherit(access, self.cases.access_of(parent))
        return access

    def _case(self, cur: Cursor, case_id: UUID, versions: dict[UUID, int],
              folded: Folded) -> Case | None:
        """The case as it stood at this point of the log."""
        version = versions.get(case_id) or self.store.case_version(cur, case_id)
        if version is None:
            return None
        try:
            case = folded.at(case_id, version)
        except (CaseErased, CaseNotFound, AggregateNotFoundError):
            return None
        return case if isinstance(case, Case) else None

    def _offered(self, subscription: Subscription, item: IntegrationEvent, aggregate: object,
                 access: CaseAccess | None) -> bool:
        if item.type not in subscription.event_types or item.area_id != subscription.area_id:
            return False
        if item.for_agency is not None and item.for_agency != subscription.agency_id:
            return False
        viewer = subscriber(subscription, self.index)
        at: datetime = item.occurred_at
        if item.case_id is None:
            closed = isinstance(aggregate, Meeting) and aggregate.closed
            return may_see_meeting(viewer, item.area_id, closed, frozenset(), False)
        return access is not None and case_visibility(viewer, access, at) is not None


class Folded:
    """The aggregates one batch reads, each loaded once and then folded forward in memory
    with the batch's own events: loading a case at each of its events' versions would read
    1 + 2 + ... + n events for a case of n (quadratic in its length); this reads n once.

    An aggregate here is changed in place as the batch goes on, so what `at` returns stands
    for that version only until the next call for the same aggregate. Nothing outlives the
    batch: it is read again inside the next batch's transaction (an erasure in between is
    seen there)."""

    def __init__(self, app: Marac, notifications: Sequence[Notification]) -> None:
        self.app = app
        self.batch = {(UUID(str(n.originator_id)), n.originator_version): n
                      for n in notifications}
        self.events: dict[int, Any] = {}
        self.folded: dict[UUID, Any] = {}
        self.loads = 0  # aggregates read from the store (a measure for tests)

    def event(self, n: Notification) -> Any:
        """The domain event a notification records, decoded (and decrypted) once."""
        if n.id not in self.events:
            self.events[n.id] = self.app.mapper.to_domain_event(n)
        return self.events[n.id]

    def at(self, aggregate_id: UUID, version: int) -> object:
        aggregate = self.folded.get(aggregate_id)
        if aggregate is not None and aggregate.version <= version and all(
                (aggregate_id, v) in self.batch
                for v in range(aggregate.version + 1, version + 1)):
            for v in range(aggregate.version + 1, version + 1):
                aggregate = self.event(self.batch[(aggregate_id, v)]).mutate(aggregate)
        else:
            self.loads += 1
            aggregate = self.app.repository.get(aggregate_id, version=version)
        self.folded[aggregate_id] = aggregate
        found: object = aggregate
        return found
