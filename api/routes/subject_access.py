"""/api/v1/subject-access/requests: subject access end to end for the data protection officer
(services/subject_access_requests.py): record the request, verify the requester, extend the
due date, assemble a draft (each redaction and its reason), withhold more, confirm, release as
a PDF and download it again. The pages (web/subject_access.py) call the same use cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, StrictBool, StrictInt

from api.auth import CurrentActor, CurrentPlatform
from api.dpo_schemas import DisclosedCase
from api.errors import AUTHENTICATED, NOT_FOUND
from api.idempotency import answer_not_kept
from api.schemas import FromResult, IsoDate, IsoformatDateTime, Strict, Subject
from domain.subjects import Subject as SubjectRecord
from services import subject_access_requests as sar

router = APIRouter(prefix="/api/v1/subject-access/requests", tags=["data protection"],
                   responses=AUTHENTICATED)

Reason = Literal["third_party", "staff", "crime_prevention", "serious_harm", "legal_privilege"]
Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=2000)]


class RequestCreate(Strict):
    forenames: Name = ""
    surname: Annotated[str, Field(min_length=1, max_length=200)]
    date_of_birth: IsoDate | None = None
    references: Annotated[list[Name], Field(default_factory=list, max_length=20)]
    received_on: IsoDate | None = Field(None, description="The day it was received; today "
                                                          "if not given. The month runs "
                                                          "from it")
    identity_verified_how: Note = Field("", description="How the requester's identity was "
                                                        "verified, if it has been")


class RequestCreated(BaseModel):
    request_id: UUID


class IdentityIn(Strict):
    how: Annotated[str, Field(min_length=1, max_length=2000)]


class ExtensionIn(Strict):
    due_on: IsoDate
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class DraftIn(Strict):
    redact_staff: StrictBool = True


class RedactionIn(Strict):
    text: Annotated[str, Field(min_length=2, max_length=500)]
    reason: Reason
    note: Note = ""


class ConfirmationIn(Strict):
    version: Annotated[StrictInt, Field(ge=1)]


class RequestSummaryOut(FromResult):
    request_id: UUID
    subject_name: str
    received_on: date
    due_on: date
    status: sar.Status
    overdue: bool


class RedactionOut(FromResult):
    case_id: UUID
    place: str
    text: str = Field(description="What is withheld (for the DPO's review only)")
    reason: str
    detail: str
    count: int
    added: bool


class DraftOut(FromResult):
    version: int
    digest: str
    cases: list[DisclosedCase]
    redactions: list[RedactionOut]
    cases_withheld_for_exclusion: int
    changed_since_confirmed: bool


class AddedRedactionOut(FromResult):
    text: str
    reason: str
    note: str
    at: IsoformatDateTime
    by: str


class ReleaseOut(FromResult):
    version: int
    pdf_sha256: str
    at: IsoformatDateTime
    by: str


class RequestOut(FromResult):
    summary: RequestSummaryOut
    subject: Subject
    identity_verified_on: date | None
    identity_verified_how: str
    extended_to: date | None
    extension_reason: str
    latest_due_on: date
    redact_staff: bool
    confirmed_version: int | None
    added_redactions: list[AddedRedactionOut]
    release: ReleaseOut | None
    draft: DraftOut | None


def pdf_response(released: sar.ReleasedPdf, status_code: int = 200) -> Response:
    """The released PDF, as a download (never cached: it is about a person)."""
    return Response(released.pdf, status_code=status_code, media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'attachment; filename="subject-access-{released.request_id}.pdf"',
                             "Cache-Control": "no-store",
                             "X-Draft-Version": str(released.version),
                             "X-Content-SHA256": released.sha256})


@router.get("", response_model=list[RequestSummaryOut])
def list_requests(actor: CurrentActor, platform: CurrentPlatform) -> list[RequestSummaryOut]:
    """The area's requests, overdue first, then by due date; released ones last."""
    return [RequestSummaryOut.model_validate(s) for s in sar.list_requests(platform, actor)]


