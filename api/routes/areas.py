"""/api/v1/areas/{id}/settings: an area's local settings (thresholds, repeat window, model,
retention, agenda order, minutes deadline, reporting population and disclosure), read by its
coordinators and administrators and changed by its administrators, never case content."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field, StrictBool, StrictFloat, StrictInt

from api.auth import CurrentActor, CurrentPlatform
from api.errors import AUTHENTICATED, NOT_FOUND
from api.schemas import Strict
from domain.area import AreaSettings
from domain.confidentiality import MAX_STATEMENT_LENGTH
from services import area_settings

router = APIRouter(prefix="/api/v1/areas", tags=["configuration"],
                   responses={**AUTHENTICATED, **NOT_FOUND})


class SettingsChange(Strict):
    """Only the settings given change; each is checked by the domain."""

    referral_threshold: StrictInt | None = None
    escalation_count: StrictInt | None = None
    repeat_window_months: StrictInt | None = None
    hba_automatic: StrictBool | None = None
    restrict_hba_at_referral: StrictBool | None = None
    model: Literal["marac", "marrac"] | None = None
    retention_months: StrictInt | None = None
    children_first: StrictBool | None = None
    hba_placement: Literal["start", "end", "closed"] | None = None
    minutes_within_working_days: StrictInt | None = None
    adult_female_population: Annotated[StrictInt, Field(ge=1, le=100_000_000)] | None = None
    population_minoritised_pct: Annotated[StrictFloat, Field(ge=0, le=100)] | None = None
    population_lgbt_pct: Annotated[StrictFloat, Field(ge=0, le=100)] | None = None
    population_disabled_pct: Annotated[StrictFloat, Field(ge=0, le=100)] | None = None
    suppress_below: StrictInt | None = None
    report_settle_days: StrictInt | None = None
    coordinators_email: Annotated[str, Field(min_length=3, max_length=254)] | None = None
    digest_recipients: list[str] | None = Field(
        default=None, max_length=100,
        description='Agency codes, and "coordinators", that take a daily digest of their '
                    'notifications instead of an e-mail each')
    confidentiality_statement: Annotated[
        str, Field(min_length=1, max_length=MAX_STATEMENT_LENGTH)] | None = Field(
        default=None, description="The statement read at each meeting, in place of the "
                                  "default; a new text is a new version, which attendees "
                                  "acknowledge from then on")


@router.get("/{area_id}/settings", response_model=AreaSettings)
def view_area_settings(area_id: UUID, actor: CurrentActor,
                  platform: CurrentPlatform) -> dict[str, Any]:
    return dataclasses.asdict(area_settings.read_settings(platform, actor, area_id))


@router.patch("/{area_id}/settings", response_model=AreaSettings)
def change_area_settings(area_id: UUID, body: SettingsChange, actor: CurrentActor,
                    platform: CurrentPlatform) -> dict[str, Any]:
    """Recorded as an event of the area, with who changed it; the audit trail names which
    settings changed (not their values)."""
    changed = area_settings.configure(platform, actor, area_id,
                                      body.model_dump(exclude_none=True))
    return dataclasses.asdict(changed)
