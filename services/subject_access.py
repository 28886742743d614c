"""Subject access: assemble a data subject's data across cases, third parties redacted.

The data protection officer reads case content only here, through a recorded request (DESIGN
rule 6). The package is a draft for the DPO: exemptions (for example where disclosure would
put someone at risk of serious harm) are theirs to apply before anything is released.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.consent import Consent
from domain.exceptions import DomainError
from domain.identifiers import identifier_keys
from domain.subjects import Subject
from security.policy import Viewer, is_excluded, may_read_audit
from services.actor import Actor
from services.platform import Platform

REDACTED = "[redacted]"
# Disclosure needs a strong match: forename + date of birth, a name without a date of birth,
# or a sound-alike surname is enough to suggest a repeat, not to hand one person's records
# to another who shares a name.
STRONG_KINDS = frozenset({"surname_dob", "reference"})
STAFF = "[staff]"


@dataclass(frozen=True)
class DisclosedItem:
    """An item of the case, others redacted (and its author, where staff are)."""

    kind: str
    recorded_at: datetime
    text: str
    author: str


@dataclass(frozen=True)
class DisclosedCase:
    """A case's part of the package: the subject's own records and the case's content."""

    case_id: UUID
    status: str
    referred_on: date
    closed_on: date | None
    your_records: tuple[Subject, ...]
    incident_summary: str
    consent: Consent
    referrer: str
    information: tuple[DisclosedItem, ...]


@dataclass(frozen=True)
class SubjectAccessPackage:
    """The request's id and the draft package for the DPO: each case's part as the subject's
    own records and the case's content, others redacted."""

    request_id: UUID
    status: str
    note: str
    cases_withheld_for_exclusion: int
    cases: tuple[DisclosedCase, ...]


@dataclass(frozen=True)
class _Assembled:
    cases_withheld_for_exclusion: int
    cases: tuple[DisclosedCase, ...]
    redactions: tuple[Redaction, ...] = ()


def _terms(subject: Subject) -> list[str]:
    """Everything that identifies another person: each part of each name, the address and
    its parts, safe contact, references, and the date of birth as people write it."""
    terms: list[str] = []
    for name in (subject.forenames, subject.surname, *subject.aliases):
        terms += [name, *re.split(r"[\s\-']+", name)]
    for value in (subject.address, subject.safe_contact):
        if value:
            terms += [value, *(p.strip() for p in value.split(","))]
    terms += list(subject.references)
    born = subject.date_of_birth
    if born is not None:
        terms += [born.isoformat(), born.strftime("%d/%m/%Y"),
                  f"{born.day}/{born.month}/{born.year}", born.strftime("%d.%m.%Y")]
    return [t for t in terms if len(t.strip()) > 1]


@dataclass(frozen=True)
class Redaction:
    """What was withheld where, and why: for the DPO's review, never for the disclosure.
    `text` is what was withheld (another person's name, say); `place` where in the case."""

    case_id: UUID
    place: str
    text: str
    reason: str
    detail: str
    count: int
    added: bool = False


# Why something is withheld: the reasons a DPO may give (the first two the assembly's own).
REASONS: dict[str, str] = {
    "third_party": "Third party's personal data (UK GDPR art. 15(4); DPA 2018 sch. 2 para. 16)",
    "staff": "Staff member's name (local policy on professionals' names)",
    "crime_prevention": "Exemption: prevention or detection of crime (DPA 2018 sch. 2 para. 2)",
    "serious_harm": "Exemption: serious harm test (DPA 2018 sch. 3)",
    "legal_privilege": "Exemption: legal professional privilege (DPA 2018 sch. 2 para. 19)",
}
WITHHELD = "[withheld]"


@dataclass(frozen=True)
class ExtraRedaction:
    """Words the DPO withheld in every case of the package, and why."""

    text: str
    reason: str
    note: str