@router.post("", status_code=201, response_model=RequestCreated)
def record_request(body: RequestCreate, actor: CurrentActor,
                   platform: CurrentPlatform) -> RequestCreated:
    """Record who asked (sealed under the request's own key) and when; due one calendar
    month after receipt."""
    probe = SubjectRecord(uuid4(), "victim", body.forenames, body.surname,
                          date_of_birth=body.date_of_birth, references=tuple(body.references))
    return RequestCreated(request_id=sar.record_request(
        platform, actor, probe, received_on=body.received_on,
        identity_verified_how=body.identity_verified_how))


@router.get("/{request_id}", response_model=RequestOut, responses=NOT_FOUND,
            dependencies=[Depends(answer_not_kept)])
def view_request(request_id: UUID, actor: CurrentActor,
                 platform: CurrentPlatform) -> RequestOut:
    """The request and its current draft, assembled again now (what is redacted and why)."""
    return RequestOut.model_validate(sar.view_request(platform, actor, request_id))


@router.post("/{request_id}/identity", status_code=204, responses=NOT_FOUND)
def verify_identity(request_id: UUID, body: IdentityIn, actor: CurrentActor,
                    platform: CurrentPlatform) -> Response:
    sar.verify_identity(platform, actor, request_id, body.how)
    return Response(status_code=204)


@router.post("/{request_id}/extension", status_code=204, responses=NOT_FOUND)
def extend(request_id: UUID, body: ExtensionIn, actor: CurrentActor,
           platform: CurrentPlatform) -> Response:
    """Extend the due date, by up to two further months (UK GDPR art. 12(3))."""
    sar.extend(platform, actor, request_id, body.due_on, body.reason)
    return Response(status_code=204)


@router.post("/{request_id}/drafts", status_code=201, response_model=DraftOut,
             responses=NOT_FOUND, dependencies=[Depends(answer_not_kept)])
def assemble(request_id: UUID, body: DraftIn, actor: CurrentActor,
             platform: CurrentPlatform) -> DraftOut:
    """Assemble the subject's data across the area's cases: a new draft to review."""
    return DraftOut.model_validate(sar.assemble_draft(platform, actor, request_id,
                                                      redact_staff=body.redact_staff))


@router.post("/{request_id}/redactions", status_code=204, responses=NOT_FOUND)
def add_redaction(request_id: UUID, body: RedactionIn, actor: CurrentActor,
                  platform: CurrentPlatform) -> Response:
    """Withhold words wherever they appear in the draft, with the reason (an exemption)."""
    sar.add_redaction(platform, actor, request_id, text=body.text, reason=body.reason,
                      note=body.note)
    return Response(status_code=204)


@router.post("/{request_id}/confirmation", status_code=204, responses=NOT_FOUND)
def confirm(request_id: UUID, body: ConfirmationIn, actor: CurrentActor,
            platform: CurrentPlatform) -> Response:
    """The draft `version` is reviewed: it is what will be released (409 if it changed)."""
    sar.confirm(platform, actor, request_id, body.version)
    return Response(status_code=204)


@router.post("/{request_id}/release", status_code=201, responses=NOT_FOUND,
             response_class=Response, dependencies=[Depends(answer_not_kept)])
def release(request_id: UUID, actor: CurrentActor, platform: CurrentPlatform) -> Response:
    """Release the confirmed draft: the PDF (OFFICIAL-SENSITIVE on every page)."""
    return pdf_response(sar.release(platform, actor, request_id), 201)


@router.get("/{request_id}/release.pdf", responses=NOT_FOUND, response_class=Response)
def released_pdf(request_id: UUID, actor: CurrentActor, platform: CurrentPlatform) -> Response:
    """The PDF as it was released."""
    return pdf_response(sar.released_pdf(platform, actor, request_id))
