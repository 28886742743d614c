"""Correcting a referral (its subjects, risk assessment and criteria claimed), by the staff of
the agency that made it or the area's coordinators; and withdrawing one entered in error, by
the coordinators. Each is a new event with its reason: the referral as first made stays in the
log, and the read models and reports follow the corrected facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.criteria import CriteriaClaimed
from domain.risk import RiskAssessment
from security.policy import CaseAccess, may_correct_referral, may_withdraw_referral
from services.actor import Actor
from services.case_access import Stores, offered, visible, writing


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
