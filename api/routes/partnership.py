"""/api/v1/areas and /api/v1/agencies: the partnership's areas and agencies, listed by name
and code for everyone who works in it, set up and changed by its administrators. No case
content; each change is an event of the area or agency (services/partnership.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool

from api.auth import CurrentActor, CurrentPlatform
from api.errors import AUTHENTICATED, CONFLICT, NOT_FOUND
from api.routes.areas import SettingsChange
from api.schemas import Strict
from domain.agency import AgencyType
from domain.area import MAX_NAME_LENGTH, Model
from services import partnership
from services.partnership import AgencyChange, AreaChange, PartnershipAgency, PartnershipArea

areas_router = APIRouter(prefix="/api/v1/areas", tags=["partnership"],
                         responses=AUTHENTICATED)
agencies_router = APIRouter(prefix="/api/v1/agencies", tags=["partnership"],
                            responses=AUTHENTICATED)

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$",
                            description="Lower-case letters and digits, with inner hyphens "
                                        "or underscores; "
                                        "compared without case. Never changes.")]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
Email = Annotated[str, Field(min_length=3, max_length=254)]


class AreaView(BaseModel):
    id: UUID
    code: str
    name: str
    model: Model

    @classmethod
    def of(cls, view: PartnershipArea) -> AreaView:
        return cls(id=view.id, code=view.code, name=view.name, model=view.model)


class AgencyView(BaseModel):
    id: UUID
    area_id: UUID
    area_code: str
    code: str
    name: str
    agency_type: AgencyType
    core: bool = Field(description="Attends every meeting (others attend when invited)")
    spoc_email: str | None = Field(description="Its single point of contact's mailbox")

    @classmethod
    def of(cls, view: PartnershipAgency) -> AgencyView:
        return cls(id=view.id, area_id=view.area_id, area_code=view.area_code, code=view.code,
                   name=view.name, agency_type=view.agency_type,  # type: ignore[arg-type]
                   core=view.core, spoc_email=view.spoc_email)


class AreaCreate(Strict):
    code: Code
    name: Name
    model: Model = "marac"
    settings: SettingsChange = SettingsChange()


class AreaUpdate(Strict):
    """Only what is given changes; the code never does."""

    name: Name | None = None
    model: Model | None = None
    settings: SettingsChange = SettingsChange()


class AgencyCreate(Strict):
    area_id: UUID
    code: Code
    name: Name
    agency_type: AgencyType
    core: StrictBool = False
    spoc_email: Email | None = None


class AgencyUpdate(Strict):
    """Only what is given changes; `spoc_email: null` removes the single point of contact."""

    name: Name | None = None
    agency_type: AgencyType | None = None
    core: StrictBool | None = None
    spoc_email: Email | None = None


@areas_router.get("", response_model=list[AreaView])
def list_areas(platform: CurrentPlatform, actor: CurrentActor) -> list[AreaView]:
    """Every area of the partnership, by code."""
    return [AreaView.of(a) for a in partnership.list_areas(platform, actor)]


@areas_router.post("", status_code=201, response_model=AreaView, responses=CONFLICT)
def create_area(body: AreaCreate, platform: CurrentPlatform, actor: CurrentActor) -> AreaView:
    """A new area, by a partnership-wide administrator; a taken code is `already_exists`."""
    return AreaView.of(partnership.create_area(
        platform, actor, body.code, body.name, model=body.model,
        settings=body.settings.model_dump(exclude_none=True)))


@areas_router.patch("/{area_id}", response_model=AreaView, responses=NOT_FOUND)
def change_area(area_id: UUID, body: AreaUpdate, platform: CurrentPlatform,
                actor: CurrentActor) -> AreaView:
    """Renamed, its model or settings changed, by an administrator of the area; the audit
    record names what changed, not the values."""
    return AreaView.of(partnership.change_area(platform, actor, area_id, AreaChange(
        body.name, body.model, body.settings.model_dump(exclude_none=True))))


@agencies_router.get("", response_model=list[AgencyView])
def list_agencies(platform: CurrentPlatform, actor: CurrentActor,
                  area_id: Annotated[UUID | None, Query(description="Only this area's")]
                  = None) -> list[AgencyView]:
    """Every agency of the partnership (or of one area), by area and code."""
    return [AgencyView.of(a) for a in partnership.list_agencies(platform, actor, area_id)]


@agencies_router.post("", status_code=201, response_model=AgencyView,
                      responses={**NOT_FOUND, **CONFLICT})
def register_agency(body: AgencyCreate, platform: CurrentPlatform,
                    actor: CurrentActor) -> AgencyView:
    """An agency in an area, by an administrator of the area; a code taken in the area is
    `already_exists`."""
    return AgencyView.of(partnership.register_agency(
        platform, actor, body.area_id, body.code, body.name, agency_type=body.agency_type,
        core=body.core, spoc_email=body.spoc_email))


@agencies_router.patch("/{agency_id}", response_model=AgencyView, responses=NOT_FOUND)
def change_agency(agency_id: UUID, body: AgencyUpdate, platform: CurrentPlatform,
                  actor: CurrentActor) -> AgencyView:
    """Renamed, reclassified, or its single point of contact changed, by an administrator of
    its area."""
    return AgencyView.of(partnership.change_agency(platform, actor, agency_id, AgencyChange(
        body.name, body.agency_type, body.core,
        spoc_email=body.spoc_email,
        clear_spoc="spoc_email" in body.model_fields_set and body.spoc_email is None)))
