"""The sealed case document as a type: what `case_documents.case_document` makes and seals as
`to_json`, read back with `CaseDocument.from_json`.

Documents sealed by earlier versions are read as their readers always read them: a part
recorded later (MARRAC, safeguarding, actions, a break-glass session's reason, an item's
meeting) reads as absent or empty, and a closure sealed before its time was kept has its
date only (`closure_informed`), judged from the day it was closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.access import AccessGrant, BreakGlass, SharedItem
from domain.actions import ActionNote, Ending, SmartAction
from domain.case import Decision, ResearchRequest, Status, inform_by
from domain.consent import Consent, VictimInformed
from domain.criteria import CriteriaClaimed
from domain.marrac import (
    Allocation,
    Feedback,
    Me,
    MeContact,
    MeNeeds,
    PlanAgreed,
    Review,
    StepCompleted,
)
from domain.meeting import Hearing
from domain.risk import RiskAssessment
from domain.safeguarding import OnwardReferral, SocialCare
from domain.subjects import Subject
from domain.values import from_plain, plain


@dataclass(frozen=True)
class ReferralRecord:
    """What the referring agency submitted, about the people (personal data)."""

    referrer: str
    subjects: tuple[Subject, ...]
    incident_summary: str
    risk_assessment: RiskAssessment
    criteria: CriteriaClaimed
    consent: Consent
    victim_informed: VictimInformed
    idva_referral_made: bool
    manager_sign_off: bool = False


@dataclass(frozen=True)
class ActionRecord(SmartAction):
    """An agreed action with what became of it: its outcome, escalation and notes."""

    outcome: Ending | None = None
    escalated: bool = False
    notes: tuple[ActionNote, ...] = ()


@dataclass(frozen=True)
class ResearchRecord(ResearchRequest):
    answered: bool = False


@dataclass(frozen=True)
class RestrictionRecord:
    """A restriction's state: provisional until a coordinator names its members, and when it
    is next reviewed."""

    provisional: bool
    restricted_at: datetime
    reviewed_at: datetime | None
    review_due: datetime


@dataclass(frozen=True)
class AccessRecord:
    """Who may see the case beyond its agencies, and who may not (for coordinators only)."""

    restricted: bool = False
    restriction: RestrictionRecord | None = None
    members: tuple[str, ...] = ()
    member_agencies: tuple[UUID, ...] = ()
    excluded: tuple[str, ...] = ()
    grants: tuple[AccessGrant, ...] = ()
    break_glass: tuple[BreakGlass, ...] = ()


@dataclass(frozen=True)
class AgencyTold:
    """An agency told of the closure: when, and whether late (None while untold: judged
    when read)."""

    told_at: datetime | None
    late: bool | None


@dataclass(frozen=True)
class MarracRecord:
    """The coordinator-led model's record: who owns the case, steps, the MEs' needs,
    contacts, plan and reviews."""

    coordinator: str | None = None
    allocated_at: datetime | None = None
    allocations: tuple[Allocation, ...] = ()
    steps: tuple[StepCompleted, ...] = ()
    needs: Mapping[Me, MeNeeds] = field(default_factory=dict)
    child_needs: Mapping[UUID, MeNeeds] = field(default_factory=dict)  # each child its own ME
    contacts: tuple[MeContact, ...] = ()
    plan_agreed: PlanAgreed | None = None
    reviews: tuple[Review, ...] = ()
    feedback: tuple[Feedback, ...] = ()  # from the MEs and agencies, at closure


@dataclass(frozen=True)
class SafeguardingRecord:
    onward_referrals: tuple[OnwardReferral, ...] = ()
    social_care: SocialCare | None = None


@dataclass(frozen=True)
class CaseDocument:
    """The whole case as coordinators see it; the API filters items by audience per viewer."""

    case_id: UUID
    version: int
    area_id: UUID
    status: Status
    referred_on: date
    referring_agency_id: UUID
    referral: ReferralRecord
    decision: Decision | None = None
    repeat_of: UUID | None = None
    repeat_referrals: tuple[UUID, ...] = ()
    last_referral_on: date | None = None
    closed_on: date | None = None
    closure_reason: str | None = None
    closed_at: datetime | None = None
    inform_by: datetime | None = None
    closure_told: Mapping[UUID, AgencyTold] = field(default_factory=dict)
    items: tuple[SharedItem, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    research_requests: tuple[ResearchRecord, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    access: AccessRecord = AccessRecord()
    marrac: MarracRecord = MarracRecord()
    safeguarding: SafeguardingRecord = SafeguardingRecord()

    @property
    def restricted(self) -> bool:
        return self.access.restricted

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> CaseDocument:
        return from_plain(cls, _current(document))

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = plain(self)
        return document


def _current(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document in today's shape: a closure sealed before its time was kept has its
    deadline from the day it was closed, and its agencies' lateness is judged when read
    (`services/closure.py`); a part missing or None is left to its empty default. Keys no
    longer written (`closure_informed`) are left out by `from_plain`."""
    current = {k: v for k, v in document.items() if v is not None or k not in _PARTS}
    if document.get("closed_on") and "closure_told" not in document:
        closed_on = date.fromisoformat(document["closed_on"])
        current["inform_by"] = inform_by(closed_on, None).isoformat()
        current["closure_told"] = {agency: {"told_at": at, "late": None}
                                   for agency, at in document.get("closure_informed", {}).items()}
    return current


# The parts that are an object or a list, never None, in today's documents.
_PARTS = frozenset({"access", "marrac", "safeguarding", "items", "actions", "hearings",
                    "research_requests", "repeat_referrals", "closure_told"})
