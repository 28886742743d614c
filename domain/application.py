"""The Marac application: command methods over areas, agencies and cases.

Persistence and encryption are chosen by the composition root (environment and an injected
mapper factory), never imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    JSONTranscoder,
    Mapper,
    Recording,
    Transcoder,
)
from eventsourcing.utils import EnvType

from domain.access import (
    MAX_BREAK_GLASS_MINUTES,
    AccessGrant,
    Audience,
    BreakGlass,
    SharedItem,
)
from domain.actions import ActionDisposal, ActionNote, SmartAction
from domain.agency import Agency
from domain.area import Area, AreaSettings
from domain.case import Case, Decision, Referral, ResearchRequest
from domain.consent import Consent
from domain.criteria import CriteriaClaimed, CriteriaEvaluation, referral_criteria_met
from domain.exceptions import (
    AgencyNotFound,
    AlreadyExists,
    AreaNotFound,
    CaseErased,
    CaseNotFound,
)
from domain.marrac import (
    Allocation,
    Feedback,
    MeContact,
    MeNeeds,
    PlanAgreed,
    Review,
    StepCompleted,
)
from domain.meeting import (
    AgendaItem,
    Attendance,
    Hearing,
    InvalidMeetingChange,
    Meeting,
    MeetingAlreadyHeld,
    Risk,
)
from domain.partnership import (
    AgencySpec,
    AreaSpec,
    PartnershipChanges,
    bring_agency,
    bring_area,
)
from domain.ports import IdentifierIndex, NoIndex
from domain.repeat_strength import strength
from domain.repeats import is_repeat
from domain.risk import Answer, RiskAssessment
from domain.safeguarding import OnwardReferral, SocialCare
from domain.subject_access import InvalidSubjectAccessRequest, SubjectAccessRequest
from domain.subjects import Subject
from domain.values import DateAsISO, dataclass_transcoding

T = TypeVar("T")
MapperFactory = Callable[[Transcoder], Mapper[UUID]]
RecorderFactory = Callable[[], ApplicationRecorder]
VALUE_TYPES = (AreaSettings, Subject, Answer, RiskAssessment, CriteriaClaimed, Consent,
               Referral, Decision, Audience, AccessGrant, BreakGlass, SharedItem, SmartAction,
               ActionNote, AgendaItem, Attendance, ResearchRequest, Risk, Hearing,
               Allocation, StepCompleted, MeNeeds, MeContact, PlanAgreed, Review, Feedback,
               OnwardReferral, SocialCare, ActionDisposal)


def utc_now() -> datetime:
    return datetime.now(UTC)


# Run once a command has succeeded in memory and just before its events are saved: the caller's
# way to write its audit record between the two, so that a command the domain refuses is never
# recorded as allowed, and a write whose record fails is never saved. Per call (a context
# variable), so that concurrent requests' hooks never meet; the domain only calls it.
_BEFORE_SAVE: ContextVar[tuple[Callable[[], None], Callable[[], None]] | None] = ContextVar(
    "before_save", default=None)


@contextmanager
def before_save(hook: Callable[[], None],
                saved: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Within the block, every save first calls `hook`; if it raises, nothing is saved. Once
    a save has committed, `saved` is called: a save that fails after its hook is how the caller
    tells an allowed write that happened from one that did not."""
    token = _BEFORE_SAVE.set((hook, saved))
    try:
        yield
    finally:
        _BEFORE_SAVE.reset(token)


@dataclass(frozen=True)
class PossibleRepeat:
    case_id: UUID
    # The match-key kinds the victims share (domain/match_keys.py).
    matched_on: tuple[str, ...]
    status: str
    last_referral_on: date
    within_window: bool
    # How strongly the victims look like one person, and why (domain/repeat_strength.py).
    strength: int = 0
    reason: str = ""
    strong: bool = False


