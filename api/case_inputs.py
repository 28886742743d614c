"""The case routes' request bodies as the use cases' typed inputs (services/): the one place
the API's schemas become domain values."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from api import schemas
from domain.access import Audience
from domain.actions import ActionDisposal
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import RiskAssessment
from domain.subjects import Subject
from services.access_grants import Grant
from services.case_actions import NewAction
from services.referral_corrections import SubjectCorrection
from services.referrals import Decision, NewReferral


def new_referral(body: schemas.ReferralCreate) -> NewReferral:
    return NewReferral(
        referred_on=body.referred_on,
        subjects=tuple(subject(s) for s in body.subjects),
        incident_summary=body.incident_summary,
        risk_assessment=assessment(body.risk_assessment),
        criteria=criteria(body.criteria),
        consent=Consent(**body.consent.model_dump()),
        victim_informed=body.victim_informed,
        idva_referral_made=body.idva_referral_made,
        manager_sign_off=body.manager_sign_off)


def subject(s: schemas.SubjectIn) -> Subject:
    """A person named in a referral, with a new id of their own."""
    return Subject(subject_id=uuid4(), role=s.role, forenames=s.forenames, surname=s.surname,
                   aliases=tuple(s.aliases), date_of_birth=s.date_of_birth, gender=s.gender,
                   ethnicity=s.ethnicity, sexuality=s.sexuality, disability=s.disability,
                   trans=s.trans, address=s.address, safe_contact=s.safe_contact,
                   references=tuple(s.references), relationship=s.relationship)


def assessment(body: schemas.RiskAssessmentIn) -> RiskAssessment:
    return RiskAssessment.build(body.tool, body.version,
                                {q: (a.value, a.source) for q, a in body.answers.items()})


def decision(body: schemas.DecisionCreate) -> Decision:
    return Decision(body.outcome, body.reason, body.existing_case_id)


def grant(body: schemas.GrantCreate) -> Grant:
    return Grant(reason=body.reason, agency_id=body.agency_id, person=body.person,
                 expires_at=body.expires_at)


def new_action(body: schemas.ActionCreate) -> NewAction:
    return NewAction(owner_agency_id=body.owner_agency_id, description=body.description,
                     for_whom=body.for_whom, due_on=body.due_on, meeting_id=body.meeting_id)


def audience(body: schemas.AudienceIn) -> Audience:
    return Audience(body.kind, tuple(body.agencies))


def subject_correction(subject_id: UUID, body: schemas.SubjectChangesIn) -> SubjectCorrection:
    """The fields the request gave, as the subject holds them (lists as tuples)."""
    changes: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in body.model_dump(exclude_unset=True).items()}
    return SubjectCorrection(subject_id, changes)


def criteria(body: schemas.CriteriaIn) -> CriteriaClaimed:
    return CriteriaClaimed(**body.model_dump())


def disposals(body: schemas.ClosureCreate) -> tuple[ActionDisposal, ...]:
    return tuple(ActionDisposal(d.action_id, d.fate, d.carried_to) for d in body.open_actions)
