"""Request and response bodies. Input is bounded (lengths, counts) and validated here; the
domain checks the rules."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

from domain.access import MAX_BREAK_GLASS_MINUTES
from domain.case import INFORM_WITHIN
from domain.monitoring import Answer as MonitoringAnswer
from domain.monitoring import Ethnicity, Gender, Sexuality
from domain.safeguarding import OnwardTo

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ].+)?")


def _iso_date(value: object) -> object:
    # The library's lax mode reads a number, or a string of digits, as seconds since 1970, and
    # a datetime at midnight as its date: none of those is what a caller meant by a date.
    if (isinstance(value, str) and _ISO_DATE.fullmatch(value)) or type(value) is date:
        return value
    raise ValueError("a date is a string YYYY-MM-DD")


def _iso_datetime(value: object) -> object:
    if (isinstance(value, str) and _ISO_DATETIME.fullmatch(value)) or isinstance(value, datetime):
        return value
    raise ValueError("a date and time is an ISO 8601 string, such as 2026-01-12T09:30:00Z")


# Dates at the boundary, in bodies and query strings alike: JSON has no date, so a date is the
# string YYYY-MM-DD and a date and time an ISO 8601 string with its offset (a time without one
# could not be compared with the platform's, which are UTC). In a body, a yes or no is a JSON
# boolean (StrictBool: never 0, 1 or "yes") and a count a JSON integer (StrictInt: never "3"
# or 3.0); query strings are text, and their numbers are read from it.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
# A query's time bound, where a date (its midnight) or a time without an offset (UTC) is what a
# person searching means; it is compared in UTC (audit/queries.py).
IsoTimeBound = Annotated[datetime, BeforeValidator(_iso_datetime)]

Text = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]
Staff = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectIn(Strict):
    role: Literal["victim", "perpetrator", "child", "household_member"]
    forenames: Name = ""
    surname: Name = ""
    aliases: Annotated[list[Name], Field(max_length=20)] = []
    date_of_birth: IsoDate | None = None
    # Coded for equality monitoring (domain/monitoring.py).
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    sexuality: Sexuality | None = None
    disability: MonitoringAnswer | None = None
    trans: MonitoringAnswer | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    safe_contact: Annotated[str, Field(max_length=500)] | None = None
    references: Annotated[list[Name], Field(max_length=20)] = []


class AnswerIn(Strict):
    value: Literal["yes", "no", "not_known"]
    source: Name | None = None


class RiskAssessmentIn(Strict):
    tool: Literal["dash-ric"] = "dash-ric"
    version: Annotated[str, Field(min_length=1, max_length=40)]
    answers: Annotated[dict[Annotated[str, Field(max_length=60)], AnswerIn],
                       Field(max_length=40)]


class CriteriaIn(Strict):
    visible_high_risk: StrictBool = False
    professional_judgement_reason: Reason | None = None
    incidents_in_12_months: Annotated[StrictInt, Field(ge=0, le=1000)] | None = None
    honour_based_abuse: StrictBool = False


class ConsentIn(Strict):
    status: Literal["given", "refused", "not_sought"]
    reason_without_consent: Reason | None = None
    lawful_basis: Reason | None = None


class ReferralCreate(Strict):
    referred_on: IsoDate
    subjects: Annotated[list[SubjectIn], Field(min_length=2, max_length=30)]
    incident_summary: Text
    risk_assessment: RiskAssessmentIn
    criteria: CriteriaIn
    consent: ConsentIn
    victim_informed: Literal["yes", "no", "unsafe_to_tell"]
    idva_referral_made: StrictBool
    manager_sign_off: StrictBool = False


class Created(BaseModel):
    id: UUID


class DecisionCreate(Strict):
    outcome: Literal["accept", "decline", "link_repeat"]
    reason: Reason | None = None
    existing_case_id: UUID | None = None


class GrantCreate(Strict):
    agency_id: UUID | None = None
    person: Staff | None = None
    reason: Reason
    expires_at: IsoDateTime | None = None


class ActionCreate(Strict):
    owner_agency_id: UUID
    description: Annotated[str, Field(min_length=1, max_length=2_000)]
    for_whom: Literal["victim", "perpetrator", "child", "household"]
    due_on: IsoDate
    # The hearing that agreed it, if any; the case must be on that meeting's agenda.
    meeting_id: UUID | None = None


class ActionUpdateCreate(Strict):
    note: Annotated[str, Field(min_length=1, max_length=5_000)]
    outcome: Literal["completed", "changed_circumstance", "not_done"] | None = None


class ActionRow(BaseModel):
    action_id: UUID
    case_id: UUID
    owner_agency_id: UUID
    due_on: date
    overdue: bool
    escalated: bool


class ClosureCreate(Strict):
    reason: Reason


class OnwardReferralCreate(Strict):
    to: OnwardTo
    on: IsoDate


class SocialCareCreate(Strict):
    childrens: StrictBool
    adult: StrictBool


class RevokeCreate(Strict):
    reason: Reason


class RestrictionCreate(Strict):
    members: Annotated[list[Staff], Field(max_length=100)] = []
    member_agencies: Annotated[list[UUID], Field(max_length=50)] = []
    reason: Reason


class RestrictionReviewCreate(Strict):
    """A restriction's review, due every 90 days: keep it, or lift it, with a reason."""

    decision: Literal["keep", "lift"]
    reason: Reason


