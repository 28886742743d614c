"""/api/v1/audit: the data protection officer's view of the trail (no case content)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import CurrentActor, CurrentPlatform, CurrentViewer
from api.dpo_schemas import (
    AuditPage,
    AuditRecordOut,
    RecordOfProcessing,
    RetentionScheduleOut,
    SubjectAccessPackage,
    TrailVerificationOut,
)
from api.errors import AUTHENTICATED, NOT_FOUND
from api.idempotency import answer_not_kept
from api.schemas import IsoDate, IsoTimeBound, RestrictionDue
from audit.actions import AuditAction
from audit.queries import (
    AuditFilter,
    to_csv,
)
from domain.subjects import Subject
from services import (
    audit_search,
    break_glass_decisions,
    break_glass_review,
    case_reviews,
    retention,
    trail_verification,
)
from services.break_glass_review import NoteStatus
from services.processing_record import read_record_of_processing
from services.subject_access import handle_request

# A review's note: a few sentences, not a report.
MAX_NOTE = 2000

router = APIRouter(prefix="/api/v1/audit", tags=["data protection"], responses=AUTHENTICATED)


class BreakGlassReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["justified", "not_justified", "referred_for_investigation"]
    note: Annotated[str, Field(min_length=1, max_length=MAX_NOTE, description=(
        "why the decision was made; it may name people, so it is sealed under the case's "
        "key and readable only while the case exists"))]


class BreakGlassUse(BaseModel):
    """A break-glass use as the trail records it (its record's fields as the audit records
    list gives them), its review, and what of the case this DPO may read."""

    seq: int
    at: datetime
    request_id: str
    actor: str
    actor_kind: str
    agency_id: UUID | None
    client_id: str | None
    roles: str = Field(description="The user's roles, comma-separated")
    action: str
    purpose: str | None
    case_id: UUID | None
    outcome: str
    item_ids: str = Field(description="A JSON array of the ids the use named")
    area_id: UUID | None
    review_decision: str | None
    reviewer: str | None
    reviewed_at: datetime | None
    reviewable: bool = Field(description="Whether this DPO may review the use (not their "
                                         "own, nor on a case they are excluded from); the "
                                         "reason, times and note are withheld (null) if not")
    reason: str | None = Field(description="The reason given; null where withheld, or the "
                                           "case is erased or not yet projected")
    opened_at: datetime | None
    expires_at: datetime | None
    note: str | None
    note_status: NoteStatus


class SigningPublicKey(BaseModel):
    key_id: str
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="the raw public key, hex")


class SigningKeys(BaseModel):
    keys: list[SigningPublicKey]


@router.get("/keys", response_model=SigningKeys)
def signing_keys(viewer: CurrentViewer, platform: CurrentPlatform) -> SigningKeys:
    """The public key that signs audit checkpoints: public, so any signed-in caller may read
    it (no case data, nothing to audit); `marac audit verify --public-key` takes it."""
    signer = platform.checkpoints.signer
    return SigningKeys(keys=[SigningPublicKey(key_id=signer.key_id,
                                              public_key=signer.public_key.hex())])


@router.get("/records", response_model=AuditPage)
def search_audit_records(
    *,
    actor: CurrentActor,
    platform: CurrentPlatform,
    case_id: UUID | None = None,
    who: Annotated[str | None, Query(alias="actor", max_length=200)] = None,
    agency_id: UUID | None = None,
    action: Annotated[AuditAction | None, Query(
        description="one of the audit actions (README, audit section); another is 422")] = None,
    outcome: Annotated[str | None, Query(max_length=40)] = None,
    since: IsoTimeBound | None = None,
    until: IsoTimeBound | None = None,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    export: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Any:
    """Who accessed case X (`case_id`), everything person Y accessed (`actor`), denied
    attempts (`outcome=denied`), by time, agency and action; `format=csv|json` exports."""
    found = audit_search.search_records(platform, actor, AuditFilter(
        case_id=case_id, actor=who, agency_id=agency_id, action=action, outcome=outcome,
        since=since, until=until, after_seq=after_seq, limit=limit), export=export is not None)
    if export == "csv":
        return Response(to_csv(found), media_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="audit-export.csv"'})
    page = AuditPage(items=[AuditRecordOut.model_validate(r) for r in found],
                     next_after_seq=found[-1].seq if len(found) == limit else None)
    if export == "json":
        return Response(page.model_dump_json(), media_type="application/json", headers={
            "Content-Disposition": 'attachment; filename="audit-export.json"'})
    return page


@router.get("/break-glass", response_model=list[BreakGlassUse])
def list_break_glass_uses(
    actor: CurrentActor, platform: CurrentPlatform,
    status: Literal["pending", "all"] = "pending",
) -> list[BreakGlassUse]:
    """Break-glass uses, those awaiting review by default, each with the reason given for it
    and its times (read from the case: the only case content shown here)."""
    uses = break_glass_review.list_uses(platform, actor, pending_only=status == "pending")
    return [BreakGlassUse.model_validate(asdict(u)) for u in uses]


@router.post("/break-glass/{seq}/review", status_code=204, responses=NOT_FOUND)
def review_break_glass_use(seq: int, body: BreakGlassReviewCreate, actor: CurrentActor,
                           platform: CurrentPlatform) -> Response:
    """Record the review decision (justified, not justified, referred for investigation) on
    a break-glass use, with its note (sealed under the case's key); once, as the reviews are
    append-only too."""
    break_glass_decisions.decide(platform, actor, seq, decision=body.decision, note=body.note)
    return Response(status_code=204)


@router.get("/verification", response_model=TrailVerificationOut)
def verify_trail(actor: CurrentActor, platform: CurrentPlatform) -> TrailVerificationOut:
    """The whole trail verified now, as `marac audit verify` does (the chain, the head, every
    signed checkpoint, and the witness's co-signatures where this platform knows its
    directory): the last checkpoint, the size the witness last co-signed, and any fault."""
    return TrailVerificationOut.model_validate(
        trail_verification.verification_status(platform, actor))


@router.get("/retention-schedule", response_model=RetentionScheduleOut, responses=NOT_FOUND)
def read_retention_schedule(actor: CurrentActor,
                            platform: CurrentPlatform) -> RetentionScheduleOut:
    """The area's closed cases and the day each is due to be erased (ids and dates only)."""
    return RetentionScheduleOut.model_validate(retention.retention_schedule(platform, actor))


@router.get("/restriction-reviews", response_model=list[RestrictionDue])
def list_restriction_reviews(
    actor: CurrentActor, platform: CurrentPlatform,
    within_days: Annotated[int, Query(ge=0, le=366)] = 0,
) -> list[RestrictionDue]:
    """Restrictions due their 90-day review now, or within `within_days`: the coordinators'
    list (`/case-reviews/restrictions`) as the area's DPO oversees it, ids and dates only."""
    return [RestrictionDue.model_validate(asdict(d))
            for d in case_reviews.restrictions_due_for_oversight(platform, actor, within_days)]


processing_router = APIRouter(prefix="/api/v1", tags=["data protection"],
                              responses=AUTHENTICATED)


@processing_router.get("/record-of-processing", response_model=RecordOfProcessing)
def view_record_of_processing(actor: CurrentActor,
                              platform: CurrentPlatform) -> RecordOfProcessing:
    """The UK GDPR Article 30 record, generated from the platform's own configuration."""
    return RecordOfProcessing.model_validate(read_record_of_processing(platform, actor))


class SubjectAccessCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    forenames: Annotated[str, Field(max_length=200)] = ""
    surname: Annotated[str, Field(min_length=1, max_length=200)]
    date_of_birth: IsoDate | None = None
    references: Annotated[list[Annotated[str, Field(max_length=200)]],
                          Field(max_length=20)] = []
    redact_staff: StrictBool = True


@processing_router.post("/subject-access-requests", status_code=201,
                        response_model=SubjectAccessPackage,
                        dependencies=[Depends(answer_not_kept)])
def request_subject_access(body: SubjectAccessCreate, actor: CurrentActor,
                           platform: CurrentPlatform) -> SubjectAccessPackage:
    """Record a subject access request and assemble the subject's data across the area's
    cases, other people redacted (and staff, where local policy says so), in one call. The
    workflow that records each step and releases a PDF is /api/v1/subject-access/requests."""
    probe = Subject(uuid4(), "victim", body.forenames, body.surname,
                    date_of_birth=body.date_of_birth, references=tuple(body.references))
    return SubjectAccessPackage.model_validate(
        handle_request(platform, actor, probe, redact_staff=body.redact_staff))
