"""Response bodies of the data protection officer's operations: the audit trail's records, the
record of processing and a subject access package. Built from the services' typed results
(`from_attributes`), so a field the result loses fails here rather than in a client."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import FromResult, IsoformatDateTime, Subject
from domain.consent import ConsentStatus
from domain.subjects import Role


class AuditRecordOut(FromResult):
    """A record as the trail stores it, the text its hash covers."""

    seq: int
    at: str = Field(description="UTC, ISO 8601 to the microsecond")
    request_id: str
    actor: str
    actor_kind: str
    agency_id: str | None
    client_id: str | None
    roles: str = Field(description="The actor's roles, sorted, comma-separated")
    action: str
    purpose: str | None
    case_id: str | None
    outcome: str
    item_ids: str = Field(description="A JSON array of the ids of what was returned or "
                                      "touched, as stored (the chain hashes this text)")
    area_id: str | None


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_after_seq: int | None = Field(
        description="Give as `after_seq` for the next page; none after the last page")


class LawfulBases(FromResult):
    article_6: str
    article_9: str
    law_enforcement: str
    consent_recorded_as: list[ConsentStatus]


class RiskAssessmentTool(FromResult):
    tool: str
    questions: int


class PersonalData(FromResult):
    identity_and_contact: list[str]
    special_category: list[str]
    risk_assessment: RiskAssessmentTool
    free_text: list[str]


class Recipient(FromResult):
    area_id: UUID
    agency_id: UUID
    name: str
    type: str
    core: bool


class AreaRetention(FromResult):
    area_id: UUID
    area: str
    retention_months_after_closure: int
    disposal: str


class SubjectAccessRetention(FromResult):
    retention_months_after_answer: int
    disposal: str


class RecordOfProcessing(FromResult):
    """The UK GDPR Article 30 record."""

    controller_note: str
    purposes: list[str]
    lawful_bases: LawfulBases
    categories_of_data_subjects: list[Role]
    categories_of_personal_data: PersonalData
    recipients: list[Recipient]
    retention: list[AreaRetention]
    subject_access_request_retention: SubjectAccessRetention
    security_measures: list[str]
    international_transfers: str


class ConsentRecord(FromResult):
    status: ConsentStatus
    reason_without_consent: str | None
    lawful_basis: str | None


class DisclosedItem(FromResult):
    kind: str
    recorded_at: IsoformatDateTime
    text: str = Field(description="Other people's details redacted")
    author: str = Field(description="`[staff]` where staff are redacted")


class DisclosedCase(FromResult):
    case_id: UUID
    status: str
    referred_on: date
    closed_on: date | None
    your_records: list[Subject]
    incident_summary: str = Field(description="Other people's details redacted")
    consent: ConsentRecord
    referrer: str
    information: list[DisclosedItem]


class SubjectAccessPackage(FromResult):
    """A draft for the DPO, who applies exemptions before anything is released."""

    request_id: UUID
    status: Literal["draft_for_dpo_review"]
    note: str
    cases_withheld_for_exclusion: int = Field(
        description="Cases this DPO is excluded from: another DPO must assemble those")
    cases: list[DisclosedCase]


class TrailFaultOut(FromResult):
    seq: int = Field(description="The first bad record (or the checkpoint's size)")
    kind: str = Field(description="changed, deleted, reordered, truncated, rewritten, "
                                  "checkpoint_mismatch, bad_signature, witness_mismatch …")
    detail: str
    last: int | None = Field(description="Where the evidence cannot tell which record: the "
                                         "end of the narrowest range it can tell")


class LastCheckpointOut(FromResult):
    size: int
    signed_at: IsoformatDateTime
    key_id: str


class TrailVerificationOut(FromResult):
    """The whole trail checked now, as `marac audit verify` checks it."""

    ok: bool
    checked_at: IsoformatDateTime
    seconds: float
    records: int
    unsigned_records: int = Field(description="Records after the last checkpoint")
    checkpoints_checked: int
    last_checkpoint: LastCheckpointOut | None
    witness_checked: bool = Field(description="Whether the witness's co-signatures were "
                                              "checked (the platform knows its directory)")
    witness_problem: str | None
    witnessed_size: int = Field(description="The newest trail size the witness co-signed")
    cosignatures_checked: int
    first_fault: TrailFaultOut | None
    checkpoint_faults: list[TrailFaultOut]
    witness_alarms: list[TrailFaultOut]


class ScheduledErasureOut(FromResult):
    case_id: UUID
    closed_on: date
    erasure_due: date
    due: bool = Field(description="Erased by the next retention run")


class RetentionScheduleOut(FromResult):
    retention_months: int
    erasures: list[ScheduledErasureOut]
