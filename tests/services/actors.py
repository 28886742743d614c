"""For service tests, which call the use cases directly, with no HTTP, on the in-memory platform
(the `platform` fixture; see conftest.py): actors and the trail."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from uuid import UUID

from api.bootstrap import Platform
from audit.queries import AuditFilter, search
from security.identity import Principal
from security.policy import Viewer
from services.actor import Actor, TrailAudit


def person(platform: Platform, subject: str, area_id: UUID | None, agency_id: UUID | None,
           *roles: str) -> Actor:
    """A person's actor, their request audited to the platform's trail."""
    p = Principal(subject, "person", agency_id, area_id, frozenset(roles))
    return Actor(Viewer(p, platform.blind_index.person_ref(subject)),
                 TrailAudit(platform.audit, p, platform.now))


def trail(platform: Platform) -> list[dict[str, Any]]:
    """The trail's records, oldest first, items as a tuple."""
    return [{**asdict(row), "item_ids": tuple(json.loads(row.item_ids))}
            for row in search(platform.audit, AuditFilter(limit=1000))]
