"""Referral and the threshold decision: an agency's staff refer a case in their own area; the
area's coordinators accept it, decline it, or link it as a repeat of an existing case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.area import AreaSettings
from domain.case import Referral
from domain.consent import Consent, VictimInformed
from domain.criteria import CriteriaClaimed, Criterion, referral_criteria_met
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


@dataclass(frozen=True)
class RiskSoFar:
    """A referral being written, as its area's settings judge it: the DASH score, the
    criteria met so far, and the settings' measures (for saying what each criterion needs)."""

    score: int
    criteria_met: tuple[Criterion, ...]
    visible_high_risk_from: int
    potential_escalation_from: int
    honour_based_abuse_is_a_criterion: bool

    @classmethod
    def of(cls, assessment: RiskAssessment, claimed: CriteriaClaimed,
           settings: AreaSettings) -> RiskSoFar:
        found = referral_criteria_met(assessment, claimed, settings)
        return cls(found.score, found.met, settings.referral_threshold,
                   settings.escalation_count, settings.hba_automatic)


def refers(principal: Principal) -> bool:
    """Whether the person refers cases, for their agency in their own area (the pages offer
    the referral form to those only)."""
    area_id, agency_id = principal.area_id, principal.agency_id
    return area_id is not None and agency_id is not None and may_refer(principal, area_id,
                                                                       agency_id)


def _referring(actor: Actor) -> tuple[UUID, UUID]:
    """The caller's area and agency, where they may refer; refused and recorded otherwise."""
    p = actor.principal
    if p.area_id is None or p.agency_id is None or not refers(p):
        actor.deny("create", "Referrals are made by an agency's staff in their own area")
    return p.area_id, p.agency_id


def assess(stores: Stores, actor: Actor, assessment: RiskAssessment,
           claimed: CriteriaClaimed) -> RiskSoFar:
    """The score and criteria of a referral the caller is writing, by their area's settings:
    what a referral form shows as the answers are given. Nothing is recorded but a refusal:
    nothing of a case is read, and nothing is kept."""
    area_id, _ = _referring(actor)
    return RiskSoFar.of(assessment, claimed, stores.marac.get_area(area_id).settings)


def refer(stores: Stores, actor: Actor, new: NewReferral, given: UUID | None = None) -> UUID:
    """The new case's id. `given`: an id from an Idempotency-Key (api/idempotency.py) or a
    referral form's draft (web/), so that a retry of a referral whose answer was lost (a crash
    after the write, a second click) finds the case it made, rather than making a second."""
    p = actor.principal
    area_id, agency_id = _referring(actor)
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
