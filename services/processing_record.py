"""The record of processing (UK GDPR Article 30), generated from the platform's own
configuration, so it cannot drift from what runs: for data protection officers and
administrators (the API), and for an operator (`marac retention record-of-processing`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from domain.consent import CONSENT_STATUSES
from domain.retention import SUBJECT_ACCESS_RETENTION_MONTHS
from domain.risk import DASH_RIC_QUESTIONS
from domain.subjects import ROLES, Subject
from security.policy import may_read_processing_record
from services.actor import Actor
from services.platform import Platform


@dataclass(frozen=True)
class LawfulBases:
    article_6: str
    article_9: str
    law_enforcement: str
    consent_recorded_as: tuple[str, ...]


@dataclass(frozen=True)
class RiskAssessmentTool:
    tool: str
    questions: int


@dataclass(frozen=True)
class PersonalData:
    """The categories of personal data: the fields a referral's subjects carry, and more."""

    identity_and_contact: tuple[str, ...]
    special_category: tuple[str, ...]
    risk_assessment: RiskAssessmentTool
    free_text: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    """An agency that receives case information."""

    area_id: UUID
    agency_id: UUID
    name: str
    type: str
    core: bool


@dataclass(frozen=True)
class AreaRetention:
    area_id: UUID
    area: str
    retention_months_after_closure: int
    disposal: str


@dataclass(frozen=True)
class SubjectAccessRetention:
    retention_months_after_answer: int
    disposal: str


@dataclass(frozen=True)
class RecordOfProcessing:
    controller_note: str
    purposes: tuple[str, ...]
    lawful_bases: LawfulBases
    categories_of_data_subjects: tuple[str, ...]
    categories_of_personal_data: PersonalData
    recipients: tuple[Recipient, ...]
    retention: tuple[AreaRetention, ...]
    subject_access_request_retention: SubjectAccessRetention
    security_measures: tuple[str, ...]
    international_transfers: str


def read_record_of_processing(platform: Platform, actor: Actor) -> RecordOfProcessing:
    actor.require(may_read_processing_record(actor.principal), "audit_query",
                  "Data protection officers and administrators only")
    record = record_of_processing(platform)
    actor.audit.record("audit_query", "allowed", items=("record_of_processing",))
    return record


def record_of_processing(platform: Platform) -> RecordOfProcessing:
    app = platform.marac
    subject_fields = tuple(f.name for f in dataclasses.fields(Subject)
                           if f.name not in ("subject_id", "role"))
    return RecordOfProcessing(
        controller_note="Each signatory agency is a controller for what it shares; the "
                        "information-sharing protocol names the lead.",
        purposes=("Safeguarding adult victims of high-risk domestic abuse and their "
                  "children", "Managing perpetrators' behaviour",
                  "Safeguarding professionals", "Linking with other safeguarding processes",
                  "Reporting the MARAC's performance to its partnership and to SafeLives "
                  "(counts only, small counts withheld)"),
        lawful_bases=LawfulBases(
            article_6="UK GDPR Art 6(1)(e) public task (and 6(1)(c) where a statute "
                      "requires sharing)",
            article_9="UK GDPR Art 9(2)(g) with DPA 2018 Schedule 1 paragraph 18 "
                      "(safeguarding of children and individuals at risk), usable "
                      "without consent",
            law_enforcement="DPA 2018 Part 3 for police processing (section 62 logging)",
            consent_recorded_as=tuple(CONSENT_STATUSES)),
        categories_of_data_subjects=tuple(ROLES),
        categories_of_personal_data=PersonalData(
            identity_and_contact=subject_fields,
            special_category=("ethnicity", "sexuality", "disability", "health (risk "
                              "assessment answers)"),
            risk_assessment=RiskAssessmentTool("SafeLives DASH RIC", len(DASH_RIC_QUESTIONS)),
            free_text=("incident summary", "research notes", "disclosures")),
        recipients=tuple(sorted(
            (Recipient(a.area_id, a.id, a.name, a.agency_type, a.core)
             for a in app.agencies()),
            key=lambda r: (str(r.area_id), r.name))),
        retention=tuple(
            AreaRetention(area.id, area.name, area.settings.retention_months,
                          "crypto-shredding of the case's data key; read models and indexes "
                          "purged; audit metadata kept")
            for area in app.areas()),
        subject_access_request_retention=SubjectAccessRetention(
            SUBJECT_ACCESS_RETENTION_MONTHS,
            "crypto-shredding of the request's own key (the requester's identifiers); the "
            "audit record of the request and its answer kept"),
        security_measures=(
            "AES-256-GCM envelope encryption with a data key per case, wrapped by a KEK",
            "Keyed HMAC blind indexes instead of plaintext identifiers",
            "Need-to-know access policy with restriction, exclusion and audited break-glass",
            "Hash-chained, append-only audit trail with signed Merkle checkpoints",
        ),
        international_transfers="none",
    )
