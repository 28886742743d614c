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
    PlainSerializer,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from domain.access import MAX_BREAK_GLASS_MINUTES, AudienceKind
from domain.actions import Ending as ActionEnding
from domain.actions import ForWhom
from domain.actions import Outcome as ActionOutcome
from domain.case import INFORM_WITHIN, ResearchStatus
from domain.consent import ConsentStatus, VictimInformed
from domain.criteria import Criterion
from domain.meeting import RiskTo
from domain.monitoring import Answer as MonitoringAnswer
from domain.monitoring import Ethnicity, Gender, Sexuality
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue
from domain.safeguarding import OnwardTo
from domain.subjects import Role
from services.case_history import TIMELINE_KINDS

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


def _isoformat(value: datetime) -> str:
    return value.isoformat()


# A time in an answer as `datetime.isoformat` writes it (UTC as +00:00): as the audit trail and
# the event feeds store their times, and as the answers that had no schema always sent them
# (pydantic alone would write Z). The same instant either way; the bytes stay the clients'.
IsoformatDateTime = Annotated[
    datetime, PlainSerializer(_isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"})]

Text = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]
Staff = Annotated[str, Field(min_length=1, max_length=200)]

# Beside an agency's id, in the answers that name agencies: its name and code (people know
# "Police", not a UUID). Beside a case's id, its label.
AgencyNameOut = Annotated[str | None, Field(
    description="The agency's name, beside its id; null only for an id the partnership does "
                "not list")]
AgencyCodeOut = Annotated[str | None, Field(description="The agency's code, beside its id")]
CaseLabel = Annotated[str | None, Field(
    description="What coordinators call the case: the victim's initials and year of birth "
                "(`J.S. 1987`; `J.S.` when the date of birth is not known). Personal data: "
                "shown only to those who may see the case; null if it could not be read "
                "(the case erased meanwhile)")]


class AgencyName(BaseModel):
    """An agency as people know it, in a list beside the ids."""

    agency_id: UUID
    name: AgencyNameOut
    code: AgencyCodeOut


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def example(**body: Any) -> ConfigDict:
    """A request body's example in the OpenAPI document, made up (no real person); a test
    checks that each one is valid."""
    return ConfigDict(json_schema_extra={"examples": [body]})


_AGENCY = "0b5e8a52-6d1f-4c3a-9e27-5f1d0c8b7a61"
_MEETING = "c4f7a2d8-9b3e-4e61-a5c0-7e2b8d1f6a93"


class SubjectChangesIn(Strict):
    """Only the fields given are corrected; a subject's id and role are not. A subject as
    referred is these fields and its role (SubjectIn)."""

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
    relationship: Annotated[Name, Field(description="Who they are to the victim "
                                                    "(\"ex-partner\", \"son\")")] | None = None


class SubjectIn(SubjectChangesIn):
    role: Literal["victim", "perpetrator", "child", "household_member"]


class AnswerIn(Strict):
    value: Literal["yes", "no", "not_known"]
    source: Name | None = None


class RiskAssessmentIn(Strict):
    tool: Literal["dash-ric"] = "dash-ric"
    version: Annotated[str, Field(min_length=1, max_length=40)]
    # The keys are the checklist's questions: an enum in the document, checked by the domain,
    # which counts a key it does not know rather than echo it (it could be personal data).
    answers: Annotated[dict[Annotated[str, Field(max_length=60)], AnswerIn], Field(
        max_length=40, description="Keyed by question; a question not answered is not known",
        json_schema_extra={"propertyNames": {"enum": list(DASH_RIC_QUESTIONS)}})]


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
    model_config = example(
        referred_on="2026-01-10",
        subjects=[{"role": "victim", "forenames": "Alex", "surname": "Example",
                   "date_of_birth": "1990-01-01", "gender": "female",
                   "safe_contact": "mobile, texts only, not after 6 pm"},
                  {"role": "perpetrator", "forenames": "Sam", "surname": "Sample",
                   "date_of_birth": "1988-06-30"}],
        incident_summary="Threats to kill made after the victim asked the perpetrator to leave.",
        risk_assessment={"version": "2009", "answers": {
            q: {"value": "yes" if i < 15 else "no"} for i, q in enumerate(DASH_RIC_QUESTIONS)}},
        criteria={"visible_high_risk": True},
        consent={"status": "given"},
        victim_informed="yes",
        idva_referral_made=True)

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
    model_config = example(outcome="decline", reason="Below the area's threshold; referred to "
                                                      "the outreach service")

    outcome: Literal["accept", "decline", "link_repeat"]
    reason: Reason | None = None
    existing_case_id: UUID | None = None


class GrantCreate(Strict):
    model_config = example(agency_id=_AGENCY, reason="Housing provider to attend the next "
                                                     "hearing", expires_at="2026-03-31T17:00:00Z")

    agency_id: UUID | None = None
    person: Staff | None = None
    reason: Reason
    expires_at: IsoDateTime | None = None


class ActionCreate(Strict):
    model_config = example(owner_agency_id=_AGENCY, for_whom="victim", due_on="2026-02-07",
                           description="Fit a door alarm and add a marker to the address",
                           meeting_id=_MEETING)

    owner_agency_id: UUID
    description: Annotated[str, Field(min_length=1, max_length=2_000)]
    for_whom: Literal["victim", "perpetrator", "child", "household"]
    due_on: IsoDate
    # The hearing that agreed it, if any; the case must be on that meeting's agenda.
    meeting_id: UUID | None = None


class ActionUpdateCreate(Strict):
    model_config = example(note="Alarm fitted on 3 February", outcome="completed")

    note: Annotated[str, Field(min_length=1, max_length=5_000)]
    outcome: Literal["completed", "changed_circumstance", "not_done"] | None = None


class ActionRow(BaseModel):
    action_id: UUID
    case_id: UUID
    owner_agency_id: UUID
    owner_agency_name: AgencyNameOut
    owner_agency_code: AgencyCodeOut
    due_on: date
    overdue: bool
    escalated: bool


class ActionDisposalIn(Strict):
    action_id: UUID
    fate: Literal["completed", "carried", "closed_with_case"]
    carried_to: Annotated[UUID | None, Field(
        description="The agency that carries the action on after closure: named when (and "
                    "only when) `fate` is `carried`")] = None


class ClosureCreate(Strict):
    model_config = example(reason="Actions completed; risk reduced at review")

    reason: Reason
    open_actions: Annotated[list[ActionDisposalIn], Field(
        max_length=500, description="What becomes of each action still open, every one "
                                    "named once (422 `open_actions_unaccounted` otherwise)")] = []


class SubjectCorrectionCreate(Strict):
    model_config = example(reason="Surname misspelt on referral", changes={"surname": "Examples"})

    reason: Reason
    changes: SubjectChangesIn


class RiskAssessmentCorrectionCreate(Strict):
    reason: Reason
    risk_assessment: RiskAssessmentIn


class CriteriaCorrectionCreate(Strict):
    model_config = example(reason="Police call-outs miscounted",
                           criteria={"visible_high_risk": True, "incidents_in_12_months": 4})

    reason: Reason
    criteria: CriteriaIn


class WithdrawalCreate(Strict):
    model_config = example(reason="Referred twice: a duplicate of an earlier referral")

    reason: Reason


class OnwardReferralCreate(Strict):
    model_config = example(to="mash", on="2026-01-15")

    to: OnwardTo
    on: IsoDate


class SocialCareCreate(Strict):
    childrens: StrictBool
    adult: StrictBool


class RevokeCreate(Strict):
    reason: Reason


class RestrictionCreate(Strict):
    model_config = example(member_agencies=[_AGENCY], reason="A member of staff is "
                                                                 "related to the perpetrator")

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
    model_config = example(person="staff-4711", reason="Lives next door to the victim")

    person: Staff
    reason: Reason


class BreakGlassCreate(Strict):
    model_config = example(reason="Victim at A&E out of hours; safety plan needed now",
                           minutes=30)

    reason: Reason
    minutes: Annotated[StrictInt, Field(ge=1, le=MAX_BREAK_GLASS_MINUTES)] = (
        MAX_BREAK_GLASS_MINUTES)


class BreakGlassOpened(BaseModel):
    expires_at: datetime


class AudienceIn(Strict):
    kind: Literal["whole_case", "agencies", "coordinators", "authoring_agency"]
    agencies: Annotated[list[UUID], Field(max_length=50)] = []


class InformationCreate(Strict):
    model_config = example(kind="research_note", text="Two call-outs to the address in "
                           "December; no arrests.", audience={"kind": "coordinators"},
                           meeting_id=_MEETING)

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
    label: CaseLabel
    area_id: UUID
    status: str
    referred_on: date
    last_referral_on: date
    referring_agency_id: UUID
    referring_agency_name: AgencyNameOut
    referring_agency_code: AgencyCodeOut
    repeat_of: UUID | None
    restricted: bool = Field(
        False, description="Need-to-know only: visible to its named members alone")


class CasesPage(BaseModel):
    items: list[CaseSummary]
    total: int = Field(description="Every case the caller may see (with the status asked for)")
    page: int
    page_size: int
    next_cursor: str | None = Field(
        None, description="Give as `cursor` for the next page; none after the last page")


class Audience(BaseModel):
    kind: AudienceKind
    agencies: list[UUID] = Field(default=[], description="For `agencies` only")
    agencies_named: list[AgencyName] = Field(default=[], description="The same agencies, "
                                                                     "by name and code")


class Item(BaseModel):
    item_id: UUID
    kind: str
    text: str
    audience: Audience
    author_agency: UUID
    author_agency_name: AgencyNameOut = None
    author_agency_code: AgencyCodeOut = None
    recorded_at: datetime


class ActionNote(BaseModel):
    action_id: UUID
    note: str
    by: str
    on: date
    outcome: ActionOutcome | None = None


class Action(BaseModel):
    """A SMART action agreed for a case, with its owner's progress notes."""

    action_id: UUID
    owner_agency: UUID
    owner_agency_name: AgencyNameOut = None
    owner_agency_code: AgencyCodeOut = None
    description: str
    for_whom: ForWhom
    due_on: date
    agreed_by: str
    agreed_on: date
    meeting_id: UUID | None = Field(default=None, description="The hearing that agreed it")
    outcome: ActionEnding | None = Field(default=None, description=(
        "How it ended: its owner's outcome, or `closed_with_case` when the case closed on it"))
    escalated: bool = False
    notes: list[ActionNote] = []
    overdue: bool = Field(default=False, description=(
        "Open past its due date: today, or on a review list the day of its meeting"))


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


# The case as recorded (projections/case_document.py), in the shapes a case view shows; its
# times as they were sent before these parts had a schema.


class FromResult(BaseModel):
    """A schema read from a service's typed result (a frozen dataclass), by attribute: a field
    the result loses fails here rather than in a client."""

    model_config = ConfigDict(from_attributes=True)


class Subject(FromResult):
    """A person the referral is about, as the referrer described them (personal data)."""

    subject_id: UUID
    role: Role
    forenames: str
    surname: str
    aliases: list[str]
    date_of_birth: date | None
    gender: str | None = Field(description="Coded for equality monitoring, as referred")
    ethnicity: str | None
    sexuality: str | None
    disability: str | None
    trans: str | None
    address: str | None
    safe_contact: str | None
    references: list[str] = Field(description="Agencies' own reference numbers")
    relationship: str | None = Field(description="Who they are to the victim")


class RiskAnswer(BaseModel):
    question: str = Field(description="A question of the risk tool's checklist")
    value: AnswerValue
    source: str | None = Field(description="Who gave the answer, where not the victim")


class RiskAssessment(BaseModel):
    tool: str
    version: str
    answers: list[RiskAnswer] = Field(description="Every question; one not answered is "
                                                  "`not_known`")
    completed_on: str | None


class Criteria(BaseModel):
    """The referral criteria the referrer claimed."""

    visible_high_risk: bool
    professional_judgement_reason: str | None
    incidents_in_12_months: int | None
    honour_based_abuse: bool


class Consent(BaseModel):
    status: ConsentStatus
    reason_without_consent: str | None
    lawful_basis: str | None


class Referral(BaseModel):
    """What the referring agency submitted."""

    referrer: str
    subjects: list[Subject]
    incident_summary: str
    risk_assessment: RiskAssessment
    dash_score: int = Field(description='The DASH score: the number of "yes" answers')
    criteria_met: list[Criterion] = Field(description=(
        "The referral criteria its facts meet under the area's settings now (the score "
        "against the area's threshold, incidents, 'honour'-based abuse, a judgement's "
        "reason): what a threshold decision would find; the decision keeps those it found"))
    criteria: Criteria
    consent: Consent
    victim_informed: VictimInformed
    idva_referral_made: bool
    manager_sign_off: bool


class Decision(BaseModel):
    """The coordinators' decision on the referral."""

    outcome: Literal["accepted", "declined", "linked_as_repeat"]
    by: str
    on: date
    criteria_met: list[str]
    reason: str | None


class Restriction(BaseModel):
    provisional: bool = Field(description="Restricted at referral ('honour'-based abuse), no "
                                          "members named yet")
    restricted_at: IsoformatDateTime
    reviewed_at: IsoformatDateTime | None
    review_due: IsoformatDateTime


class Grant(BaseModel):
    """Access granted to an agency or to a person (by staff id)."""

    grant_id: UUID
    agency_id: UUID | None
    person: str | None
    expires_at: IsoformatDateTime | None


class BreakGlassSession(BaseModel):
    person: str
    agency_id: UUID
    opened_at: IsoformatDateTime
    expires_at: IsoformatDateTime
    reason: str = Field(description="Empty for a session opened before reasons were kept")


class CaseAccess(BaseModel):
    """Who may see the case beyond its agencies, and who may not."""

    restricted: bool
    restriction: Restriction | None
    members: list[str]
    member_agencies: list[UUID]
    excluded: list[str]
    grants: list[Grant]
    break_glass: list[BreakGlassSession]


class OnwardReferral(BaseModel):
    to: OnwardTo
    on: date
    by: str


class SocialCare(BaseModel):
    """Whether the case is open to children's and to adult social care, as last found."""

    childrens: bool
    adult: bool
    as_of: date
    by: str


class Safeguarding(BaseModel):
    onward_referrals: list[OnwardReferral]
    social_care: SocialCare | None


class CaseView(BaseModel):
    summary: CaseSummary
    closure: ClosureView | None = None
    referral: Referral
    decision: Decision | None
    repeat_referrals: list[UUID]
    items: list[Item]
    actions: list[Action] = []
    access: CaseAccess | None = Field(
        default=None, description="Grants, restriction and exclusions: coordinators only")
    safeguarding: Safeguarding | None = Field(
        default=None, description="Onward referrals and social care: coordinators only")


class TimelineEntry(FromResult):
    """One thing that happened on a case."""

    at: IsoformatDateTime = Field(description=(
        "When it happened: the time given for it where one is kept (a MARRAC co-ordinator "
        "enters a day's work afterwards, with its times), else when it was recorded"))
    recorded_at: IsoformatDateTime
    kind: str = Field(description=(
        "What happened, one of: " + ", ".join(f"`{k}`" for k in TIMELINE_KINDS)
        + ". Not an enum, so that a client generated today still reads a kind added later"))
    summary: str = Field(description="For people: from kinds, dates and counts, never free "
                                     "text or a person's details")
    agency_id: UUID | None = Field(None, description=(
        "The agency it was by or for, where one is known (a coordinator's decision names "
        "none)"))
    agency_name: str | None = None
    item_id: UUID | None = Field(None, description="The item shared or released")
    action_id: UUID | None = None
    meeting_id: UUID | None = Field(None, description="The meeting it happened at or for")
    linked_case_id: UUID | None = Field(None, description="A repeat referral linked in")
    text: str | None = Field(None, description="An item's own text")


class CaseTimeline(FromResult):
    """What happened on a case, oldest first, as the caller may see it: what comes from an
    item, an agency's part or the case's management that the caller may not see is absent."""

    case_id: UUID
    entries: list[TimelineEntry]


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
    rank: int = Field(description="1 for the strongest suggestion; the list is in this order")
    strength: int = Field(description="Points for what the victims' identifiers share, less "
                                      "what differs; suggested from 14, strong from 20")
    strong: bool
    reason: str = Field(description="What agrees and what differs, e.g. \"same date of birth "
                                    "and similar surname\"")
    matched_on: list[str] = Field(description="The kinds of match key shared")
    status: str
    last_referral_on: date
    within_window: bool


class SubscriptionCreated(BaseModel):
    id: UUID
    status: Literal["pending"] = Field(description="Until its client activates it")


class SubscriptionSummary(BaseModel):
    """A feed in its area's list: its configuration and state."""

    id: UUID
    client_id: str
    agency_id: UUID
    agency_name: AgencyNameOut
    event_types: list[str]
    endpoint: str | None = Field(description="Null: pull only")
    status: Literal["pending", "active", "disabled"] = Field(
        description="Pending until its client activates it; disabled when its receiver "
                    "answered 410 (a replay re-enables it)")
    created_at: datetime


class SubscriptionStatus(BaseModel):
    """A feed's configuration and state for whoever watches it; its delivery (the fields
    that may be null) for its own client only."""

    id: UUID
    client_id: str
    agency_id: UUID
    agency_name: AgencyNameOut
    event_types: list[str]
    endpoint: str | None = Field(description="Null: pull only")
    status: Literal["pending", "active", "disabled"]
    created_at: datetime
    latest_cursor: int | None
    delivered_cursor: int | None
    lag: int | None = Field(description="Events not yet delivered to the endpoint")
    last_status: int | None = Field(description="The endpoint's last HTTP status")
    last_error: str | None
    next_attempt_at: datetime | None
    dead_letters: list[int] | None = Field(description="Cursors of the events given up on")


class FeedSecret(BaseModel):
    """The webhook secret, shown in this answer only."""

    id: UUID
    secret: str


class Replayed(BaseModel):
    replayed: int | None = Field(description="Events queued again; null for a watcher who is "
                                             "not the feed's client")


class AgendaEntry(BaseModel):
    """A case listed for a hearing, in hearing order."""

    position: int
    case_id: UUID
    label: CaseLabel
    children: bool
    honour_based_abuse: bool


class MeetingSummary(BaseModel):
    meeting_id: UUID
    area_id: UUID
    kind: str
    held_on: date
    attendees: int


class MinutesState(BaseModel):
    marking: str = Field(description="The minutes' protective marking")
    due_on: date
    distributed_at: datetime | None
    late: bool


MeetingStatus = Literal["scheduled", "held", "cancelled"]


class Attendee(BaseModel):
    """One attendee of a meeting."""

    person: str = Field(description="Their staff id")
    agency_id: UUID | None
    at: datetime
    statement_version: int | None = Field(description=(
        "The version of the area's confidentiality statement they acknowledged; null for "
        "attendance recorded before versions were kept"))


class ConfidentialityStatement(BaseModel):
    """The statement read at the start of the meeting; attendance acknowledges this version."""

    text: str
    version: int = Field(description="1 for the area's first text, one more for each change")


class MeetingView(MeetingSummary):
    minutes: MinutesState
    status: MeetingStatus = Field(description="Held from its day on, unless cancelled before")
    attendance: list[Attendee] = Field(default=[], description="In the order recorded")


class ListedMeeting(BaseModel):
    """A meeting in its area's list."""

    meeting_id: UUID
    kind: str
    held_on: date
    status: MeetingStatus = Field(description="Held from its day on, unless cancelled before")
    cases: int = Field(description="The listed cases the caller may see")


class NextMeeting(MeetingSummary):
    agenda: list[AgendaEntry] = Field(description="Only the cases the caller may see")


class ResearchRequestRow(BaseModel):
    """Research asked of an agency on a case listed for a hearing."""

    case_id: UUID
    label: CaseLabel
    meeting_id: UUID
    held_on: date = Field(description="The meeting's day")
    agency_id: UUID
    agency_name: AgencyNameOut
    agency_code: AgencyCodeOut
    requested_on: date | None = Field(description=(
        "The day it was asked for; null only for a request recorded before the day was kept "
        "and not yet projected again"))
    due_on: date
    answered: bool
    status: ResearchStatus = Field(description=(
        "`answered` once the agency has recorded research for the hearing; unanswered, "
        "`overdue` after its due day (the due day itself is in time), else `requested`"))


class CandidateLoad(BaseModel):
    coordinator: str
    open_cases: int


class AllocationSuggestion(BaseModel):
    candidates: list[CandidateLoad]
    suggested: str | None = Field(description="The least loaded; ties by id")


class CarriedAction(Action):
    """An action still open from before a meeting, on its review list."""

    case_id: UUID
    overdue: bool


class Risk(BaseModel):
    to: RiskTo
    description: str


class MinutesDistribution(BaseModel):
    due_on: date
    distributed_at: datetime | None
    late: bool


class Minutes(BaseModel):
    """One case's minutes of a hearing, as the caller's view of the case allows."""

    marking: str = Field(description="The minutes' protective marking")
    meeting_id: UUID
    kind: str
    held_on: date
    case_id: UUID
    agencies_present: list[UUID]
    agencies_present_named: list[AgencyName] = Field(description="The same agencies, by "
                                                                 "name and code")
    heard: bool
    risks: list[Risk]
    information: list[Item]
    actions: list[Action]
    distribution: MinutesDistribution
    attendance: list[Attendee] = Field(default=[], description=(
        "Who attended, and the version of the confidentiality statement each acknowledged"))
