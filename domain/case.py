"""The Case aggregate, from referral to the coordinator's threshold decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.consent import VICTIM_INFORMED, Consent, VictimInformed
from domain.criteria import CriteriaClaimed, CriteriaEvaluation
from domain.exceptions import (
    CannotLowerMandatoryCriterion,
    DecisionAlreadyRecorded,
    InvalidReferral,
    NotARepeat,
    ThresholdNotMet,
)
from domain.repeats import is_repeat
from domain.risk import RiskAssessment
from domain.subjects import Subject, check_subjects

Status = Literal["referred", "accepted", "declined", "linked_as_repeat"]


@dataclass(frozen=True)
class Referral:
    """Everything a referring agency submits. Free text and identities are personal data:
    they exist only inside encrypted events."""

    area_id: UUID
    referring_agency_id: UUID
    # The referring professional (a staff identifier from the identity provider).
    referrer: str
    referred_on: date
    subjects: tuple[Subject, ...]
    incident_summary: str
    risk_assessment: RiskAssessment
    criteria: CriteriaClaimed
    consent: Consent
    victim_informed: VictimInformed
    idva_referral_made: bool
    manager_sign_off: bool = False

    def check_valid(self) -> None:
        check_subjects(self.subjects)
        self.risk_assessment.check_valid()
        self.criteria.check_valid()
        self.consent.check_valid()
        if self.victim_informed not in VICTIM_INFORMED:
            raise InvalidReferral(f"victim_informed must be one of {VICTIM_INFORMED}")
        if not self.referrer.strip():
            raise InvalidReferral("the referrer must be named")


@dataclass(frozen=True)
class Decision:
    outcome: Literal["accepted", "declined", "linked_as_repeat"]
    by: str
    on: date
    criteria_met: tuple[str, ...]
    reason: str | None = None


class Case(Aggregate):
    """A high-risk domestic-abuse case. Corrections are new events: nothing is edited in place."""

    @classmethod
    def refer(cls, referral: Referral) -> Case:
        referral.check_valid()
        return cls(referral=referral)

    @event("Referred")
    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        self.area_id = referral.area_id
        self.status: Status = "referred"
        self.subjects = {s.subject_id: s for s in referral.subjects}
        self.risk_assessment = referral.risk_assessment
        self.decision: Decision | None = None
        self.repeat_of: UUID | None = None
        # The repeat window runs from the last referral, including repeats linked in since.
        self.last_referral_on = referral.referred_on
        self.repeat_referrals: list[UUID] = []

    @property
    def victim(self) -> Subject:
        return next(s for s in self.subjects.values() if s.role == "victim")

    @property
    def perpetrators(self) -> tuple[Subject, ...]:
        return tuple(s for s in self.subjects.values() if s.role == "perpetrator")

    # Threshold decision -------------------------------------------------------------------

    def check_undecided(self) -> None:
        if self.decision is not None:
            raise DecisionAlreadyRecorded(f"case {self.id} already has a decision")

    def accept(self, by: str, on: date, evaluation: CriteriaEvaluation) -> None:
        self.check_undecided()
        if not evaluation.meets_threshold:
            raise ThresholdNotMet(f"case {self.id} meets no referral criterion")
        self._decided(decision=Decision("accepted", by, on, evaluation.met))

    def decline(self, by: str, on: date, reason: str, evaluation: CriteriaEvaluation) -> None:
        self.check_undecided()
        if not reason.strip():
            raise InvalidReferral("a decline needs a reason for the referrer")
        if evaluation.objective_criteria_met:
            raise CannotLowerMandatoryCriterion(
                f"case {self.id} meets {', '.join(evaluation.objective_criteria_met)}"
            )
        self._decided(decision=Decision("declined", by, on, evaluation.met, reason))

    def link_as_repeat_of(
        self, existing: Case, by: str, on: date, window_months: int
    ) -> None:
        """Merge this referral into an existing case. A repeat must be referred back whatever
        its score, so no criterion is needed; the window and the area are checked."""
        self.check_undecided()
        if existing.id == self.id or existing.area_id != self.area_id:
            raise NotARepeat("a repeat is linked to another case in the same area")
        if existing.status != "accepted":
            raise NotARepeat(f"case {existing.id} is not an accepted case")
        if not is_repeat(existing.last_referral_on, self.referral.referred_on, window_months):
            raise NotARepeat(f"case {self.id} falls outside the repeat window")
        self._decided(decision=Decision("linked_as_repeat", by, on, ()), repeat_of=existing.id)
        existing._repeat_linked(referral_case_id=self.id, referred_on=self.referral.referred_on)

    @event("ThresholdDecided")
    def _decided(self, decision: Decision, repeat_of: UUID | None = None) -> None:
        self.decision = decision
        self.status = decision.outcome
        self.repeat_of = repeat_of

    @event("RepeatLinked")
    def _repeat_linked(self, referral_case_id: UUID, referred_on: date) -> None:
        self.repeat_referrals.append(referral_case_id)
        self.last_referral_on = max(self.last_referral_on, referred_on)

    # Corrections -----------------------------------------------------------------------

    def correct_subject(self, subject_id: UUID, changes: dict[str, Any], by: str) -> None:
        if subject_id not in self.subjects:
            raise InvalidReferral(f"case {self.id} has no subject {subject_id}")
        corrected = self.subjects[subject_id].corrected(changes)
        self._subject_corrected(subject=corrected, by=by)

    @event("SubjectCorrected")
    def _subject_corrected(self, subject: Subject, by: str) -> None:
        self.subjects[subject.subject_id] = subject

    def correct_risk_assessment(self, assessment: RiskAssessment, by: str) -> None:
        assessment.check_valid()
        self._risk_assessment_corrected(assessment=assessment, by=by)

    @event("RiskAssessmentCorrected")
    def _risk_assessment_corrected(self, assessment: RiskAssessment, by: str) -> None:
        self.risk_assessment = assessment
