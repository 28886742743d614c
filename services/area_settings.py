"""An area's local settings (thresholds, repeat window, model, retention, agenda order, minutes
deadline, reporting population and disclosure): read by its coordinators and administrators,
changed by its administrators; never case content."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from domain.area import AreaSettings
from security.policy import may_configure_area, may_read_area_settings
from services.actor import Actor
from services.platform import Platform


def read_settings(platform: Platform, actor: Actor, area_id: UUID) -> AreaSettings:
    actor.require(may_read_area_settings(actor.principal, area_id), "read_settings",
                  "An area's settings are read by its coordinators and administrators",
                  area_id=area_id)
    actor.audit.record("read_settings", "allowed", area_id=area_id)
    return platform.marac.get_area(area_id).settings


def configure(platform: Platform, actor: Actor, area_id: UUID,
              changes: dict[str, Any]) -> AreaSettings:
    """`changes`: only the settings given, by name; each is checked by the domain. Recorded
    as an event of the area, with who changed it; the audit record names which settings
    changed, not their values."""
    actor.require(may_configure_area(actor.principal, area_id), "configure",
                  "An area's settings are changed by its administrators", area_id=area_id)
    actor.audit.record("configure", "allowed", items=tuple(sorted(changes)), area_id=area_id)
    area = platform.marac.get_area(area_id)
    platform.marac.change_area_settings(area_id, dataclasses.replace(area.settings, **changes))
    return platform.marac.get_area(area_id).settings
