"""The Case aggregate, from referral to the coordinator's threshold decision."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.access import (
    MAX_BREAK_GLASS_MINUTES,
    AccessGrant,
    Audience,
    BreakGlass,
    GrantExpiryPassed,
    InvalidAccessChange,
    SharedItem,
    break_glass_duration,
)
from domain.actions import (
    FATES,
    FOR_WHOM,
    OUTCOMES,
    ActionDisposal,
    ActionNote,
    Ending,
    SmartAction,
    is_overdue,
)
from domain.consent import VICTIM_INFORMED, Consent, VictimInformed
from domain.criteria import CriteriaClaimed, CriteriaEvaluation
from domain.exceptions import (
    ActionAlreadyRecorded,
    ActionNotFound,
    CannotLowerMandatoryCriterion,
    CaseClosed,
    CaseNotAccepted,
    ClosureAlreadyAcknowledged,
    DecisionAlreadyRecorded,
    DeclineReasonRequired,
    DomainError,
    InvalidAction,
    InvalidClosure,
    InvalidCorrection,
    InvalidReferral,
    NotARepeat,
    OpenActionsUnaccounted,
    ReferralWithdrawn,
    ThresholdNotMet,
    UnknownSubject,
)
from domain.marrac import (
    MAX_NEEDS_LENGTH,
    MES,
    REVIEW_OUTCOMES,
    Allocation,
    CompletedByClosing,
    Feedback,
    InvalidMarracChange,
    MeContact,
    MeNeeds,
    NotAllocated,
    NotAMarracArea,
    PlanAgreed,
    Review,
    StepCompleted,
    check_contact,
    check_feedback,
    check_happened,
    check_next_step,
)
from domain.meeting import RISK_TO, Hearing
from domain.repeats import is_repeat
from domain.risk import RiskAssessment
from domain.safeguarding import OnwardReferral, SocialCare
from domain.subjects import Subject, check_subjects

# A restriction is due for review this long after it was set or last reviewed.
RESTRICTION_REVIEW_INTERVAL = timedelta(days=90)
REVIEW_DECISIONS = ("keep", "lift")


def restriction_review_due(set_or_reviewed_at: datetime) -> datetime:
    return set_or_reviewed_at + RESTRICTION_REVIEW_INTERVAL


def restricted_at_referral(referral: Referral, restrict_hba: bool) -> bool:
    """A referral flagged as 'honour'-based abuse is restricted from the moment it is made,
    where the area says so (on by default)."""
    return restrict_hba and referral.criteria.honour_based_abuse


# Every agency told of a closure should know of it within this (Lancashire's MARRAC standard),
# counted in hours from the closure's time.
INFORM_WITHIN = timedelta(hours=24)


def inform_by(closed_on: date, closed_at: datetime | None) -> datetime:
    """When every agency should have been told of a closure. A closure recorded before its time
    was kept has a date only: it counts from the end of that day, the latest it can have been,
    so that no agency is called late that was not."""
    start = closed_at or datetime.combine(closed_on + timedelta(days=1), time(), tzinfo=UTC)
    return start + INFORM_WITHIN


def told_late(deadline: datetime, at: datetime) -> bool:
    """Whether an agency told at `at` was told late. For one not yet told, `at` is now: it is
    late once the deadline has passed, and stays late when it is told, later still."""
    return at > deadline


class NotToldOfClosure(DomainError):
    """Only an agency told of a closure acknowledges it (and only once the case is closed)."""

    code = "not_told_of_closure"


class InvalidHearingChange(DomainError):
    code = "invalid_hearing_change"


@dataclass(frozen=True)
class ResearchRequest:
    """The coordinator asks an invited agency to research the case before its hearing."""

    meeting_id: UUID
    agency_id: UUID
    due_on: date
    requested_by: str


ResearchStatus = Literal["requested", "answered", "overdue"]


def research_status(answered: bool, due_on: date, today: date) -> ResearchStatus:
    """Answered once the agency has recorded research for the hearing; overdue, unanswered,
    after the day it was due (the due date itself is still in time, as for actions)."""
    if answered:
        return "answered"
    return "overdue" if is_overdue(due_on, None, today) else "requested"


Status = Literal["referred", "accepted", "declined", "linked_as_repeat", "withdrawn", "closed"]
# A case no longer worked: closed, or withdrawn as entered in error (which it stays, and is no
# longer worked, until closed for its retention). It counts in no case co-ordinator's load,
# its actions are not escalated, and it leaves the agendas of the meetings still to come.
ENDED: frozenset[Status] = frozenset({"closed", "withdrawn"})


def takes_actions(status: Status) -> bool:
    """Actions are agreed on an accepted case: not on one awaiting its threshold decision,
    declined, linked as a repeat of another, withdrawn or closed."""
    return status == "accepted"


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


def _narrower(new: Audience, old: Audience) -> bool:
    """Whether `new` would hide an item from anyone `old` showed it to."""
    width = {"authoring_agency": 0, "coordinators": 1, "agencies": 2, "whole_case": 3}
    if new.kind == "agencies" and old.kind == "agencies":
        return not set(old.agencies) <= set(new.agencies)
    return width[new.kind] < width[old.kind]


class Case(Aggregate):
    """A high-risk domestic-abuse case. Corrections are new events: nothing is edited in place."""

    @classmethod
    def refer(cls, referral: Referral, case_id: UUID | None = None, *,
              restrict_hba: bool = False, at: datetime | None = None) -> Case:
        """`restrict_hba`: the area's setting. An 'honour'-based-abuse referral is then
        restricted in the very event that records it (no version of the case, and so no feed
        event, ever shows it unrestricted), to its referrer and the area's coordinators and
        chairs, until members are named."""
        referral.check_valid()
        restricted_at = None
        if restricted_at_referral(referral, restrict_hba):
            restricted_at = at or datetime.combine(referral.referred_on, time(), UTC)
        if case_id is None:
            return cls(referral=referral, restricted_at=restricted_at)
        case: Case = cls._create(getattr(cls, "Referred"), id=case_id,  # noqa: B009
                                 referral=referral, restricted_at=restricted_at)
        return case

    @event("Referred")
    def __init__(self, referral: Referral, restricted_at: datetime | None = None) -> None:
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
        self.repeat_referred_on: dict[UUID, date] = {}
        # Access facts (see security/policy.py for the decisions made from them).
        self.involved_agencies: set[UUID] = {referral.referring_agency_id}
        self.grants: dict[UUID, AccessGrant] = {}
        # Restricted at referral ('honour'-based abuse): seen by its referrer and the area's
        # coordinators and chairs until a coordinator names its members.
        self.restricted = restricted_at is not None
        self.restriction_provisional = restricted_at is not None
        self.restricted_at: datetime | None = restricted_at
        self.restriction_reviewed_at: datetime | None = None
        self.members: set[str] = {referral.referrer} if restricted_at is not None else set()
        self.member_agencies: set[UUID] = set()
        self.excluded: set[str] = set()
        self.break_glass: list[BreakGlass] = []
        self.items: dict[UUID, SharedItem] = {}
        self.research_requests: list[ResearchRequest] = []
        # When each was asked for, by (meeting, agency): the event's time, not in the request.
        self.research_requested_at: dict[tuple[UUID, UUID], datetime] = {}
        self.hearings: dict[UUID, Hearing] = {}
        self.closed_on: date | None = None
        # None for a closure recorded before its time was kept (see inform_by).
        self.closed_at: datetime | None = None
        self.closure_reason: str | None = None
        # The agencies that may see the case are told of its closure (security/policy.py says
        # which); each one's acknowledgement is tracked.
        self.to_inform: tuple[UUID, ...] = ()
        self.informed: dict[UUID, datetime] = {}
        self.actions: dict[UUID, SmartAction] = {}
        self.action_notes: list[ActionNote] = []
        self.action_outcomes: dict[UUID, Ending] = {}
        self.escalated_actions: set[UUID] = set()
        # MARRAC (domain/marrac.py): allocation, steps, the MEs' needs and contacts, plan, reviews.
        self.allocations: list[Allocation] = []
        self.steps: dict[str, StepCompleted] = {}
        self.needs: dict[str, MeNeeds] = {}
        self.child_needs: dict[UUID, MeNeeds] = {}  # each child an ME of its own
        self.contacts: list[MeContact] = []
        self.plan_agreed: PlanAgreed | None = None
        self.reviews: list[Review] = []
        self.feedback: list[Feedback] = []
        # Links to other safeguarding arrangements (domain/safeguarding.py).
        self.onward_referrals: list[OnwardReferral] = []
        self.social_care: SocialCare | None = None
        # Withdrawn as entered in error (a coordinator's reason kept in the event): it stays
        # withdrawn when it is closed later, for its retention.
        self.withdrawn_on: date | None = None
        # What the closure did with each action still open then (domain/actions.py).
        self.disposals: dict[UUID, ActionDisposal] = {}

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def check_not_withdrawn(self) -> None:
        if self.withdrawn_on is not None:
            raise ReferralWithdrawn(f"case {self.id} was withdrawn as entered in error")

    @property
    def victim(self) -> Subject:
        return next(s for s in self.subjects.values() if s.role == "victim")

    @property
    def perpetrators(self) -> tuple[Subject, ...]:
        return tuple(s for s in self.subjects.values() if s.role == "perpetrator")

    # Threshold decision -------------------------------------------------------------------

    def check_undecided(self) -> None:
        self.check_not_withdrawn()
        if self.closed_on is not None:
            raise CaseClosed(f"case {self.id} is closed")
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
            raise DeclineReasonRequired("a decline needs a reason for the referrer")
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
        self.repeat_referred_on[referral_case_id] = referred_on
        self.last_referral_on = max(self.last_referral_on, referred_on)

    # Corrections -----------------------------------------------------------------------
    # Each is a new event with its reason and who made it (events recorded before reasons
    # were asked for load without one): the referral as first made stays in the log. A
    # correction after the threshold decision recomputes the criteria the decision found met
    # (its outcome stands: a coordinator decides again by other means).

    def _check_correctable(self, reason: str) -> None:
        self.check_not_withdrawn()
        if self.closed_on is not None:
            raise CaseClosed(f"case {self.id} is closed")
        if not reason.strip():
            raise InvalidCorrection("a correction needs a reason")

    def correct_subject(self, subject_id: UUID, changes: dict[str, Any], by: str,
                        reason: str) -> None:
        self._check_correctable(reason)
        if subject_id not in self.subjects:
            raise UnknownSubject(f"case {self.id} has no subject {subject_id}")
        corrected = self.subjects[subject_id].corrected(changes)
        self._subject_corrected(subject=corrected, by=by, reason=reason)

    @event("SubjectCorrected")
    def _subject_corrected(self, subject: Subject, by: str, reason: str = "") -> None:
        self.subjects[subject.subject_id] = subject

    def correct_risk_assessment(self, assessment: RiskAssessment, by: str, reason: str,
                                criteria_met: tuple[str, ...] | None = None) -> None:
        """`criteria_met`: the criteria the corrected facts meet, where the case is decided."""
        self._check_correctable(reason)
        assessment.check_valid()
        self._risk_assessment_corrected(assessment=assessment, by=by, reason=reason,
                                        criteria_met=criteria_met)

    @event("RiskAssessmentCorrected")
    def _risk_assessment_corrected(self, assessment: RiskAssessment, by: str,
                                   reason: str = "",
                                   criteria_met: tuple[str, ...] | None = None) -> None:
        self.risk_assessment = assessment
        self._recomputed(criteria_met)

    def correct_criteria(self, criteria: CriteriaClaimed, by: str, reason: str,
                         criteria_met: tuple[str, ...] | None = None) -> None:
        self._check_correctable(reason)
        criteria.check_valid()
        if criteria.honour_based_abuse != self.referral.criteria.honour_based_abuse:
            # The flag decides who may see the case from its referral (a restriction, an
            # agenda's closed hearing): it is not changed behind those decisions' backs.
            raise InvalidCorrection("the 'honour'-based abuse flag is not corrected")
        self._criteria_corrected(criteria=criteria, by=by, reason=reason,
                                 criteria_met=criteria_met)

    @event("CriteriaCorrected")
    def _criteria_corrected(self, criteria: CriteriaClaimed, by: str, reason: str,
                            criteria_met: tuple[str, ...] | None = None) -> None:
        self.referral = replace(self.referral, criteria=criteria)
        self._recomputed(criteria_met)

    def _recomputed(self, criteria_met: tuple[str, ...] | None) -> None:
        if self.decision is not None and criteria_met is not None:
            self.decision = replace(self.decision, criteria_met=tuple(criteria_met))

    # Withdrawal ----------------------------------------------------------------------------

    def withdraw(self, reason: str, by: str, on: date) -> None:
        """A referral entered in error leaves the record of the partnership's work: it is not
        decided, shared on or acted on afterwards, and no report counts it."""
        self.check_not_withdrawn()
        if self.closed_on is not None:
            raise CaseClosed(f"case {self.id} is closed")
        if not reason.strip():
            raise InvalidCorrection("a withdrawal needs a reason")
        if self.repeat_referrals or self.repeat_of is not None:
            # Its referrals are counted with its case's: they are corrected there.
            raise InvalidCorrection("a case linked to repeats, or a linked repeat, is not "
                                    "withdrawn")
        self._withdrawn(reason=reason, by=by, on=on)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, by: str, on: date) -> None:
        self.withdrawn_on = on
        self.status = "withdrawn"

    # Access management (coordinators and chairs) -------------------------------------------

    def grant_access(
        self,
        grant_id: UUID,
        *,
        agency_id: UUID | None,
        person: str | None,
        reason: str,
        expires_at: datetime | None,
        by: str,
        at: datetime,
    ) -> None:
        if (agency_id is None) == (person is None):
            raise InvalidAccessChange("a grant is to one agency or one person")
        if not reason.strip():
            raise InvalidAccessChange("a grant needs a reason")
        if expires_at is not None and expires_at <= at:
            raise GrantExpiryPassed("a grant cannot expire before it starts")
        if grant_id in self.grants:
            raise InvalidAccessChange(f"grant {grant_id} exists")
        self._access_granted(
            grant=AccessGrant(grant_id, agency_id, person, expires_at), reason=reason, by=by,
            at=at)

    @event("AccessGranted")
    def _access_granted(self, grant: AccessGrant, reason: str, by: str, at: datetime) -> None:
        self.grants[grant.grant_id] = grant

    def revoke_access(self, grant_id: UUID, reason: str, by: str, at: datetime) -> None:
        if grant_id not in self.grants:
            raise InvalidAccessChange(f"case {self.id} has no grant {grant_id}")
        self._access_revoked(grant_id=grant_id, reason=reason, by=by, at=at)

    @event("AccessRevoked")
    def _access_revoked(self, grant_id: UUID, reason: str, by: str, at: datetime) -> None:
        del self.grants[grant_id]

    def restrict(
        self, members: set[str], member_agencies: set[UUID], reason: str, by: str, at: datetime
    ) -> None:
        """Make the case need-to-know: only its named members see it. The coordinator who
        restricts it is a member, or they would lock themselves out."""
        if not reason.strip():
            raise InvalidAccessChange("a restriction needs a reason")
        # An excluded person is not made a member (exclusion ends membership, and readmission
        # does not restore it): a closed hearing naming them does not let them in later.
        self._restricted(members=tuple(sorted((members | {by}) - self.excluded)),
                         member_agencies=tuple(sorted(member_agencies, key=str)),
                         reason=reason, by=by, at=at)

    @event("Restricted")
    def _restricted(self, members: tuple[str, ...], member_agencies: tuple[UUID, ...],
                    reason: str, by: str, at: datetime) -> None:
        self.restricted = True
        self.restriction_provisional = False
        self.restricted_at = at
        self.restriction_reviewed_at = None
        self.members = set(members)
        self.member_agencies = set(member_agencies)

    @property
    def named_members(self) -> set[str]:
        """Members a coordinator named (a restriction at referral names none yet)."""
        return set() if self.restriction_provisional else set(self.members)

    @property
    def restriction_review_due(self) -> datetime | None:
        if not self.restricted or self.restricted_at is None:
            return None
        return restriction_review_due(self.restriction_reviewed_at or self.restricted_at)

    def review_restriction(self, decision: str, reason: str, by: str, at: datetime) -> None:
        """A coordinator reviews a restriction (every 90 days): keeps it, or lifts it."""
        if not self.restricted:
            raise InvalidAccessChange(f"case {self.id} is not restricted")
        if decision not in REVIEW_DECISIONS:
            raise InvalidAccessChange(f"a review decision is one of {REVIEW_DECISIONS}")
        if not reason.strip():
            raise InvalidAccessChange("a restriction review needs a reason")
        if decision == "keep":
            self._restriction_kept(reason=reason, by=by, at=at)
        else:
            self._restriction_lifted(reason=reason, by=by, at=at)

    @event("RestrictionKept")
    def _restriction_kept(self, reason: str, by: str, at: datetime) -> None:
        self.restriction_reviewed_at = at

    @event("RestrictionLifted")
    def _restriction_lifted(self, reason: str, by: str, at: datetime) -> None:
        self.restricted = False
        self.restriction_provisional = False
        self.restricted_at = None
        self.restriction_reviewed_at = None
        self.members = set()
        self.member_agencies = set()

    def exclude(self, person: str, reason: str, by: str, at: datetime) -> None:
        if not reason.strip():
            raise InvalidAccessChange("an exclusion needs a reason")
        if person == by:
            raise InvalidAccessChange("a coordinator cannot exclude themselves")
        self._excluded(person=person, reason=reason, by=by, at=at)

    @event("PersonExcluded")
    def _excluded(self, person: str, reason: str, by: str, at: datetime) -> None:
        self.excluded.add(person)
        self.members.discard(person)

    def readmit(self, person: str, by: str, at: datetime) -> None:
        if person not in self.excluded:
            raise InvalidAccessChange("that person is not excluded")
        self._readmitted(person=person, by=by, at=at)

    @event("ExclusionRemoved")
    def _readmitted(self, person: str, by: str, at: datetime) -> None:
        self.excluded.discard(person)

    def open_break_glass(
        self, person: str, agency_id: UUID, reason: str, at: datetime,
        minutes: int = MAX_BREAK_GLASS_MINUTES,
    ) -> None:
        """Emergency access by a representative who cannot otherwise see the case; flagged for
        review. Never opens a restricted case, never overrides an exclusion."""
        if self.restricted or person in self.excluded:
            raise InvalidAccessChange("break-glass is not available on this case")
        if not reason.strip():
            raise InvalidAccessChange("break-glass needs a reason")
        duration = break_glass_duration(minutes)
        self._break_glass_opened(
            session=BreakGlass(person, agency_id, at, at + duration), reason=reason)

    @event("BreakGlassOpened")
    def _break_glass_opened(self, session: BreakGlass, reason: str) -> None:
        self.break_glass.append(replace(session, reason=reason))

    # Information shared on the case ------------------------------------------------------

    def share(self, item: SharedItem) -> None:
        self.check_not_withdrawn()
        item.audience.check_valid()
        if not item.text.strip():
            raise InvalidAccessChange("shared information cannot be empty")
        if item.item_id in self.items:
            raise InvalidAccessChange(f"item {item.item_id} exists")
        if item.kind == "research_note" and item.audience.kind != "coordinators":
            # Research is seen by its agency and the coordinators until it is released.
            raise InvalidAccessChange("a research note is shared with the coordinators first")
        self._shared(item=item)

    @event("InformationShared")
    def _shared(self, item: SharedItem) -> None:
        self.items[item.item_id] = item

    def release(self, item_id: UUID, audience: Audience, by: str, at: datetime) -> None:
        """Widen who sees an item, typically a research note at the hearing. An audience is
        only ever widened: what an agency has seen cannot be unseen."""
        self.check_not_withdrawn()
        audience.check_valid()
        item = self.items.get(item_id)
        if item is None:
            raise InvalidAccessChange(f"case {self.id} has no item {item_id}")
        if _narrower(audience, item.audience):
            raise InvalidAccessChange("an item's audience can only be widened")
        self._released(item_id=item_id, audience=audience, by=by, at=at)

    @event("ItemReleased")
    def _released(self, item_id: UUID, audience: Audience, by: str, at: datetime) -> None:
        self.items[item_id] = replace(self.items[item_id], audience=audience)

    def research_answered(self, request: ResearchRequest) -> bool:
        return any(i.kind == "research_note" and i.author_agency == request.agency_id
                   and i.meeting_id == request.meeting_id for i in self.items.values())
    # Closure ---------------------------------------------------------------------------

    def close(self, reason: str, by: str, on: date, at: datetime,
              inform: Collection[UUID], *,
              disposals: Collection[ActionDisposal] = ()) -> None:
        """Close the case; its retention period runs from today. A declined referral or a
        linked repeat is closed too, so that its record is not kept for ever. `inform`: the
        agencies to tell, those that may see the case (an access decision, made outside).
        `disposals`: what becomes of each action still open, one each, none left out."""
        if self.closed_on is not None:
            raise InvalidAccessChange(f"case {self.id} is already closed")
        if not reason.strip():
            raise InvalidClosure("closure needs a reason")
        self._closed(reason=reason, by=by, on=on, at=at,
                     inform=tuple(sorted(set(inform), key=str)),
                     disposals=self._check_disposals(disposals))

    @property
    def open_actions(self) -> tuple[UUID, ...]:
        return tuple(a for a in self.actions if a not in self.action_outcomes)

    def _check_disposals(self, disposals: Collection[ActionDisposal]
                         ) -> tuple[ActionDisposal, ...]:
        given = {d.action_id: d for d in disposals}
        open_ids = set(self.open_actions)
        if len(given) != len(disposals) or not given.keys() <= open_ids:
            raise InvalidClosure("a closure names each open action once, and no other")
        for d in given.values():
            if d.fate not in FATES:
                raise InvalidClosure(f"an open action is one of {FATES}")
            if (d.fate == "carried") != (d.carried_to is not None):
                raise InvalidClosure("an action carried on names the agency that carries it, "
                                     "and only then")
        missing = open_ids - given.keys()
        if missing:
            # Ids only: what an action says is case content, never put in an error.
            raise OpenActionsUnaccounted(
                f"{len(missing)} open actions need completing, carrying to a named agency or "
                f"closing with the case: {', '.join(sorted(str(a) for a in missing))}")
        return tuple(sorted(given.values(), key=lambda d: str(d.action_id)))

    # `at` was added after the first closures were recorded: their events load without it;
    # `disposals` likewise.
    @event("Closed")
    def _closed(  # noqa: PLR0917 - the event's fields, as recorded since the first closures
            self, reason: str, by: str, on: date, inform: tuple[UUID, ...],
            at: datetime | None = None, disposals: tuple[ActionDisposal, ...] = ()) -> None:
        self.closed_on = on
        self.closed_at = at
        self.closure_reason = reason
        self.status = "closed"
        self.to_inform = tuple(inform)  # JSON brings it back as a list
        for d in disposals:
            if d.fate != "carried":
                self.action_outcomes[d.action_id] = d.fate
            elif d.carried_to is not None:  # always, as checked when closing
                # The agency carrying it on owns it, and sees the case it came from.
                self.actions[d.action_id] = replace(self.actions[d.action_id],
                                                    owner_agency=d.carried_to)
                self.involved_agencies.add(d.carried_to)
        self.disposals = {d.action_id: d for d in disposals}

    def acknowledge_closure(self, agency_id: UUID, by: str, at: datetime) -> None:
        if self.closed_on is None or agency_id not in self.to_inform:
            raise NotToldOfClosure("only an agency told of a closure acknowledges it")
        if agency_id in self.informed:
            raise ClosureAlreadyAcknowledged("this agency has already acknowledged the closure")
        self._closure_acknowledged(agency_id=agency_id, by=by, at=at)

    @event("ClosureAcknowledged")
    def _closure_acknowledged(self, agency_id: UUID, by: str, at: datetime) -> None:
        self.informed[agency_id] = at

    # SMART actions -------------------------------------------------------------------------

    def agree_action(self, action: SmartAction) -> None:
        """An action agreed for the case (at its hearing, or by its case co-ordinator). Its
        owner agency becomes involved in the case: it must see what it is to act on."""
        self.check_not_withdrawn()
        if not takes_actions(self.status):
            raise CaseNotAccepted(f"actions are agreed on accepted cases, not {self.status} ones")
        if not action.description.strip():
            raise InvalidAction("an action says what is to be done")
        if action.for_whom not in FOR_WHOM:
            raise InvalidAction(f"an action is for one of {FOR_WHOM}")
        if action.due_on < action.agreed_on:
            raise InvalidAction("an action cannot be due before it is agreed")
        if action.action_id in self.actions:
            raise ActionAlreadyRecorded(f"action {action.action_id} exists")
        self._action_agreed(action=action)

    @event("ActionAgreed")
    def _action_agreed(self, action: SmartAction) -> None:
        self.actions[action.action_id] = action
        self.involved_agencies.add(action.owner_agency)

    def _check_open(self, action_id: UUID) -> None:
        self.check_not_withdrawn()
        if action_id not in self.actions:
            raise ActionNotFound(f"case {self.id} has no action {action_id}")
        if action_id in self.action_outcomes:
            raise ActionAlreadyRecorded(f"action {action_id} already has an outcome")

    def update_action(self, note: ActionNote) -> None:
        self._check_open(note.action_id)
        if not note.note.strip():
            raise InvalidAction("a progress update says what happened")
        if note.outcome is not None and note.outcome not in OUTCOMES:
            raise InvalidAction(f"an outcome is one of {OUTCOMES}")
        self._action_noted(note=note)

    @event("ActionNoted")
    def _action_noted(self, note: ActionNote) -> None:
        self.action_notes.append(note)
        if note.outcome is not None:
            self.action_outcomes[note.action_id] = note.outcome

    def escalate_action(self, action_id: UUID, by: str, on: date) -> None:
        """Overdue actions go to the coordinator, once each; none once the case is closed."""
        self._check_open(action_id)
        if self.closed_on is not None:
            raise CaseClosed(f"case {self.id} is closed: its actions are not escalated")
        if not is_overdue(self.actions[action_id].due_on, None, on):
            raise InvalidAction(f"action {action_id} is not overdue")
        if action_id in self.escalated_actions:
            raise ActionAlreadyRecorded(f"action {action_id} was already escalated")
        self._action_escalated(action_id=action_id, by=by, on=on)

    @event("ActionEscalated")
    def _action_escalated(self, action_id: UUID, by: str, on: date) -> None:
        self.escalated_actions.add(action_id)

    # Meetings ------------------------------------------------------------------------------

    def invite(self, agency_id: UUID, meeting_id: UUID, by: str) -> None:
        """An agency invited to the case's hearing is involved in it: it researches the case
        and shares at the meeting."""
        self.check_not_withdrawn()
        if self.status != "accepted":
            raise CaseNotAccepted("only accepted cases are heard")
        if agency_id not in self.involved_agencies:
            self._invited(agency_id=agency_id, meeting_id=meeting_id, by=by)

    @event("AgencyInvited")
    def _invited(self, agency_id: UUID, meeting_id: UUID, by: str) -> None:
        self.involved_agencies.add(agency_id)

    def request_research(self, requests: tuple[ResearchRequest, ...], at: datetime) -> None:
        """Research requests go to agencies involved in the case (invited to its hearing)."""
        self.check_not_withdrawn()
        if self.status != "accepted":
            raise InvalidHearingChange("only accepted cases are researched for a hearing")
        for request in requests:
            if request.agency_id not in self.involved_agencies:
                raise InvalidHearingChange("research is requested from agencies invited to "
                                           "the case")
            if request.due_on < at.date():
                raise InvalidHearingChange("research cannot be due before it is requested")
            if any((r.meeting_id, r.agency_id) == (request.meeting_id, request.agency_id)
                   for r in self.research_requests):
                raise InvalidHearingChange("that agency has already been asked")
        self._research_requested(requests=requests, at=at)

    @event("ResearchRequested")
    def _research_requested(self, requests: tuple[ResearchRequest, ...], at: datetime) -> None:
        self.research_requests.extend(requests)
        self.research_requested_at.update(((r.meeting_id, r.agency_id), at) for r in requests)

    def record_hearing(self, hearing: Hearing) -> None:
        """What the hearing identified: the risks to the victim, children, perpetrator and
        staff. Disclosures and actions carry the meeting's id themselves."""
        self.check_not_withdrawn()
        if self.status != "accepted":
            raise InvalidHearingChange("only accepted cases are heard")
        if hearing.meeting_id in self.hearings:
            raise InvalidHearingChange("this hearing has been recorded")
        for risk in hearing.risks:
            if risk.to not in RISK_TO or not risk.description.strip():
                raise InvalidHearingChange(f"a risk is to one of {RISK_TO}, and described")
        self._heard(hearing=hearing)

    @event("Heard")
    def _heard(self, hearing: Hearing) -> None:
        self.hearings[hearing.meeting_id] = hearing

    # Other safeguarding arrangements -------------------------------------------------------

    def refer_onward(self, onward: OnwardReferral) -> None:
        self.check_not_withdrawn()
        onward.check_valid(self.referral.referred_on)
        self._referred_onward(onward=onward)

    @event("ReferredOnward")
    def _referred_onward(self, onward: OnwardReferral) -> None:
        self.onward_referrals.append(onward)

    def record_social_care(self, social_care: SocialCare) -> None:
        self._social_care_recorded(social_care=social_care)

    @event("SocialCareRecorded")
    def _social_care_recorded(self, social_care: SocialCare) -> None:
        self.social_care = social_care

    @property
    def has_children(self) -> bool:
        return any(s.role == "child" for s in self.subjects.values())

    @property
    def honour_based_abuse(self) -> bool:
        return self.referral.criteria.honour_based_abuse

    # MARRAC ----------------------------------------------------------------------------------

    def allocate(self, allocation: Allocation, model: str) -> None:
        """The team leader gives the case to a case co-ordinator, who owns it from referral to
        closure (so an undecided referral may be allocated: its co-ordinator confirms that it
        meets purpose). Reallocation is a new allocation."""
        self.check_not_withdrawn()
        if model != "marrac":
            raise NotAMarracArea(f"area {self.area_id} does not run the MARRAC model")
        if self.status not in ("referred", "accepted"):
            raise InvalidMarracChange(f"a {self.status} case is not allocated")
        if not allocation.coordinator.strip() or len(allocation.coordinator) > 200:
            raise InvalidMarracChange("an allocation names one case co-ordinator")
        if self.coordinator == allocation.coordinator:
            raise InvalidMarracChange("the case is already allocated to that co-ordinator")
        if allocation.coordinator in self.excluded or (
                self.restricted and allocation.coordinator not in self.members):
            raise InvalidMarracChange("the case co-ordinator must be able to see the case")
        self._allocated(allocation=allocation)

    @event("Allocated")
    def _allocated(self, allocation: Allocation) -> None:
        self.allocations.append(allocation)

    @property
    def coordinator(self) -> str | None:
        return self.allocations[-1].coordinator if self.allocations else None

    @property
    def allocated_at(self) -> datetime | None:
        """The first allocation starts the clocks; a reallocation does not restart them."""
        return self.allocations[0].at if self.allocations else None

    def _check_allocated_and_open(self) -> datetime:
        self.check_not_withdrawn()
        if self.allocated_at is None:
            raise NotAllocated(f"case {self.id} has no case co-ordinator")
        if self.status not in ("referred", "accepted"):
            raise InvalidMarracChange(f"a {self.status} case is not worked")
        return self.allocated_at

    def complete_step(self, completed: StepCompleted, recorded_at: datetime) -> None:
        """`completed.at`: when the step was done, given within bounds. The fourth step is
        completed by closing the case (`complete_case`), never on its own."""
        if completed.step == "complete_case":
            raise CompletedByClosing("the case is completed by closing it")
        self._check_step(completed, recorded_at)
        if completed.step == "identify_solution" and self.plan_agreed is None:
            raise InvalidMarracChange("the solution is identified when the plan is agreed")
        if self.plan_agreed is not None and completed.step == "identify_solution":
            check_happened("the solution", completed.at, self.plan_agreed.at, recorded_at)
        self._step_completed(completed=completed)

    def _check_step(self, completed: StepCompleted, recorded_at: datetime) -> None:
        """Open, allocated, next in order, and done after the step before it."""
        allocated_at = self._check_allocated_and_open()
        check_next_step(self.steps, completed.step)
        before = max((s.at for s in self.steps.values()), default=allocated_at)
        check_happened(f"step {completed.step}", completed.at, before, recorded_at)

    def complete_case(self, completed: StepCompleted, reason: str, recorded_at: datetime,
                      inform: Collection[UUID], *,
                      disposals: Collection[ActionDisposal] = ()) -> None:
        """The fourth step and the closure are one: the case is completed when it closes, at
        the time given, and every agency to inform is counted from then. `disposals`: as for
        `close`, what becomes of each action still open."""
        if completed.step != "complete_case":
            raise InvalidMarracChange("closing completes the fourth step, complete_case")
        self._check_step(completed, recorded_at)
        # Checked before the step is completed, so that a refused closure leaves no step behind.
        self._check_disposals(disposals)
        self._step_completed(completed=completed)
        self.close(reason, completed.by, completed.at.date(), completed.at, inform,
                   disposals=disposals)

    def record_told(self, agency_id: UUID, by: str, at: datetime, recorded_at: datetime) -> None:
        """The co-ordinator records that an agency was told of the closure at `at`."""
        self._check_allocated_and_closed()
        if agency_id not in self.to_inform:
            raise NotToldOfClosure("only an agency to be told of the closure is told")
        if agency_id in self.informed:
            raise ClosureAlreadyAcknowledged("this agency has already been told")
        check_happened("telling an agency", at, self.closed_at or recorded_at, recorded_at)
        self._closure_acknowledged(agency_id=agency_id, by=by, at=at)

    def record_feedback(self, feedback: Feedback, recorded_at: datetime) -> None:
        """Feedback from an ME or an agency told of the closure, collated at closure."""
        self._check_allocated_and_closed()
        check_feedback(feedback)
        if feedback.me is not None:
            child = self._check_me(feedback.me, feedback.child)
            feedback = replace(feedback, child=child)
        elif feedback.agency_id not in self.to_inform:
            raise InvalidMarracChange("feedback comes from an agency told of the closure")
        if any(f.feedback_id == feedback.feedback_id for f in self.feedback):
            raise InvalidMarracChange(f"feedback {feedback.feedback_id} exists")
        check_happened("feedback", feedback.at, self.closed_at or recorded_at, recorded_at)
        self._feedback_recorded(feedback=feedback)

    @event("FeedbackRecorded")
    def _feedback_recorded(self, feedback: Feedback) -> None:
        self.feedback.append(feedback)

    def _check_allocated_and_closed(self) -> None:
        if self.allocated_at is None:
            raise NotAllocated(f"case {self.id} has no case co-ordinator")
        if self.closed_on is None:
            raise InvalidMarracChange("only a closed case is told of and fed back on")

    @event("StepCompleted")
    def _step_completed(self, completed: StepCompleted) -> None:
        self.steps[completed.step] = completed

    def record_needs(self, needs: MeNeeds) -> None:
        self._check_allocated_and_open()
        needs = replace(needs, child=self._check_me(needs.me, needs.child))
        if not needs.needs.strip() or len(needs.needs) > MAX_NEEDS_LENGTH:
            raise InvalidMarracChange(f"needs are 1 to {MAX_NEEDS_LENGTH} characters")
        self._needs_recorded(needs=needs)

    @event("NeedsRecorded")
    def _needs_recorded(self, needs: MeNeeds) -> None:
        if needs.child is not None:
            self.child_needs[needs.child] = needs
        else:
            self.needs[needs.me] = needs

    def record_contact(self, contact: MeContact, recorded_at: datetime) -> None:
        allocated_at = self._check_allocated_and_open()
        contact = replace(contact, child=self._check_me(contact.me, contact.child))
        check_contact(contact, allocated_at, recorded_at)
        if any(c.contact_id == contact.contact_id for c in self.contacts):
            raise InvalidMarracChange(f"contact {contact.contact_id} exists")
        self._contact_recorded(contact=contact)

    @event("ContactRecorded")
    def _contact_recorded(self, contact: MeContact) -> None:
        self.contacts.append(contact)

    def agree_plan(self, agreed: PlanAgreed, recorded_at: datetime) -> None:
        """The SMART plan agreed with the MEs: the case's actions, at least one. `agreed.at`:
        when it was agreed, after allocation and not in the future."""
        allocated_at = self._check_allocated_and_open()
        check_happened("the plan", agreed.at, allocated_at, recorded_at)
        if self.status != "accepted":
            raise InvalidMarracChange("a plan is agreed once the case meets purpose")
        if self.plan_agreed is not None:
            raise InvalidMarracChange("the plan is already agreed")
        if not self.actions:
            raise InvalidMarracChange("a SMART plan has at least one action")
        self._plan_agreed(agreed=agreed)

    @event("PlanAgreed")
    def _plan_agreed(self, agreed: PlanAgreed) -> None:
        self.plan_agreed = agreed

    def review(self, review: Review, recorded_at: datetime) -> None:
        """`review.at`: when it took place, after the plan (and any review before it)."""
        self._check_allocated_and_open()
        if self.plan_agreed is None:
            raise InvalidMarracChange("a review follows the agreed plan")
        before = max([self.plan_agreed.at, *(r.at for r in self.reviews)])
        check_happened("the review", review.at, before, recorded_at)
        if review.outcome not in REVIEW_OUTCOMES:
            raise InvalidMarracChange(f"a review outcome is one of {REVIEW_OUTCOMES}")
        self._reviewed(review=review)

    @event("Reviewed")
    def _reviewed(self, review: Review) -> None:
        self.reviews.append(review)

    def _check_me(self, me: str, child: UUID | None) -> UUID | None:
        """The ME is on the case. Each child is an ME of its own: the child subject's id, which
        may be left out when the case has only one child; None for the victim and perpetrator."""
        if me not in MES:
            raise InvalidMarracChange(f"an ME is one of {MES}")
        if not any(s.role == me for s in self.subjects.values()):
            raise InvalidMarracChange(f"case {self.id} has no {me}")
        if me != "child":
            if child is not None:
                raise InvalidMarracChange("only a child ME names a child")
            return None
        children = [s.subject_id for s in self.subjects.values() if s.role == "child"]
        if child is None:
            if len(children) > 1:
                raise InvalidMarracChange("the case has several children: name the child")
            return children[0]
        if child not in children:
            raise InvalidMarracChange(f"case {self.id} has no such child")
        return child
