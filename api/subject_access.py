"""Subject access: assemble a data subject's data across cases, third parties redacted.

The data protection officer reads case content only here, through a recorded request (DESIGN
rule 6). The package is a draft for the DPO: exemptions (for example where disclosure would
put someone at risk of serious harm) are theirs to apply before anything is released.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api.bootstrap import Platform
from domain.identifiers import identifier_keys
from domain.subjects import Subject

REDACTED = "[redacted]"
# Disclosure needs a strong match: forename + date of birth, or a sound-alike surname, is
# enough to suggest a repeat but not to hand one person's records to another.
STRONG_KINDS = frozenset({"surname_dob", "full_name", "reference"})
STAFF = "[staff]"


def _subject(entry: dict[str, Any]) -> Subject:
    dob = entry.get("date_of_birth")
    return Subject(uuid4(), entry["role"], entry.get("forenames") or "",
                   entry.get("surname") or "", aliases=tuple(entry.get("aliases") or ()),
                   date_of_birth=date.fromisoformat(dob) if dob else None,
                   references=tuple(entry.get("references") or ()))


def _terms(entry: dict[str, Any]) -> list[str]:
    terms = [entry.get("forenames"), entry.get("surname"), entry.get("address"),
             entry.get("date_of_birth"), *(entry.get("aliases") or ())]
    return [t for t in terms if isinstance(t, str) and len(t.strip()) > 1]


def _redact(text: str, terms: list[str] | set[str], mark: str) -> str:
    for term in sorted(terms, key=len, reverse=True):  # longest first: "Ann Lee" before "Ann"
        text = re.sub(re.escape(term), mark, text, flags=re.IGNORECASE)
    return text


def assemble(platform: Platform, area_id: UUID, probe: Subject, *,
             redact_staff: bool) -> dict[str, Any]:
    wanted = {k for k in identifier_keys(probe) if k[0] in STRONG_KINDS}
    cases: list[dict[str, Any]] = []
    for case_id in sorted(platform.blind_index.matches(area_id, probe, None), key=str):
        document = platform.cases.document(case_id)
        if document is None:
            continue  # erased
        subjects = document["referral"]["subjects"]
        mine = [s for s in subjects if identifier_keys(_subject(s)) & wanted]
        if not mine:
            continue
        others = [t for s in subjects if s not in mine for t in _terms(s)]
        staff = {document["referral"]["referrer"], *(i["author"] for i in document["items"])}

        def clean(text: str, others: list[str] = others, staff: set[str] = staff) -> str:
            text = _redact(text, others, REDACTED)
            return _redact(text, staff, STAFF) if redact_staff else text

        cases.append({
            "case_id": document["case_id"],
            "status": document["status"],
            "referred_on": document["referred_on"],
            "closed_on": document.get("closed_on"),
            "your_records": mine,
            "incident_summary": clean(document["referral"]["incident_summary"]),
            "consent": document["referral"]["consent"],
            "referrer": STAFF if redact_staff else document["referral"]["referrer"],
            "information": [{"kind": i["kind"], "recorded_at": i["recorded_at"],
                             "text": clean(i["text"]),
                             "author": STAFF if redact_staff else i["author"]}
                            for i in document["items"]],
        })
    return {"status": "draft_for_dpo_review",
            "note": "Apply exemptions (serious harm, prevention of crime) before release.",
            "cases": cases}
