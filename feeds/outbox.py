"""The outbox projector: each domain event that stands for integration events is offered to
every active subscription, and appended to a subscription's outbox only if its agency may see
the case at that moment (the case as that event left it, a linked repeat taking its case's
restriction). A restricted case reaches only member agencies; after a revocation nothing more
of the case reaches the agency. The decision is the policy's (`security/policy.py`), made for
the integration client as if it were reading the case then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification

from domain.application import Marac
from domain.case import Case
from domain.exceptions import CaseErased, CaseNotFound
from domain.meeting import Meeting
from feeds.events import FEED_TOPICS, IntegrationEvent, translate
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

    def create_tables(self) -> None:
        self.store.create_tables()

    def tables(self) -> tuple[str, ...]:
        # Not rebuilt: a rebuild would deliver every event again to every subscriber.
        return ()

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        subscriptions = self.store.active(cur)
        if not subscriptions:
            return  # a subscription receives events from its creation on
        for n in notifications:
            if n.topic not in FEED_TOPICS:
                continue  # the rest are not even decrypted
            try:
                event = self.app.mapper.to_domain_event(n)
                aggregate: object = self.app.repository.get(
                    UUID(str(n.originator_id)), version=n.originator_version)
            except (CaseErased, CaseNotFound, AggregateNotFoundError):
                continue  # erased since: nothing about it goes out
            for item in translate(n.id, n.topic, event, aggregate):
                access = self._access(item, aggregate)
                for subscription in subscriptions:
                    if self._offered(subscription, item, aggregate, access):
                        self.store.append(cur, subscription.subscription_id, item)

    def _access(self, item: IntegrationEvent, aggregate: object) -> CaseAccess | None:
        if item.case_id is None:
            return None
        case = aggregate if isinstance(aggregate, Case) else self._case(item)
        if case is None:
            return None
        access = self.cases.access_of(case)
        if case.repeat_of is not None:
            parent: object = self.app.repository.get(case.repeat_of)
            if isinstance(parent, Case):
                access = inherit(access, self.cases.access_of(parent))
        return access

    def _case(self, item: IntegrationEvent) -> Case | None:
        """The case a meeting event is about, as it stands (listing and the case's own
        invitations and restriction are saved together, so this is that moment)."""
        if item.case_id is None:
            return None
        try:
            case: object = self.app.repository.get(item.case_id)
        except (CaseErased, CaseNotFound, AggregateNotFoundError):
            return None
        return case if isinstance(case, Case) else None

    def _offered(self, subscription: Subscription, item: IntegrationEvent, aggregate: object,
                 access: CaseAccess | None) -> bool:
        if item.type not in subscription.event_types or item.area_id != subscription.area_id:
            return False
        viewer = subscriber(subscription, self.index)
        at: datetime = item.occurred_at
        if item.case_id is None:
            closed = isinstance(aggregate, Meeting) and aggregate.closed
            return may_see_meeting(viewer, item.area_id, closed, frozenset(), False)
        return access is not None and case_visibility(viewer, access, at) is not None
