"""Demo data for `marac serve --demo`: Demoshire (a meeting-based MARAC area), its agencies,
personas, and cases in several states (one of them a restricted 'honour'-based-abuse case); and
beside it a MARRAC area on Lancashire's coordinator-led model (seed 002), with its team leader,
two case co-ordinators and the agencies its appendix case study draws on, and no case yet, so
that a referral can be worked there from the start. Every person here is invented."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from domain.access import Audience
from domain.agency import Agency
from domain.application import Marac
from domain.area import Area, AreaSettings
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject

DEMO_AREA_CODE = "demo"
DEMO_MARRAC_AREA_CODE = "demomarrac"

DEMO_AGENCIES = (
    ("police", "Demoshire Police", "police", True),
    ("idva", "Demoshire IDVA Service", "idva", True),
    ("health", "Demoshire Hospitals NHS Trust", "health", True),
    ("housing", "Demoshire Homes", "housing", True),
    ("csc", "Demoshire Children's Social Care", "childrens_social_care", True),
    ("probation", "Probation Service, Demoshire", "probation", True),
    ("hpx", "Harmful Practices Expert Service", "harmful_practices_expert", False),
)

# The MARRAC area's agencies: the co-located core team and those the case study's plan uses.
DEMO_MARRAC_AGENCIES = (
    ("police", "Demoshire Police (MARRAC)", "police", True),
    ("coreteam", "Demoshire MARRAC Core Team", "specialist_domestic_abuse", True),
    ("csc", "Demoshire Children's Social Care (MARRAC)", "childrens_social_care", True),
    ("health", "Demoshire Health Visiting and School Nursing", "health", True),
    ("gp", "Demoshire Medical Practice", "health", False),
    ("mentalhealth", "Demoshire Mental Health Team", "health", True),
    ("school", "Demoshire Primary School", "education", False),
    ("citizensadvice", "Citizens Advice Demoshire", "citizens_advice", False),
    ("substancemisuse", "Demoshire Substance Misuse Service", "substance_misuse", False),
)


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    roles: tuple[str, ...]
    agency: str | None
    client: bool = False
    scopes: tuple[str, ...] = ()
    area: str = DEMO_AREA_CODE  # the area's code; the agency is that area's


PERSONAS = (
    Persona("police-officer", "Police MARAC representative", ("representative",), "police"),
    Persona("idva", "Independent domestic violence advisor", ("representative",), "idva"),
    Persona("health-rep", "Hospital trust safeguarding lead", ("representative",), "health"),
    Persona("hospital-employee", "Hospital staff member related to the HBA case's family: "
            "excluded from it", ("representative",), "health"),
    Persona("housing-officer", "Housing representative", ("representative",), "housing"),
    Persona("social-worker", "Children's social care representative", ("representative",),
            "csc"),
    Persona("probation-officer", "Probation representative", ("representative",), "probation"),
    Persona("hp-expert", "Harmful-practices expert adviser", ("representative",), "hpx"),
    Persona("coordinator", "MARAC coordinator", ("coordinator",), "police"),
    Persona("chair", "MARAC chair", ("chair",), "police"),
    Persona("strategic-lead", "Steering group lead: reports only, no case content",
            ("strategic_lead",), None),
    Persona("performance-officer", "Performance officer: exact report figures and custom "
            "ranges for the SafeLives return, no case content", ("performance_officer",), None),
    Persona("dpo", "Data protection officer (no case content)", ("dpo",), None),
    Persona("administrator", "Platform administrator (no case content)", ("administrator",),
            None),
    Persona("police-integration", "Police case system (client credentials)", (), "police",
            client=True, scopes=("cases:read",)),
    # The MARRAC area (Lancashire's model): the team leader allocates, a case co-ordinator owns
    # each case from referral to closure; the attending officer refers.
    Persona("team-leader", "MARRAC team leader: allocates cases evenly", ("team_leader",),
            "coreteam", area=DEMO_MARRAC_AREA_CODE),
    Persona("case-coordinator-1", "MARRAC case co-ordinator", ("case_coordinator",),
            "coreteam", area=DEMO_MARRAC_AREA_CODE),
    Persona("case-coordinator-2", "MARRAC case co-ordinator", ("case_coordinator",),
            "coreteam", area=DEMO_MARRAC_AREA_CODE),
    Persona("marrac-police-officer", "Police officer referring to the MARRAC team",
            ("representative",), "police", area=DEMO_MARRAC_AREA_CODE),
)


@dataclass(frozen=True)
class DemoData:
    area_id: UUID
    agencies: dict[str, UUID]
    cases: dict[str, UUID] = field(default_factory=dict)
    marrac_area_id: UUID = field(default_factory=lambda: Area.create_id(DEMO_MARRAC_AREA_CODE))
    marrac_agencies: dict[str, UUID] = field(default_factory=dict)

    def area_of(self, persona: Persona) -> UUID:
        return self.marrac_area_id if persona.area == DEMO_MARRAC_AREA_CODE else self.area_id

    def agency_of(self, persona: Persona) -> UUID | None:
        if persona.agency is None:
            return None
        agencies = (self.marrac_agencies if persona.area == DEMO_MARRAC_AREA_CODE
                    else self.agencies)
        return agencies[persona.agency]

    def claims(self, persona: Persona) -> dict[str, Any]:
        subject = f"demo-{persona.name}"
        claims: dict[str, Any] = {"sub": subject, "area": str(self.area_of(persona)),
                                  "roles": list(persona.roles)}
        agency = self.agency_of(persona)
        if agency:
            claims["agency"] = str(agency)
        if persona.client:
            claims["client_id"] = subject
            claims["scope"] = " ".join(persona.scopes)
        return claims


def demo_ids() -> DemoData:
    area_id = Area.create_id(DEMO_AREA_CODE)
    marrac_id = Area.create_id(DEMO_MARRAC_AREA_CODE)
    return DemoData(area_id, {code: Agency.create_id(area_id, code)
                              for code, *_ in DEMO_AGENCIES},
                    marrac_area_id=marrac_id,
                    marrac_agencies={code: Agency.create_id(marrac_id, code)
                                     for code, *_ in DEMO_MARRAC_AGENCIES})


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
        referrer="demo-police-officer",
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


def _seed_marrac(app: Marac, ids: DemoData) -> None:
    """The MARRAC area and its agencies, once (a database seeded before it existed gets it on
    its next start); no case: one is referred and worked there from the start."""
    if ids.marrac_area_id in app.repository:
        return
    area_id = app.create_area(DEMO_MARRAC_AREA_CODE, "Demoshire MARRAC (Lancashire model)",
                              AreaSettings(model="marrac", adult_female_population=120_000))
    for code, name, kind, core in DEMO_MARRAC_AGENCIES:
        app.register_agency(area_id, code, name, kind, core=core)


def seed_demo(app: Marac) -> DemoData:
    """Create the demo areas once; later runs find them and change nothing."""
    ids = demo_ids()
    _seed_marrac(app, ids)
    if ids.area_id in app.repository:
        return ids
    # Invented population figures, for the reports' rates and diversity comparisons.
    area_id = app.create_area(DEMO_AREA_CODE, "Demoshire MARAC", AreaSettings(
        hba_automatic=True, adult_female_population=250_000, population_minoritised_pct=14.0,
        population_lgbt_pct=3.2, population_disabled_pct=17.5))
    for code, name, kind, core in DEMO_AGENCIES:
        app.register_agency(area_id, code, name, kind, core=core)
    agencies = ids.agencies
    today = app.today()
    police, idva = agencies["police"], agencies["idva"]
    coordinator = "demo-coordinator"
    cases: dict[str, UUID] = {}
    cases["accepted"] = app.refer(_referral(
        area_id, police, victim=("Alexa", "Demovictim", date(1990, 5, 1)), yes=16,
        referred_on=today - timedelta(days=40),
        criteria=CriteriaClaimed(visible_high_risk=True)))
    app.accept(cases["accepted"], coordinator)
    app.grant_access(cases["accepted"], by=coordinator, reason="Housing need identified",
                     agency_id=agencies["housing"])
    app.share(cases["accepted"], kind="note", text="Demo note for the whole case.",
              audience=Audience("whole_case"), author="demo-police-officer",
              author_agency=police, for_agency=True)
    # The coordinator is employed by the police, whose staff still do not see this.
    app.share(cases["accepted"], kind="disclosure", text="Demo note for coordinators only.",
              audience=Audience("coordinators"), author=coordinator, author_agency=police,
              for_agency=False)
    # Its safety plan: an action owned by the hospital trust involves it in the case (so that a
    # health representative has a case to open), and one the police have done already.
    app.agree_action(cases["accepted"], owner_agency=agencies["health"],
                     description="Flag the victim's hospital records so that any attendance is "
                                 "referred to the IDVA service the same day",
                     for_whom="victim", due_on=today + timedelta(days=14), by=coordinator)
    marked = app.agree_action(cases["accepted"], owner_agency=police,
                              description="Mark the victim's address for an urgent response",
                              for_whom="victim", due_on=today + timedelta(days=7),
                              by=coordinator)
    app.update_action(cases["accepted"], marked, note="Address marked on the control system",
                      by="demo-police-officer", outcome="completed")
    app.share(cases["accepted"], kind="research",
              text="Two emergency department attendances in three months (fictional).",
              audience=Audience("whole_case"), author="demo-health-rep",
              author_agency=agencies["health"], for_agency=True)
    judgement = CriteriaClaimed(professional_judgement_reason="Escalating control")
    cases["repeat"] = app.refer(_referral(
        area_id, idva, victim=("Alexa", "Demovictim", date(1990, 5, 1)), yes=9,
        referred_on=today - timedelta(days=2), criteria=judgement))
    cases["declined"] = app.refer(_referral(
        area_id, idva, victim=("Bea", "Demoperson", date(1975, 9, 9)), yes=4,
        referred_on=today - timedelta(days=10), criteria=judgement))
    app.decline(cases["declined"], coordinator, "No criterion met; IDVA support offered")
    cases["pending"] = app.refer(_referral(
        area_id, police, victim=("Cara", "Democase", date(2001, 2, 3)), yes=14,
        referred_on=today, criteria=CriteriaClaimed(visible_high_risk=True)))
    cases["honour_based_abuse"] = app.refer(_referral(
        area_id, police, victim=("Dana", "Demohonour", date(1999, 7, 7)), yes=8,
        referred_on=today - timedelta(days=5),
        criteria=CriteriaClaimed(honour_based_abuse=True)))
    app.accept(cases["honour_based_abuse"], coordinator)
    app.restrict(cases["honour_based_abuse"], by=coordinator,
                 reason="Honour-based abuse: need-to-know only",
                 members={"demo-chair", "demo-idva", "demo-police-officer"},
                 member_agencies={agencies["hpx"]})
    app.exclude(cases["honour_based_abuse"], "demo-hospital-employee", by=coordinator,
                reason="Related to the family")
    return replace(ids, cases=cases)
