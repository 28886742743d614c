"""Correcting a referral: a person's details, the DASH risk assessment and the criteria claimed,
each with its reason, by those the policy lets correct it. Through the API's own use cases
(services/referral_corrections.py): each form is filled from the referral as it stands, read
for the purpose the person gave (`referral_to_correct`), and read and checked by the referral
form's own readers and checks (web/referral_form.py, web/referral_checks.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import DomainError
from domain.subjects import Subject
from services import referral_corrections
from services.errors import Forbidden, NotFound
from services.referral_corrections import ReferralToCorrect, SubjectCorrection
from web.actions import ids_of
from web.case_page import purpose_asked, session_purpose
from web.dash import ANSWERS, CRITERIA, QUESTIONS
from web.monitoring import QUESTIONS as MONITORING
from web.monitoring import Monitoring
from web.referral_checks import (
    CONTACT,
    NAME,
    REASON,
    Errors,
    Problem,
    check_claimed,
    check_person,
    check_risk,
    check_safe_contact,
)
from web.referral_draft import Draft, Person
from web.referral_form import read_claimed, read_person, read_risk, text
from web.referral_values import assessment, claimed, typed_date
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As many aliases or agency references as the API takes for a person (api/schemas.py).
MOST_NAMES = 20
ROLES = {"victim": "victim", "perpetrator": "perpetrator", "child": "child",
         "household_member": "household member"}
# The domain's refusals a person can act on (domain/exceptions.py codes), by field.
REFUSALS: dict[str, tuple[str, str]] = {
    "case_closed": ("reason", "This case is closed: its referral is no longer corrected"),
    "referral_withdrawn": ("reason", "This referral was withdrawn as entered in error: it is "
                                     "no longer corrected"),
    "invalid_correction": ("criteria", "The 'honour'-based abuse flag is not corrected"),
}


def _reason(errors: Errors, reason: str, what: str) -> None:
    if not reason:
        errors["reason"] = Problem("#reason", f"Enter why {what} corrected")
    elif len(reason) > REASON:
        errors["reason"] = Problem("#reason", f"The reason must be {REASON:,} characters or "
                                              "fewer")


def _lines(given: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in given.splitlines() if line.strip())


def _names(errors: Errors, name: str, given: str, what: str) -> None:
    """A list typed one a line (aliases, agency references), as the API bounds it."""
    found = _lines(given)
    if len(found) > MOST_NAMES:
        errors[name] = Problem(f"#{name}", f"Enter {MOST_NAMES} {what} or fewer")
    elif any(len(line) > NAME for line in found):
        errors[name] = Problem(f"#{name}", f"Each of the {what} must be {NAME:,} characters "
                                           "or fewer")


@dataclass(frozen=True)
class SubjectForm:
    """A person's correction as typed: the referral form's person (names, date of birth,
    relationship and equality monitoring; fields `prefix`-forenames and so on: "victim" for
    the victim, whose safe contact is always asked, else "person"), their safe contact where
    asked, address, aliases and agency references (one a line), and the reason."""

    prefix: str
    person: Person
    safe_contact: str | None
    address: str
    aliases: str
    references: str
    reason: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def shown(cls, subject: Subject) -> SubjectForm:
        """The person as the referral now holds them."""
        born = subject.date_of_birth
        victim = subject.role == "victim"
        return cls(
            "victim" if victim else "person",
            Person(subject.forenames, subject.surname,
                   (str(born.day), str(born.month), str(born.year)) if born else ("", "", ""),
                   subject.relationship or "", Monitoring.of(subject)),
            subject.safe_contact or "" if victim or subject.safe_contact else None,
            subject.address or "", "\n".join(subject.aliases), "\n".join(subject.references))

    @classmethod
    def of(cls, form: FormData, today: date) -> SubjectForm:
        prefix = "victim" if "victim-forenames" in form else "person"
        given = cls(prefix, read_person(form, prefix),
                    text(form, "safe-contact") if "safe-contact" in form else None,
                    text(form, "address"), text(form, "aliases"), text(form, "references"),
                    text(form, "reason"))
        errors: Errors = {}
        check_person(errors, prefix, given.person, today,
                     "the victim" if prefix == "victim" else "this person")
        if prefix == "victim":
            check_safe_contact(errors, given.safe_contact or "")
        elif given.safe_contact and len(given.safe_contact) > CONTACT:
            errors["safe-contact"] = Problem("#safe-contact", "How and when to contact them "
                                                              f"must be {CONTACT} characters "
                                                              "or fewer")
        if len(given.address) > CONTACT:
            errors["address"] = Problem("#address", f"The address must be {CONTACT} "
                                                    "characters or fewer")
        _names(errors, "aliases", given.aliases, "other names")
        _names(errors, "references", given.references, "agency references")
        _reason(errors, given.reason, "these details are")
        return replace(given, errors=errors)

    def changes(self, today: date) -> dict[str, Any]:
        """The fields this form asks, as the subject holds them (an empty one: not known)."""
        born, _ = typed_date(self.person.dob, today)
        found: dict[str, Any] = {
            "forenames": self.person.forenames, "surname": self.person.surname,
            "date_of_birth": born, "address": self.address or None,
            "aliases": _lines(self.aliases), "references": _lines(self.references),
            **self.person.monitoring.coded()}
        if self.prefix != "victim":
            found["relationship"] = self.person.relationship or None
        if self.safe_contact is not None:
            found["safe_contact"] = self.safe_contact or None
        return found


@dataclass(frozen=True)
class ClaimedForm:
    """The DASH answers or the criteria claimed, as the referral form's draft holds them, with
    the correction's reason."""

    draft: Draft
    reason: str = ""
    errors: Errors = field(default_factory=dict)