class RestrictionDue(BaseModel):
    case_id: UUID
    # Restricted at referral ('honour'-based abuse), no members named yet.
    provisional: bool
    review_due: datetime


class ExclusionCreate(Strict):
    person: Staff
    reason: Reason


class BreakGlassCreate(Strict):
    reason: Reason
    minutes: Annotated[StrictInt, Field(ge=1, le=MAX_BREAK_GLASS_MINUTES)] = (
        MAX_BREAK_GLASS_MINUTES)


class BreakGlassOpened(BaseModel):
    expires_at: datetime


class AudienceIn(Strict):
    kind: Literal["whole_case", "agencies", "coordinators", "authoring_agency"]
    agencies: Annotated[list[UUID], Field(max_length=50)] = []


class InformationCreate(Strict):
    kind: Literal["research_note", "disclosure", "risk", "note"]
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    # A research note goes to the coordinators first, and is released later.
    audience: AudienceIn
    # The hearing it was researched for or disclosed at; the case must be on its agenda.
    meeting_id: UUID | None = None


class ReleaseCreate(Strict):
    audience: AudienceIn


class CaseSummary(BaseModel):
    case_id: UUID
    area_id: UUID
    status: str
    referred_on: date
    last_referral_on: date
    referring_agency_id: UUID
    repeat_of: UUID | None


class CasesPage(BaseModel):
    items: list[CaseSummary]
    total: int = Field(description="Every case the caller may see (with the status asked for)")
    page: int
    page_size: int
    next_cursor: str | None = Field(
        None, description="Give as `cursor` for the next page; none after the last page")


class Item(BaseModel):
    item_id: UUID
    kind: str
    text: str
    audience: dict[str, Any]
    author_agency: UUID
    recorded_at: datetime


_WITHIN = f"{INFORM_WITHIN // timedelta(hours=1)} hours"


class AgencyTold(BaseModel):
    """One agency told of a closure."""

    told_at: datetime | None = Field(
        description="When the agency acknowledged being told; null while it has not")
    late: bool = Field(description=f"Told more than {_WITHIN} after the closure, or not told "
                                   f"and {_WITHIN} have passed")


class ClosureView(BaseModel):
    closed_on: date
    closed_at: datetime | None = Field(
        description="When the case was closed; null for a closure recorded before its time "
                    "was kept, which counts from the end of its day")
    inform_by: datetime = Field(description=f"{_WITHIN} after the closure")
    reason: str
    informed: dict[UUID, AgencyTold] = Field(
        description="The agencies told of the closure, those that may see the case: all of "
                    "them for coordinators; the caller's own agency for anyone else")
    outstanding: list[UUID] = Field(description="Of those, the agencies not yet told")
    late: bool = Field(description="Any of those told late, or still not told in time")


class CaseView(BaseModel):
    summary: CaseSummary
    closure: ClosureView | None = None
    referral: dict[str, Any]
    decision: dict[str, Any] | None
    repeat_referrals: list[UUID]
    items: list[Item]
    actions: list[dict[str, Any]] = []
    access: dict[str, Any] | None = Field(
        default=None, description="Grants, restriction and exclusions: coordinators only")
    safeguarding: dict[str, Any] | None = Field(
        default=None, description="Onward referrals and social care: coordinators only")


class SearchHit(BaseModel):
    summary: CaseSummary
    matched_on: list[str]


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int = Field(description="Every match the caller may see")
    next_cursor: str | None = Field(
        None, description="Give as `cursor` for the next page; none after the last page")


class PossibleRepeatOut(BaseModel):
    case_id: UUID
    matched_on: list[str]
    status: str
    last_referral_on: date
    within_window: bool
