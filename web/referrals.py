"""The referral form: the people, the DASH checklist with its running score, the criteria and
consent, then a check of the answers before the referral is sent, through the API's own use
case (services/referrals.py `refer`), so the same policy and audit decide it.

The draft lives in the person's server-side session between the pages (web/referral_draft.py).
Every post redirects (POST/redirect/GET) unless it shows what is wrong; sending clears the draft,
and the draft's id is the case's, so a second click or a refreshed post makes no second case.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from domain.consent import CONSENT_STATUSES, VICTIM_INFORMED
from domain.exceptions import DomainError
from services import referrals
from services.referrals import RiskSoFar
from web import referral_draft as drafts
from web.dash import ANSWERS, CRITERIA, QUESTIONS
from web.monitoring import QUESTIONS as MONITORING
from web.referral_checks import Errors, Problem, check
from web.referral_draft import STEPS, Draft, Step
from web.referral_form import read_criteria, read_people, read_risk, text
from web.referral_values import assessment, claimed, new_referral, typed_date
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(prefix="/referrals/new", include_in_schema=False)
PAGES: dict[Step, str] = {"people": "/referrals/new", "risk": "/referrals/new/risk",
                          "criteria": "/referrals/new/criteria"}
CHECK, SENT = "/referrals/new/check", "/referrals/new/sent"
READERS = {"risk": read_risk, "criteria": read_criteria}
CONSENTS = dict(zip(CONSENT_STATUSES, ("Given", "Refused", "Not sought"), strict=True))
INFORMED = dict(zip(VICTIM_INFORMED, ("Yes", "No", "No, it is not safe to tell them"),
                    strict=True))


async def posted(request: Request) -> FormData:
    """The post's fields (read once: the CSRF check has read them already)."""
    return await request.form()


Form = Annotated[FormData, Depends(posted)]


def _assess(request: Request, person: SignedIn, draft: Draft) -> RiskSoFar:
    """The policy's answer (only those who may refer write a referral; a refusal is recorded)
    and the draft's score and criteria by the person's area's settings."""
    return referrals.assess(platform_of(request), actor_of(request, person),
                            assessment(draft), claimed(draft))


def _page(request: Request, person: SignedIn, name: str, draft: Draft, so_far: RiskSoFar, *,
          errors: Errors | None = None) -> Response:
    today = platform_of(request).marac.today()

    def born(p: drafts.Person) -> str:
        found, _ = typed_date(p.dob, today)
        return found.strftime("%-d %B %Y") if found else ""

    return render(f"referrals/{name}.html", {
        **layout(person, "referral"), "draft": draft, "so_far": so_far, "errors": errors or {},
        "questions": QUESTIONS, "answers": ANSWERS, "criteria": CRITERIA, "labels": CRITERIA,
        "consents": CONSENTS, "informed": INFORMED, "minimum": drafts.KINDS,
        "most": drafts.MOST_OF_A_KIND, "born": born, "monitoring": MONITORING},
        status_code=400 if errors else 200)


def _step_page(request: Request, person: SignedIn, step: Step) -> Response:
    draft = drafts.load(person)
    return _page(request, person, step, draft, _assess(request, person, draft))


def _save_step(request: Request, person: SignedIn, form: FormData, step: Step) -> Response:
    """A step's post: kept in the draft whatever it holds; checked when the person continues
    (then on to the next step, or to the check page once every step is done)."""
    if step == "people":
        draft, anchor = read_people(form, drafts.load(person))
    else:
        draft, anchor = READERS[step](form, drafts.load(person)), "score"
    so_far = _assess(request, person, draft)  # refused before anything is kept
    platform = platform_of(request)
    if text(form, "action") != "continue":  # add or remove a person; update the score
        drafts.save(platform, person, draft.finished(step, False))
        return RedirectResponse(f"{PAGES[step]}#{anchor}" if anchor else PAGES[step], 303)
    errors = check(step, draft, platform.marac.today())
    draft = draft.finished(step, not errors)
    drafts.save(platform, person, draft)
    if errors:
        return _page(request, person, step, draft, so_far, errors=errors)
    following = STEPS[STEPS.index(step) + 1:]
    return RedirectResponse(CHECK if draft.complete or not following else PAGES[following[0]],
                            303)


@router.get("")
def people(request: Request, person: CurrentPerson) -> Response:
    return _step_page(request, person, "people")


@router.post("")
def save_people(request: Request, person: FormPerson, form: Form) -> Response:
    return _save_step(request, person, form, "people")


@router.get("/risk")
def risk(request: Request, person: CurrentPerson) -> Response:
    return _step_page(request, person, "risk")


@router.post("/risk")
def save_risk(request: Request, person: FormPerson, form: Form) -> Response:
    return _save_step(request, person, form, "risk")


@router.post("/risk/score")
def score(request: Request, person: FormPerson, form: Form) -> Response:
    """The score of the answers as posted, without keeping them: the page's script shows it
    as the answers are given (without the script, "Update score" saves and shows it)."""
    so_far = _assess(request, person, read_risk(form, drafts.load(person)))
    return render("referrals/score.html", {"so_far": so_far, "criteria": CRITERIA,
                                           "questions": QUESTIONS})


@router.get("/criteria")
def criteria(request: Request, person: CurrentPerson) -> Response:
    return _step_page(request, person, "criteria")


@router.post("/criteria")
def save_criteria(request: Request, person: FormPerson, form: Form) -> Response:
    return _save_step(request, person, form, "criteria")


@router.get("/check")
def check_answers(request: Request, person: CurrentPerson) -> Response:
    draft = drafts.load(person)
    so_far = _assess(request, person, draft)
    if not draft.complete:
        return RedirectResponse(PAGES[next(s for s in STEPS if s not in draft.done)], 303)
    return _page(request, person, "check", draft, so_far)


@router.post("/check")
def send(request: Request, person: FormPerson) -> Response:
    """Sends the draft as a referral, once. A post with no draft left (a second click, a
    refresh after sending) shows the referral its first post sent."""
    platform = platform_of(request)
    draft = drafts.find(person)
    if draft is None:
        return RedirectResponse(SENT if drafts.last_sent(person) else PAGES["people"], 303)
    today = platform.marac.today()
    errors = {f"{step}-{field}": Problem(PAGES[step] + problem.href, problem.message)
              for step in STEPS for field, problem in check(step, draft, today).items()}
    if not errors:
        try:
            case_id = referrals.refer(platform, actor_of(request, person),
                                      new_referral(draft, today), given=draft.case_id)
        except DomainError as exc:
            # Checked step by step, so a rule the steps do not ask about: named by its code.
            errors = {"referral": Problem(PAGES["people"], "The referral could not be sent "
                                                           f"({exc.code}): check the answers")}
        else:
            drafts.sent(platform, person, case_id)
            return RedirectResponse(SENT, 303)
    return _page(request, person, "check", draft, _assess(request, person, draft),
                 errors=errors)


@router.get("/sent")
def sent(request: Request, person: CurrentPerson) -> Response:
    case_id = drafts.last_sent(person)
    if case_id is None:
        return RedirectResponse(PAGES["people"], 303)
    return render("referrals/sent.html", {**layout(person, "referral"), "case_id": case_id})
