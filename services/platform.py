"""What the use cases need of the platform: its stores, read models and clock.

A protocol, so that the services stand below the composition root (api/bootstrap.py's
`Platform` answers it) and a test may hand them any platform that has these parts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from audit.trail import AuditTrail
from domain.application import Marac
from feeds.store import FeedStore
from projections.cases import CaseProjector
from projections.releases import Releases
from projections.reporting import ReportingProjector
from projections.runner import ProjectionRunner
from security.blind_index import BlindIndex
from security.erasure import Eraser
from security.keyring import Keyring


class Platform(Protocol):
    # Read-only: the use cases replace none of them.
    @property
    def marac(self) -> Marac: ...

    @property
    def cases(self) -> CaseProjector: ...

    @property
    def runner(self) -> ProjectionRunner: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def eraser(self) -> Eraser: ...

    @property
    def keyring(self) -> Keyring: ...

    @property
    def blind_index(self) -> BlindIndex: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    @property
    def feeds(self) -> FeedStore: ...

    @property
    def feed_runner(self) -> ProjectionRunner: ...

    @property
    def reports(self) -> ReportingProjector: ...

    @property
    def report_runner(self) -> ProjectionRunner: ...

    @property
    def releases(self) -> Releases: ...
