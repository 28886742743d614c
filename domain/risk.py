"""The DASH Risk Identification Checklist: question keys, answers and the score.

The checklist's wording is licensed material, so only short keys are held here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from domain.exceptions import InvalidReferral

AnswerValue = Literal["yes", "no", "not_known"]
ANSWER_VALUES: tuple[AnswerValue, ...] = ("yes", "no", "not_known")

# The 24 questions of the SafeLives DASH RIC, in checklist order.
DASH_RIC_QUESTIONS: tuple[str, ...] = (
    "injury",
    "very_frightened",
    "afraid_of_further_harm",
    "isolated",
    "depressed_or_suicidal",
    "separation",
    "child_contact_conflict",
    "stalking_or_harassment",
    "pregnant_or_recent_birth",
    "abuse_more_often",
    "abuse_worse",
    "controlling_or_jealous",
    "used_weapons",
    "threatened_to_kill",
    "strangled_choked_suffocated",
    "sexual_abuse",
    "others_threatening",
    "hurt_others",
    "hurt_animals",
    "financial_issues",
    "substance_or_mental_health_problems",
    "threatened_suicide",
    "breached_bail_or_orders",
    "criminal_history",
)

RISK_TOOLS: Mapping[str, tuple[str, ...]] = {"dash-ric": DASH_RIC_QUESTIONS}


@dataclass(frozen=True)
class Answer:
    question: str
    value: AnswerValue
    # Who gave the answer where it was not the victim (e.g. "police records").
    source: str | None = None


@dataclass(frozen=True)
class RiskAssessment:
    tool: str
    version: str
    answers: tuple[Answer, ...]
    completed_on: str | None = None

    @classmethod
    def build(
        cls,
        tool: str,
        version: str,
        answers: Mapping[str, AnswerValue | tuple[AnswerValue, str | None]],
    ) -> RiskAssessment:
        """Answers keyed by question; questions not answered are recorded as not known."""
        questions = RISK_TOOLS.get(tool)
        if questions is None:
            raise InvalidReferral(f"unknown risk tool; known: {sorted(RISK_TOOLS)}")
        unknown = set(answers) - set(questions)
        if unknown:
            # Counted, not echoed: whatever a client sent as a key could be personal data.
            raise InvalidReferral(f"{len(unknown)} answers name no question of {tool}")
        built = []
        for q in questions:
            given = answers.get(q, "not_known")
            value, source = given if isinstance(given, tuple) else (given, None)
            built.append(Answer(q, value, source))
        assessment = cls(tool=tool, version=version, answers=tuple(built))
        assessment.check_valid()
        return assessment

    def check_valid(self) -> None:
        questions = RISK_TOOLS.get(self.tool)
        if questions is None:
            raise InvalidReferral(f"unknown risk tool; known: {sorted(RISK_TOOLS)}")
        if tuple(a.question for a in self.answers) != questions:
            raise InvalidReferral(f"{self.tool} needs exactly its {len(questions)} questions")
        for a in self.answers:
            if a.value not in ANSWER_VALUES:
                raise InvalidReferral(f"answer to {a.question} must be one of {ANSWER_VALUES}")


def dash_score(assessment: RiskAssessment) -> int:
    """The number of "yes" answers: the checklist's visible-high-risk measure."""
    return sum(1 for a in assessment.answers if a.value == "yes")
