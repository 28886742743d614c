"""The case document: the whole case as coordinators see it, sealed under the case's key
(crypto-shredded with it). The API filters its items by audience per viewer; the other read
models hold ids, dates and keyed digests only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import TypedDict
from uuid import UUID

from domain.access import SharedItem
from domain.actions import SmartAction
from domain.case import Case, ResearchRequest, inform_by, told_late
from domain.marrac import MES, STEPS
from projections.case_document import (
    AccessRecord,
    ActionRecord,
    AgencyTold,
    CaseDocument,
    MarracRecord,
    ReferralRecord,
    ResearchRecord,
    RestrictionRecord,
    SafeguardingRecord,
)
from security.documents import DocumentSealer
from security.policy import ItemFacts
from storage.database import Cursor, Database

TABLE = "case_documents"


def case_document(case: Case) -> CaseDocument:
    """The whole case as coordinators see it, as sealed (`to_json`); the API filters items by
    audience per viewer."""
    referral = case.referral
    return CaseDocument(
        case_id=case.id,
        version=case.version,
        area_id=case.area_id,
        status=case.status,
        referred_on=referral.referred_on,
        referring_agency_id=referral.referring_agency_id,
        referral=ReferralRecord(
            referrer=referral.referrer,
            subjects=tuple(case.subjects.values()),
            incident_summary=referral.incident_summary,
            risk_assessment=case.risk_assessment,
            criteria=referral.criteria,
            consent=referral.consent,
            victim_informed=referral.victim_informed,
            idva_referral_made=referral.idva_referral_made,
            manager_sign_off=referral.manager_sign_off),
        decision=case.decision,
        repeat_of=case.repeat_of,
        repeat_referrals=tuple(case.repeat_referrals),
        last_referral_on=case.last_referral_on,
        closed_on=case.closed_on,
        closure_reason=case.closure_reason,
        **_closure(case),
        items=tuple(sorted(case.items.values(), key=lambda i: (i.recorded_at, str(i.item_id)))),
        actions=tuple(
            ActionRecord(**{f.name: getattr(a, f.name) for f in fields(SmartAction)},
                         outcome=case.action_outcomes.get(a.action_id),
                         escalated=a.action_id in case.escalated_actions,
                         notes=tuple(n for n in case.action_notes
                                     if n.action_id == a.action_id))
            for a in sorted(case.actions.values(), key=lambda a: (a.due_on, str(a.action_id)))),
        research_requests=tuple(
            ResearchRecord(**{f.name: getattr(r, f.name) for f in fields(ResearchRequest)},
                           answered=case.research_answered(r))
            for r in case.research_requests),
        hearings=tuple(sorted(case.hearings.values(), key=lambda h: h.heard_on)),
        # For coordinators only (the API shows it to viewers who see every item).
        access=AccessRecord(
            restricted=case.restricted,
            restriction=_restriction(case),
            members=tuple(sorted(case.members)),
            member_agencies=tuple(sorted(case.member_agencies, key=str)),
            excluded=tuple(sorted(case.excluded)),
            grants=tuple(case.grants.values()),
            break_glass=tuple(case.break_glass)),
        marrac=_marrac(case),
        safeguarding=SafeguardingRecord(tuple(case.onward_referrals), case.social_care),
    )


def _restriction(case: Case) -> RestrictionRecord | None:
    due = case.restriction_review_due
    if due is None or case.restricted_at is None:
        return None
    return RestrictionRecord(case.restriction_provisional, case.restricted_at,
                             case.restriction_reviewed_at, due)


class _Closure(TypedDict):
    closed_at: datetime | None
    inform_by: datetime | None
    closure_told: dict[UUID, AgencyTold]


def _closure(case: Case) -> _Closure:
    """When the closure was made and by when every agency should know; each agency told, when
    it was told and whether that was late (judged once told; while untold, when read)."""
    if case.closed_on is None:
        return {"closed_at": None, "inform_by": None, "closure_told": {}}
    deadline = inform_by(case.closed_on, case.closed_at)
    told = {a: case.informed.get(a) for a in case.to_inform}
    return {"closed_at": case.closed_at, "inform_by": deadline,
            "closure_told": {a: AgencyTold(at, told_late(deadline, at) if at else None)
                             for a, at in told.items()}}


def _marrac(case: Case) -> MarracRecord:
    """The coordinator-led model's record: who owns the case, steps, the MEs' needs (personal
    data, so only here, sealed), contacts, plan and reviews."""
    return MarracRecord(
        coordinator=case.coordinator,
        allocated_at=case.allocated_at,
        allocations=tuple(case.allocations),
        steps=tuple(case.steps[s] for s in STEPS if s in case.steps),
        needs={case.needs[me].me: case.needs[me] for me in MES if me in case.needs},
        # Each child an ME of its own, keyed by the child subject's id.
        child_needs=dict(case.child_needs),
        contacts=tuple(sorted(case.contacts, key=lambda c: (c.at, str(c.contact_id)))),
        plan_agreed=case.plan_agreed,
        reviews=tuple(case.reviews),
        feedback=tuple(case.feedback))


def sealed(sealer: DocumentSealer, cases: Sequence[Case]) -> list[tuple[str, int, bytes]]:
    """The cases' rows, sealed (which may read a key from the database: done before the
    writes, see `write`)."""
    return [(str(case.id), case.version,
             sealer.seal(TABLE, case.id, case_document(case).to_json())) for case in cases]


def write(cur: Cursor, rows: Sequence[tuple[str, int, bytes]]) -> None:
    """`rows`: from `sealed`. Nothing is read here, so a caller may pipeline it."""
    if rows:
        cur.executemany(f"INSERT INTO {TABLE} (case_id, version, document) "  # noqa: S608
                        "VALUES (%s, %s, %s)", rows)


def document(db: Database, sealer: DocumentSealer, case_id: UUID) -> CaseDocument | None:
    with db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT document FROM {TABLE} WHERE case_id = %s",  # noqa: S608
                    (str(case_id),))
        row = cur.fetchone()
    if row is None:
        return None
    return CaseDocument.from_json(sealer.open(TABLE, case_id, bytes(row[0])))


def item_facts(item: SharedItem) -> ItemFacts:
    """The policy's facts of an item of a case document."""
    return ItemFacts(item.audience, item.author, item.author_agency, item.for_agency)
