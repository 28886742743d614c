"""A rebuild in large batches writes exactly the rows that projecting one event at a time
writes, for every history (hypothesis); and it folds each case once per batch it appears in,
reading none from the store again (counted, not timed)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Platform
from bench.history import HistoryBuilder
from bench.rebuild import NothingHeld, read_models
from domain.exceptions import DomainError
from projections.folds import CASE_TOPIC, latest_versions
from projections.runner import FoldingProjector, ProjectionRunner

OPS = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(
    ["share", "action", "done", "grant", "repeat", "shred"])), min_size=1, max_size=25)


def one_at_a_time(platform: Platform) -> dict[str, list[tuple[object, ...]]]:
    """Every read model projected event by event from zero, each case read from the store
    for each event (as the runner projected before it held aggregates)."""
    for projector in (platform.runner.projector, platform.report_runner.projector):
        assert isinstance(projector, FoldingProjector)
        ProjectionRunner(platform.marac, platform.database, NothingHeld(projector),
                         batch=1, rebuild_batch=1).rebuild()
    return read_models(platform)


def make_history(platform: Platform, ops: Sequence[tuple[int, str]]) -> None:
    builder = HistoryBuilder(platform)
    history = builder.area()
    app = platform.marac
    cases = [builder.refer(history, n) for n in range(3)]
    work = {c.id: builder.work(c, history, 10_000) for c in cases}
    for index, op in ops:
        case = cases[index % len(cases)]
        try:
            if op == "shred":
                platform.keyring.shred(case.id, "entered_in_error")
            elif op == "repeat":
                repeat = app.refer(builder.referral(history, len(cases)))
                app.link_as_repeat(repeat, case.id, by="coordinator-test")
            else:
                fresh = app.get_case(case.id)
                work[case.id] = builder.work(fresh, history, 10_000)
                cases[index % len(cases)] = fresh
                next(work[case.id])
                app.save(fresh)
        except (DomainError, ValueError):
            continue  # a command the domain refuses (a shredded case, say): none recorded


@pytest.mark.sqlite_file
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS, batch=st.integers(2, 40))
def test_a_rebuild_in_batches_writes_what_one_event_at_a_time_writes(
    platform: Platform, ops: list[tuple[int, str]], batch: int,
) -> None:
    make_history(platform, ops)
    expected = one_at_a_time(platform)
    for runner in (platform.runner, platform.report_runner):
        runner.rebuild_batch = batch
        runner.rebuild()
    rebuilt = read_models(platform)
    assert rebuilt == expected
    # An erased case stays unreadable and is skipped: no row of its own in any read model.
    erased = [r.scope_id for r in platform.keyring.shred_ledger()]
    assert platform.cases.index_rows(erased) == {}
    assert platform.cases.labels(erased) == {}
    assert all(platform.cases.document(c) is None for c in erased)
    assert platform.reports.referrals_of(erased) == {}


def test_each_case_is_folded_once_per_batch_and_read_from_the_store_never(
    platform: Platform,
) -> None:
    HistoryBuilder(platform).build(cases=12, events_per_case=12, open_at_once=6, per_save=4)
    platform.runner.rebuild_batch = 25
    platform.runner.rebuild()
    folds = platform.runner.last_folds
    assert folds is not None
    notifications = platform.marac.recorder.select_notifications(start=1, limit=10_000)
    batches: dict[UUID, int] = {}
    for start in range(0, len(notifications), 25):
        for case_id in latest_versions(notifications[start:start + 25], CASE_TOPIC):
            batches[case_id] = batches.get(case_id, 0) + 1
    assert max(batches.values()) > 1  # cases do span batches
    cases = {c: n for c, n in folds.counts.loads.items() if c in batches}
    assert cases == batches
    assert folds.counts.read_from_store == 0
    assert folds.counts.events_applied == len(notifications)


def test_a_catch_up_reads_a_case_from_the_store_once_for_its_batch(platform: Platform) -> None:
    builder = HistoryBuilder(platform)
    history = builder.area()
    cases = [builder.refer(history, n) for n in range(4)]
    platform.runner.catch_up()
    for case in cases:
        next(builder.work(case, history, 1))
        next(builder.work(case, history, 1))
    platform.marac.save(*cases)
    platform.runner.catch_up()
    folds = platform.runner.last_folds
    assert folds is not None
    assert folds.counts.store_reads == 1  # one round trip for the four cases' earlier events
    assert folds.counts.read_from_store == 4
    assert folds.counts.folded == 4

