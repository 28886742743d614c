"""Referral criteria: what the referrer claims, and which criteria the domain finds met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.area import AreaSettings
from domain.exceptions import (
    CriterionRequired,
    InvalidReferral,
    ProfessionalJudgementReasonRequired,
)
from domain.risk import RiskAssessment, dash_score

Criterion = Literal[
    "visible_high_risk", "professional_judgement", "potential_escalation", "honour_based_abuse"
]
# Criteria that follow from facts (score, incident count, area rule). Once one is met, nobody's
# judgement can take the case below threshold: judgement may raise, never lower.
OBJECTIVE_CRITERIA: frozenset[str] = frozenset(
    {"visible_high_risk", "potential_escalation", "honour_based_abuse"}
)


@dataclass(frozen=True)
class CriteriaClaimed:
    visible_high_risk: bool = False
    # Allowed at any score, but the reason is mandatory.
    professional_judgement_reason: str | None = None
    # Incidents (police call-outs) in the last 12 months, when escalation is claimed.
    incidents_in_12_months: int | None = None
    honour_based_abuse: bool = False

    @property
    def professional_judgement(self) -> bool:
        return self.professional_judgement_reason is not None

    def check_valid(self) -> None:
        if self.professional_judgement and not (self.professional_judgement_reason or "").strip():
            raise ProfessionalJudgementReasonRequired(
                "professional judgement needs a reason"
            )
        if self.incidents_in_12_months is not None and self.incidents_in_12_months < 0:
            raise InvalidReferral("incidents_in_12_months cannot be negative")
        if not (
            self.visible_high_risk
            or self.professional_judgement
            or self.incidents_in_12_months is not None
            or self.honour_based_abuse
        ):
            raise CriterionRequired("a referral claims at least one criterion")


@dataclass(frozen=True)
class CriteriaEvaluation:
    score: int
    met: tuple[Criterion, ...]

    @property
    def meets_threshold(self) -> bool:
        return bool(self.met)

    @property
    def objective_criteria_met(self) -> tuple[str, ...]:
        return tuple(c for c in self.met if c in OBJECTIVE_CRITERIA)


def referral_criteria_met(
    assessment: RiskAssessment, claimed: CriteriaClaimed, settings: AreaSettings
) -> CriteriaEvaluation:
    """Evaluate the criteria against the area's settings.

    Visible high risk is judged from the score whether or not it was claimed: a referrer who
    forgot to tick the box does not take a 14-"yes" case below threshold.
    """
    score = dash_score(assessment)
    met: list[Criterion] = []
    if score >= settings.referral_threshold:
        met.append("visible_high_risk")
    if claimed.professional_judgement and (claimed.professional_judgement_reason or "").strip():
        met.append("professional_judgement")
    if (
        claimed.incidents_in_12_months is not None
        and claimed.incidents_in_12_months >= settings.escalation_count
    ):
        met.append("potential_escalation")
    if claimed.honour_based_abuse and settings.hba_automatic:
        met.append("honour_based_abuse")
    return CriteriaEvaluation(score=score, met=tuple(met))
