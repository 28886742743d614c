"""Subject access requests: a data subject asks for their data; the request and what was
disclosed are recorded. The requester's identifiers live only inside encrypted events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.exceptions import AlreadyRecorded, DomainError
from domain.repeats import add_months
from domain.retention import SUBJECT_ACCESS_LONGEST_DEADLINE_MONTHS
from domain.subjects import Subject

# The event that opens a request; its retention (domain/retention.py) lists requests by it.
RECEIVED = "Received"


class InvalidSubjectAccessRequest(DomainError):
    code = "invalid_subject_access_request"


class SubjectAccessIdentityNotVerified(DomainError):
    code = "subject_access_identity_not_verified"


class SubjectAccessNotAssembled(DomainError):
    code = "subject_access_not_assembled"


class SubjectAccessNotConfirmed(DomainError):
    code = "subject_access_not_confirmed"


class SubjectAccessDraftChanged(AlreadyRecorded):
    """The draft shown is no longer the draft: reviewed again before anything is released."""

    code = "subject_access_draft_changed"


class SubjectAccessAlreadyReleased(AlreadyRecorded):
    code = "subject_access_already_released"


@dataclass(frozen=True)
class AddedRedaction:
    """Words the DPO withheld, with the reason (an exemption, or a third party the assembly
    did not know of) and their note."""

    text: str
    reason: str
    note: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Release:
    """What was released: the draft's version, the PDF's SHA-256, when and by whom."""

    version: int
    pdf_sha256: str
    at: datetime
    by: str


class SubjectAccessRequest(Aggregate):
    @classmethod
    def receive(cls, area_id: UUID, subject: Subject, received_on: date,
                recorded_by: str) -> SubjectAccessRequest:
        if not (subject.surname.strip() and (subject.date_of_birth or subject.references)):
            raise InvalidSubjectAccessRequest(
                "a request names the subject's surname and date of birth or a reference")
        return cls(area_id=area_id, subject=subject, received_on=received_on,
                   recorded_by=recorded_by)

    @event(RECEIVED)
    def __init__(self, area_id: UUID, subject: Subject, received_on: date,
                 recorded_by: str) -> None:
        self.area_id = area_id
        self.subject = subject
        self.received_on = received_on
        self.recorded_by = recorded_by
        self.disclosed_on: date | None = None
        self.case_ids: tuple[UUID, ...] = ()
        self.identity_verified_on: date | None = None
        self.identity_verified_how = ""
        self.extended_to: date | None = None
        self.extension_reason = ""
        self.draft_version = 0
        self.redact_staff = True
        self.draft_digest = ""
        self.confirmed_version: int | None = None
        self.added_redactions: tuple[AddedRedaction, ...] = ()
        self.released: Release | None = None
        self.released_pdf = ""

    def record_disclosure(self, case_ids: tuple[UUID, ...], items: int, on: date,
                          by: str) -> None:
        self._disclosed(case_ids=case_ids, items=items, on=on, by=by)

    @event("Disclosed")
    def _disclosed(self, case_ids: tuple[UUID, ...], items: int, on: date, by: str) -> None:
        self.disclosed_on = on
        self.case_ids = case_ids

    # The workflow (issue 17): the identity checked, the deadline extended, each draft the
    # DPO assembled, the redactions they added, the draft they confirmed, and the release. A
    # draft is not kept: it is assembled again from the cases, and its digest says whether it
    # is the one reviewed. The released PDF is kept, sealed under the request's own key like
    # the subject's identifiers, and goes with them at the end of its retention.

    @property
    def due_on(self) -> date:
        """One calendar month from receipt (art. 12(3)), or the extended date."""
        return self.extended_to or add_months(self.received_on, 1)

    @property
    def latest_due_on(self) -> date:
        return add_months(self.received_on, SUBJECT_ACCESS_LONGEST_DEADLINE_MONTHS)

    def verify_identity(self, how: str, on: date, by: str) -> None:
        if self.released is not None:
            raise SubjectAccessAlreadyReleased("the request has been answered")
        if not how.strip():
            raise InvalidSubjectAccessRequest("say how the requester's identity was verified")
        self._identity_verified(how=how, on=on, by=by)

    @event("IdentityVerified")
    def _identity_verified(self, how: str, on: date, by: str) -> None:
        self.identity_verified_on = on
        self.identity_verified_how = how

    def extend(self, to: date, reason: str, on: date, by: str) -> None:
        if self.released is not None:
            raise SubjectAccessAlreadyReleased("the request has been answered")
        if not reason.strip():
            raise InvalidSubjectAccessRequest("an extension gives its reason")
        if not self.due_on < to <= self.latest_due_on:
            raise InvalidSubjectAccessRequest(
                "an extension moves the due date later, to at most three months from receipt")
        self._extended(to=to, reason=reason, on=on, by=by)

    @event("Extended")
    def _extended(self, to: date, reason: str, on: date, by: str) -> None:
        self.extended_to = to
        self.extension_reason = reason

    def record_assembly(self, digest: str, case_ids: tuple[UUID, ...], redact_staff: bool,
                        at: datetime, by: str) -> None:
        self._require_open()
        if self.identity_verified_on is None:
            raise SubjectAccessIdentityNotVerified(
                "verify the requester's identity before assembling their data")
        self._assembled(digest=digest, case_ids=case_ids, redact_staff=redact_staff, at=at,
                        by=by)

    @event("Assembled")
    def _assembled(self, digest: str, case_ids: tuple[UUID, ...], redact_staff: bool,
                   at: datetime, by: str) -> None:
        self.draft_version += 1
        self.redact_staff = redact_staff
        self.draft_digest = digest
        self.case_ids = case_ids
        self.confirmed_version = None

    def add_redaction(self, text: str, reason: str, note: str, at: datetime, by: str) -> None:
        self._require_open()
        if self.draft_version == 0:
            raise SubjectAccessNotAssembled("assemble the data before redacting it")
        if len(text.strip()) < 2:
            raise InvalidSubjectAccessRequest("a redaction names the words to withhold")
        self._redaction_added(text=text.strip(), reason=reason, note=note, at=at, by=by)

    @event("RedactionAdded")
    def _redaction_added(self, text: str, reason: str, note: str, at: datetime,
                         by: str) -> None:
        self.added_redactions = (*self.added_redactions,
                                 AddedRedaction(text, reason, note, at, by))
        self.draft_version += 1
        self.confirmed_version = None

    def confirm(self, version: int, digest: str, at: datetime, by: str) -> None:
        """The DPO has reviewed draft `version`, whose content had `digest`."""
        self._require_open()
        if self.draft_version == 0:
            raise SubjectAccessNotAssembled("assemble the data before confirming it")
        if version != self.draft_version:
            raise SubjectAccessDraftChanged("the draft has changed since it was shown")
        self._confirmed(version=version, digest=digest, at=at, by=by)

    @event("Confirmed")
    def _confirmed(self, version: int, digest: str, at: datetime, by: str) -> None:
        self.confirmed_version = version
        self.draft_digest = digest

    def release(self, digest: str, *, pdf_sha256: str, pdf: str,
                case_ids: tuple[UUID, ...], items: int, at: datetime, by: str) -> None:
        """Release the confirmed draft, if its content (`digest`, assembled again now) is the
        content that was confirmed."""
        self.check_releasable(digest)
        self._released(version=self.draft_version, pdf_sha256=pdf_sha256, pdf=pdf,
                       case_ids=case_ids, items=items, at=at, by=by)

    def check_releasable(self, digest: str) -> None:
        """Refused unless the draft is confirmed and `digest` (its content now) is what was."""
        self._require_open()
        if self.confirmed_version is None or self.confirmed_version != self.draft_version:
            raise SubjectAccessNotConfirmed("review and confirm the draft before releasing it")
        if digest != self.draft_digest:
            raise SubjectAccessDraftChanged(
                "the cases have changed since the draft was confirmed: review it again")

    @event("Released")
    def _released(self, *, version: int, pdf_sha256: str, pdf: str,
                  case_ids: tuple[UUID, ...], items: int, at: datetime, by: str) -> None:
        self.released = Release(version, pdf_sha256, at, by)
        self.released_pdf = pdf  # base64: events hold JSON
        self.disclosed_on = at.date()
        self.case_ids = case_ids

    def _require_open(self) -> None:
        if self.released is not None or self.disclosed_on is not None:
            raise SubjectAccessAlreadyReleased("the request has been answered")