class Redactor:
    """Redacts a case's texts, noting each term withheld, where, and why."""

    def __init__(self, case_id: UUID, others: Sequence[tuple[str, str]], staff: set[str],
                 redact_staff: bool, extra: tuple[ExtraRedaction, ...]) -> None:
        self.case_id = case_id
        self.others = others  # (term, whose: the person's role)
        self.staff = staff
        self.redact_staff = redact_staff
        self.extra = extra
        self.found: dict[tuple[str, str, str], tuple[str, int, bool]] = {}

    def _apply(self, text: str, place: str, terms: list[tuple[str, str, str]], mark: str,
               added: bool) -> str:
        for term, reason, detail in sorted(terms, key=lambda t: len(t[0]), reverse=True):
            # Whole words only: "Ann" is withheld, not the "ann" in "Annual review".
            text, n = re.subn(rf"(?<!\w){re.escape(term)}(?!\w)", mark, text,
                              flags=re.IGNORECASE)
            if n:
                key = (place, term.lower(), reason)
                _, before, _ = self.found.get(key, (detail, 0, added))
                self.found[key] = (detail, before + n, added)
        return text

    def clean(self, text: str, place: str) -> str:
        # The DPO's own first: a phrase they chose ("the neighbour at no. 4") goes whole.
        text = self._apply(text, place, [(e.text, e.reason, e.note) for e in self.extra],
                           WITHHELD, True)
        text = self._apply(text, place, [(t, "third_party", f"names the {role.replace('_', ' ')}")
                                         for t, role in self.others], REDACTED, False)
        if self.redact_staff:
            text = self._apply(text, place, [(t, "staff", "a professional on the case")
                                             for t in self.staff if len(t.strip()) > 1],
                               STAFF, False)
        return text

    def staff_name(self, name: str, place: str) -> str:
        """Who referred or wrote: withheld (and noted) where local policy redacts staff."""
        if not self.redact_staff:
            return name
        key = (place, name.lower(), "staff")
        _, before, _ = self.found.get(key, ("", 0, False))
        self.found[key] = ("a professional on the case", before + 1, False)
        return STAFF

    def redactions(self) -> tuple[Redaction, ...]:
        return tuple(Redaction(self.case_id, place, term, reason, detail, count, added)
                     for (place, term, reason), (detail, count, added)
                     in self.found.items())


def assemble(platform: Platform, viewer: Viewer, area_id: UUID, probe: Subject, *,
             redact_staff: bool, extra: tuple[ExtraRedaction, ...] = ()) -> _Assembled:
    wanted = {k for k in identifier_keys(probe) if k[0] in STRONG_KINDS}
    cases: list[DisclosedCase] = []
    redactions: list[Redaction] = []
    candidates = sorted(platform.blind_index.matches(area_id, probe, None), key=str)
    accesses = platform.cases.access(candidates)
    excluded = [c for c, a in accesses.items() if is_excluded(viewer, a)]
    for case_id in candidates:
        if case_id not in accesses or case_id in excluded:
            continue  # erased, or this DPO is excluded from it: another DPO must act
        document = platform.cases.document(case_id)
        if document is None:
            continue  # erased
        referral = document.referral
        mine = [s for s in referral.subjects if identifier_keys(s) & wanted]
        if not mine:
            continue
        others = [(t, s.role) for s in referral.subjects if s not in mine for t in _terms(s)]
        staff = {referral.referrer, *(i.author for i in document.items)}
        redactor = Redactor(document.case_id, others, staff, redact_staff, extra)
        cases.append(DisclosedCase(
            case_id=document.case_id,
            status=document.status,
            referred_on=document.referred_on,
            closed_on=document.closed_on,
            your_records=tuple(mine),
            incident_summary=redactor.clean(referral.incident_summary, "Incident summary"),
            consent=referral.consent,
            referrer=redactor.staff_name(referral.referrer, "Referred by"),
            information=tuple(
                DisclosedItem(i.kind, i.recorded_at,
                              redactor.clean(i.text, f"Information {n}"),
                              redactor.staff_name(i.author, f"Information {n}: author"))
                for n, i in enumerate(document.items, start=1))))
        redactions += redactor.redactions()
    return _Assembled(len(excluded), tuple(cases), tuple(redactions))


def handle_request(platform: Platform, actor: Actor, probe: Subject, *,
                   redact_staff: bool) -> SubjectAccessPackage:
    """Record the request, assemble the package, record the disclosure; one audit record."""
    p = actor.principal
    if p.area_id is None or not may_read_audit(p):
        actor.deny("subject_access", "Data protection officers only", purpose="subject_access")
    try:
        request_id = platform.marac.receive_subject_access_request(p.area_id, probe, p.subject)
    except DomainError:
        actor.audit.record("subject_access", "rejected", purpose="subject_access")
        raise
    package = assemble(platform, actor.viewer, p.area_id, probe, redact_staff=redact_staff)
    case_ids = tuple(c.case_id for c in package.cases)
    items = sum(len(c.information) for c in package.cases)
    platform.marac.record_disclosure(request_id, case_ids, items, p.subject)
    actor.audit.record("subject_access", "allowed", purpose="subject_access",
                       items=(str(request_id), *(str(c) for c in case_ids)))
    return SubjectAccessPackage(
        request_id, "draft_for_dpo_review",
        "Apply exemptions (serious harm, prevention of crime) before release.",
        package.cases_withheld_for_exclusion, package.cases)
