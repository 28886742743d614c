"""Aggregates brought to the versions a batch of notifications reaches, each folded once per
batch, for the read models that are written from the aggregate rather than from its events.

A notification is a stored event: the events a batch carries are decrypted and applied from
it, so an aggregate held from the previous batch of the same pass only takes the batch's own
events, and one first seen in a batch is read from the store once, with every other such
aggregate of the batch, in one round trip (`storage.events`). A pass is one run of a runner
(a catch-up, or a rebuild from zero): the aggregates it holds are dropped when it ends, so
that no decrypted case outlives the pass that needed it, and an erased case is dropped at
once. Without this, each case was loaded from its first event in every batch it appeared in
(quadratic in a case's length), with a round trip for its ledger check, its key and its events.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from domain.application import Marac
from domain.case import Case
from domain.exceptions import CaseErased
from domain.meeting import Meeting
from security.errors import MissingDataKey
from security.keyring import Keyring
from storage.database import Cursor, Database
from storage.events import EventRange, select_events

CASE_TOPIC = "domain.case:Case."
MEETING_TOPIC = "domain.meeting:Meeting."
# A rebuild's pass holds at most this many aggregates between batches (least recently used
# dropped first): enough for the cases open at once in a busy area's log.
HELD = 5_000


@dataclass
class FoldCounts:
    """What a pass cost: counted, not timed, so that tests can hold it to a rule."""

    batches: int = 0
    folded: int = 0  # aggregates brought to a batch's version (each once per batch)
    read_from_store: int = 0  # aggregates whose earlier events were read from the store
    store_reads: int = 0  # round trips reading events (one per batch at most)
    events_applied: int = 0
    # Each aggregate: in how many batches it was folded (the rule: once a batch at most).
    loads: dict[UUID, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """A batch of notifications as views are written from it: each meeting and case at its
    newest version in the batch, and the cases erased meanwhile."""

    meetings: list[Meeting]
    cases: list[Case]
    erased: list[UUID]


class Folds:
    def __init__(self, app: Marac, db: Database, keyring: Keyring, *, held: int = HELD) -> None:
        self.app = app
        self.db = db
        self.keyring = keyring
        self.held_max = held
        self._held: OrderedDict[UUID, Any] = OrderedDict()
        self.counts = FoldCounts()

    def batch(self, cur: Cursor, notifications: Sequence[Notification]) -> Batch:
        """The batch's meetings and cases at their newest versions in it, and its erased
        cases (the ledger decides: a process may still hold an erased case's key)."""
        self.counts.batches += 1
        case_versions = latest_versions(notifications, CASE_TOPIC)
        shredded = self.keyring.shredded(list(case_versions)) if case_versions else set()
        for case_id in shredded:
            self._held.pop(case_id, None)
        live = {c: v for c, v in case_versions.items() if c not in shredded}
        meeting_versions = latest_versions(notifications, MEETING_TOPIC)
        folded = self.fold(cur, notifications, {**meeting_versions, **live},
                           tolerate_erased=set(live))
        erased = [c for c in case_versions if c in shredded or c not in folded]
        return Batch(meetings=[folded[m] for m in meeting_versions],
                     cases=[folded[c] for c in live if c in folded], erased=erased)

    def latest(self, cur: Cursor, notifications: Sequence[Notification],
               topic_prefix: str) -> list[Any]:
        """The aggregates of one kind (by topic) at their newest versions in the batch."""
        versions = latest_versions(notifications, topic_prefix)
        folded = self.fold(cur, notifications, versions)
        return [folded[a] for a in versions]

    def fold(self, cur: Cursor, notifications: Sequence[Notification],
             versions: dict[UUID, int], *, tolerate_erased: set[UUID] | None = None
             ) -> dict[UUID, Any]:
        """Each aggregate at its version: from the one held, or from the store, then the
        batch's own events. An aggregate in `tolerate_erased` whose key is gone (erased
        between the ledger check and now) is left out, not raised."""
        if not versions:
            return {}
        in_batch: dict[UUID, list[Notification]] = {}
        for n in notifications:
            oid = _uuid(n.originator_id)
            if oid in versions and n.originator_version <= versions[oid]:
                in_batch.setdefault(oid, []).append(n)
        starts: dict[UUID, Any] = {}
        ranges: list[EventRange] = []
        for oid, version in versions.items():
            first = min((n.originator_version for n in in_batch.get(oid, [])), default=version + 1)
            held = self._held.pop(oid, None)
            start = held.version if held is not None and held.version < first else 0
            starts[oid] = held if start else None
            if start < first - 1:  # events before the batch's that nothing holds
                ranges.append(EventRange(oid, start, first - 1))
        earlier: dict[UUID, list[StoredEvent]] = {}
        if ranges:
            earlier = self._read(cur, ranges)
            self.counts.store_reads += 1
            self.counts.read_from_store += len(ranges)
        # The keys of every encrypted aggregate of the batch in one round trip, not one each.
        self.keyring.warm(list(versions))
        found: dict[UUID, Any] = {}
        for oid, version in versions.items():
            stored = [*earlier.get(oid, ()), *in_batch.get(oid, ())]
            aggregate = starts[oid]
            base = aggregate.version if aggregate is not None else 0
            try:
                events: list[Any] = [self.app.mapper.to_domain_event(s) for s in stored
                          if base < s.originator_version <= version]
            except (CaseErased, MissingDataKey):
                if tolerate_erased is not None and oid in tolerate_erased:
                    continue
                raise
            # Each event's own mutator, as the library's repository applies them (its
            # `project_aggregate` also checks each event against a runtime protocol, which
            # cost a rebuild a tenth of its time).
            for event in events:
                aggregate = event.mutate(aggregate)
            self.counts.events_applied += len(events)
            self.counts.folded += 1
            self.counts.loads[oid] = self.counts.loads.get(oid, 0) + 1
            found[oid] = aggregate
            self._hold(oid, aggregate)
        return found

    def _read(self, cur: Cursor, ranges: list[EventRange]) -> dict[UUID, list[StoredEvent]]:
        if not self.db.url.in_memory:
            return select_events(cur, self.db.dialect, ranges)
        # The in-memory store (tests) has no table to query: the library's own reads.
        return {r.originator_id: list(self.app.recorder.select_events(
            r.originator_id, gt=r.after, lte=r.upto)) for r in ranges}

    def _hold(self, oid: UUID, aggregate: Any) -> None:
        if self.held_max <= 0:
            return
        self._held[oid] = aggregate
        while len(self._held) > self.held_max:
            self._held.popitem(last=False)

    def drop(self) -> None:
        """The pass is over: nothing decrypted is kept."""
        self._held.clear()


def latest_versions(notifications: Sequence[Notification], topic_prefix: str) -> dict[UUID, int]:
    """Each aggregate's newest version in the batch: a view is written once per batch."""
    latest: dict[UUID, int] = {}
    for n in notifications:
        if n.topic.startswith(topic_prefix):
            oid = _uuid(n.originator_id)
            latest[oid] = max(latest.get(oid, 0), n.originator_version)
    return latest


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
