"""Builders of fictional referrals for tests. Every person here is invented."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain.application import Marac
from domain.area import AreaSettings
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject

# Distinctive strings, so a search of raw storage for them cannot hit anything by chance.
VICTIM_SURNAME = "Quennevillexq"
VICTIM_FORENAME = "Philippaxq"
VICTIM_DOB = date(1987, 3, 14)
VICTIM_ADDRESS = "17 Larkspurxq Crescent, Wexbridge WX9 4QZ"


def assessment(yes: int, not_known: int = 0) -> RiskAssessment:
    """A DASH RIC with `yes` "yes" answers, then `not_known` unknowns, the rest "no"."""
    answers: dict[str, AnswerValue] = {}
    for i, q in enumerate(DASH_RIC_QUESTIONS):
        answers[q] = "yes" if i < yes else "not_known" if i < yes + not_known else "no"
    return RiskAssessment.build("dash-ric", "2009", answers)


def victim(**changes: Any) -> Subject:
    base = Subject(
        subject_id=uuid4(),
        role="victim",
        forenames=VICTIM_FORENAME,
        surname=VICTIM_SURNAME,
        date_of_birth=VICTIM_DOB,
        gender="female",
        address=VICTIM_ADDRESS,
        safe_contact="mobile, texts only after 6pm",
    )
    return replace(base, **changes)


def perpetrator(**changes: Any) -> Subject:
    base = Subject(
        subject_id=uuid4(),
        role="perpetrator",
        forenames="Dorianxq",
        surname="Marchbankxq",
        date_of_birth=date(1984, 11, 2),
        gender="male",
    )
    return replace(base, **changes)


def referral(
    area_id: UUID,
    agency_id: UUID,
    *,
    yes: int = 15,
    referred_on: date = date(2026, 1, 10),
    criteria: CriteriaClaimed | None = None,
    subjects: tuple[Subject, ...] | None = None,
    **changes: Any,
) -> Referral:
    base = Referral(
        area_id=area_id,
        referring_agency_id=agency_id,
        referrer="officer-4471",
        referred_on=referred_on,
        subjects=subjects or (victim(), perpetrator()),
        incident_summary="Argument escalated; neighbour called police. Strangulation disclosed.",
        risk_assessment=assessment(yes),
        criteria=criteria or CriteriaClaimed(visible_high_risk=True),
        consent=Consent("given"),
        victim_informed="yes",
        idva_referral_made=True,
    )
    return replace(base, **changes)


def area_with_agency(
    app: Marac, settings: AreaSettings | None = None, code: str = "wexshire"
) -> tuple[UUID, UUID]:
    area_id = app.create_area(code, "Wexshire MARAC", settings)
    agency_id = app.register_agency(area_id, "police", "Wexshire Police", "police", core=True)
    return area_id, agency_id
