"""Feeds and the record of processing, called as services: a refusal is one `require` call that
records the denial, and a subscription the caller may not watch is the uniform not found."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from api.bootstrap import Platform
from services.errors import Forbidden, NotFound
from services.feeds import Feeds, InvalidSubscription
from services.processing_record import read_record_of_processing
from tests.factories import area_with_agency
from tests.services.actors import person, trail
from tests.services.conftest import Clock


def test_only_coordinators_and_administrators_set_up_feeds(platform: Platform) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    rep = person(platform, "rep-1", area_id, agency_id, "representative")
    with pytest.raises(Forbidden):
        Feeds(platform, rep, allow_private=False).subscribe(
            client_id="police-cms", agency_id=agency_id, event_types=["case.referred.v1"],
            endpoint=None)
    coordinator = person(platform, "coord-1", area_id, agency_id, "coordinator")
    made = Feeds(platform, coordinator, allow_private=False).subscribe(
        client_id="police-cms", agency_id=agency_id, event_types=["case.referred.v1"],
        endpoint=None)
    assert made.status == "pending"
    assert [(r["actor"], r["action"], r["outcome"], r["item_ids"]) for r in trail(platform)] == [
        ("rep-1", "subscribe", "denied", ()),
        ("coord-1", "subscribe", "allowed", ("police-cms",))]


def test_a_subscription_that_does_not_exist_is_not_found_and_recorded(
    platform: Platform,
) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    missing = uuid4()
    coordinator = person(platform, "coord-1", area_id, agency_id, "coordinator")
    with pytest.raises(NotFound):
        Feeds(platform, coordinator, allow_private=False).status(missing)
    (record,) = trail(platform)
    assert (record["action"], record["outcome"], record["item_ids"]) == (
        "read_subscription", "not_found", (str(missing),))


def test_the_record_of_processing_is_for_dpos_and_administrators(platform: Platform) -> None:
    area_id, agency_id = area_with_agency(platform.marac)
    with pytest.raises(Forbidden):
        read_record_of_processing(platform, person(platform, "coord-1", area_id, agency_id,
                                                   "coordinator"))
    record = read_record_of_processing(platform, person(platform, "dpo-1", area_id, None,
                                                        "dpo"))
    assert record.international_transfers == "none"
    assert [(r["actor"], r["action"], r["outcome"], r["item_ids"]) for r in trail(platform)] == [
        ("coord-1", "audit_query", "denied", ()),
        ("dpo-1", "audit_query", "allowed", ("record_of_processing",))]


def coordinators_feeds(platform: Platform, area_id: UUID, agency_id: UUID,
                       subject: str = "coord-1") -> Feeds:
    """A coordinator's feeds, for one request (one audit record)."""
    return Feeds(platform, person(platform, subject, area_id, agency_id, "coordinator"),
                 allow_private=True)


def test_a_pending_subscription_is_not_replayed_into_life(platform: Platform) -> None:
    """Replay re-enables a feed; a pending one is its client's to take on. Were a replay to
    make it active, whoever set it up could start a member agency's feed to an endpoint of
    their own, from the log's beginning, without the client."""
    area_id, agency_id = area_with_agency(platform.marac)
    made = coordinators_feeds(platform, area_id, agency_id).subscribe(
        client_id="police-cms", agency_id=agency_id, event_types=["case.referred.v1"],
        endpoint="https://127.0.0.1/hook")
    with pytest.raises(InvalidSubscription):
        coordinators_feeds(platform, area_id, agency_id).replay(UUID(made.id), 1)
    assert coordinators_feeds(platform, area_id, agency_id).status(
        UUID(made.id)).status == "pending"
    assert [(r["action"], r["outcome"]) for r in trail(platform)][-2:] == [
        ("replay", "rejected"), ("read_subscription", "allowed")]


def test_the_areas_subscriptions_are_listed_newest_first_for_who_manages_feeds(
    stores: Platform, clock: Clock,
) -> None:
    platform = stores
    area_id, agency_id = area_with_agency(platform.marac)
    other_area, other_agency = area_with_agency(platform.marac, code="elsewhere")
    platform.runner.catch_up()  # the agencies' names
    made = []
    for n in range(3):
        made.append(coordinators_feeds(platform, area_id, agency_id).subscribe(
            client_id=f"police-cms-{n}", agency_id=agency_id, event_types=["case.closed.v1"],
            endpoint=None if n else "https://127.0.0.1/hook").id)
        clock.at += timedelta(minutes=1)
    coordinators_feeds(platform, other_area, other_agency, "coord-2").subscribe(
        client_id="elsewhere-cms", agency_id=other_agency, event_types=["case.closed.v1"],
        endpoint=None)
    for who in (person(platform, "rep-1", area_id, agency_id, "representative"),
                person(platform, "dpo-1", area_id, None, "dpo")):
        with pytest.raises(Forbidden):
            Feeds(platform, who, allow_private=False).list_for_area()
    admin = person(platform, "admin-1", area_id, None, "administrator")
    listed = Feeds(platform, admin, allow_private=False).list_for_area()
    assert [s.id for s in listed] == made[::-1]
    assert [(s.client_id, s.agency_name, s.event_types, s.endpoint, s.status)
            for s in listed][-1] == ("police-cms-0", "Wexshire Police", ["case.closed.v1"],
                                     "https://127.0.0.1/hook", "pending")
    assert [(r["actor"], r["action"], r["outcome"], r["item_ids"])
            for r in trail(platform)][-3:] == [
        ("rep-1", "read_subscription", "denied", ()),
        ("dpo-1", "read_subscription", "denied", ()),
        ("admin-1", "read_subscription", "allowed", tuple(made[::-1]))]
