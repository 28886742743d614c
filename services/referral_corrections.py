"""Correcting a referral (its subjects, risk assessment and criteria claimed), by the staff of
the agency that made it or the area's coordinators; and withdrawing one entered in error, by
the coordinators. Each is a new event with its reason: the referral as first made stays in the
log, and the read models and reports follow the corrected facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.case import ENDED
from domain.criteria import CriteriaClaimed
from domain.risk import RiskAssessment
from domain.subjects import Subject
from projections.case_document import CaseDocument
from security.policy import CaseAccess, may_correct_referral, may_withdraw_referral
from services.actor import Actor
from services.case_access import Stores, case_not_found, offered, visible, writing
from services.referrals import RiskSoFar


@dataclass(frozen=True)
class SubjectCorrection:
    """The fields of one subject to correct, by name, with their corrected values (the
    domain refuses an id, a role or a name that is no field)."""

    subject_id: UUID
    changes: Mapping[str, Any]


def _correcting(stores: Stores, actor: Actor, case_id: UUID) -> CaseAccess:
    access, _ = visible(stores, actor, case_id, "correct_referral")
    actor.require(may_correct_referral(actor.viewer, access, stores.now()), "correct_referral",
                  "A referral is corrected by its agency's staff or the area's coordinators",
                  case_id=case_id, area_id=access.area_id)
    return access


def takes_corrections(stores: Stores, actor: Actor, access: CaseAccess,
                      document: CaseDocument) -> bool:
    """Whether the caller may correct the referral now: the policy's answer, while its case
    is still worked (the domain refuses a correction to an `ENDED` case: closed, or
    withdrawn). What a case view offers (services/case_view.py)."""
    return document.status not in ENDED and may_correct_referral(actor.viewer, access,
                                                                 stores.now())


@dataclass(frozen=True)
class ReferralToCorrect:
    """The referral as it stands, for the forms that correct it: its people, its risk
    assessment and the criteria claimed, and what its area's settings make of them."""

    case_id: UUID
    label: str | None
    subjects: tuple[Subject, ...]
    risk_assessment: RiskAssessment
    criteria: CriteriaClaimed
    so_far: RiskSoFar


def referral_to_correct(stores: Stores, actor: Actor, case_id: UUID) -> ReferralToCorrect:
    """The referral, read for the actor's purpose by someone who may correct it. A case they
    may see but not correct, like one that does not exist or one they may not see, is not
    found: its correction forms are not theirs to have (recorded as denied)."""
    access, _ = visible(stores, actor, case_id, "read", actor.purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    if not may_correct_referral(actor.viewer, access, stores.now()):
        actor.audit.record("read", "denied", case_id=case_id, purpose=actor.purpose,
                           area_id=access.area_id, items=("referral",))
        raise case_not_found(case_id)
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, area_id=access.area_id,
                                       items=("referral",))
    referral = document.referral
    return ReferralToCorrect(
        case_id=case_id, label=stores.cases.labels([case_id]).get(case_id),
        subjects=referral.subjects, risk_assessment=referral.risk_assessment,
        criteria=referral.criteria,
        so_far=RiskSoFar.of(referral.risk_assessment, referral.criteria,
                            stores.marac.get_area(document.area_id).settings))


def correct_subject(stores: Stores, actor: Actor, case_id: UUID,
                    correction: SubjectCorrection, *, reason: str) -> None:
    access = _correcting(stores, actor, case_id)
    with writing(stores, actor, "correct_referral", case_id, access.area_id,
                 items=("subject",)):
        stores.marac.correct_subject(case_id, correction.subject_id, dict(correction.changes),
                                     actor.principal.subject, reason)


def correct_risk_assessment(stores: Stores, actor: Actor, case_id: UUID,
                            assessment: RiskAssessment, *, reason: str) -> None:
    access = _correcting(stores, actor, case_id)
    with writing(stores, actor, "correct_referral", case_id, access.area_id,
                 items=("risk_assessment",)):
        stores.marac.correct_risk_assessment(case_id, assessment, actor.principal.subject,
                                             reason)


def correct_criteria(stores: Stores, actor: Actor, case_id: UUID, criteria: CriteriaClaimed,
                     *, reason: str) -> None:
    access = _correcting(stores, actor, case_id)
    with writing(stores, actor, "correct_referral", case_id, access.area_id,
                 items=("criteria",)):
        stores.marac.correct_criteria(case_id, criteria, by=actor.principal.subject,
                                      reason=reason)


@dataclass(frozen=True)
class ReferralToWithdraw:
    """The referral a coordinator is about to withdraw, as they know it: by its case's label."""

    case_id: UUID
    label: str | None


def referral_to_withdraw(stores: Stores, actor: Actor, case_id: UUID) -> ReferralToWithdraw:
    """For those who may withdraw the referral, as `withdraw` asks (the area's coordinators);
    anyone else finds nothing."""
    _, label = offered(stores, actor, case_id, "withdraw_referral", may_withdraw_referral)
    return ReferralToWithdraw(case_id, label)


def withdraw(stores: Stores, actor: Actor, case_id: UUID, *, reason: str) -> None:
    access, _ = visible(stores, actor, case_id, "withdraw_referral")
    actor.require(may_withdraw_referral(actor.viewer, access, stores.now()),
                  "withdraw_referral", "A referral is withdrawn by the area's coordinators",
                  case_id=case_id, area_id=access.area_id)
    # It leaves the agendas of the meetings still to come (domain/meeting.py), and counts in
    # no case co-ordinator's load (domain/case.py, `ENDED`).
    with writing(stores, actor, "withdraw_referral", case_id, access.area_id):
        stores.marac.withdraw(case_id, by=actor.principal.subject, reason=reason,
                              listed_on=stores.cases.listings(case_id))
