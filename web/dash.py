"""The DASH risk identification checklist as the pages name it: each question's topic, in the
checklist's order (domain/risk.py holds the keys), and what its answers and the referral
criteria are called.

The checklist's own wording is SafeLives' licensed material, so the pages show a topic for each
question, not the question: the person asks it as their agency's licensed form words it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.criteria import Criterion
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue

# The checklist these topics follow (SafeLives' DASH RIC, 2009), recorded with the answers.
TOOL, VERSION = "dash-ric", "2009"

TOPICS: dict[str, str] = {
    "injury": "Injury from the current incident",
    "very_frightened": "The victim is very frightened",
    "afraid_of_further_harm": "The victim fears further harm, to themselves or others",
    "isolated": "Isolation from family or friends",
    "depressed_or_suicidal": "Depression or thoughts of suicide",
    "separation": "Separation, or an attempt to separate, in the past year",
    "child_contact_conflict": "Conflict over contact with children",
    "stalking_or_harassment": "Stalking or harassment by the perpetrator",
    "pregnant_or_recent_birth": "Pregnancy, or a baby born in the last 18 months",
    "abuse_more_often": "The abuse is happening more often",
    "abuse_worse": "The abuse is getting worse",
    "controlling_or_jealous": "Controlling behaviour or excessive jealousy",
    "used_weapons": "Weapons or objects used to hurt the victim",
    "threatened_to_kill": "Threats to kill the victim or someone else",
    "strangled_choked_suffocated": "Strangling, choking, suffocating or drowning",
    "sexual_abuse": "Sexual abuse",
    "others_threatening": "Someone else has threatened or frightened the victim",
    "hurt_others": "The perpetrator has hurt someone else",
    "hurt_animals": "Mistreatment of an animal or the family pet",
    "financial_issues": "Money problems, or dependence on the perpetrator for money",
    "substance_or_mental_health_problems":
        "The perpetrator's problems with drugs, alcohol or mental health",
    "threatened_suicide": "The perpetrator has threatened or attempted suicide",
    "breached_bail_or_orders": "Breach of bail, an injunction or another order",
    "criminal_history": "The perpetrator's criminal history",
}

ANSWERS: dict[AnswerValue, str] = {"yes": "Yes", "no": "No", "not_known": "Not known"}

CRITERIA: dict[Criterion, str] = {
    "visible_high_risk": "Visible high risk",
    "potential_escalation": "Potential escalation",
    "professional_judgement": "Professional judgement",
    "honour_based_abuse": "'Honour'-based abuse or forced marriage",
}


@dataclass(frozen=True)
class Question:
    key: str
    number: int
    topic: str

    @property
    def field(self) -> str:
        """The answer's field (its radios' name, and the first radio's id)."""
        return f"q-{self.key}"


QUESTIONS: tuple[Question, ...] = tuple(
    Question(key, n, TOPICS[key]) for n, key in enumerate(DASH_RIC_QUESTIONS, start=1))
