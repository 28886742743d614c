"""Subject access requests: a data subject asks for their data; the request and what was
disclosed are recorded. The requester's identifiers live only inside encrypted events."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.exceptions import DomainError
from domain.subjects import Subject

# The event that opens a request; its retention (domain/retention.py) lists requests by it.
RECEIVED = "Received"


class InvalidSubjectAccessRequest(DomainError):
    code = "invalid_subject_access_request"


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

    def record_disclosure(self, case_ids: tuple[UUID, ...], items: int, on: date,
                          by: str) -> None:
        self._disclosed(case_ids=case_ids, items=items, on=on, by=by)

    @event("Disclosed")
    def _disclosed(self, case_ids: tuple[UUID, ...], items: int, on: date, by: str) -> None:
        self.disclosed_on = on
        self.case_ids = case_ids
