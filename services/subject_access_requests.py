"""Subject access end to end, for the data protection officer: record the request (who asked,
when, the due date, the identity check), assemble the subject's data across the area's cases
with every redaction noted and why, review (confirm, or withhold more with a reason), and
release the confirmed draft as a PDF. Each step is an event of the request (sealed under its
own key: the requester's identifiers are never in a plaintext column) and one audit record
(`subject_access`, items: the request's id, the step, and the cases read; never a name).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from domain.exceptions import CaseErased, DomainError
from domain.subject_access import (
    AddedRedaction,
    Release,
    SubjectAccessIdentityNotVerified,
    SubjectAccessRequest,
)
from domain.subjects import Subject
from domain.values import plain
from security.identity import Principal
from security.policy import may_handle_subject_access
from services.actor import Actor
from services.disclosure_pdf import disclosure_html, render_pdf
from services.errors import Invalid, NotFound
from services.platform import Platform
from services.retention import _subject_access_requests
from services.subject_access import (
    REASONS,
    DisclosedCase,
    ExtraRedaction,
    Redaction,
    assemble,
)

Status = Literal["awaiting_identity", "to_assemble", "in_review", "confirmed", "released"]
PURPOSE = "subject_access"


@dataclass(frozen=True)
class RequestSummary:
    request_id: UUID
    subject_name: str
    received_on: date
    due_on: date
    status: Status
    overdue: bool


@dataclass(frozen=True)
class Draft:
    """The package as it would be released now, with what is redacted and why."""

    version: int
    digest: str
    cases: tuple[DisclosedCase, ...]
    redactions: tuple[Redaction, ...]
    cases_withheld_for_exclusion: int
    changed_since_confirmed: bool


@dataclass(frozen=True)
class RequestView:
    summary: RequestSummary
    subject: Subject
    identity_verified_on: date | None
    identity_verified_how: str
    extended_to: date | None
    extension_reason: str
    latest_due_on: date
    redact_staff: bool
    confirmed_version: int | None
    added_redactions: tuple[AddedRedaction, ...]
    release: Release | None
    draft: Draft | None


@dataclass(frozen=True)
class ReleasedPdf:
    request_id: UUID
    version: int
    sha256: str
    pdf: bytes


def _allowed(actor: Actor, step: str) -> None:
    actor.require(may_handle_subject_access(actor.principal), "subject_access",
                  "Data protection officers only", purpose=PURPOSE, items=(step,))


def _request(platform: Platform, actor: Actor, request_id: UUID,
             step: str) -> SubjectAccessRequest:
    """The request, if it is this DPO's area's and not erased; else 404 (recorded)."""
    _allowed(actor, step)
    try:
        request = platform.marac.subject_access_request(request_id)
    except (CaseErased, LookupError):
        request = None
    if request is None or not may_handle_subject_access(actor.principal, request.area_id):
        actor.audit.record("subject_access", "denied", purpose=PURPOSE,
                           items=(str(request_id), step))
        raise NotFound("No such subject access request")
    return request


def _status(r: SubjectAccessRequest) -> Status:
    if r.released is not None or r.disclosed_on is not None:
        return "released"
    if r.identity_verified_on is None:
        return "awaiting_identity"
    if r.draft_version == 0:
        return "to_assemble"
    return "confirmed" if r.confirmed_version == r.draft_version else "in_review"


def _summary(r: SubjectAccessRequest, today: date) -> RequestSummary:
    status = _status(r)
    name = " ".join(p for p in (r.subject.forenames, r.subject.surname) if p)
    return RequestSummary(r.id, name, r.received_on, r.due_on, status,
                          status != "released" and today > r.due_on)


def _extra(r: SubjectAccessRequest) -> tuple[ExtraRedaction, ...]:
    return tuple(ExtraRedaction(a.text, a.reason, a.note) for a in r.added_redactions)


def _digest(cases: tuple[DisclosedCase, ...]) -> str:
    """What the draft says, as a SHA-256: the same content, the same digest."""
    return hashlib.sha256(json.dumps(plain(cases), sort_keys=True).encode()).hexdigest()


def _assemble(platform: Platform, actor: Actor, r: SubjectAccessRequest) -> Draft:
    found = assemble(platform, actor.viewer, r.area_id, r.subject,
                     redact_staff=r.redact_staff, extra=_extra(r))
    digest = _digest(found.cases)
    changed = r.confirmed_version is not None and digest != r.draft_digest
    return Draft(r.draft_version, digest, found.cases, found.redactions,
                 found.cases_withheld_for_exclusion, changed)


def _audit(actor: Actor, request_id: UUID, step: str,
           case_ids: tuple[UUID, ...] = ()) -> None:
    actor.audit.record("subject_access", "allowed", purpose=PURPOSE,
                       items=(str(request_id), step, *(str(c) for c in case_ids)))


def _change(platform: Platform, actor: Actor, request_id: UUID, step: str, *,
            change: Callable[[SubjectAccessRequest], None],
            case_ids: tuple[UUID, ...] = ()) -> None:
    """One step of the workflow, saved and audited; a step the rules refuse is recorded as
    rejected (the refusal's message names no one)."""
    try:
        platform.marac.change_subject_access_request(request_id, change)
    except DomainError:
        actor.audit.record("subject_access", "rejected", purpose=PURPOSE,
                           items=(str(request_id), step))
        raise
    _audit(actor, request_id, step, case_ids)


def record_request(platform: Platform, actor: Actor, probe: Subject, *,
                   received_on: date | None = None, identity_verified_how: str = "") -> UUID:
    """Record who asked (sealed in the request's events) and when; with how their identity
    was verified, if it was."""
    _allowed(actor, "record")
    p = actor.principal
    if p.area_id is None:  # never: may_handle_subject_access asks for a DPO of an area
        raise NotFound("No area")
    try:
        request_id = platform.marac.receive_subject_access_request(
            p.area_id, probe, p.subject, received_on=received_on,
            identity_verified_how=identity_verified_how)
    except DomainError:
        actor.audit.record("subject_access", "rejected", purpose=PURPOSE, items=("record",))
        raise
    _audit(actor, request_id, "record")
    return request_id


def list_requests(platform: Platform, actor: Actor) -> tuple[RequestSummary, ...]:
    """The area's requests: overdue first, then by due date; answered ones last."""
    _allowed(actor, "list")
    shredded = {record.scope_id for record in platform.keyring.shred_ledger()}
    today = platform.now().date()
    found: list[RequestSummary] = []
    for request_id in _subject_access_requests(platform):
        if request_id in shredded:
            continue
        try:
            r = platform.marac.subject_access_request(request_id)
        except (CaseErased, LookupError):
            continue
        if r.area_id == actor.principal.area_id:
            found.append(_summary(r, today))
    found.sort(key=lambda s: (s.status == "released", not s.overdue, s.due_on,
                              s.received_on, str(s.request_id)))
    actor.audit.record("subject_access", "allowed", purpose=PURPOSE,
                       items=("list", *(str(s.request_id) for s in found)))
    return tuple(found)


def view_request(platform: Platform, actor: Actor, request_id: UUID) -> RequestView:
    """The request, and its draft assembled again now (the DPO reads the cases it finds)."""
    r = _request(platform, actor, request_id, "view")
    draft = _assemble(platform, actor, r) if r.draft_version and r.released is None else None
    _audit(actor, r.id, "view", tuple(c.case_id for c in draft.cases) if draft else ())
    return RequestView(
        _summary(r, platform.now().date()), r.subject, r.identity_verified_on,
        r.identity_verified_how, r.extended_to, r.extension_reason, r.latest_due_on,
        r.redact_staff, r.confirmed_version, r.added_redactions, r.released, draft)


def verify_identity(platform: Platform, actor: Actor, request_id: UUID, how: str) -> None:
    r = _request(platform, actor, request_id, "verify_identity")
    today = platform.now().date()
    _change(platform, actor, r.id, "verify_identity",
            change=lambda q: q.verify_identity(how, today, actor.principal.subject))


def extend(platform: Platform, actor: Actor, request_id: UUID, to: date, reason: str) -> None:
    """Extend the due date (by up to two further months, art. 12(3)), with the reason."""
    r = _request(platform, actor, request_id, "extend")
    today = platform.now().date()
    _change(platform, actor, r.id, "extend",
            change=lambda q: q.extend(to, reason, today, actor.principal.subject))


def assemble_draft(platform: Platform, actor: Actor, request_id: UUID, *,
                   redact_staff: bool = True) -> Draft:
    """Find the subject's data across the area's cases; a new draft for review."""
    r = _request(platform, actor, request_id, "assemble")
    if r.identity_verified_on is None:  # before any case is read
        raise SubjectAccessIdentityNotVerified(
            "Verify the requester's identity before assembling their data")
    found = assemble(platform, actor.viewer, r.area_id, r.subject,
                     redact_staff=redact_staff, extra=_extra(r))
    case_ids = tuple(c.case_id for c in found.cases)
    digest = _digest(found.cases)
    now = platform.now()
    _change(platform, actor, r.id, "assemble",
            change=lambda q: q.record_assembly(digest, case_ids, redact_staff, now,
                                               actor.principal.subject),
            case_ids=case_ids)
    return Draft(r.draft_version + 1, digest, found.cases, found.redactions,
                 found.cases_withheld_for_exclusion, False)


def add_redaction(platform: Platform, actor: Actor, request_id: UUID, *, text: str,
                  reason: str, note: str = "") -> None:
    """Withhold `text` wherever it appears in the draft, for `reason` (one of REASONS)."""
    if reason not in REASONS:
        raise Invalid("Choose why the words are withheld", code="unknown_redaction_reason")
    r = _request(platform, actor, request_id, "redact")
    now = platform.now()
    _change(platform, actor, r.id, "redact",
            change=lambda q: q.add_redaction(text, reason, note, now,
                                             actor.principal.subject))


def confirm(platform: Platform, actor: Actor, request_id: UUID, version: int) -> None:
    """The DPO has reviewed draft `version`: what it says now is what will be released."""
    r = _request(platform, actor, request_id, "confirm")
    draft = _assemble(platform, actor, r) if r.draft_version else None
    digest = draft.digest if draft else ""
    now = platform.now()
    _change(platform, actor, r.id, "confirm",
            change=lambda q: q.confirm(version, digest, now, actor.principal.subject),
            case_ids=tuple(c.case_id for c in draft.cases) if draft else ())


def release(platform: Platform, actor: Actor, request_id: UUID) -> ReleasedPdf:
    """Release the confirmed draft as a PDF, if the cases still say what was confirmed; the
    PDF is kept (sealed) so the copy sent can be downloaded again."""
    r = _request(platform, actor, request_id, "release")
    draft = _assemble(platform, actor, r) if r.draft_version else None
    digest = draft.digest if draft else ""
    try:
        r.check_releasable(digest)  # before the PDF is made: a refusal costs nothing
    except DomainError:
        actor.audit.record("subject_access", "rejected", purpose=PURPOSE,
                           items=(str(r.id), "release"))
        raise
    now = platform.now()
    cases = draft.cases if draft else ()
    pdf = render_pdf(disclosure_html(str(r.id), now.date(), r.draft_version, cases))
    sha = hashlib.sha256(pdf).hexdigest()
    case_ids = tuple(c.case_id for c in cases)
    items = sum(len(c.information) for c in cases)
    encoded = base64.b64encode(pdf).decode()
    _change(platform, actor, r.id, f"release:v{r.draft_version}",
            change=lambda q: q.release(digest, pdf_sha256=sha, pdf=encoded,
                                       case_ids=case_ids, items=items, at=now,
                                       by=actor.principal.subject),
            case_ids=case_ids)
    return ReleasedPdf(r.id, r.draft_version, sha, pdf)


def released_pdf(platform: Platform, actor: Actor, request_id: UUID) -> ReleasedPdf:
    """The PDF as released (404 if the request has not been)."""
    r = _request(platform, actor, request_id, "download")
    if r.released is None:
        raise NotFound("This request has not been released")
    _audit(actor, r.id, "download", r.case_ids)
    return ReleasedPdf(r.id, r.released.version, r.released.pdf_sha256,
                       base64.b64decode(r.released_pdf))


def handles_subject_access(principal: Principal) -> bool:
    """Whether subject access is the person's work (the pages offer it to those only)."""
    return may_handle_subject_access(principal)