def _with_reason(form: FormData, draft: Draft, errors: Errors, what: str) -> ClaimedForm:
    reason = text(form, "reason")
    _reason(errors, reason, what)
    return ClaimedForm(draft, reason, errors)


def risk_form(form: FormData) -> ClaimedForm:
    draft = read_risk(form, Draft())
    return _with_reason(form, draft, check_risk(draft), "the risk assessment is")


def criteria_form(form: FormData) -> ClaimedForm:
    draft = read_claimed(form, Draft())
    errors: Errors = {}
    check_claimed(errors, draft)
    return _with_reason(form, draft, errors, "the criteria are")


def _risk_shown(found: ReferralToCorrect) -> ClaimedForm:
    answers = found.risk_assessment.answers
    return ClaimedForm(Draft(answers={a.question: a.value for a in answers},
                             sources={a.question: a.source for a in answers if a.source}))


def _criteria_shown(found: ReferralToCorrect) -> ClaimedForm:
    c = found.criteria
    chosen = (("visible_high_risk", c.visible_high_risk),
              ("potential_escalation", c.incidents_in_12_months is not None),
              ("professional_judgement", c.professional_judgement),
              ("honour_based_abuse", c.honour_based_abuse))
    return ClaimedForm(Draft(
        criteria=tuple(name for name, claimed_ in chosen if claimed_),
        incidents="" if c.incidents_in_12_months is None else str(c.incidents_in_12_months),
        judgement_reason=c.professional_judgement_reason or ""))


# Each form's address under the case's, where the purpose page sends the person back to.
SUBJECT = "subjects/{}/correction"
RETURN_TO = {"risk": "risk-assessment/correction", "criteria": "criteria/correction"}
Show = Callable[[ReferralToCorrect], dict[str, Any]]


def _page(request: Request, person: SignedIn, case_id: UUID, then: str, *, template: str,
          show: Show, status: int = 200) -> Response:
    """The form over the referral as it stands, read for the person's purpose (asked first,
    as the case page asks it, and back here once given)."""
    purpose = session_purpose(person)
    if purpose is None:
        return purpose_asked(case_id, then)
    found = referral_corrections.referral_to_correct(
        platform_of(request), actor_of(request, person, purpose.value), case_id)
    return render(f"corrections/{template}.html", {
        **layout(person, "cases"), "found": found, "questions": QUESTIONS, "answers": ANSWERS,
        "labels": CRITERIA, "roles": ROLES, "monitoring": MONITORING, **show(found)},
        status_code=status)


def _refused(refused: DomainError) -> Errors:
    if refused.code == "unknown_subject":
        raise NotFound("no such person on the referral") from None
    if refused.code not in REFUSALS:
        raise refused
    where, message = REFUSALS[refused.code]
    return {where: Problem(f"#{where}", message)}


def _correct(request: Request, person: SignedIn, case_id: UUID, done: str,
             write: Callable[[], None]) -> Errors | Response:
    """The one use case's write; a refusal by the policy (recorded as denied) answers as the
    form does to those it is not for, as not found."""
    try:
        write()
    except Forbidden:
        raise NotFound(f"case {case_id} not found") from None
    except DomainError as refused:
        return _refused(refused)
    return RedirectResponse(f"/cases/{case_id}?done={done}", status_code=303)