class Marac(Application[UUID]):
    name = "marac"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        mapper_factory: MapperFactory | None = None,
        recorder_factory: RecorderFactory | None = None,
        identifier_index: IdentifierIndex | None = None,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._mapper_factory = mapper_factory
        self._recorder_factory = recorder_factory
        self.identifier_index: IdentifierIndex = identifier_index or NoIndex()
        self.today = today
        self.now = now
        super().__init__(env)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        hooks = _BEFORE_SAVE.get()
        if hooks is None:
            return super().save(*objs, **kwargs)
        hooks[0]()
        recordings = super().save(*objs, **kwargs)
        hooks[1]()
        return recordings

    def construct_mapper(self) -> Mapper[UUID]:
        if self._mapper_factory is None:
            return super().construct_mapper()
        return self._mapper_factory(self.construct_transcoder())

    def construct_recorder(self) -> ApplicationRecorder:
        # A recorder that needs more than the environment can say (an in-memory one that
        # keeps its keys in a database object); else the one the environment names.
        if self._recorder_factory is None:
            return super().construct_recorder()
        return self._recorder_factory()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for cls in VALUE_TYPES:
            transcoder.register(dataclass_transcoding(cls))

    # Areas and agencies ---------------------------------------------------------------------

    def create_area(self, code: str, name: str, settings: AreaSettings | None = None) -> UUID:
        if Area.create_id(code) in self.repository:
            raise AlreadyExists(f"area code {code!r} is taken")
        area = Area.create(code, name, settings or AreaSettings())
        self.save(area)
        return area.id

    def change_area_settings(self, area_id: UUID, settings: AreaSettings) -> None:
        area = self.get_area(area_id)
        area.change_settings(settings)
        self.save(area)

    def change_area(self, area_id: UUID, *, name: str | None = None,
                    settings: AreaSettings | None = None) -> bool:
        """Only what differs becomes an event; False when nothing did (nothing is saved)."""
        area = self.get_area(area_id)
        if name is not None:
            area.rename(name)
        if settings is not None and settings != area.settings:
            area.change_settings(settings)
        return self._save_if_changed(area)

    def get_area(self, area_id: UUID) -> Area:
        return self._load(area_id, Area, AreaNotFound)

    def register_agency(
        self, area_id: UUID, code: str, name: str, agency_type: str, *, core: bool,
        spoc_email: str | None = None,
    ) -> UUID:
        self.get_area(area_id)
        if Agency.create_id(area_id, code) in self.repository:
            raise AlreadyExists(f"agency code {code!r} is taken in this area")
        agency = Agency.register(area_id, code, name, agency_type, core, spoc_email=spoc_email)
        self.save(agency)
        return agency.id

    def change_agency(self, agency_id: UUID, *, name: str | None = None,
                      agency_type: str | None = None, core: bool | None = None,
                      spoc_email: str | None = None, clear_spoc: bool = False) -> bool:
        """Only what differs becomes an event; False when nothing did (nothing is saved).
        `clear_spoc`: the agency no longer has a single point of contact."""
        agency = self.get_agency(agency_id)
        if name is not None:
            agency.rename(name)
        if agency_type is not None or core is not None:
            agency.reclassify(agency_type or agency.agency_type,
                              agency.core if core is None else core)
        if clear_spoc or spoc_email is not None:
            agency.change_contact(None if clear_spoc else spoc_email)
        return self._save_if_changed(agency)

    def partnership_changes(self, areas: Sequence[AreaSpec],
                            agencies: Sequence[AgencySpec]) -> PartnershipChanges:
        """What it takes to bring the recorded areas and agencies to these (those recorded but
        not described are left as they are). Nothing is saved: `save(*changes.aggregates)`
        saves them all in one transaction, so that a partnership is never half set up."""
        loaded: dict[str, Area] = {}
        aggregates: list[Area | Agency] = []
        labels: list[str] = []
        for spec in areas:
            existing = self._find(Area.create_id(spec.code), Area)
            area, verbs = bring_area(existing, spec)
            loaded[area.code] = area
            if verbs:
                aggregates.append(area)
                labels += [f"area:{area.code} {verb}" for verb in verbs]
        for agency_spec in agencies:
            area = (loaded.get(agency_spec.area_code)
                    or self.get_area(Area.create_id(agency_spec.area_code)))
            existing_agency = self._find(Agency.create_id(area.id, agency_spec.code), Agency)
            agency, verbs = bring_agency(existing_agency, area, agency_spec)
            if verbs:
                aggregates.append(agency)
                labels += [f"agency:{area.code}/{agency.code} {verb}" for verb in verbs]
        return PartnershipChanges(tuple(aggregates), tuple(labels))

    def _find(self, aggregate_id: UUID, cls: type[T]) -> T | None:
        try:
            return self._load(aggregate_id, cls, LookupError)
        except LookupError:
            return None

    def _save_if_changed(self, aggregate: Area | Agency) -> bool:
        if not aggregate.pending_events:
            return False
        self.save(aggregate)
        return True

    def get_agency(self, agency_id: UUID) -> Agency:
        return self._load(agency_id, Agency, AgencyNotFound)

    # Referral and threshold ------------------------------------------------------------------

    def refer(self, referral: Referral, case_id: UUID | None = None) -> UUID:
        """`case_id`: given by a caller that must record the case's id before it exists."""
        area = self.get_area(referral.area_id)
        agency = self.get_agency(referral.referring_agency_id)
        if agency.area_id != referral.area_id:
            raise AgencyNotFound(f"agency {agency.id} is not in area {referral.area_id}")
        case = Case.refer(referral, case_id,
                          restrict_hba=area.settings.restrict_hba_at_referral, at=self.now())
        # Index before saving: a failed save leaves an entry pointing nowhere (ignored on
        # lookup), whereas the other order could leave a case that no repeat search finds.
        self.identifier_index.record(case.area_id, case.id, case.subjects.values())
        self.save(case)
        return case.id

    def get_case(self, case_id: UUID) -> Case:
        return self._load(case_id, Case, CaseNotFound)

    def evaluate_threshold(self, case_id: UUID) -> CriteriaEvaluation:
        case = self.get_case(case_id)
        return self._evaluate(case)

    def _evaluate(self, case: Case) -> CriteriaEvaluation:
        settings = self.get_area(case.area_id).settings
        return referral_criteria_met(case.risk_assessment, case.referral.criteria, settings)

    def accept(self, case_id: UUID, by: str) -> None:
        case = self.get_case(case_id)
        case.accept(by, self.today(), self._evaluate(case))
        self.save(case)

    def decline(self, case_id: UUID, by: str, reason: str) -> None:
        case = self.get_case(case_id)
        case.decline(by, self.today(), reason, self._evaluate(case))
        self.save(case)

    def link_as_repeat(self, case_id: UUID, existing_case_id: UUID, by: str) -> None:
        case, existing = self.get_case(case_id), self.get_case(existing_case_id)
        window = self.get_area(case.area_id).settings.repeat_window_months
        case.link_as_repeat_of(existing, by, self.today(), window)
        self.save(case, existing)

    def reindex_identifiers(self, case_id: UUID) -> bool:
        """Re-record a case's entries in the identifier index from the case itself, under
        this release's keys (after an upgrade that adds kinds of key); False, with any
        entry left by a save that failed dropped, when there is no such case."""
        try:
            case = self.get_case(case_id)
        except CaseNotFound:
            self.identifier_index.forget(case_id)
            return False
        except CaseErased:
            return False  # its entries were dropped when it was erased
        self.identifier_index.record(case.area_id, case.id, case.subjects.values())
        return True

    def possible_repeats(self, case_id: UUID) -> list[PossibleRepeat]:
        """Earlier cases in the area whose victim is likely enough the same person as this
        one's (`repeat_strength.SUGGEST_AT`), strongest first, then the latest referred."""
        case = self.get_case(case_id)
        window = self.get_area(case.area_id).settings.repeat_window_months
        found: dict[UUID, PossibleRepeat] = {}
        for other_id, evidence in self.identifier_index.repeat_evidence(
            case.area_id, case.victim, exclude=case.id
        ).items():
            judged = strength(evidence)
            if not judged.suggested:
                continue
            try:
                other = self.get_case(other_id)
            except (CaseNotFound, CaseErased):
                continue  # an index entry whose save failed, or an erased case
            if other.repeat_of is not None:  # a linked repeat stands for its case
                other = self.get_case(other.repeat_of)
            previous = found.get(other.id)
            if previous is not None and previous.strength >= judged.points:
                continue  # the case's strongest evidence (of it or a repeat linked to it)
            found[other.id] = PossibleRepeat(
                case_id=other.id,
                matched_on=tuple(sorted(evidence.shared)),
                status=other.status,
                last_referral_on=other.last_referral_on,
                within_window=is_repeat(
                    other.last_referral_on, case.referral.referred_on, window
                ),
                strength=judged.points,
                reason=judged.reason,
                strong=judged.label == "strong",
            )
        return sorted(found.values(), key=lambda p: (-p.strength, -p.last_referral_on.toordinal(),
                                                     str(p.case_id)))

    def agree_action(self, case_id: UUID, *, owner_agency: UUID, description: str,
                     for_whom: str, due_on: date, by: str,
                     meeting_id: UUID | None = None) -> UUID:
        case = self.get_case(case_id)
        owner = self.get_agency(owner_agency)
        if owner.area_id != case.area_id:
            raise AgencyNotFound(f"agency {owner_agency} is not in the case's area")
        if meeting_id is not None:
            self._heard_at(meeting_id, case)
        action = SmartAction(uuid4(), owner_agency, description, for_whom,  # type: ignore[arg-type]
                             due_on, by, self.today(), meeting_id)
        case.agree_action(action)
        self.save(case)
        return action.action_id

    def update_action(self, case_id: UUID, action_id: UUID, *, note: str, by: str,
                      outcome: str | None = None) -> None:
        case = self.get_case(case_id)
        case.update_action(ActionNote(action_id, note, by, self.today(),
                                      outcome))  # type: ignore[arg-type]
        self.save(case)

    def escalate_action(self, case_id: UUID, action_id: UUID, *, by: str) -> None:
        case = self.get_case(case_id)
        case.escalate_action(action_id, by, self.today())
        self.save(case)

    def schedule_meeting(self, area_id: UUID, kind: str, held_on: date, *, by: str,
                         members: tuple[str, ...] = ()) -> UUID:
        self.get_area(area_id)
        meeting = Meeting.schedule(area_id, kind, held_on, by, members)
        self.save(meeting)
        return meeting.id

    def _meeting_day(self) -> date:
        """Today as the meeting rules see it: the day of `now`, as attendance and the
        minutes' distribution are timed, so that all of them follow one clock."""
        return self.now().date()

    def _heard_at(self, meeting_id: UUID, case: Case, *, cancelled_too: bool = False) -> Meeting:
        """The meeting, which must list the case and (unless `cancelled_too`) not have been
        cancelled: what is recorded against a hearing belongs to a case on its agenda."""
        meeting = self.get_meeting(meeting_id)
        if meeting.area_id != case.area_id or not meeting.lists(case.id):
            raise InvalidMeetingChange("that case is not on this meeting's agenda")
        if not cancelled_too:
            meeting.check_open()
        return meeting

    def request_research(self, meeting_id: UUID, case_id: UUID, *, agencies: set[UUID],
                         due_on: date, by: str) -> None:
        case = self.get_case(case_id)
        self._heard_at(meeting_id, case)
        case.request_research(tuple(ResearchRequest(meeting_id, a, due_on, by)
                                    for a in sorted(agencies, key=str)), self.now())
        self.save(case)

    def record_hearing(self, meeting_id: UUID, case_id: UUID, *, risks: tuple[Risk, ...],
                       by: str) -> None:
        case = self.get_case(case_id)
        meeting = self._heard_at(meeting_id, case)
        meeting.check_recordable_on(self._meeting_day())
        case.record_hearing(Hearing(meeting_id, meeting.held_on, risks, by))
        self.save(case)

    def distribute_minutes(self, meeting_id: UUID, *, by: str) -> None:
        meeting = self.get_meeting(meeting_id)
        meeting.distribute_minutes(by, self.now())
        self.save(meeting)

    def acknowledge_minutes(self, meeting_id: UUID, agency_id: UUID, *, by: str) -> None:
        meeting = self.get_meeting(meeting_id)
        meeting.acknowledge_minutes(agency_id, by, self.now())
        self.save(meeting)

    def release(self, case_id: UUID, item_id: UUID, *, audience: Audience, by: str) -> None:
        case = self.get_case(case_id)
        case.release(item_id, audience, by, self.now())
        self.save(case)

    def get_meeting(self, meeting_id: UUID) -> Meeting:
        return self._load(meeting_id, Meeting, CaseNotFound)

    def list_on_agenda(self, meeting_id: UUID, case_id: UUID, *, invite: set[UUID],
                       by: str) -> None:
        """List a case for a hearing and invite agencies to it, in one save."""
        meeting, case = self.get_meeting(meeting_id), self.get_case(case_id)
        if meeting.area_id != case.area_id:
            raise CaseNotFound(f"case {case_id} not found")
        case.check_not_withdrawn()  # it left the agendas when withdrawn: it is not listed again
        settings = self.get_area(case.area_id).settings
        meeting.list_case(AgendaItem(case.id, case.has_children, case.honour_based_abuse, by),
                          settings)
        self._invite(meeting, case, invite, by)
        # The case first: its invitations and restriction precede the listing in the log, so
        # whoever hears of the listing is judged on the case as the listing left it.
        self.save(case, meeting)

    def _invite(self, meeting: Meeting, case: Case, invite: set[UUID], by: str) -> None:
        """The agencies invited to a listed case's hearing gain access to the case (in a
        closed hearing, as advisers on that case alone)."""
        for agency_id in sorted(invite, key=str):
            if self.get_agency(agency_id).area_id != case.area_id:
                raise AgencyNotFound(f"agency {agency_id} is not in the case's area")
            case.invite(agency_id, meeting.id, by)
        if meeting.closed:
            # A closed hearing's case is seen by its named members, and by the agencies
            # invited to advise on this case alone; everyone else loses sight of it.
            case.restrict(case.named_members | set(meeting.members),
                          case.member_agencies | invite,
                          "heard in a closed harmful-practices hearing", by, self.now())

    def invite_to_hearing(self, meeting_id: UUID, case_id: UUID, *, invite: set[UUID],
                          by: str) -> None:
        """Invite more agencies to a case already on the agenda: as listing with them would."""
        case = self.get_case(case_id)
        meeting = self._heard_at(meeting_id, case)
        self._invite(meeting, case, invite, by)
        self.save(case)

    def reschedule_meeting(self, meeting_id: UUID, held_on: date, *, reason: str,
                           by: str) -> None:
        meeting = self.get_meeting(meeting_id)
        meeting.reschedule(held_on, reason, by, self._meeting_day())
        self.save(meeting)

    def cancel_meeting(self, meeting_id: UUID, *, reason: str, by: str) -> None:
        meeting = self.get_meeting(meeting_id)
        meeting.cancel(reason, by, self._meeting_day())
        self.save(meeting)

    def reorder_agenda(self, meeting_id: UUID, order: list[UUID], *, by: str) -> None:
        """`order`: the cases the caller sees, in the order they are to be heard."""
        meeting = self.get_meeting(meeting_id)
        meeting.reorder(order, self.get_area(meeting.area_id).settings, by)
        self.save(meeting)

    def remove_from_agenda(self, meeting_id: UUID, case_id: UUID, *, reason: str,
                           by: str) -> None:
        case = self.get_case(case_id)
        meeting = self._heard_at(meeting_id, case)
        if meeting_id in case.hearings:
            raise MeetingAlreadyHeld("the case was heard at this meeting")
        meeting.remove_case(case_id, reason, by)
        self.save(meeting)

    def record_attendance(self, meeting_id: UUID, *, person: str, agency_id: UUID | None,
                          acknowledged_confidentiality: bool, statement_version: int) -> None:
        """`statement_version`: the version of the area's confidentiality statement the
        attendee acknowledged (only the one in force is)."""
        meeting = self.get_meeting(meeting_id)
        statement = self.get_area(meeting.area_id).confidentiality_statement
        meeting.record_attendance(Attendance(person, agency_id, acknowledged_confidentiality,
                                             self.now(), statement_version), statement)
        self.save(meeting)

    def acknowledge_closure(self, case_id: UUID, agency_id: UUID, *, by: str) -> None:
        case = self.get_case(case_id)
        case.acknowledge_closure(agency_id, by, self.now())
        self.save(case)

    def close_case(self, case_id: UUID, *, by: str, reason: str,
                   inform: Collection[UUID], disposals: Collection[ActionDisposal] = ()) -> None:
        """`inform`: the agencies that may see the case, which the caller asked the policy.
        `disposals`: what becomes of each open action; an agency carrying one on is the
        case's area's."""
        case = self.get_case(case_id)
        self._check_carried_within_area(case, disposals)
        case.close(reason, by, self.today(), self.now(), inform, disposals=disposals)
        self.save(case)

    def _check_carried_within_area(self, case: Case, disposals: Collection[ActionDisposal]
                                   ) -> None:
        """An agency carrying an open action on is the case's area's."""
        for d in disposals:
            if d.carried_to is not None and self.get_agency(d.carried_to).area_id != case.area_id:
                raise AgencyNotFound(f"agency {d.carried_to} is not in the case's area")

    def receive_subject_access_request(self, area_id: UUID, subject: Subject, by: str, *,
                                       received_on: date | None = None,
                                       identity_verified_how: str = "") -> UUID:
        """`received_on`: the day the request reached the partnership (today if not given:
        the month to answer runs from it); `identity_verified_how`: how the requester's
        identity was checked, where it was before the request was recorded."""
        today = self.today()
        if received_on is not None and received_on > today:
            raise InvalidSubjectAccessRequest("a request cannot be received in the future")
        request = SubjectAccessRequest.receive(area_id, subject, received_on or today, by)
        if identity_verified_how.strip():
            request.verify_identity(identity_verified_how, today, by)
        self.save(request)
        return request.id

    def subject_access_request(self, request_id: UUID) -> SubjectAccessRequest:
        """The request; LookupError if there is none (CaseErased once its key is gone)."""
        return self._load(request_id, SubjectAccessRequest, LookupError)

    def change_subject_access_request(self, request_id: UUID,
                                      change: Callable[[SubjectAccessRequest], None]) -> None:
        """One step of the request's workflow (its methods say what), saved."""
        request = self.subject_access_request(request_id)
        change(request)
        self.save(request)

    def record_disclosure(self, request_id: UUID, case_ids: tuple[UUID, ...], items: int,
                          by: str) -> None:
        request: SubjectAccessRequest = self.repository.get(request_id)
        request.record_disclosure(case_ids, items, self.today(), by)
        self.save(request)

    def areas(self) -> list[Area]:
        """Every area, from the log (configuration is small)."""
        return [self.get_area(i) for i in self._originators("domain.area:Area.Created")]

    def agencies(self) -> list[Agency]:
        return [self.get_agency(i) for i in self._originators("domain.agency:Agency.Registered")]

    def _originators(self, topic: str) -> list[UUID]:
        found, start = [], None
        while True:
            batch = self.recorder.select_notifications(start=start, limit=500, topics=[topic],
                                                       inclusive_of_start=False)
            found += [n.originator_id if isinstance(n.originator_id, UUID)
                      else UUID(n.originator_id) for n in batch]
            if len(batch) < 500:
                return found
            start = batch[-1].id

    # MARRAC (coordinator-led areas) ---------------------------------------------------------

    def allocate(self, case_id: UUID, coordinator: str, *, by: str) -> None:
        case = self.get_case(case_id)
        model = self.get_area(case.area_id).settings.model
        case.allocate(Allocation(coordinator, by, self.now()), model)
        self.save(case)

    # `at`: when it happened, given by the co-ordinator (now if not given); the case checks
    # its bounds against now.

    def complete_step(self, case_id: UUID, step: str, *, by: str,
                      at: datetime | None = None) -> None:
        case = self.get_case(case_id)
        now = self.now()
        case.complete_step(StepCompleted(step, by, at or now), now)  # type: ignore[arg-type]
        self.save(case)

    def complete_case(self, case_id: UUID, *, by: str, reason: str, inform: Collection[UUID],
                      at: datetime | None = None,
                      disposals: Collection[ActionDisposal] = ()) -> None:
        """The fourth step and the closure; `inform` and `disposals`: as for `close_case`."""
        case = self.get_case(case_id)
        self._check_carried_within_area(case, disposals)
        now = self.now()
        case.complete_case(StepCompleted("complete_case", by, at or now), reason, now, inform,
                           disposals=disposals)
        self.save(case)

    def record_needs(self, case_id: UUID, me: str, needs: str, *, by: str,
                     child: UUID | None = None) -> None:
        case = self.get_case(case_id)
        case.record_needs(MeNeeds(me, needs, by, self.now(), child))  # type: ignore[arg-type]
        self.save(case)

    def record_contact(self, case_id: UUID, me: str, minutes: int, *, by: str,
                       at: datetime | None = None, child: UUID | None = None) -> UUID:
        case = self.get_case(case_id)
        now = self.now()
        contact = MeContact(uuid4(), me, minutes, at or now, by, child)  # type: ignore[arg-type]
        case.record_contact(contact, now)
        self.save(case)
        return contact.contact_id

    def agree_plan(self, case_id: UUID, *, by: str, at: datetime | None = None) -> None:
        case = self.get_case(case_id)
        now = self.now()
        case.agree_plan(PlanAgreed(by, at or now), now)
        self.save(case)

    def review_plan(self, case_id: UUID, *, by: str, still_meets_purpose: bool,
                    outcome: str, at: datetime | None = None) -> None:
        case = self.get_case(case_id)
        now = self.now()
        case.review(Review(by, at or now, still_meets_purpose, outcome),  # type: ignore[arg-type]
                    now)
        self.save(case)

    def record_told(self, case_id: UUID, agency_id: UUID, *, by: str,
                    at: datetime | None = None) -> None:
        case = self.get_case(case_id)
        now = self.now()
        case.record_told(agency_id, by, at or now, now)
        self.save(case)

    def record_feedback(self, case_id: UUID, text: str, *, by: str, me: str | None = None,
                        child: UUID | None = None, agency_id: UUID | None = None,
                        at: datetime | None = None) -> UUID:
        case = self.get_case(case_id)
        now = self.now()
        feedback = Feedback(uuid4(), text, by, at or now, me, child,  # type: ignore[arg-type]
                            agency_id)
        case.record_feedback(feedback, now)
        self.save(case)
        return feedback.feedback_id

    # Other safeguarding arrangements -------------------------------------------------------

    def refer_onward(self, case_id: UUID, to: str, *, on: date, by: str) -> None:
        case = self.get_case(case_id)
        case.refer_onward(OnwardReferral(to, on, by))  # type: ignore[arg-type]
        self.save(case)

    def record_social_care(self, case_id: UUID, *, childrens: bool, adult: bool,
                           by: str) -> None:
        case = self.get_case(case_id)
        case.record_social_care(SocialCare(childrens, adult, self.today(), by))
        self.save(case)

    # Corrections --------------------------------------------------------------------------

    def correct_subject(
        self, case_id: UUID, subject_id: UUID, changes: dict[str, Any], by: str, reason: str,
    ) -> None:
        case = self.get_case(case_id)
        case.correct_subject(subject_id, changes, by, reason)
        # The blind index follows the corrected identifiers: found by the new, not the old.
        self.identifier_index.record(case.area_id, case.id, case.subjects.values())
        self.save(case)

    def correct_risk_assessment(self, case_id: UUID, assessment: RiskAssessment, by: str,
                                reason: str) -> None:
        case = self.get_case(case_id)
        met = self._met_if_decided(case, assessment, case.referral.criteria)
        case.correct_risk_assessment(assessment, by, reason, met)
        self.save(case)

    def correct_criteria(self, case_id: UUID, criteria: CriteriaClaimed, *, by: str,
                         reason: str) -> None:
        case = self.get_case(case_id)
        met = self._met_if_decided(case, case.risk_assessment, criteria)
        case.correct_criteria(criteria, by, reason, met)
        self.save(case)

    def _met_if_decided(self, case: Case, assessment: RiskAssessment,
                        criteria: CriteriaClaimed) -> tuple[str, ...] | None:
        """The criteria the corrected facts meet, for a case whose decision found some."""
        if case.decision is None or case.decision.outcome == "linked_as_repeat":
            return None
        settings = self.get_area(case.area_id).settings
        return referral_criteria_met(assessment, criteria, settings).met

    def withdraw(self, case_id: UUID, *, by: str, reason: str,
                 listed_on: Collection[UUID] = ()) -> None:
        """`listed_on`: the meetings whose agendas list the case (the caller's read model
        knows them); it leaves those still to come, in the same save as the withdrawal."""
        case = self.get_case(case_id)
        case.withdraw(reason, by, self.today())
        day = self._meeting_day()
        meetings = [self.get_meeting(m) for m in sorted(set(listed_on), key=str)]
        left = [m for m in meetings
                if m.area_id == case.area_id and m.drop_withdrawn_case(case_id, by, day)]
        self.save(case, *left)

    # Access management ------------------------------------------------------------------------

    def grant_access(
        self,
        case_id: UUID,
        *,
        by: str,
        reason: str,
        agency_id: UUID | None = None,
        person: str | None = None,
        expires_at: datetime | None = None,
    ) -> UUID:
        case = self.get_case(case_id)
        if agency_id is not None:
            self._check_in_area(agency_id, case)
        grant_id = uuid4()
        case.grant_access(grant_id, agency_id=agency_id, person=person, reason=reason,
                          expires_at=expires_at, by=by, at=self.now())
        self.save(case)
        return grant_id

    def revoke_access(self, case_id: UUID, grant_id: UUID, *, by: str, reason: str) -> None:
        case = self.get_case(case_id)
        case.revoke_access(grant_id, reason, by, self.now())
        self.save(case)

    def restrict(
        self,
        case_id: UUID,
        *,
        by: str,
        reason: str,
        members: set[str],
        member_agencies: set[UUID] | None = None,
    ) -> None:
        case = self.get_case(case_id)
        for agency_id in sorted(member_agencies or (), key=str):
            self._check_in_area(agency_id, case)
        case.restrict(members, member_agencies or set(), reason, by, self.now())
        self.save(case)

    def _check_in_area(self, agency_id: UUID, case: Case) -> None:
        """An agency given access to a case is one of its area's (as an action's owner and
        a hearing's invitee are): an unknown one, or another area's, is not found."""
        if self.get_agency(agency_id).area_id != case.area_id:
            raise AgencyNotFound(f"agency {agency_id} is not in the case's area")

    def review_restriction(self, case_id: UUID, *, decision: str, reason: str,
                           by: str) -> None:
        case = self.get_case(case_id)
        case.review_restriction(decision, reason, by, self.now())
        self.save(case)

    def exclude(self, case_id: UUID, person: str, *, by: str, reason: str) -> None:
        case = self.get_case(case_id)
        case.exclude(person, reason, by, self.now())
        self.save(case)

    def readmit(self, case_id: UUID, person: str, *, by: str) -> None:
        case = self.get_case(case_id)
        case.readmit(person, by, self.now())
        self.save(case)

    def open_break_glass(
        self, case_id: UUID, *, person: str, agency_id: UUID, reason: str,
        minutes: int = MAX_BREAK_GLASS_MINUTES,
    ) -> datetime:
        case = self.get_case(case_id)
        case.open_break_glass(person, agency_id, reason, self.now(), minutes)
        self.save(case)
        return case.break_glass[-1].expires_at

    def share(
        self,
        case_id: UUID,
        *,
        kind: str,
        text: str,
        audience: Audience,
        author: str,
        author_agency: UUID,
        for_agency: bool,
        meeting_id: UUID | None = None,
    ) -> UUID:
        case = self.get_case(case_id)
        if meeting_id is not None:
            # What an agency found for a meeting that was then cancelled is still the case's
            # information: it is shared, not refused (the case is listed on another meeting).
            self._heard_at(meeting_id, case, cancelled_too=True)
        item = SharedItem(uuid4(), kind, text, audience, author, author_agency, self.now(),
                          meeting_id, for_agency)
        case.share(item)
        self.save(case)
        return item.item_id

    # ------------------------------------------------------------------------------------------

    def _load(self, aggregate_id: UUID, cls: type[T], missing: type[Exception]) -> T:
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing(f"{cls.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, cls):
            raise missing(f"{cls.__name__.lower()} {aggregate_id} not found")
        return aggregate
