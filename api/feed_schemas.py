"""Response bodies of the event feeds: the events a pull returns, and the public event schema,
one JSON Schema document per event type (feeds/events.py).

The event schema is modelled as the part of JSON Schema that feeds/events.py writes (named
keywords, each property a string of a format, a constant, one of some values, or either of
two), not as JSON Schema at large: a keyword the events start to use must be named here, or
the answer fails validation rather than reaching a client unnamed."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel

from api.schemas import IsoformatDateTime
from feeds.events import EVENT_TYPES


def _absent(value: object) -> bool:
    return value is None


def _keyword(alias: str | None = None) -> Any:
    # A keyword a property's schema does not use is left out, not written as null.
    return Field(None, alias=alias, exclude_if=_absent)


class FeedEvent(BaseModel):
    """An integration event as subscribers receive it (thin: ids, type, time, a few fields)."""

    id: UUID
    type: str = Field(description="The event type and its version, `case.referred.v1`")
    occurred_at: IsoformatDateTime
    area_id: UUID
    case_id: UUID | None = Field(description="Null for a meeting's events")
    data: dict[str, str | None] = Field(description="The type's own fields (its schema)")


class PulledEvent(FeedEvent):
    cursor: int = Field(description="The event's place in this feed; give it as `after`")


class FeedPage(BaseModel):
    events: list[PulledEvent]
    next_after: int = Field(description="Give as `after` for the next page")


class PropertySchema(BaseModel):
    """One property's JSON Schema, in the keywords the event schemas use."""

    model_config = ConfigDict(validate_by_name=True, extra="forbid")

    type: Literal["string", "null"] | None = _keyword()
    format: Literal["uuid", "date", "date-time"] | None = _keyword()
    const: str | None = _keyword()
    enum: list[str | None] | None = _keyword()
    one_of: list[PropertySchema] | None = _keyword("oneOf")


class DataSchema(BaseModel):
    """The JSON Schema of an event type's `data`."""

    model_config = ConfigDict(validate_by_name=True, extra="forbid")

    type: Literal["object"]
    required: list[str]
    properties: dict[str, PropertySchema]
    additional_properties: Literal[False] = Field(alias="additionalProperties")


class EnvelopeProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: PropertySchema
    type: PropertySchema
    occurred_at: PropertySchema
    area_id: PropertySchema
    case_id: PropertySchema
    data: DataSchema


class EventSchema(BaseModel):
    """One event type's JSON Schema (draft 2020-12) document, with an example."""

    model_config = ConfigDict(validate_by_name=True, extra="forbid")

    schema_: Literal["https://json-schema.org/draft/2020-12/schema"] = Field(alias="$schema")
    id_: str = Field(alias="$id", description="`urn:marac:event:` and the type")
    title: str
    description: str
    type: Literal["object"]
    required: list[str]
    additional_properties: Literal[False] = Field(alias="additionalProperties")
    properties: EnvelopeProperties
    examples: list[FeedEvent]


class EventSchemas(RootModel[dict[str, EventSchema]]):
    """The public event schema: each event type's JSON Schema, keyed by the type."""

    model_config = ConfigDict(json_schema_extra={"propertyNames": {"enum": list(EVENT_TYPES)}})
