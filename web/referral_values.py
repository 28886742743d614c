"""A referral's draft as the domain's values (domain/subjects.py, risk.py, criteria.py,
consent.py): for its rules to check, step by step, and for the referral to be sent
(services/referrals.py's NewReferral)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import cast

from domain.consent import Consent, ConsentStatus, VictimInformed
from domain.criteria import CriteriaClaimed
from domain.risk import AnswerValue, RiskAssessment
from domain.subjects import Role, Subject
from services.referrals import NewReferral
from web.dash import TOOL, VERSION
from web.referral_draft import KINDS, Draft, Kind, Person

ROLES: dict[Kind, Role] = {"perpetrator": "perpetrator", "child": "child",
                           "household": "household_member"}


def typed_date(parts: tuple[str, str, str], today: date) -> tuple[date | None, str | None]:
    """The date typed in a GOV.UK date input, or what is wrong with it, said as the end of a
    sentence ("must be a real date"). (None, None): nothing was typed."""
    named = dict(zip(("day", "month", "year"), parts, strict=True))
    if not any(named.values()):
        return None, None
    missing = [name for name, part in named.items() if not part]
    if missing:
        return None, "must include a " + " and a ".join(missing)
    try:
        day, month, year = (int(part) for part in parts)
        typed = date(year, month, day)
    except ValueError:
        return None, "must be a real date"
    if year < 1900:
        return None, "must be a real date"
    if typed > today:
        return None, "must be in the past"
    return typed, None


def subject(person: Person, role: Role, today: date, safe_contact: str | None = None) -> Subject:
    """A person as the referral names them, with a new id (a date of birth not yet a real
    date, or a monitoring answer not in its list, is left out: the form says what is wrong)."""
    born, _ = typed_date(person.dob, today)
    return Subject(subject_id=uuid.uuid4(), role=role, forenames=person.forenames,
                   surname=person.surname, date_of_birth=born, safe_contact=safe_contact,
                   relationship=person.relationship or None, **person.monitoring.coded())


def everyone(draft: Draft) -> list[tuple[str, Person]]:
    """Each person the draft names, with the prefix of their fields: "victim",
    "perpetrator-1"…"""
    return [("victim", draft.victim)] + [
        (f"{kind}-{n}", p) for kind in KINDS for n, p in enumerate(draft.people(kind), 1)]


def subjects(draft: Draft, today: date) -> tuple[Subject, ...]:
    return (subject(draft.victim, "victim", today, draft.safe_contact or None),
            *(subject(p, ROLES[kind], today) for kind in KINDS for p in draft.people(kind)))


def assessment(draft: Draft) -> RiskAssessment:
    """The DASH answers so far: a question not yet answered counts as not known."""
    return RiskAssessment.build(TOOL, VERSION, {
        key: (cast(AnswerValue, value), draft.sources.get(key) or None)
        for key, value in draft.answers.items()})


def incidents(draft: Draft) -> tuple[int | None, str | None]:
    """The incidents claimed for potential escalation, or what is wrong with the number."""
    if "potential_escalation" not in draft.criteria:
        return None, None
    if not draft.incidents:
        return None, "Enter the number of incidents in the last 12 months"
    if not draft.incidents.isdigit() or int(draft.incidents) > 1_000:
        return None, "The number of incidents must be a whole number, like 3"
    return int(draft.incidents), None


def claimed(draft: Draft) -> CriteriaClaimed:
    """The criteria as claimed so far (a number of incidents not yet a number is left out)."""
    count, _ = incidents(draft)
    return CriteriaClaimed(
        visible_high_risk="visible_high_risk" in draft.criteria,
        professional_judgement_reason=(draft.judgement_reason
                                       if "professional_judgement" in draft.criteria else None),
        incidents_in_12_months=count,
        honour_based_abuse="honour_based_abuse" in draft.criteria)


def consent(draft: Draft) -> Consent:
    return Consent(cast(ConsentStatus, draft.consent),
                   reason_without_consent=draft.consent_reason or None,
                   lawful_basis=draft.lawful_basis or None)


def new_referral(draft: Draft, today: date) -> NewReferral:
    """The referral as sent, made today; its rules are checked as the case is made."""
    return NewReferral(
        referred_on=today, subjects=subjects(draft, today),
        incident_summary=draft.incident_summary, risk_assessment=assessment(draft),
        criteria=claimed(draft), consent=consent(draft),
        victim_informed=cast(VictimInformed, draft.victim_informed),
        idva_referral_made=draft.idva_referral_made == "yes",
        manager_sign_off=draft.manager_sign_off)
