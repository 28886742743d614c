"""Response bodies of a meeting's minutes as one document and of their receipts: the same
typed results the pages show (services/meeting_minutes.py, services/minutes_receipts.py)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import Action, AgencyName, AgendaEntry, Item, MinutesState, Risk


class PresentAttendee(BaseModel):
    person: str = Field(description="Their staff id")
    agency: AgencyName | None
    statement_version: int | None = Field(description=(
        "The version of the confidentiality statement they confirmed; null for attendance "
        "recorded before versions were kept"))


class CaseHeard(BaseModel):
    """A case heard, as the caller's view of it allows."""

    entry: AgendaEntry
    risks: list[Risk]
    information: list[Item]
    actions: list[Action]


class MinutesReceipt(BaseModel):
    agency: AgencyName
    acknowledged_by: str | None = Field(description="The staff id of who acknowledged")
    acknowledged_at: datetime | None


class MinutesReceipts(BaseModel):
    """The agencies the minutes went to (those attending) and their receipts: every one for
    the area's coordinators, the caller's own agency's for anyone else."""

    meeting_id: UUID
    distributed_at: datetime | None
    receipts: list[MinutesReceipt]
    may_acknowledge: bool = Field(description="The caller's agency was sent the minutes and "
                                              "has not acknowledged them yet")


class MeetingMinutes(BaseModel):
    """A meeting's minutes (OFFICIAL-SENSITIVE): only the cases heard that the caller may
    see, each with what of it they may see."""

    marking: str
    meeting_id: UUID
    kind: str
    held_on: date
    attendance: list[PresentAttendee]
    cases: list[CaseHeard]
    distribution: MinutesState
    receipts: MinutesReceipts
    coordinates: bool = Field(description="Whether the caller runs the area's meetings")