def _subject_of(found: ReferralToCorrect, subject_id: UUID) -> Subject:
    subject = next((s for s in found.subjects if s.subject_id == subject_id), None)
    if subject is None:
        raise NotFound("no such person on the referral")
    return subject


def _subject_page(request: Request, person: SignedIn, case_id: UUID, subject_id: UUID,
                  form: SubjectForm | None, *, status: int = 200) -> Response:
    def show(found: ReferralToCorrect) -> dict[str, Any]:
        subject = _subject_of(found, subject_id)
        return {"subject": subject, "form": form or SubjectForm.shown(subject)}

    return _page(request, person, case_id, SUBJECT.format(subject_id), template="subject",
                 show=show, status=status)


@router.get("/cases/{case_id}/subjects/{subject_id}/correction")
def subject_page(request: Request, case_id: str, subject_id: str,
                 person: CurrentPerson) -> Response:
    case, subject = ids_of(case_id, subject_id)
    return _subject_page(request, person, case, subject, None)


@router.post("/cases/{case_id}/subjects/{subject_id}/correction")
async def correct_subject(request: Request, case_id: str, subject_id: str,
                          person: FormPerson) -> Response:
    case, subject = ids_of(case_id, subject_id)
    today = platform_of(request).marac.today()
    form = SubjectForm.of(await request.form(), today)
    return await run_in_threadpool(_subject, request, person, case, subject, form=form,
                                   today=today)


def _subject(request: Request, person: SignedIn, case_id: UUID, subject_id: UUID, *,
             form: SubjectForm, today: date) -> Response:
    if form.errors:
        return _subject_page(request, person, case_id, subject_id, form, status=400)
    answer = _correct(request, person, case_id, "subject-corrected",
                      lambda: referral_corrections.correct_subject(
                          platform_of(request), actor_of(request, person), case_id,
                          SubjectCorrection(subject_id, form.changes(today)),
                          reason=form.reason))
    if isinstance(answer, Response):
        return answer
    return _subject_page(request, person, case_id, subject_id,
                         replace(form, errors=answer), status=422)


def _claimed_page(request: Request, person: SignedIn, case_id: UUID, which: str,
                  form: ClaimedForm | None, *, status: int = 200) -> Response:
    shown = _risk_shown if which == "risk" else _criteria_shown
    return _page(request, person, case_id, RETURN_TO[which], template=which,
                 show=lambda found: {"form": form or shown(found)}, status=status)


def _claimed(request: Request, person: SignedIn, case_id: UUID, which: str,
             form: ClaimedForm) -> Response:
    if form.errors:
        return _claimed_page(request, person, case_id, which, form, status=400)
    platform, actor = platform_of(request), actor_of(request, person)
    if which == "risk":
        answer = _correct(request, person, case_id, "risk-assessment-corrected",
                          lambda: referral_corrections.correct_risk_assessment(
                              platform, actor, case_id, assessment(form.draft),
                              reason=form.reason))
    else:
        answer = _correct(request, person, case_id, "criteria-corrected",
                          lambda: referral_corrections.correct_criteria(
                              platform, actor, case_id, claimed(form.draft),
                              reason=form.reason))
    if isinstance(answer, Response):
        return answer
    return _claimed_page(request, person, case_id, which,
                         replace(form, errors=answer), status=422)


@router.get("/cases/{case_id}/risk-assessment/correction")
def risk_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    (case,) = ids_of(case_id)
    return _claimed_page(request, person, case, "risk", None)


@router.post("/cases/{case_id}/risk-assessment/correction")
async def correct_risk(request: Request, case_id: str, person: FormPerson) -> Response:
    (case,) = ids_of(case_id)
    form = risk_form(await request.form())
    return await run_in_threadpool(_claimed, request, person, case, "risk", form)


@router.get("/cases/{case_id}/criteria/correction")
def criteria_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    (case,) = ids_of(case_id)
    return _claimed_page(request, person, case, "criteria", None)


@router.post("/cases/{case_id}/criteria/correction")
async def correct_criteria(request: Request, case_id: str, person: FormPerson) -> Response:
    (case,) = ids_of(case_id)
    form = criteria_form(await request.form())
    return await run_in_threadpool(_claimed, request, person, case, "criteria", form)
