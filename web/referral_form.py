"""The referral form's posts read into its draft (web/referral_draft.py): each step's fields,
as typed, and the "add another" buttons of its lists of people (no JavaScript needed).
What is wrong with them is web/referral_checks.py's to say."""

from __future__ import annotations

from dataclasses import replace

from starlette.datastructures import FormData

from domain.consent import CONSENT_STATUSES, VICTIM_INFORMED
from web.dash import ANSWERS, CRITERIA, QUESTIONS
from web.monitoring import read_monitoring
from web.referral_draft import KINDS, MOST_OF_A_KIND, Draft, Kind, Person

# What a draft keeps of a field, however much was posted (the checks then say it is too long).
KEPT = 20_000
YES_NO = ("yes", "no")


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:KEPT] if isinstance(value, str) else ""


def read_person(form: FormData, prefix: str) -> Person:
    """A person's names, date of birth, relationship and equality monitoring answers, as
    fields named `prefix`-forenames and so on (the referral's step 1, and a person's
    correction)."""
    return Person(text(form, f"{prefix}-forenames"), text(form, f"{prefix}-surname"),
                  (text(form, f"{prefix}-dob-day"), text(form, f"{prefix}-dob-month"),
                   text(form, f"{prefix}-dob-year")),
                  text(form, f"{prefix}-relationship"), read_monitoring(form, prefix))


def read_people(form: FormData, draft: Draft) -> tuple[Draft, str]:
    """Step 1 as posted, with a person added or removed when one of the list's buttons was
    pressed; and the part of the page to open next (the person added, the list removed
    from; "" when neither)."""
    lists: dict[Kind, list[Person]] = {}
    for kind in KINDS:
        posted = [n for n in range(1, MOST_OF_A_KIND + 1) if f"{kind}-{n}-forenames" in form]
        lists[kind] = [read_person(form, f"{kind}-{n}") for n in posted]
    action, anchor = text(form, "action"), ""
    for kind, fewest in KINDS.items():
        people = lists[kind]
        if action == f"add-{kind}" and len(people) < MOST_OF_A_KIND:
            people.append(Person())
            anchor = f"{kind}-{len(people)}"
        elif action.startswith(f"remove-{kind}-") and len(people) > fewest:
            number = action.removeprefix(f"remove-{kind}-")
            if number.isdigit() and 1 <= int(number) <= len(people):
                del people[int(number) - 1]
                anchor = f"{kind}-list"
    return replace(draft, victim=read_person(form, "victim"),
                   safe_contact=text(form, "safe-contact"),
                   perpetrator=tuple(lists["perpetrator"]), child=tuple(lists["child"]),
                   household=tuple(lists["household"])), anchor


def read_risk(form: FormData, draft: Draft) -> Draft:
    """Step 2 as posted: the DASH answers given so far, and their sources."""
    answers = {q.key: text(form, q.field) for q in QUESTIONS if text(form, q.field) in ANSWERS}
    sources = {q.key: text(form, f"{q.field}-source") for q in QUESTIONS
               if text(form, f"{q.field}-source")}
    return replace(draft, answers=answers, sources=sources)


def read_claimed(form: FormData, draft: Draft) -> Draft:
    """The criteria claimed as posted (step 3's, and their correction's): which, the number
    of incidents and the professional judgement's reason."""
    return replace(draft, criteria=tuple(c for c in CRITERIA if c in form.getlist("criteria")),
                   incidents=text(form, "incidents"),
                   judgement_reason=text(form, "judgement-reason"))


def read_criteria(form: FormData, draft: Draft) -> Draft:
    """Step 3 as posted: what happened, the criteria claimed, consent and the rest."""
    def chosen(name: str, allowed: tuple[str, ...]) -> str:
        value = text(form, name)
        return value if value in allowed else ""

    return replace(
        read_claimed(form, draft), incident_summary=text(form, "incident-summary"),
        consent=chosen("consent", CONSENT_STATUSES),
        consent_reason=text(form, "consent-reason"), lawful_basis=text(form, "lawful-basis"),
        victim_informed=chosen("victim-informed", VICTIM_INFORMED),
        idva_referral_made=chosen("idva-referral-made", YES_NO),
        manager_sign_off=text(form, "manager-sign-off") == "yes")
