"""Demo data for `marac serve --demo`: one area, its agencies and cases in several states.
Every person here is invented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid4

from domain.application import Marac
from domain.area import Area, AreaSettings
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject

DEMO_AREA_CODE = "demo"

DEMO_AGENCIES = (
    ("police", "Demoshire Police", "police", True),
    ("idva", "Demoshire IDVA Service", "idva", True),
    ("health", "Demoshire Hospitals NHS Trust", "health", True),
    ("housing", "Demoshire Homes", "housing", True),
    ("csc", "Demoshire Children's Social Care", "childrens_social_care", True),
    ("probation", "Probation Service, Demoshire", "probation", True),
    ("hpx", "Harmful Practices Expert Service", "harmful_practices_expert", False),
)


@dataclass(frozen=True)
class DemoData:
    area_id: UUID
    agencies: dict[str, UUID]
    cases: dict[str, UUID]


def _assessment(yes: int) -> RiskAssessment:
    answers: dict[str, AnswerValue] = {
        q: ("yes" if i < yes else "no") for i, q in enumerate(DASH_RIC_QUESTIONS)
    }
    return RiskAssessment.build("dash-ric", "2009", answers)


def _referral(area: UUID, agency: UUID, *, victim: tuple[str, str, date], yes: int,
              referred_on: date, criteria: CriteriaClaimed) -> Referral:
    return Referral(
        area_id=area,
        referring_agency_id=agency,
        referrer="demo-referrer",
        referred_on=referred_on,
        subjects=(
            Subject(uuid4(), "victim", victim[0], victim[1], date_of_birth=victim[2]),
            Subject(uuid4(), "perpetrator", "Demo", "Perpetrator", date_of_birth=date(1980, 1, 1)),
        ),
        incident_summary="Demo incident summary (fictional).",
        risk_assessment=_assessment(yes),
        criteria=criteria,
        consent=Consent("given"),
        victim_informed="yes",
        idva_referral_made=True,
    )


def seed_demo(app: Marac) -> DemoData:
    """Create the demo area once; later runs find it and change nothing."""
    area_id = Area.create_id(DEMO_AREA_CODE)
    if area_id in app.repository:
        return DemoData(area_id, {}, {})
    app.create_area(DEMO_AREA_CODE, "Demoshire MARAC", AreaSettings(hba_automatic=True))
    agencies = {
        code: app.register_agency(area_id, code, name, kind, core=core)
        for code, name, kind, core in DEMO_AGENCIES
    }
    today = app.today()
    police, idva = agencies["police"], agencies["idva"]
    cases: dict[str, UUID] = {}
    cases["accepted"] = app.refer(_referral(
        area_id, police, victim=("Alexa", "Demovictim", date(1990, 5, 1)), yes=16,
        referred_on=today - timedelta(days=40), criteria=CriteriaClaimed(visible_high_risk=True)))
    app.accept(cases["accepted"], "demo-coordinator")
    judgement = CriteriaClaimed(professional_judgement_reason="Escalating control")
    cases["repeat"] = app.refer(_referral(
        area_id, idva, victim=("Alexa", "Demovictim", date(1990, 5, 1)), yes=9,
        referred_on=today - timedelta(days=2), criteria=judgement))
    cases["declined"] = app.refer(_referral(
        area_id, idva, victim=("Bea", "Demoperson", date(1975, 9, 9)), yes=4,
        referred_on=today - timedelta(days=10), criteria=judgement))
    app.decline(cases["declined"], "demo-coordinator", "No criterion met; IDVA support offered")
    cases["pending"] = app.refer(_referral(
        area_id, police, victim=("Cara", "Democase", date(2001, 2, 3)), yes=14,
        referred_on=today, criteria=CriteriaClaimed(visible_high_risk=True)))
    return DemoData(area_id, agencies, cases)
