"""The case document: the whole case as coordinators see it, sealed under the case's key
(crypto-shredded with it). The API filters its items by audience per viewer; the other read
models hold ids, dates and keyed digests only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access import SharedItem
from domain.case import Case, inform_by, told_late
from domain.marrac import MES, STEPS
from domain.values import plain
from projections.case_document import CaseDocument
from security.documents import DocumentSealer
from security.policy import ItemFacts
from storage.database import Cursor, Database

TABLE = "case_documents"


def schema(blob: str) -> tuple[str, ...]:
    """The table, with the database's type for sealed bytes."""
    return (f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        case_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        document {blob} NOT NULL)""",)


def case_document(case: Case) -> dict[str, Any]:
    """The whole case as coordinators see it, as sealed (`CaseDocument` reads it back); the
    API filters items by audience per viewer."""
    referral = case.referral
    return {
        "case_id": str(case.id),
        "version": case.version,
        "area_id": str(case.area_id),
        "status": case.status,
        "referred_on": referral.referred_on.isoformat(),
        "referring_agency_id": str(referral.referring_agency_id),
        "referral": {
            "referrer": referral.referrer,
            "subjects": plain(list(case.subjects.values())),
            "incident_summary": referral.incident_summary,
            "risk_assessment": plain(case.risk_assessment),
            "criteria": plain(referral.criteria),
            "consent": plain(referral.consent),
            "victim_informed": referral.victim_informed,
            "idva_referral_made": referral.idva_referral_made,
            "manager_sign_off": referral.manager_sign_off,
        },
        "decision": plain(case.decision),
        "repeat_of": str(case.repeat_of) if case.repeat_of else None,
        "repeat_referrals": [str(r) for r in case.repeat_referrals],
        "last_referral_on": case.last_referral_on.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "closure_reason": case.closure_reason,
        **_closure(case),
        "items": plain(sorted(case.items.values(), key=lambda i: (i.recorded_at, str(i.item_id)))),
        "actions": [
            {**plain(a), "outcome": case.action_outcomes.get(a.action_id),
             "escalated": a.action_id in case.escalated_actions,
             "notes": [plain(n) for n in case.action_notes if n.action_id == a.action_id]}
            for a in sorted(case.actions.values(), key=lambda a: (a.due_on, str(a.action_id)))],
        "research_requests": [{**plain(r), "answered": case.research_answered(r)}
                              for r in case.research_requests],
        "hearings": plain(sorted(case.hearings.values(), key=lambda h: h.heard_on)),
        # For coordinators only (the API shows it to viewers who see every item).
        "access": {
            "restricted": case.restricted,
            "restriction": _restriction(case),
            "members": sorted(case.members),
            "member_agencies": sorted(str(a) for a in case.member_agencies),
            "excluded": sorted(case.excluded),
            "grants": plain(list(case.grants.values())),
            "break_glass": plain(case.break_glass),
        },
        "marrac": _marrac(case),
        "safeguarding": {"onward_referrals": plain(case.onward_referrals),
                         "social_care": plain(case.social_care)},
    }


def _restriction(case: Case) -> dict[str, Any] | None:
    due = case.restriction_review_due
    if due is None or case.restricted_at is None:
        return None
    return {"provisional": case.restriction_provisional,
            "restricted_at": case.restricted_at.isoformat(),
            "reviewed_at": (case.restriction_reviewed_at.isoformat()
                            if case.restriction_reviewed_at else None),
            "review_due": due.isoformat()}


def _closure(case: Case) -> dict[str, Any]:
    """When the closure was made and by when every agency should know; each agency told, when
    it was told and whether that was late (judged once told; while untold, when read)."""
    if case.closed_on is None:
        return {"closed_at": None, "inform_by": None, "closure_told": {}}
    deadline = inform_by(case.closed_on, case.closed_at)
    told = {a: case.informed.get(a) for a in case.to_inform}
    return {
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "inform_by": deadline.isoformat(),
        "closure_told": {str(a): {"told_at": at.isoformat() if at else None,
                                  "late": told_late(deadline, at) if at else None}
                         for a, at in told.items()},
    }


def _marrac(case: Case) -> dict[str, Any]:
    """The coordinator-led model's record: who owns the case, steps, the MEs' needs (personal
    data, so only here, sealed), contacts, plan and reviews."""
    return {
        "coordinator": case.coordinator,
        "allocated_at": case.allocated_at.isoformat() if case.allocated_at else None,
        "allocations": plain(case.allocations),
        "steps": [plain(case.steps[s]) for s in STEPS if s in case.steps],
        "needs": {me: plain(case.needs[me]) for me in MES if me in case.needs},
        "contacts": plain(sorted(case.contacts, key=lambda c: (c.at, str(c.contact_id)))),
        "plan_agreed": plain(case.plan_agreed),
        "reviews": plain(case.reviews),
    }


def write(cur: Cursor, sealer: DocumentSealer, case: Case) -> None:
    sealed = sealer.seal(TABLE, case.id, case_document(case))
    cur.execute(f"INSERT INTO {TABLE} (case_id, version, document) "  # noqa: S608
                "VALUES (%s, %s, %s)", (str(case.id), case.version, sealed))


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
