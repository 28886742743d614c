"""Retention and the record of processing.

Each area keeps a closed case for its retention period (from closure), then the case is erased
by crypto-shredding, its read models and blind indexes purged, and the erasure recorded in the
audit trail, which still verifies afterwards. A subject access request's own key goes a year
after its answer (domain/retention.py says why). The record of processing (UK GDPR Article 30)
is generated from the platform's own configuration, so it cannot drift from what runs.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from api.bootstrap import Platform
from audit.trail import AuditRecord
from domain.consent import CONSENT_STATUSES
from domain.exceptions import CaseErased
from domain.retention import (
    SUBJECT_ACCESS_RETENTION_MONTHS,
    retention_expired,
    subject_access_retention_ends,
)
from domain.risk import DASH_RIC_QUESTIONS
from domain.subject_access import RECEIVED, SubjectAccessRequest
from domain.subjects import ROLES, Subject

RETENTION_ACTOR = "system:retention"


def run_retention(platform: Platform, today: date, *, dry_run: bool = False) -> list[UUID]:
    """Erase every case whose area's retention period has ended; returns the cases erased."""
    months = {area.id: area.settings.retention_months for area in platform.marac.areas()}
    expired = [(case_id, area_id) for case_id, area_id, closed_on in platform.cases.closed_cases()
               if area_id in months
               and retention_expired(date.fromisoformat(closed_on), months[area_id], today)]
    if dry_run:
        return [case_id for case_id, _ in expired]
    erased: list[UUID] = []
    for case_id, area_id in expired:
        family = platform.eraser.family(case_id)
        # Recorded before the keys go: an erasure that could not be audited does not happen.
        for member in family:
            platform.audit.record(AuditRecord(
                request_id=str(uuid4()), actor=RETENTION_ACTOR, actor_kind="system",
                agency_id=None, client_id=None, roles=(), action="erase", purpose=None,
                case_id=member, outcome="allowed", at=platform.now(), area_id=area_id))
        erased += [r.scope_id for r in platform.eraser.erase(case_id, "retention_expired")]
    return erased


def erase_expired_subject_access(platform: Platform, today: date, *,
                                 dry_run: bool = False) -> list[UUID]:
    """Destroy the own key of every subject access request whose retention has ended
    (domain/retention.py), so the subject's identifiers in its events can no longer be read;
    each erasure audited first. Returns the requests erased."""
    shredded = {record.scope_id for record in platform.keyring.shred_ledger()}
    expired: list[SubjectAccessRequest] = []
    for request_id in _subject_access_requests(platform):
        if request_id in shredded:
            continue
        try:
            request: SubjectAccessRequest = platform.marac.repository.get(request_id)
        except CaseErased:  # shredded since the ledger was read
            continue
        if today >= subject_access_retention_ends(request.received_on, request.disclosed_on):
            expired.append(request)
    if dry_run:
        return [r.id for r in expired]
    for request in expired:
        # Recorded before the key goes: an erasure that could not be audited does not happen.
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=RETENTION_ACTOR, actor_kind="system",
            agency_id=None, client_id=None, roles=(), action="erase_subject_access",
            purpose=None, case_id=None, outcome="allowed", item_ids=(str(request.id),),
            at=platform.now(), area_id=request.area_id))
        platform.keyring.shred(request.id, "retention_expired")
    return [r.id for r in expired]


def _subject_access_requests(platform: Platform, batch: int = 1000) -> list[UUID]:
    """Every request ever received, from the notification log (its topics are plaintext):
    the log is the one complete list, including a request whose answer failed part-way."""
    topic = f"{get_topic(SubjectAccessRequest)}.{RECEIVED}"
    found: list[UUID] = []
    start = 0
    while True:
        page = platform.marac.recorder.select_notifications(
            start=start, limit=batch, topics=[topic], inclusive_of_start=False)
        found += [UUID(str(n.originator_id)) for n in page]
        if len(page) < batch:
            return found
        start = page[-1].id


def record_of_processing(platform: Platform) -> dict[str, Any]:
    app = platform.marac
    agencies = app.agencies()
    subject_fields = [f.name for f in dataclasses.fields(Subject)
                      if f.name not in ("subject_id", "role")]
    return {
        "controller_note": "Each signatory agency is a controller for what it shares; the "
                           "information-sharing protocol names the lead.",
        "purposes": ["Safeguarding adult victims of high-risk domestic abuse and their "
                     "children", "Managing perpetrators' behaviour",
                     "Safeguarding professionals", "Linking with other safeguarding processes",
                     "Reporting the MARAC's performance to its partnership and to SafeLives "
                     "(counts only, small counts withheld)"],
        "lawful_bases": {
            "article_6": "UK GDPR Art 6(1)(e) public task (and 6(1)(c) where a statute "
                         "requires sharing)",
            "article_9": "UK GDPR Art 9(2)(g) with DPA 2018 Schedule 1 paragraph 18 "
                         "(safeguarding of children and individuals at risk), usable "
                         "without consent",
            "law_enforcement": "DPA 2018 Part 3 for police processing (section 62 logging)",
            "consent_recorded_as": list(CONSENT_STATUSES),
        },
        "categories_of_data_subjects": list(ROLES),
        "categories_of_personal_data": {
            "identity_and_contact": subject_fields,
            "special_category": ["ethnicity", "sexuality", "disability", "health (risk "
                                 "assessment answers)"],
            "risk_assessment": {"tool": "SafeLives DASH RIC",
                                "questions": len(DASH_RIC_QUESTIONS)},
            "free_text": ["incident summary", "research notes", "disclosures"],
        },
        "recipients": sorted(
            ({"area_id": str(a.area_id), "agency_id": str(a.id), "name": a.name,
              "type": a.agency_type, "core": a.core} for a in agencies),
            key=lambda r: (r["area_id"], r["name"])),
        "retention": [
            {"area_id": str(area.id), "area": area.name,
             "retention_months_after_closure": area.settings.retention_months,
             "disposal": "crypto-shredding of the case's data key; read models and indexes "
                         "purged; audit metadata kept"}
            for area in app.areas()],
        "subject_access_request_retention": {
            "retention_months_after_answer": SUBJECT_ACCESS_RETENTION_MONTHS,
            "disposal": "crypto-shredding of the request's own key (the requester's "
                        "identifiers); the audit record of the request and its answer kept"},
        "security_measures": [
            "AES-256-GCM envelope encryption with a data key per case, wrapped by a KEK",
            "Keyed HMAC blind indexes instead of plaintext identifiers",
            "Need-to-know access policy with restriction, exclusion and audited break-glass",
            "Hash-chained, append-only audit trail with signed Merkle checkpoints",
        ],
        "international_transfers": "none",
    }
