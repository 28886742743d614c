"""Feeds and the record of processing, called as services: a refusal is one `require` call that
records the denial, and a subscription the caller may not watch is the uniform not found."""

from __future__ import annotations

from uuid import uuid4

import pytest

from api.bootstrap import Platform
from services.errors import Forbidden, NotFound
from services.feeds import Feeds
from services.processing_record import read_record_of_processing
from tests.factories import area_with_agency
from tests.services.actors import person, trail


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
