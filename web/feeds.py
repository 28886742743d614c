"""The integration feeds' subscriptions, for those who set up their area's feeds (its
coordinators and administrators): the area's feeds, a new one (pending until its client takes
it on through the API), and a feed's state with a replay of its webhook deliveries. Through the
API's own use case (services/feeds.py `Feeds`): the same policy, the same audit. Delivery
counts are the feed's client's only, so no page shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from services.feeds import (
    MAX_CLIENT_ID,
    MAX_CURSOR,
    MAX_ENDPOINT,
    AgencyNotInArea,
    Feeds,
    InvalidSubscription,
    UnknownEventTypes,
    UnsafeWebhookTarget,
)
from web.actions import ids_of
from web.session import (
    CurrentPerson,
    FormPerson,
    SignedIn,
    actor_of,
    config_of,
    layout,
    platform_of,
)
from web.sharing import text_of
from web.templates import render

router = APIRouter(include_in_schema=False)
STATUSES = {"pending": "Pending", "active": "Active", "disabled": "Disabled"}
# What a banner says once a change is made (the redirect's `done`).
DONE = {"set-up": "Feed set up: pending until its client takes it on",
        "replayed": "Replay requested: the events will be delivered again"}
# The service's refusals of a new feed, at the field each concerns.
REFUSALS: tuple[tuple[type[InvalidSubscription | UnsafeWebhookTarget], str, str], ...] = (
    (AgencyNotInArea, "agency", "Select an agency of this area"),
    (UnknownEventTypes, "event_types", "Select event types from the list"),
    (UnsafeWebhookTarget, "endpoint", "Enter a public https address, like "
                                      "https://cms.example.org/marac-events"),
)


def feeds_of(request: Request, person: SignedIn) -> Feeds:
    # Webhooks to loopback and private addresses in the demo only, as through the API.
    return Feeds(platform_of(request), actor_of(request, person),
                 allow_private=config_of(request).demo)


@dataclass(frozen=True)
class SubscriptionForm:
    """A new feed as given, and what is wrong with it (field id -> message)."""

    client_id: str = ""
    agency: str = ""
    event_types: tuple[str, ...] = ()
    endpoint: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def agency_id(self) -> UUID | None:
        try:
            return UUID(self.agency)
        except ValueError:
            return None

    @classmethod
    def of(cls, form: FormData) -> SubscriptionForm:
        given = cls(text_of(form, "client_id"), text_of(form, "agency"),
                    tuple(str(t) for t in form.getlist("event_types")),
                    text_of(form, "endpoint"))
        errors: dict[str, str] = {}
        if not given.client_id:
            errors["client_id"] = "Enter the integration client id"
        elif len(given.client_id) > MAX_CLIENT_ID:
            errors["client_id"] = f"The client id must be {MAX_CLIENT_ID} characters or fewer"
        if given.agency_id is None:
            errors["agency"] = "Select the agency the feed is for"
        if not given.event_types:
            errors["event_types"] = "Select at least one event type"
        if len(given.endpoint) > MAX_ENDPOINT:
            errors["endpoint"] = f"The address must be {MAX_ENDPOINT:,} characters or fewer"
        return cls(given.client_id, given.agency, given.event_types, given.endpoint, errors)

    def with_error(self, where: str, message: str) -> SubscriptionForm:
        return SubscriptionForm(self.client_id, self.agency, self.event_types, self.endpoint,
                                {where: message})


@dataclass(frozen=True)
class ReplayForm:
    from_cursor: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ReplayForm:
        given = text_of(form, "from_cursor")
        if not given.isdigit() or not 1 <= int(given) <= MAX_CURSOR:
            return cls(given, {"from_cursor": "Enter the event number to deliver again from, "
                                              "like 1"})
        return cls(given)


@router.get("/feeds")
def feeds_page(request: Request, person: CurrentPerson) -> Response:
    listed = feeds_of(request, person).list_for_area()
    return render("feeds/list.html", {**layout(person, "feeds"), "listed": listed,
                                      "statuses": STATUSES})


@router.get("/feeds/new")
def new_feed(request: Request, person: CurrentPerson) -> Response:
    return _new_page(request, person, SubscriptionForm())


@router.post("/feeds/new")
async def subscribe(request: Request, person: FormPerson) -> Response:
    form = SubscriptionForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_new_page, request, person, form, 400)
    return await run_in_threadpool(_subscribe, request, person, form)


def _subscribe(request: Request, person: SignedIn, form: SubscriptionForm) -> Response:
    agency_id = form.agency_id
    assert agency_id is not None  # noqa: S101 - the form's own check
    try:
        made = feeds_of(request, person).subscribe(
            client_id=form.client_id, agency_id=agency_id, event_types=list(form.event_types),
            endpoint=form.endpoint or None)
    except (InvalidSubscription, UnsafeWebhookTarget) as refused:
        where, message = next(((w, m) for kind, w, m in REFUSALS if isinstance(refused, kind)),
                              ("client_id", "This feed cannot be set up"))
        return _new_page(request, person, form.with_error(where, message), 422)
    return RedirectResponse(f"/feeds/{made.id}?done=set-up", status_code=303)


def _new_page(request: Request, person: SignedIn, form: SubscriptionForm,
              status: int = 200) -> Response:
    setup = feeds_of(request, person).setup()
    return render("feeds/new.html", {**layout(person, "feeds"), "setup": setup, "form": form},
                  status_code=status)


@router.get("/feeds/{subscription_id}")
def feed_page(request: Request, subscription_id: str, person: CurrentPerson) -> Response:
    (found,) = ids_of(subscription_id)
    return _feed_page(request, person, found, ReplayForm(),
                      done=DONE.get(request.query_params.get("done", "")))


@router.post("/feeds/{subscription_id}/replay")
async def replay(request: Request, subscription_id: str, person: FormPerson) -> Response:
    (found,) = ids_of(subscription_id)
    form = ReplayForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_feed_page, request, person, found, form, status=400)
    return await run_in_threadpool(_replay, request, person, found, form)


def _replay(request: Request, person: SignedIn, subscription_id: UUID,
            form: ReplayForm) -> Response:
    try:
        feeds_of(request, person).replay(subscription_id, int(form.from_cursor))
    except InvalidSubscription:
        # Pending again meanwhile is impossible; pending all along, the form was not shown.
        return _feed_page(request, person, subscription_id, ReplayForm(
            form.from_cursor, {"from_cursor": "This feed is pending: its client takes it on "
                                              "first"}), status=422)
    return RedirectResponse(f"/feeds/{subscription_id}?done=replayed", status_code=303)


def _feed_page(request: Request, person: SignedIn, subscription_id: UUID, form: ReplayForm,
               *, status: int = 200, done: str | None = None) -> Response:
    found = feeds_of(request, person).status(subscription_id)
    return render("feeds/feed.html", {
        **layout(person, "feeds"), "feed": found, "form": form, "statuses": STATUSES,
        "done": done}, status_code=status)
