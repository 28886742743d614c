"""/api/v1/subscriptions (coordinators, administrators) and /api/v1/feeds (integration
clients): the integration event feeds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api import schemas
from api.auth import CurrentActor, CurrentPlatform, CurrentViewer
from api.errors import AUTHENTICATED, NOT_FOUND
from api.feed_schemas import EventSchemas, FeedPage, PulledEvent
from feeds.events import EVENT_TYPES, json_schema
from feeds.store import OutboxEvent
from services.feed_pull import FeedReader
from services.feeds import MAX_CLIENT_ID, MAX_CURSOR, MAX_ENDPOINT, Feeds

router = APIRouter(prefix="/api/v1", tags=["feeds"], responses=AUTHENTICATED)


def feeds(platform: CurrentPlatform, actor: CurrentActor) -> Feeds:
    return Feeds(platform, actor, allow_private=platform.settings.demo)


Work = Annotated[Feeds, Depends(feeds)]


def feed_reader(platform: CurrentPlatform, actor: CurrentActor) -> FeedReader:
    return FeedReader(platform, actor)


Reader = Annotated[FeedReader, Depends(feed_reader)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_ID)]
    agency_id: UUID
    event_types: Annotated[list[str], Field(min_length=1, max_length=len(EVENT_TYPES))]
    # None: pull only.
    endpoint: Annotated[str | None, Field(max_length=MAX_ENDPOINT)] = None


class ReplayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_cursor: Annotated[StrictInt, Field(ge=1, le=MAX_CURSOR)]


@router.get("/feeds/schema", response_model=EventSchemas)
def event_schema(_: CurrentViewer) -> EventSchemas:
    """The public event schema: one JSON Schema, with an example, per event type."""
    return EventSchemas.model_validate({t: json_schema(t) for t in EVENT_TYPES})


@router.post("/subscriptions", status_code=201, response_model=schemas.SubscriptionCreated)
def create_subscription(body: SubscriptionCreate, work: Work) -> dict[str, Any]:
    """Set up a feed for an integration client; it stays pending until the client activates
    it (and receives the webhook secret) itself."""
    return asdict(work.subscribe(client_id=body.client_id, agency_id=body.agency_id,
                                 event_types=body.event_types, endpoint=body.endpoint))


@router.get("/subscriptions", response_model=list[schemas.SubscriptionSummary])
def list_subscriptions(work: Work) -> list[dict[str, Any]]:
    """The caller's area's feeds, newest first (coordinators and administrators of the
    area): configuration and state; their delivery is their clients' own."""
    return [asdict(s) for s in work.list_for_area()]


@router.get("/subscriptions/{subscription_id}", response_model=schemas.SubscriptionStatus,
            responses=NOT_FOUND)
def subscription_status(subscription_id: UUID, work: Work) -> dict[str, Any]:
    """Lag, the last failure and the dead letters."""
    return asdict(work.status(subscription_id))


@router.post("/feeds/{subscription_id}/activation", status_code=201,
             response_model=schemas.FeedSecret, responses=NOT_FOUND)
def activate_feed(subscription_id: UUID, work: Work) -> dict[str, Any]:
    """The integration client takes its feed on: events from now, and the webhook secret,
    shown in this answer only."""
    return asdict(work.activate(subscription_id))


@router.post("/feeds/{subscription_id}/secret", status_code=201,
             response_model=schemas.FeedSecret, responses=NOT_FOUND)
def rotate_feed_secret(subscription_id: UUID, work: Work) -> dict[str, Any]:
    """The client's new secret, shown once; the old one keeps signing beside it for 24 h."""
    return asdict(work.rotate_secret(subscription_id))


@router.post("/subscriptions/{subscription_id}/replay", response_model=schemas.Replayed,
             responses=NOT_FOUND)
def replay_subscription(subscription_id: UUID, body: ReplayCreate, work: Work) -> dict[str, Any]:
    """Deliver again from a cursor, dead letters included; re-enables the subscription."""
    return asdict(work.replay(subscription_id, body.from_cursor))


@router.get("/feeds/{subscription_id}/events", response_model=FeedPage,
            responses=NOT_FOUND)
def pull_events(
    subscription_id: UUID,
    reader: Reader,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> FeedPage:
    """Events after a cursor, oldest first; `wait` seconds of long-poll when there are none."""
    page = reader.pull(subscription_id, after, limit, wait)
    return FeedPage(events=[_pulled(e) for e in page.events], next_after=page.next_after)


def _pulled(found: OutboxEvent) -> PulledEvent:
    e = found.event
    return PulledEvent(id=e.event_id, type=e.type, occurred_at=e.occurred_at,
                       area_id=e.area_id, case_id=e.case_id, data=dict(e.data),
                       cursor=found.cursor)


@router.get("/feeds/{subscription_id}/stream", responses=NOT_FOUND,
            response_class=StreamingResponse)
def stream_events(
    subscription_id: UUID,
    reader: Reader,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    seconds: Annotated[float, Query(ge=1, le=300)] = 60,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Server-sent events: `id` is the cursor, so a reconnect with `Last-Event-ID` resumes."""
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return StreamingResponse(reader.stream(subscription_id, resume, seconds),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})
