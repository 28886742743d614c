"""Integration feeds, the subscriptions: set up and listed by coordinators or administrators,
taken on (and their secrets rotated) by their integration client, and the view of their
delivery. The events themselves are read in services/feed_pull.py.

A subscription the caller may not manage or read answers 404, like one that does not exist.
Every request writes its one audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from audit.actions import AuditAction
from domain.exceptions import AgencyNotFound
from feeds.events import EVENT_TYPES, SCHEMAS
from feeds.store import Subscription
from feeds.webhooks import UnsafeTarget, check_target, new_secret
from security.identity import Principal
from security.policy import may_manage_feeds, may_pull, sees_feed_delivery
from services.actor import Actor
from services.agency_names import AgencyName, agency_names
from services.errors import Invalid, NotFound
from services.partnership import all_agencies
from services.platform import Platform

MANAGERS_ONLY = "Coordinators and administrators set up feeds"
# How long a client id and a webhook endpoint may be, and the last cursor a replay may name:
# the API's schemas and the pages' forms both bound them so.
MAX_CLIENT_ID, MAX_ENDPOINT, MAX_CURSOR = 200, 2_000, 2**62


class InvalidSubscription(Invalid):
    code = "invalid_subscription"


# The refusals a form shows at their own field; the same code for the API's clients.
class AgencyNotInArea(InvalidSubscription):
    pass


class UnknownEventTypes(InvalidSubscription):
    pass


class UnsafeWebhookTarget(Invalid):
    code = "unsafe_webhook_target"


def manages_feeds(principal: Principal) -> bool:
    """Whether the person sets up their area's feeds (the pages offer them to those only)."""
    return principal.area_id is not None and may_manage_feeds(principal, principal.area_id)


@dataclass(frozen=True)
class EventTypeChoice:
    type: str
    description: str


@dataclass(frozen=True)
class FeedSetup:
    """What a new feed is chosen from: the area's agencies and the published event types.
    Configuration, not case content."""

    agencies: tuple[AgencyName, ...]
    event_types: tuple[EventTypeChoice, ...]


@dataclass(frozen=True)
class SubscriptionSummary:
    """A feed in its area's list: its configuration and state (who set it up is in the
    audit trail)."""

    id: str
    client_id: str
    agency_id: str
    agency_name: str | None
    event_types: list[str]
    endpoint: str | None
    status: str
    created_at: datetime


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
    agency_name: str | None
    event_types: list[str]
    endpoint: str | None
    status: str
    created_at: datetime
    latest_cursor: int | None
    delivered_cursor: int | None
    lag: int | None
    last_status: int | None
    last_error: str | None
    next_attempt_at: str | None
    dead_letters: list[int] | None

    @property
    def replayable(self) -> bool:
        """A webhook feed its client has taken on is delivered again from a cursor (and
        re-enabled); a pull feed's client reads from any cursor itself, and a pending feed is
        its client's to take on first."""
        return self.endpoint is not None and self.status != "pending"


@dataclass(frozen=True)
class Replayed:
    replayed: int | None


@dataclass(frozen=True)
class SubscriptionSecret:
    """Shown in this answer only."""

    id: str
    secret: str


def readable(platform: Platform, actor: Actor, subscription_id: UUID,
             action: AuditAction) -> Subscription:
    """A subscription its own client may take on and read; any other is not found."""
    found = platform.feeds.get(subscription_id)
    if found is None or not may_pull(actor.principal, found.client_id, found.agency_id,
                                     found.area_id):
        actor.audit.record(action, "not_found", items=(str(subscription_id),))
        raise NotFound(f"subscription {subscription_id} not found")
    return found


