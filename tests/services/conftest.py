"""The use cases called directly, without HTTP, on the in-memory platform (`memory:`: the
library's in-memory event recorder, the read models and the audit trail in an in-memory SQLite
database, and the encryption, blind index and audit chain for real), in milliseconds; actors
made from principals, and the audit trail they write to.

The stores themselves are proved by the HTTP tests (tests/api) and tests/integration, on a
SQLite file and PostgreSQL; a service test that must run on them is marked `real_stores`
(tests/conftest.py chooses).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from audit.trail import AuditTrail
from security.identity import Principal
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from security.policy import Viewer
from services.actor import Actor, TrailAudit
from tests.factories import referral

NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


class Clock:
    """The platform's time, which a test may move on (to a meeting's day, say)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def stores(settings: Settings, key_material: KeyMaterial, clock: Clock,
           issuer: LocalIssuer) -> Iterator[Platform]:
    # The business day is the clock's (build_platform's default).
    built = build_platform(settings, material=key_material, issuer=issuer, now=clock)
    yield built
    built.close()


@dataclass
class Area:
    platform: Platform
    area_id: UUID
    police: UUID
    idva: UUID

    def actor(self, subject: str, *roles: str, agency: UUID | None = None,
              area_id: UUID | None = None, purpose: str | None = None) -> Actor:
        principal = Principal(subject, "person", agency, area_id or self.area_id,
                              frozenset(roles))
        viewer = Viewer(principal, self.platform.blind_index.person_ref(subject))
        return Actor(viewer, TrailAudit(self.platform.audit, principal, self.platform.now),
                     purpose)

    def coordinator(self) -> Actor:
        return self.actor("coordinator-1", "coordinator", agency=self.police)

    def case(self, **changes: Any) -> UUID:
        """An accepted case, referred by the police."""
        case_id = self.platform.marac.refer(referral(self.area_id, self.police, **changes))
        self.platform.marac.accept(case_id, "coordinator-1")
        self.platform.runner.catch_up()
        return case_id

    def use_marrac(self) -> None:
        app = self.platform.marac
        settings = app.get_area(self.area_id).settings
        app.change_area_settings(self.area_id, dataclasses.replace(settings, model="marrac"))
        self.platform.runner.catch_up()


@pytest.fixture
def area(stores: Platform) -> Area:
    app = stores.marac
    area_id = app.create_area("wexshire", "Wexshire MARAC")
    police = app.register_agency(area_id, "police", "Police", "police", core=True)
    idva = app.register_agency(area_id, "idva", "Idva", "idva", core=True)
    stores.runner.catch_up()
    return Area(stores, area_id, police, idva)


def trail(audit: AuditTrail) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    """Each record's action, outcome, case and items, in order."""
    return [(r["action"], r["outcome"], r["case_id"], tuple(_items(r["item_ids"])))
            for r in audit.records()]


def _items(stored: str) -> list[str]:
    return list(json.loads(stored))  # stored as JSON text


HELD_ON = date(2026, 1, 29)
