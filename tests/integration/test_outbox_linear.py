"""The outbox projector reads a case once per batch and folds it forward in memory: the stored
events it reads grow with a case's length, not with its square (a load at each event's
version would read 1 + 2 + ... + n of them). Counted, not timed, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from api.bootstrap import Platform
from feeds.events import EVENT_TYPES
from feeds.webhooks import new_secret
from tests.factories import referral


def events_read_projecting(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                           grants: int) -> tuple[int, int]:
    """Events read from the store while the outbox projects one case of `grants` grants
    (each an integration event); and the case's length."""
    app = platform.marac
    area = app.create_area(f"linear-{grants}", "Linear")
    police = app.register_agency(area, "police", "Police", "police", core=True)
    housing = app.register_agency(area, "housing", "Housing", "housing", core=True)
    subscription = platform.feeds.subscribe(
        client_id="housing-cms", agency_id=housing, area_id=area,
        event_types=frozenset(EVENT_TYPES), endpoint=None, secret=new_secret(),
        now=platform.now())
    platform.feed_runner.catch_up()
    platform.feeds.activate(subscription, new_secret(),
                            app.recorder.max_notification_id() or 0)
    case_id = app.refer(referral(area, police, referred_on=date(2026, 1, 10)))
    for _ in range(grants):
        app.grant_access(case_id, by="coordinator-1", reason="Need", agency_id=housing)
    read = 0
    select = app.recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Sequence[Any]:
        nonlocal read
        found = select(*args, **kwargs)
        read += len(found)
        return found

    monkeypatch.setattr(app.recorder, "select_events", counted)
    platform.feed_runner.catch_up()
    monkeypatch.undo()
    got = platform.feeds.events(subscription, 0, 1000)
    assert [e.event.type for e in got] == ["access.granted.v1"] * grants  # all heard
    return read, app.get_case(case_id).version


def test_the_outbox_reads_a_case_once_per_batch_not_once_per_event(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    for grants in (5, 40):
        read, length = events_read_projecting(platform, monkeypatch, grants)
        # At most the case once (a batch folds the rest of it from the log it reads).
        assert read <= length, (grants, read, length)
