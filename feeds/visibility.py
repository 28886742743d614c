"""Whether a subscriber's agency may see a case now: checked again when an event goes out, so
nothing more of a case reaches an agency after a revocation or a restriction, or after the
case is erased, whatever is still queued for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from feeds.outbox import subscriber
from feeds.store import Subscription
from projections.cases import CaseProjector
from security.blind_index import BlindIndex
from security.policy import case_visibility


class Gate:
    def __init__(self, cases: CaseProjector, index: BlindIndex, catch_up: Callable[[], int],
                 now: Callable[[], datetime]) -> None:
        self.cases = cases
        self.index = index
        self.catch_up = catch_up
        self.now = now

    def visible(self, subscription: Subscription, case_ids: Sequence[UUID]) -> set[UUID]:
        # The case read models first reach at least as far into the log as the outbox: a
        # case they do not know yet is not a case the agency may not see.
        self.catch_up()
        viewer = subscriber(subscription, self.index)
        now = self.now()
        return {c for c, access in self.cases.access(case_ids).items()
                if case_visibility(viewer, access, now) is not None}