class Feeds:
    def __init__(self, platform: Platform, actor: Actor, *, allow_private: bool) -> None:
        self.platform = platform
        self.actor = actor
        self.principal = actor.principal
        self.audit = actor.audit
        self.allow_private = allow_private

    # Administration ---------------------------------------------------------------------

    def setup(self) -> FeedSetup:
        """The choices for a new feed. Configuration, so no read is recorded (a form shown
        again after a refused subscription has its one record already); a refusal is."""
        area_id = self._managed_area("subscribe")
        agencies = tuple(AgencyName(a.id, a.name, a.code) for a in sorted(
            all_agencies(self.platform, area_id), key=lambda a: (a.name, str(a.id))))
        return FeedSetup(agencies, tuple(EventTypeChoice(t, SCHEMAS[t][0])
                                         for t in EVENT_TYPES))

    def list_for_area(self) -> list[SubscriptionSummary]:
        """The caller's area's feeds, newest first, recorded as a read of each."""
        area_id = self._managed_area("read_subscription")
        found = self.platform.feeds.in_area(area_id)
        names = agency_names(self.platform, (s.agency_id for s in found))
        self.audit.record("read_subscription", "allowed", area_id=area_id,
                          items=tuple(str(s.subscription_id) for s in found))
        return [SubscriptionSummary(
            id=str(s.subscription_id), client_id=s.client_id, agency_id=str(s.agency_id),
            agency_name=names(s.agency_id).name, event_types=sorted(s.event_types),
            endpoint=s.endpoint, status=s.status, created_at=s.created_at) for s in found]

    def _managed_area(self, action: AuditAction) -> UUID:
        """The caller's area, where they manage its feeds; otherwise refused and recorded."""
        area_id = self.principal.area_id
        if area_id is None or not may_manage_feeds(self.principal, area_id):
            self.actor.deny(action, MANAGERS_ONLY)
        return area_id

    def subscribe(self, *, client_id: str, agency_id: UUID, event_types: list[str],
                  endpoint: str | None) -> Subscribed:
        area_id = self._managed_area("subscribe")
        try:
            agency_area = self.platform.marac.get_agency(agency_id).area_id
        except AgencyNotFound:
            agency_area = None
        if agency_area != area_id:
            self.audit.record("subscribe", "rejected", items=(str(agency_id),))
            raise AgencyNotInArea("the agency is not one of this area's")
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown:
            self.audit.record("subscribe", "rejected")
            raise UnknownEventTypes(f"unknown event types: {', '.join(unknown)}")
        if endpoint is not None:
            try:
                check_target(endpoint, allow_private=self.allow_private)
            except UnsafeTarget as exc:
                self.audit.record("subscribe", "rejected")
                raise UnsafeWebhookTarget("webhooks go to public https endpoints") from exc
        self.audit.record("subscribe", "allowed", area_id=area_id, items=(client_id,))
        subscription_id = self.platform.feeds.subscribe(
            client_id=client_id, agency_id=agency_id, area_id=area_id,
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
            agency_name=agency_names(self.platform, (s.agency_id,))(s.agency_id).name,
            event_types=sorted(s.event_types), endpoint=s.endpoint, status=s.status,
            created_at=s.created_at,
            latest_cursor=latest if counts else None,
            delivered_cursor=s.delivered_cursor if counts else None,
            lag=latest - s.delivered_cursor if s.endpoint and counts else None,
            last_status=s.last_status if counts else None,
            last_error=s.last_error if counts else None,
            next_attempt_at=s.next_attempt_at.isoformat()
            if s.next_attempt_at and counts else None, dead_letters=dead)

    def replay(self, subscription_id: UUID, from_cursor: int) -> Replayed:
        """Deliver again from a cursor, re-enabling a disabled feed. Not a pending one: its
        client takes it on (`activate`), or whoever set it up could start a member agency's
        feed, from the log's beginning, to an endpoint of their choosing."""
        s, counts = self._watched(subscription_id, "replay")
        if s.status == "pending":
            self.audit.record("replay", "rejected", area_id=s.area_id,
                              items=(str(subscription_id), str(from_cursor)))
            raise InvalidSubscription("the subscription is pending: its client activates it "
                                      "first")
        self.audit.record("replay", "allowed", area_id=s.area_id,
                          items=(str(subscription_id), str(from_cursor)))
        replayed = self.platform.feeds.replay(subscription_id, from_cursor)
        return Replayed(replayed if counts else None)

    # Its client's ---------------------------------------------------------------------

    def activate(self, subscription_id: UUID) -> SubscriptionSecret:
        """The client takes its subscription on: the secret, shown once, and events from
        now on."""
        found = readable(self.platform, self.actor, subscription_id, "activate_subscription")
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
        found = readable(self.platform, self.actor, subscription_id, "rotate_secret")
        secret = new_secret()
        self.audit.record("rotate_secret", "allowed", area_id=found.area_id,
                          items=(str(subscription_id),))
        self.platform.feeds.rotate(subscription_id, secret, self.platform.now())
        return SubscriptionSecret(str(subscription_id), secret)
