"""What happened on a case, read from its events (and its listings from its meetings' events):
every entry a timeline could hold, each naming what it derives from (`Source`), so that
`services/case_timeline.py` asks the policy about that and nothing else. Pure: no I/O.

An entry's `at` is when it happened: the time the domain kept for it where it kept one (given
by a MARRAC case co-ordinator who enters a day's work afterwards, or the moment an item,
grant or closure was made), else when it was recorded. Summaries are written here, from
kinds, dates and counts: never from free text or a person's details.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args
from uuid import UUID

SourceKind = Literal["case", "item", "action", "agency", "management", "repeat"]
# What an entry says happened, in the lifecycle's order (DOMAIN.md).
TimelineKind = Literal[
    # The referral, its corrections and the threshold decision.
    "referred", "subject_corrected", "risk_assessment_corrected", "criteria_corrected",
    "decided", "repeat_linked", "withdrawn",
    # Meetings: listing, invitations, research, the hearing.
    "listed", "removed_from_agenda", "agency_invited", "research_requested",
    "research_answered", "heard",
    # Information shared, and released to a wider audience.
    "information_shared", "information_released",
    # Actions.
    "action_agreed", "action_updated", "action_completed", "action_ended",
    "action_escalated", "action_carried", "action_closed_with_case",
    # Closure, and each agency told of it.
    "closed", "closure_acknowledged",
    # The case's management (coordinators only): access, restriction, safeguarding links.
    "access_granted", "access_revoked", "restricted", "restriction_kept",
    "restriction_lifted", "person_excluded", "exclusion_removed", "break_glass_opened",
    "referred_onward", "social_care_recorded",
    # MARRAC (coordinators only).
    "allocated", "step_completed", "needs_recorded", "contact_recorded", "plan_agreed",
    "plan_reviewed", "feedback_recorded",
]
TIMELINE_KINDS: tuple[str, ...] = get_args(TimelineKind)


@dataclass(frozen=True)
class Source:
    """What an entry derives from: the case as a whole (anyone who sees the case sees it), an
    item (its audience decides), an action (every action is in the case view), an agency's
    own part (the agency and the coordinators), the case's management (the coordinators),
    or a repeat referral linked in (that case's own visibility)."""

    kind: SourceKind
    ref: UUID | None = None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    recorded_at: datetime
    kind: TimelineKind
    summary: str
    source: Source
    agency_id: UUID | None = None
    item_id: UUID | None = None
    action_id: UUID | None = None
    # The meeting the entry is about: shown only to those who may see that meeting.
    meeting_id: UUID | None = None
    linked_case_id: UUID | None = None
    text: str | None = None  # an item's own text


CASE = Source("case")
MANAGEMENT = Source("management")


_AUDIENCES = {"whole_case": "everyone who sees the case", "agencies": "named agencies",
              "coordinators": "the coordinators", "authoring_agency": "its own agency"}


def _words(name: str) -> str:
    return name.replace("_", " ")


class _History:
    """Folds a case's events into entries, keeping what later events refer back to (a
    grant's agency, an action's owner)."""

    def __init__(self) -> None:
        self.entries: list[HistoryEntry] = []
        self.grants: dict[UUID, UUID | None] = {}
        self.owners: dict[UUID, UUID] = {}
        self.was_allocated = False

    def add(self, event: Any, kind: TimelineKind, summary: str, source: Source,
            at: datetime | None = None, **refs: Any) -> None:
        recorded_at: datetime = event.timestamp
        self.entries.append(HistoryEntry(at or recorded_at, recorded_at, kind, summary,
                                         source, **refs))

    # The referral and its corrections ---------------------------------------------------

    def referred(self, e: Any) -> None:
        agency = e.referral.referring_agency_id
        self.add(e, "referred", "Referred", CASE, agency_id=agency)
        if getattr(e, "restricted_at", None) is not None:
            self.add(e, "restricted", "Restricted from referral ('honour'-based abuse), to "
                     "its referrer and the coordinators", MANAGEMENT, e.restricted_at)

    def subject_corrected(self, e: Any) -> None:
        self.add(e, "subject_corrected", f"The {_words(e.subject.role)}'s details corrected",
                 CASE)

    def risk_assessment_corrected(self, e: Any) -> None:
        self.add(e, "risk_assessment_corrected", "Risk assessment corrected", CASE)

    def criteria_corrected(self, e: Any) -> None:
        self.add(e, "criteria_corrected", "Referral criteria corrected", CASE)

    def threshold_decided(self, e: Any) -> None:
        summary = {"accepted": "Accepted at the threshold check",
                   "declined": "Declined at the threshold check",
                   "linked_as_repeat": "Linked to an earlier case as a repeat referral"}
        self.add(e, "decided", summary[e.decision.outcome], CASE)

    def repeat_linked(self, e: Any) -> None:
        self.add(e, "repeat_linked", "A repeat referral linked to this case",
                 Source("repeat", e.referral_case_id), linked_case_id=e.referral_case_id)

    def withdrawn(self, e: Any) -> None:
        self.add(e, "withdrawn", "Withdrawn as entered in error", CASE)

    # Meetings -----------------------------------------------------------------------------

    def agency_invited(self, e: Any) -> None:
        self.add(e, "agency_invited", "Invited to the case's hearing",
                 Source("agency", e.agency_id), agency_id=e.agency_id,
                 meeting_id=e.meeting_id)

    def research_requested(self, e: Any) -> None:
        for r in e.requests:
            self.add(e, "research_requested", f"Research requested, due {r.due_on}",
                     Source("agency", r.agency_id), e.at, agency_id=r.agency_id,
                     meeting_id=r.meeting_id)

    def heard(self, e: Any) -> None:
        risks = len(e.hearing.risks)
        self.add(e, "heard", f"Heard at the meeting of {e.hearing.heard_on}; {risks} "
                 f"risk{'' if risks == 1 else 's'} identified", CASE,
                 meeting_id=e.hearing.meeting_id)

    # Information --------------------------------------------------------------------------

    def information_shared(self, e: Any) -> None:
        item = e.item
        research = item.kind == "research_note"
        self.add(e, "research_answered" if research else "information_shared",
                 "Research shared" if research else f"Shared: {_words(item.kind)}",
                 Source("item", item.item_id), item.recorded_at,
                 agency_id=item.author_agency, item_id=item.item_id)

    def item_released(self, e: Any) -> None:
        self.add(e, "information_released", f"Released to {_AUDIENCES[e.audience.kind]}",
                 Source("item", e.item_id), e.at, item_id=e.item_id)

    # Actions ------------------------------------------------------------------------------

    def _action(self, e: Any, kind: TimelineKind, summary: str, action_id: UUID, *,
                agency: UUID | None = None, at: datetime | None = None) -> None:
        self.add(e, kind, summary, Source("action", action_id), at,
                 agency_id=agency or self.owners.get(action_id), action_id=action_id)

    def action_agreed(self, e: Any) -> None:
        a = e.action
        self.owners[a.action_id] = a.owner_agency
        self._action(e, "action_agreed", f"Action agreed for the {_words(a.for_whom)}, due "
                     f"{a.due_on}", a.action_id)

    def action_noted(self, e: Any) -> None:
        note = e.note
        outcome = note.outcome
        if outcome is None:
            self._action(e, "action_updated", "Action progress recorded", note.action_id)
        elif outcome == "completed":
            self._action(e, "action_completed", "Action completed", note.action_id)
        else:
            self._action(e, "action_ended", f"Action ended: {_words(outcome)}",
                         note.action_id)

    def action_escalated(self, e: Any) -> None:
        self._action(e, "action_escalated", "Overdue action escalated to the coordinators",
                     e.action_id)

    # Closure ------------------------------------------------------------------------------

    def closed(self, e: Any) -> None:
        at = getattr(e, "at", None)
        self.add(e, "closed", "Closed", CASE, at)
        for d in getattr(e, "disposals", ()):
            if d.fate == "carried":
                self.owners[d.action_id] = d.carried_to
                self._action(e, "action_carried", "Action carried on after closure",
                             d.action_id, agency=d.carried_to, at=at)
            elif d.fate == "completed":
                self._action(e, "action_completed", "Action completed at closure",
                             d.action_id, at=at)
            else:
                self._action(e, "action_closed_with_case", "Action closed with the case",
                             d.action_id, at=at)

    def closure_acknowledged(self, e: Any) -> None:
        self.add(e, "closure_acknowledged", "Told of the closure",
                 Source("agency", e.agency_id), e.at, agency_id=e.agency_id)

    # Access (the coordinators') -----------------------------------------------------------

    def access_granted(self, e: Any) -> None:
        grant = e.grant
        self.grants[grant.grant_id] = grant.agency_id
        until = f", until {grant.expires_at:%Y-%m-%d %H:%M}" if grant.expires_at else ""
        whom = "an agency" if grant.agency_id else "a named person"
        self.add(e, "access_granted", f"Access granted to {whom}{until}", MANAGEMENT, e.at,
                 agency_id=grant.agency_id)

    def access_revoked(self, e: Any) -> None:
        self.add(e, "access_revoked", "Access revoked", MANAGEMENT, e.at,
                 agency_id=self.grants.get(e.grant_id))

    def restricted(self, e: Any) -> None:
        members = len(e.members)
        self.add(e, "restricted", f"Restricted to {members} named member"
                 f"{'' if members == 1 else 's'} and {len(e.member_agencies)} agencies",
                 MANAGEMENT, e.at)

    def restriction_kept(self, e: Any) -> None:
        self.add(e, "restriction_kept", "Restriction reviewed and kept", MANAGEMENT, e.at)

    def restriction_lifted(self, e: Any) -> None:
        self.add(e, "restriction_lifted", "Restriction lifted", MANAGEMENT, e.at)

    def person_excluded(self, e: Any) -> None:
        self.add(e, "person_excluded", "A person excluded (conflict of interest)", MANAGEMENT,
                 e.at)

    def exclusion_removed(self, e: Any) -> None:
        self.add(e, "exclusion_removed", "An exclusion removed", MANAGEMENT, e.at)

    def break_glass_opened(self, e: Any) -> None:
        s = e.session
        minutes = int((s.expires_at - s.opened_at).total_seconds() // 60)
        self.add(e, "break_glass_opened", f"Break-glass access opened for {minutes} minutes",
                 MANAGEMENT, s.opened_at, agency_id=s.agency_id)

    def referred_onward(self, e: Any) -> None:
        self.add(e, "referred_onward", f"Referred onward ({_words(e.onward.to)})", MANAGEMENT)

    def social_care_recorded(self, e: Any) -> None:
        self.add(e, "social_care_recorded", "Social care involvement recorded", MANAGEMENT)

    # MARRAC (the coordinators') -----------------------------------------------------------

    def allocated(self, e: Any) -> None:
        again = "Reallocated" if self.was_allocated else "Allocated"
        self.was_allocated = True
        self.add(e, "allocated", f"{again} to a case co-ordinator", MANAGEMENT,
                 e.allocation.at)

    def step_completed(self, e: Any) -> None:
        c = e.completed
        self.add(e, "step_completed", f"Step completed: {_words(c.step)}", MANAGEMENT, c.at)

    def needs_recorded(self, e: Any) -> None:
        self.add(e, "needs_recorded", f"Needs recorded for the {e.needs.me}", MANAGEMENT,
                 e.needs.at)

    def contact_recorded(self, e: Any) -> None:
        c = e.contact
        self.add(e, "contact_recorded", f"Contact with the {c.me}, {c.minutes} minutes",
                 MANAGEMENT, c.at)

    def plan_agreed(self, e: Any) -> None:
        self.add(e, "plan_agreed", "SMART plan agreed", MANAGEMENT, e.agreed.at)

    def reviewed(self, e: Any) -> None:
        self.add(e, "plan_reviewed", f"Plan reviewed: {_words(e.review.outcome)}",
                 MANAGEMENT, e.review.at)

    def feedback_recorded(self, e: Any) -> None:
        f = e.feedback
        whom = f"the {f.me}" if f.me else "an agency"
        self.add(e, "feedback_recorded", f"Feedback from {whom} recorded", MANAGEMENT, f.at,
                 agency_id=f.agency_id)


# Each case event by its class's name; events not here (none today) add nothing.
_CASE_EVENTS: dict[str, Callable[[_History, Any], None]] = {
    "Referred": _History.referred, "SubjectCorrected": _History.subject_corrected,
    "RiskAssessmentCorrected": _History.risk_assessment_corrected,
    "CriteriaCorrected": _History.criteria_corrected,
    "ThresholdDecided": _History.threshold_decided, "RepeatLinked": _History.repeat_linked,
    "Withdrawn": _History.withdrawn, "AgencyInvited": _History.agency_invited,
    "ResearchRequested": _History.research_requested, "Heard": _History.heard,
    "InformationShared": _History.information_shared, "ItemReleased": _History.item_released,
    "ActionAgreed": _History.action_agreed, "ActionNoted": _History.action_noted,
    "ActionEscalated": _History.action_escalated, "Closed": _History.closed,
    "ClosureAcknowledged": _History.closure_acknowledged,
    "AccessGranted": _History.access_granted, "AccessRevoked": _History.access_revoked,
    "Restricted": _History.restricted, "RestrictionKept": _History.restriction_kept,
    "RestrictionLifted": _History.restriction_lifted,
    "PersonExcluded": _History.person_excluded, "ExclusionRemoved": _History.exclusion_removed,
    "BreakGlassOpened": _History.break_glass_opened, "ReferredOnward": _History.referred_onward,
    "SocialCareRecorded": _History.social_care_recorded, "Allocated": _History.allocated,
    "StepCompleted": _History.step_completed, "NeedsRecorded": _History.needs_recorded,
    "ContactRecorded": _History.contact_recorded, "PlanAgreed": _History.plan_agreed,
    "Reviewed": _History.reviewed, "FeedbackRecorded": _History.feedback_recorded,
}


def case_history(events: Iterable[Any]) -> list[HistoryEntry]:
    """A case's entries from its events, in the order recorded."""
    history = _History()
    for event in events:
        handle = _CASE_EVENTS.get(type(event).__name__)
        if handle is not None:
            handle(history, event)
    return history.entries


def listing_history(case_id: UUID, meeting_events: Iterable[Any]) -> list[HistoryEntry]:
    """The case's listings on one meeting's agenda and removals from it, from the meeting's
    events (the meeting's day as it stood then)."""
    entries: list[HistoryEntry] = []
    held_on: date | None = None
    for e in meeting_events:
        name = type(e).__name__
        if name in ("Scheduled", "Rescheduled"):
            held_on = e.held_on
        elif name == "CaseListed" and e.item.case_id == case_id:
            entries.append(HistoryEntry(e.timestamp, e.timestamp, "listed",
                                        f"Listed for the meeting of {held_on}", CASE,
                                        meeting_id=e.originator_id))
        elif name == "CaseRemoved" and e.case_id == case_id:
            entries.append(HistoryEntry(e.timestamp, e.timestamp, "removed_from_agenda",
                                        f"Removed from the agenda of the meeting of {held_on}",
                                        CASE, meeting_id=e.originator_id))
    return entries
