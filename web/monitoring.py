"""A person's equality monitoring answers on the pages (the referral form's and a person's
correction): each question, its answers in words for the domain's codes (domain/monitoring.py),
and what is wrong with an answer. Optional: asked for the partnership's equality reporting."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypedDict, cast

from starlette.datastructures import FormData

from domain.monitoring import ANSWERS, ETHNICITIES, GENDERS, SEXUALITIES, check_coded
from domain.subjects import Subject


@dataclass(frozen=True)
class Question:
    field: str  # the Subject's field, and the end of the form field's name (`prefix`-field)
    legend: str
    short: str  # what the check page calls it
    wrong: str  # the message for an answer not in the list, for `named` ("the victim")
    choices: dict[str, str]  # code: words, in the order the page offers them
    hint: str = ""
    select: bool = False  # too many choices for radios


YES_NO_NOT_KNOWN = {"yes": "Yes", "no": "No", "not_known": "Not known"}
# The 2021 census's categories and wording (England and Wales).
_ETHNIC = {
    "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
    "white_irish": "White: Irish",
    "white_gypsy_or_irish_traveller": "White: Gypsy or Irish Traveller",
    "white_roma": "White: Roma",
    "white_other": "White: any other White background",
    "mixed_white_and_black_caribbean": "Mixed or multiple ethnic groups: White and Black "
                                       "Caribbean",
    "mixed_white_and_black_african": "Mixed or multiple ethnic groups: White and Black African",
    "mixed_white_and_asian": "Mixed or multiple ethnic groups: White and Asian",
    "mixed_other": "Mixed or multiple ethnic groups: any other Mixed or multiple ethnic "
                   "background",
    "asian_indian": "Asian or Asian British: Indian",
    "asian_pakistani": "Asian or Asian British: Pakistani",
    "asian_bangladeshi": "Asian or Asian British: Bangladeshi",
    "asian_chinese": "Asian or Asian British: Chinese",
    "asian_other": "Asian or Asian British: any other Asian background",
    "black_african": "Black, Black British, Caribbean or African: African",
    "black_caribbean": "Black, Black British, Caribbean or African: Caribbean",
    "black_other": "Black, Black British, Caribbean or African: any other Black, Black British "
                   "or Caribbean background",
    "other_arab": "Other ethnic group: Arab",
    "other_any": "Other ethnic group: any other ethnic group",
    "not_known": "Not known",
}
QUESTIONS: tuple[Question, ...] = (
    Question("gender", "Gender", "Gender", "Select {named}'s gender from the list", {
        "female": "Female", "male": "Male", "non_binary": "Non-binary", "other": "Other",
        "not_known": "Not known"}),
    Question("ethnicity", "Ethnic group", "Ethnic group",
             "Select {named}'s ethnic group from the list", _ETHNIC, select=True),
    Question("sexuality", "Sexual orientation", "Sexual orientation",
             "Select {named}'s sexual orientation from the list", {
                 "heterosexual": "Heterosexual or straight", "gay_or_lesbian": "Gay or lesbian",
                 "bisexual": "Bisexual", "other": "Other sexual orientation",
                 "not_known": "Not known"}),
    Question("disability", "Do they have a disability?", "Disabled",
             "Select yes, no or not known for whether {named} has a disability",
             YES_NO_NOT_KNOWN),
    Question("trans", "Are they trans?", "Trans",
             "Select yes, no or not known for whether {named} is trans", YES_NO_NOT_KNOWN,
             hint="Their gender identity is different from the sex registered at birth"),
)
# The domain's code list for each question: the one rule of what may be recorded.
ALLOWED: dict[str, tuple[str, ...]] = {"gender": GENDERS, "ethnicity": ETHNICITIES,
                                       "sexuality": SEXUALITIES, "disability": ANSWERS,
                                       "trans": ANSWERS}


class Coded(TypedDict):
    """The answers as a Subject holds them."""

    gender: str | None
    ethnicity: str | None
    sexuality: str | None
    disability: str | None
    trans: str | None


@dataclass(frozen=True)
class Monitoring:
    """The answers as posted ("": not answered); a value outside its list is kept for the
    checks to name, never recorded."""

    gender: str = ""
    ethnicity: str = ""
    sexuality: str = ""
    disability: str = ""
    trans: str = ""

    @classmethod
    def of(cls, subject: Subject) -> Monitoring:
        """As a subject holds them, for a correction's form."""
        return cls(**{f.name: getattr(subject, f.name) or "" for f in fields(cls)})

    @classmethod
    def kept(cls, data: Any) -> Monitoring:
        """As a draft kept them (a draft from before they were asked has none)."""
        given = data if isinstance(data, dict) else {}
        return cls(**{f.name: str(given.get(f.name, "")) for f in fields(cls)})

    def coded(self) -> Coded:
        """The Subject's fields: each answer, or None where not answered (or not a code: the
        form says what is wrong with it)."""
        return cast(Coded, {q.field: value if (value := getattr(self, q.field)) in
                            ALLOWED[q.field] else None for q in QUESTIONS})

    def words(self) -> list[tuple[str, str]]:
        """The answers given, as the page says them: (question, answer)."""
        return [(q.short, q.choices.get(getattr(self, q.field), "")) for q in QUESTIONS
                if getattr(self, q.field)]


def read_monitoring(form: FormData, prefix: str) -> Monitoring:
    """The answers posted as fields named `prefix`-gender and so on."""
    def posted(name: str) -> str:
        value = form.get(f"{prefix}-{name}")
        return value.strip()[:100] if isinstance(value, str) else ""

    return Monitoring(**{q.field: posted(q.field) for q in QUESTIONS})


def monitoring_problems(prefix: str, given: Monitoring, named: str) -> dict[str, str]:
    """Field id -> message, for each answer outside the domain's list (`named`: how the
    message names the person, "the victim")."""
    found: dict[str, str] = {}
    for q in QUESTIONS:
        value = getattr(given, q.field)
        if value and check_coded(q.field, value, ALLOWED[q.field]):
            found[f"{prefix}-{q.field}"] = q.wrong.format(named=named)
    return found
