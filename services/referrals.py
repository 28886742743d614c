"""Referral and the threshold decision: an agency's staff refer a case in their own area; the
area's coordinators accept it, decline it, or link it as a repeat of an existing case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.case import Referral
from domain.consent import Consent, VictimInformed
from domain.criteria import CriteriaClaimed
from domain.risk import RiskAssessment
from domain.subjects import Subject
from security.identity import Principal
from security.policy import may_coordinate, may_decide_thresholds, may_refer
from services.actor import Actor
from services.case_access import Stores, case_not_found, coordinated, writing
from services.case_lists import CasesPage, list_cases


@dataclass(frozen=True)
class NewReferral:
    """What the referrer submits; the area, the agency and the referrer are the caller's."""

    referred_on: date
    subjects: tuple[Subject, ...]
    incident_summary: str
    risk_assessment: RiskAssessment
    criteria: CriteriaClaimed
    consent: Consent
    victim_informed: VictimInformed
    idva_referral_made: bool
    manager_sign_off: bool = False


@dataclass(frozen=True)
class Decision:
    """The threshold decision as asked for: the domain checks that a decline has a reason;
    `existing_case_id` is the case a repeat links to."""

    outcome: Literal["accept", "decline", "link_repeat"]
    reason: str | None = None
    existing_case_id: UUID | None = None


def refer(stores: Stores, actor: Actor, new: NewReferral, given: UUID | None = None) -> UUID:
    """The new case's id. `given`: an id from an Idempotency-Key (api/idempotency.py), so that
    a retry of a referral whose answer was lost (a crash after the write) finds the case it
    made, rather than making a second."""
    p = actor.principal
    area_id, agency_id = p.area_id, p.agency_id
    if area_id is None or agency_id is None or not may_refer(p, area_id, agency_id):
        actor.deny("create", "Referrals are made by an agency's staff in their own area")
    referral = Referral(
        area_id=area_id, referring_agency_id=agency_id, referrer=p.subject,
        referred_on=new.referred_on, subjects=new.subjects,
        incident_summary=new.incident_summary, risk_assessment=new.risk_assessment,
        criteria=new.criteria, consent=new.consent, victim_informed=new.victim_informed,
        idva_referral_made=new.idva_referral_made, manager_sign_off=new.manager_sign_off)
    # Known before the write, so that its audit record names it.
    case_id = given or uuid4()
    app = stores.marac
    with writing(stores, actor, "create", case_id, area_id):
        if given is None or given not in app.repository:
            try:
                app.refer(referral, case_id=case_id)
            except IntegrityError:  # a concurrent retry of the same referral saved it first
                if given is None or given not in app.repository:
                    raise
    return case_id


def decides_thresholds(principal: Principal) -> bool:
    """Whether the referrals awaiting a decision are the person's to decide (their pages
    offer the list to those only)."""
    return may_decide_thresholds(principal)


def awaiting_decision(stores: Stores, actor: Actor, *, page_size: int,
                      cursor: str | None = None) -> CasesPage:
    """The referrals of the caller's area still awaiting a threshold decision, oldest first
    (the longest waiting is decided first), for its coordinators and chairs."""
    actor.require(may_decide_thresholds(actor.principal), "list",
                  "Threshold decisions are the area's coordinators' and chairs'")
    return list_cases(stores, actor, status="referred", page=1, page_size=page_size,
                      cursor=cursor, oldest_first=True)


def decide(stores: Stores, actor: Actor, case_id: UUID, decision: Decision) -> None:
    app, by = stores.marac, actor.principal.subject
    if decision.outcome != "link_repeat":
        area_id = coordinated(stores, actor, case_id, "decide").area_id
    else:
        # Both cases must be the caller's to coordinate; either missing reads as missing.
        now = stores.now()
        existing = decision.existing_case_id
        access = stores.cases.access([case_id]).get(case_id)
        target = stores.cases.access([existing]).get(existing) if existing else None
        if (access is None or target is None
                or not may_coordinate(actor.viewer, access, now)
                or not may_coordinate(actor.viewer, target, now)):
            actor.audit.record("decide", "denied", case_id=case_id)
            raise case_not_found(case_id)
        area_id = access.area_id
    with writing(stores, actor, "decide", case_id, area_id):
        if decision.outcome == "accept":
            app.accept(case_id, by)
        elif decision.outcome == "decline":
            app.decline(case_id, by, decision.reason or "")
        elif decision.existing_case_id is not None:  # checked above; narrows the type
            app.link_as_repeat(case_id, decision.existing_case_id, by)
