"""Retention and the record of processing.

Each area keeps a closed case for its retention period (from closure), then the case is erased
by crypto-shredding, its read models and blind indexes purged, and the erasure recorded in the
audit trail, which still verifies afterwards. The record of processing (UK GDPR Article 30) is
generated from the platform's own configuration, so it cannot drift from what runs.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api.bootstrap import Platform
from audit.trail import AuditRecord
from domain.consent import CONSENT_STATUSES
from domain.retention import retention_expired
from domain.risk import DASH_RIC_QUESTIONS
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
        "security_measures": [
            "AES-256-GCM envelope encryption with a data key per case, wrapped by a KEK",
            "Keyed HMAC blind indexes instead of plaintext identifiers",
            "Need-to-know access policy with restriction, exclusion and audited break-glass",
            "Hash-chained, append-only audit trail with signed Merkle checkpoints",
        ],
        "international_transfers": "none",
    }
