"""What is wrong with each step of a referral's draft, field by field, for the GOV.UK error
summary and the fields' messages.

The form checks what a form checks (an answer chosen, a real date, a length). The referral's
rules are the domain's: each step is built into the domain's values and checked there, and the
stable code of the rule a value breaks names the field it is about (`_rule`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.exceptions import DomainError
from web.dash import QUESTIONS
from web.monitoring import monitoring_problems
from web.referral_draft import Draft, Person, Step
from web.referral_values import claimed, consent, everyone, incidents, subject, typed_date

# As long as the API takes (api/schemas.py), so that the two refuse alike.
NAME, CONTACT, REASON, SUMMARY = 200, 500, 2_000, 10_000


@dataclass(frozen=True)
class Problem:
    """What is wrong with a field, and where the error summary's link takes the person."""

    href: str
    message: str


# By field id (a date's: the id its parts start with), in the order the page shows them.
Errors = dict[str, Problem]


def _rule(check: Callable[[], None]) -> str | None:
    """The stable code of the domain rule a value breaks (`check`: its `check_valid`)."""
    try:
        check()
    except DomainError as exc:
        return exc.code
    return None


def _length(errors: Errors, field: str, value: str, limit: int, what: str) -> None:
    if len(value) > limit and field not in errors:
        errors[field] = Problem(f"#{field}", f"{what} must be {limit:,} characters or fewer")


def who(prefix: str) -> str:
    """How a message names a person: "the victim", "perpetrator 2"."""
    if prefix == "victim":
        return "the victim"
    kind, number = prefix.rsplit("-", 1)
    return f"{'household member' if kind == 'household' else kind} {number}"


def check_person(errors: Errors, prefix: str, person: Person, today: date,
                 named: str) -> None:
    """A person's names, date of birth, relationship and equality monitoring answers, as
    fields named `prefix`-forenames and so on; `named`: how the messages name them ("the
    victim", "perpetrator 2")."""
    if _rule(subject(person, "victim", today).check_valid) == "subject_name_required":
        errors[f"{prefix}-forenames"] = Problem(f"#{prefix}-forenames",
                                                f"Enter {named}'s forenames or surname")
    _length(errors, f"{prefix}-forenames", person.forenames, NAME, f"The forenames of {named}")
    _length(errors, f"{prefix}-surname", person.surname, NAME, f"The surname of {named}")
    _, wrong = typed_date(person.dob, today)
    if wrong:
        part = next((name for name, typed in zip(("day", "month", "year"), person.dob,
                                                 strict=True) if not typed), "day")
        errors[f"{prefix}-dob"] = Problem(f"#{prefix}-dob-{part}",
                                          f"The date of birth of {named} {wrong}")
    _length(errors, f"{prefix}-relationship", person.relationship, NAME,
            f"The relationship of {named} to the victim")
    for field, message in monitoring_problems(prefix, person.monitoring, named).items():
        errors[field] = Problem(f"#{field}", message)


def check_safe_contact(errors: Errors, safe_contact: str) -> None:
    """How and when it is safe to contact the victim (field `safe-contact`): always asked."""
    if not safe_contact:
        errors["safe-contact"] = Problem(
            "#safe-contact", "Enter how and when it is safe to contact the victim")
    _length(errors, "safe-contact", safe_contact, CONTACT, "How and when to contact the victim")


def check_people(draft: Draft, today: date) -> Errors:
    errors: Errors = {}
    for prefix, person in everyone(draft):
        check_person(errors, prefix, person, today, who(prefix))
        if prefix == "victim":
            check_safe_contact(errors, draft.safe_contact)
    return errors


def check_risk(draft: Draft) -> Errors:
    errors: Errors = {}
    for q in QUESTIONS:
        if q.key not in draft.answers:
            errors[q.field] = Problem(f"#{q.field}", f"Select yes, no or not known for "
                                                     f"question {q.number}: {q.topic.lower()}")
        _length(errors, f"{q.field}-source", draft.sources.get(q.key, ""), NAME,
                f"The source of the answer to question {q.number}")
    return errors


def check_claimed(errors: Errors, draft: Draft) -> None:
    """The criteria claimed (fields `criteria`, `incidents`, `judgement-reason`): step 3's,
    and their correction's."""
    rule = _rule(claimed(draft).check_valid)
    _, wrong = incidents(draft)
    if rule == "criterion_required" and not wrong:  # escalation is claimed, its number wrong
        errors["criteria"] = Problem("#criteria", "Select the criteria the referral meets")
    if wrong:
        errors["incidents"] = Problem("#incidents", wrong)
    if rule == "professional_judgement_reason_required":
        errors["judgement-reason"] = Problem(
            "#judgement-reason", "Enter why, in your professional judgement, the victim is "
                                 "at high risk")
    _length(errors, "judgement-reason", draft.judgement_reason, REASON, "The reason")


def check_criteria(draft: Draft) -> Errors:
    errors: Errors = {}
    if not draft.incident_summary:
        errors["incident-summary"] = Problem("#incident-summary",
                                             "Enter a summary of the latest incident")
    _length(errors, "incident-summary", draft.incident_summary, SUMMARY, "The summary")
    check_claimed(errors, draft)
    if not draft.consent:
        errors["consent"] = Problem("#consent", "Select whether the victim consented to the "
                                                "referral")
    elif _rule(consent(draft).check_valid) == "consent_basis_required":
        if not draft.consent_reason:
            errors["consent-reason"] = Problem(
                "#consent-reason", "Enter why information is shared without consent")
        if not draft.lawful_basis:
            errors["lawful-basis"] = Problem(
                "#lawful-basis", "Enter the lawful basis for sharing without consent")
    _length(errors, "consent-reason", draft.consent_reason, REASON, "Why it is shared")
    _length(errors, "lawful-basis", draft.lawful_basis, REASON, "The lawful basis")
    if not draft.victim_informed:
        errors["victim-informed"] = Problem("#victim-informed",
                                            "Select whether the victim knows about the referral")
    if not draft.idva_referral_made:
        errors["idva-referral-made"] = Problem(
            "#idva-referral-made", "Select whether the victim was referred to an IDVA service")
    return errors


def check(step: Step, draft: Draft, today: date) -> Errors:
    if step == "people":
        return check_people(draft, today)
    return check_risk(draft) if step == "risk" else check_criteria(draft)
