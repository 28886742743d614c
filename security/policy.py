"""The need-to-know access policy: the one place where access to case data is decided.

Decisions are made on every request from the current event-derived state (`CaseAccess`, read
from the case index), and never cached past the request. The rules, in order (DESIGN.md):
1. exclusion wins; 2. a restricted case exists only for its members; 3. coordinators and chairs
of the area see all of a non-restricted case; 4. representatives see cases their agency is
involved in or they hold a personal grant for, item by item by audience; 5. break-glass, for
at most `domain.access.MAX_BREAK_GLASS_MINUTES`, never on a restricted case; 6. DPOs and
administrators see no case content; 7. integrations act for their agency, never more than its
representatives; 8. grants expire and revocations apply on the next request. A system principal
(the worker's jobs, a command-line operator) is granted nothing: roles are a person's. A
referral withdrawn as entered in error keeps only the facts of rules 2 and 3 (`standing_access`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from domain.access import Audience
from security.case_filter import CaseFilter, Fact, Way
from security.identity import Principal, Role

COORDINATOR_ROLES = ("coordinator", "chair", "team_leader", "case_coordinator")
READ_SCOPE = "cases:read"
WRITE_SCOPE = "cases:write"

Basis = Literal["coordinator", "member", "agency", "personal_grant", "break_glass"]


@dataclass(frozen=True)
class Viewer:
    """A principal with `ref`, the keyed digest of their subject that read models store."""

    principal: Principal
    ref: str


@dataclass(frozen=True)
class CaseAccess:
    case_id: UUID
    area_id: UUID
    involved_agencies: frozenset[UUID] = frozenset()
    agency_grants: tuple[tuple[UUID, datetime | None], ...] = ()
    person_grants: tuple[tuple[str, datetime | None], ...] = ()
    restricted: bool = False
    # Restricted at referral ('honour'-based abuse) and no members named yet: the area's
    # coordinators and chairs see it too.
    restriction_provisional: bool = False
    members: frozenset[str] = frozenset()
    member_agencies: frozenset[UUID] = frozenset()
    excluded: frozenset[str] = frozenset()
    break_glass: tuple[tuple[str, datetime, datetime], ...] = ()
    # A MARRAC case's current case co-ordinator (a keyed digest), if allocated.
    allocated_to: frozenset[str] = frozenset()
    referring_agency_id: UUID | None = None
    # Withdrawn as entered in error: see `standing_access`.
    withdrawn: bool = False


def standing_access(access: CaseAccess) -> CaseAccess:
    """The facts that still give sight of a case. A referral withdrawn as entered in error
    leaves everyone's view but its area's coordinators' (and, restricted, its named members'):
    the agencies involved, grants and break-glass sessions reach it no more. Both the
    single-case decision and the lists' facts (security/case_filter.py) read it through
    this."""
    if not access.withdrawn:
        return access
    return replace(access, involved_agencies=frozenset(), agency_grants=(), person_grants=(),
                   break_glass=(), member_agencies=frozenset())


@dataclass(frozen=True)
class Visibility:
    basis: Basis
    all_items: bool
    agency_id: UUID | None


def _active(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is None or now < expires_at


def is_coordinator_of(principal: Principal, area_id: UUID) -> bool:
    return (principal.kind == "person" and principal.area_id == area_id
            and principal.has_role(*COORDINATOR_ROLES))


def reads_case_content(principal: Principal) -> bool:
    """DPOs and administrators hold no content role: they get no case content by role."""
    if principal.kind == "integration":
        return principal.agency_id is not None and READ_SCOPE in principal.scopes
    # Roles are a person's: a system principal (a job, an operator) reads no case content.
    return principal.kind == "person" and principal.has_role("representative",
                                                             *COORDINATOR_ROLES)


def _acts_for_agency(principal: Principal) -> bool:
    if principal.kind == "integration":
        return principal.agency_id is not None and READ_SCOPE in principal.scopes
    return (principal.kind == "person" and principal.agency_id is not None
            and principal.has_role("representative"))


def case_visibility(  # noqa: PLR0911 - the rules read best as the ordered list they are
    viewer: Viewer, access: CaseAccess, now: datetime
) -> Visibility | None:
    """How the viewer may see the case, or None: then it answers as if it did not exist."""
    p = viewer.principal
    if not reads_case_content(p):
        return None
    access = standing_access(access)
    is_person = p.kind == "person"
    if is_person and viewer.ref in access.excluded:
        return None
    coordinator = is_coordinator_of(p, access.area_id)
    if access.restricted:
        if is_person and viewer.ref in access.members:
            return Visibility("member", all_items=coordinator, agency_id=p.agency_id)
        if access.restriction_provisional and coordinator:
            return Visibility("coordinator", all_items=True, agency_id=p.agency_id)
        if p.agency_id in access.member_agencies and (coordinator or _acts_for_agency(p)):
            return Visibility("member", all_items=False, agency_id=p.agency_id)
        return None
    if coordinator:
        return Visibility("coordinator", all_items=True, agency_id=p.agency_id)
    if not _acts_for_agency(p):
        return None
    agency = p.agency_id
    if agency in access.involved_agencies or any(
        a == agency and _active(expiry, now) for a, expiry in access.agency_grants
    ):
        return Visibility("agency", all_items=False, agency_id=agency)
    if is_person:
        if any(ref == viewer.ref and _active(expiry, now) for ref, expiry in access.person_grants):
            return Visibility("personal_grant", all_items=False, agency_id=agency)
        if any(ref == viewer.ref and opened <= now < expires
               for ref, opened, expires in access.break_glass):
            return Visibility("break_glass", all_items=False, agency_id=agency)
    return None


def list_filter(viewer: Viewer, now: datetime) -> CaseFilter:
    """`case_visibility` for every case at once, as facts a read model answers in one query:
    the same rules, rule by rule, so that lists, searches and their totals cost what the
    viewer may see. A break-glass session lists its case while it lasts, as `case_visibility`
    sees it. Change the two together: tests/integration/test_case_list_query.py and
    tests/unit/test_list_filter.py hold them to the same answer."""
    p = viewer.principal
    if not reads_case_content(p):
        return CaseFilter((), (), now)
    is_person, ref = p.kind == "person", viewer.ref
    area = str(p.area_id) if p.area_id is not None and is_coordinator_of(p, p.area_id) else None
    agency = str(p.agency_id) if p.agency_id is not None else None
    acting = _acts_for_agency(p)
    ways: list[Way] = []
    # 2. A restricted case: its named members; the area's coordinators until members are
    # named; its member agencies' representatives, and their coordinators in its area.
    if is_person:
        ways.append(Way((Fact("member", ref),), restricted=True))
    if area is not None:
        ways.append(Way((Fact("area", area),), restricted=True, provisional=True))
    if agency is not None and acting:
        ways.append(Way((Fact("member_agency", agency),), restricted=True))
    elif agency is not None and area is not None:
        ways.append(Way((Fact("member_agency", agency), Fact("area", area)), restricted=True))
    # 3. The area's coordinators and chairs: every other case of the area.
    if area is not None:
        ways.append(Way((Fact("area", area),), restricted=False))
    # 4, 5 and 8. Representatives: their agency involved or granted; a personal grant; a
    # break-glass session (grants and sessions only while they last).
    if acting and agency is not None:
        ways += [Way((Fact("involved_agency", agency),), restricted=False),
                 Way((Fact("agency_grant", agency),), restricted=False)]
        if is_person:
            ways += [Way((Fact("person_grant", ref),), restricted=False),
                     Way((Fact("break_glass", ref),), restricted=False)]
    # 1. Exclusion wins.
    unless = (Fact("excluded", ref),) if is_person else ()
    return CaseFilter(tuple(ways), unless, now)


@dataclass(frozen=True)
class ItemFacts:
    """What the policy needs of an item shared on a case."""

    audience: Audience
    author: str
    author_agency: UUID
    # Shared by a representative for their agency, not by a coordinator in that role.
    for_agency: bool


def shares_for_agency(visibility: Visibility) -> bool:
    """Whether what the viewer shares is their agency's: a representative's is; a
    coordinator's or chair's (who sees every item) is written in that role, and the agency
    that employs them is not thereby its audience."""
    return not visibility.all_items


def item_visible(  # noqa: PLR0911 - the rules read best as the ordered list they are
    viewer: Viewer, visibility: Visibility, item: ItemFacts
) -> bool:
    if visibility.all_items:
        return True
    if viewer.principal.kind == "person" and viewer.principal.subject == item.author:
        return True  # the author always sees their own item
    if item.for_agency and item.author_agency == visibility.agency_id:
        return True  # an agency always sees what its representatives shared for it
    audience = item.audience
    if audience.kind == "whole_case":
        return True
    if audience.kind == "agencies":
        return visibility.agency_id in audience.agencies
    if audience.kind == "authoring_agency":
        return visibility.agency_id == item.author_agency
    return False  # coordinators only


def may_read_audit(principal: Principal) -> bool:
    """Data protection officers query the audit trail (of their area); it holds no content."""
    return (principal.kind == "person" and principal.has_role("dpo")
            and principal.area_id is not None)


def may_handle_subject_access(principal: Principal, area_id: UUID | None = None) -> bool:
    """Subject access requests (UK GDPR art. 15) are the data protection officer's: the one
    role that reads case content through a recorded request (DESIGN rule 6), and only for
    their own area (`area_id`: the request's, where it is known)."""
    return may_read_audit(principal) and (area_id is None or principal.area_id == area_id)


def may_review_break_glass(viewer: Viewer, used_by: str, access: CaseAccess | None) -> bool:
    """A break-glass use is reviewed, and its reason and the review's note read (case content,
    the one piece a DPO reads outside subject access), by a data protection officer of the
    case's area; never by the person who used it (no one judges their own emergency), and not
    on a case they are excluded from (exclusion binds DPOs too). `access` is None once the
    case is erased: nothing of it is left to read, and its uses are still reviewed."""
    p = viewer.principal
    if not may_read_audit(p) or p.subject == used_by:
        return False
    return access is None or (access.area_id == p.area_id and not is_excluded(viewer, access))


def may_see_case_metadata(viewer: Viewer, access: CaseAccess) -> bool:
    """A case's metadata (its id and dates: when it closed, when it is erased, when its
    restriction is due review; never its content) for a data protection officer of its area,
    who answers for its lawful keeping; not on a case they are excluded from (exclusion binds
    DPOs too). A restricted case is not hidden from them: its id is in the trail they read."""
    p = viewer.principal
    return may_read_audit(p) and access.area_id == p.area_id and not is_excluded(viewer, access)


def may_read_processing_record(principal: Principal) -> bool:
    return principal.kind == "person" and principal.has_role("dpo", "administrator")


def may_refer(principal: Principal, area_id: UUID, agency_id: UUID) -> bool:
    if principal.agency_id != agency_id or principal.area_id != area_id:
        return False
    if principal.kind == "integration":
        return WRITE_SCOPE in principal.scopes
    return principal.kind == "person" and principal.has_role("representative",
                                                             *COORDINATOR_ROLES)


def may_coordinate(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """Threshold decisions, access management, possible repeats: the area's coordinators and
    chairs, on a case they can see (a restricted case: as a named member)."""
    visibility = case_visibility(viewer, access, now)
    return visibility is not None and visibility.all_items


def may_decide_thresholds(principal: Principal) -> bool:
    """Whose work the referrals awaiting a threshold decision are: the coordinators and chairs
    of the person's own area (each case's decision still asks `may_coordinate`)."""
    return principal.area_id is not None and is_coordinator_of(principal, principal.area_id)


def may_run_meetings(principal: Principal) -> bool:
    """Whose work the area's meetings are (the calendar, the agenda builder, every agency's
    research): the coordinators and chairs of the person's own area. A representative sees
    the meetings that concern their agency through their own work, not these pages."""
    return principal.area_id is not None and is_coordinator_of(principal, principal.area_id)


def may_review_cases(principal: Principal) -> bool:
    """Whose the area's case reviews are (open cases reaching the end of their repeat window,
    restrictions due their review): the coordinators and chairs of the person's own area.
    Each case listed still asks `may_coordinate`."""
    return principal.area_id is not None and is_coordinator_of(principal, principal.area_id)


def may_see_failed_notifications(principal: Principal) -> bool:
    """Whose the area's failed e-mail notifications are to act on: its coordinators and
    chairs (not its administrators, who set the addresses but read no case). Each is listed
    only if it is about a case or meeting they may see."""
    return principal.area_id is not None and is_coordinator_of(principal, principal.area_id)


def may_correct_referral(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """A referral's subjects, risk assessment and criteria are corrected by the staff of the
    agency that made it (who entered them), and by the area's coordinators and chairs; each
    on a case they may see."""
    visibility = case_visibility(viewer, access, now)
    if visibility is None or viewer.principal.kind != "person":
        return False
    return visibility.all_items or (
        access.referring_agency_id is not None
        and visibility.agency_id == access.referring_agency_id
        and viewer.principal.has_role("representative"))


def may_withdraw_referral(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """A referral entered in error is withdrawn by the area's coordinators, who see it after,
    as withdrawn."""
    return viewer.principal.kind == "person" and may_coordinate(viewer, access, now)


def may_share(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    visibility = case_visibility(viewer, access, now)
    return (visibility is not None and viewer.principal.kind == "person"
            and visibility.agency_id is not None)


def may_ask_break_glass(principal: Principal) -> bool:
    """Whether the person is one who may ask for emergency access at all: a representative
    acting for an agency. Whether a given case opens is `may_break_glass`'s answer."""
    p = principal
    return p.kind == "person" and p.has_role("representative") and p.agency_id is not None


def has_agency_work(principal: Principal) -> bool:
    """Whose work an agency's lists are (its cases on the next agendas, the research asked of
    it, the actions it owns, the closures it is to acknowledge): a person representing it.
    What each list holds is still each case's own decision."""
    p = principal
    return p.kind == "person" and p.has_role("representative") and p.agency_id is not None


def may_break_glass(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """A representative who cannot otherwise see a non-restricted case, and is not excluded."""
    p = viewer.principal
    return (may_ask_break_glass(p)
            and p.area_id == access.area_id  # the case's own partnership only
            and not access.restricted and viewer.ref not in access.excluded
            and case_visibility(viewer, access, now) is None)


def break_glass_ends(viewer: Viewer, access: CaseAccess, now: datetime) -> datetime | None:
    """When the viewer's sight of the case through break-glass ends (the latest end of their
    sessions open now); None when they see it otherwise, or not at all."""
    visibility = case_visibility(viewer, access, now)
    if visibility is None or visibility.basis != "break_glass":
        return None
    return max(expires for ref, opened, expires in standing_access(access).break_glass
               if ref == viewer.ref and opened <= now < expires)


def may_act_for(viewer: Viewer, access: CaseAccess, owner_agency: UUID,
                now: datetime) -> bool:
    """What an agency owns on a case (an action's progress and outcome, the release of its
    research) is done by that agency's staff, or by the coordinators."""
    visibility = case_visibility(viewer, access, now)
    if visibility is None or viewer.principal.kind != "person":
        return False
    return visibility.all_items or visibility.agency_id == owner_agency


def agencies_told_of_closure(access: CaseAccess, now: datetime,
                             carried_to: Collection[UUID] = ()) -> frozenset[UUID]:
    """The agencies told when the case closes: those whose representatives may see it as an
    agency (rules 2 and 4) as the closure leaves it. A restricted case's member agencies;
    otherwise the agencies involved and those holding an unexpired grant. `carried_to`: the
    agencies named to carry an open action on, which the closure makes involved (so each is
    told, unless the case is restricted to other agencies). An agency that may not see the
    case is not told, or its closure would wait for ever on an acknowledgement it can never
    make (a withdrawn referral's agencies among them)."""
    access = standing_access(replace(
        access, involved_agencies=access.involved_agencies | frozenset(carried_to)))
    if access.restricted:
        return access.member_agencies
    return access.involved_agencies | {
        agency for agency, expiry in access.agency_grants if _active(expiry, now)}


def sees_every_agency_told(visibility: Visibility) -> bool:
    """The agencies told of a closure are those holding access (grants, a restriction's member
    agencies), facts only those who see every item (the coordinators) see: anyone else sees
    their own agency's part of the closure."""
    return visibility.all_items


def sees_agency_part(visibility: Visibility, agency_id: UUID) -> bool:
    """An agency's own part in a case's coordination (invited to a hearing, asked for
    research, told of the closure) is seen by that agency; every agency's part, by those who
    see every agency told of a closure (`sees_every_agency_told`: the coordinators)."""
    return sees_every_agency_told(visibility) or visibility.agency_id == agency_id


def sees_case_management(visibility: Visibility) -> bool:
    """How a case is managed: its grants, restriction, exclusions and break-glass sessions;
    its onward referrals and social care; a MARRAC case's record (allocation, steps, needs,
    contacts, plan, reviews, feedback). For those who see every item (the coordinators), as
    the case view's access and safeguarding parts and the MARRAC summary are."""
    return visibility.all_items


def is_excluded(viewer: Viewer, access: CaseAccess) -> bool:
    """Exclusion binds everyone named, data protection officers included."""
    return viewer.principal.kind == "person" and viewer.ref in access.excluded


def may_see_meeting(viewer: Viewer, area_id: UUID, closed: bool, members: frozenset[str],
                    sees_a_listed_case: bool) -> bool:
    """A meeting exists for the content readers of its area. A closed hearing exists only for
    its named members and for those who may see a case it lists: for anyone else (an excluded
    employee above all) there is no such meeting, in any list, count or agenda."""
    p = viewer.principal
    if not reads_case_content(p) or p.area_id != area_id:
        return False
    if not closed:
        return True
    return (p.kind == "person" and viewer.ref in members) or sees_a_listed_case


def may_lead_marrac_team(principal: Principal) -> bool:
    """MARRAC: a team leader of an area (whose allocation board lists the cases they may
    allocate, each by `may_allocate`)."""
    p = principal
    return p.kind == "person" and p.has_role("team_leader") and p.area_id is not None


def may_run_meeting(principal: Principal, area_id: UUID) -> bool:
    """Running a meeting (recording who attended for which agency, each case's hearing, its
    disclosures and actions) is for the area's coordinators and chairs, in person."""
    return is_coordinator_of(principal, area_id)


def may_allocate(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """MARRAC: the area's team leader gives cases to case co-ordinators."""
    return (viewer.principal.has_role("team_leader")
            and may_coordinate(viewer, access, now))


def may_work_marrac_case(viewer: Viewer, access: CaseAccess, now: datetime) -> bool:
    """MARRAC: steps, needs, contacts, plan and review are recorded by the case's own case
    co-ordinator, or by the area's team leader and coordinators; a case co-ordinator does not
    record on another co-ordinator's case."""
    if not may_coordinate(viewer, access, now):
        return False
    p = viewer.principal
    if p.has_role("team_leader", "coordinator", "chair"):
        return True
    return viewer.ref in access.allocated_to


def may_manage_feeds(principal: Principal, area_id: UUID) -> bool:
    """Subscriptions for integration clients are set up by the area's coordinators or by an
    administrator of the area."""
    return (principal.kind == "person" and principal.area_id == area_id
            and principal.has_role("administrator", *COORDINATOR_ROLES))


def may_pull(principal: Principal, client_id: str, agency_id: UUID, area_id: UUID) -> bool:
    """A feed is read, activated and re-keyed by the integration client it was set up for,
    acting for its agency in its area. The coordinator who set it up never holds its secret:
    otherwise they could point an agency's feed at themselves and hear of cases only that
    agency may see."""
    return (principal.kind == "integration" and principal.client_id == client_id
            and principal.agency_id == agency_id and principal.area_id == area_id
            and READ_SCOPE in principal.scopes)


def sees_feed_delivery(principal: Principal, client_id: str, agency_id: UUID,
                       area_id: UUID) -> bool:
    """A feed's cursors, lag, dead letters, replays and delivery attempts (the last status,
    error and retry time) follow every event its agency may see, restricted cases' among
    them. Only the feed's own client, which receives them all, sees them: to a coordinator
    who set the feed up they would tell that cases exist which the coordinator may not see."""
    return may_pull(principal, client_id, agency_id, area_id)


def may_configure_area(principal: Principal, area_id: UUID) -> bool:
    """An area's settings are changed by whoever administers it (who reads no case content):
    the same rule as its name and agencies."""
    return may_administer_partnership(principal, area_id)


def may_read_area_settings(principal: Principal, area_id: UUID) -> bool:
    return (principal.kind == "person" and principal.area_id == area_id
            and principal.has_role("administrator", *COORDINATOR_ROLES))


def may_administer_partnership(principal: Principal, area_id: UUID | None) -> bool:
    """Areas and agencies are set up and changed by administrators (who read no case content):
    an area's own administrator for that area and its agencies; a partnership-wide one (whose
    token names no area) for every area, and alone may create one (`area_id` None)."""
    if principal.kind != "person" or not principal.has_role("administrator"):
        return False
    return principal.area_id is None or principal.area_id == area_id


def administers(principal: Principal) -> bool:
    """An administrator (of an area, or partnership-wide): the one who opens the partnership's
    set-up; what they may change is `may_administer_partnership`'s to answer, area by area."""
    return principal.kind == "person" and principal.has_role("administrator")


def may_read_partnership(principal: Principal) -> bool:
    """The partnership's areas and agencies, by name and code, are known to everyone who works
    in it and to its integrations (they name agencies in their requests); no case is in them."""
    return principal.kind in ("person", "integration")


# Who reads an area's performance reports, decided by standing (a role), never by the data:
# which cases a report counts, or whether the caller could see them, must not change the answer
# (a refusal that appears only when a hidden case exists would tell that it exists, and when).
# Coordinators, chairs and MARRAC team leaders, and strategic leads (reports only), read the
# released, disclosure-controlled figures. The performance officer is the person a partnership
# trusts to compile the SafeLives return: exact counts over every case of the area, restricted
# ones included, and any range of days; the role reads no case content.
PERFORMANCE_OFFICER: Role = "performance_officer"
REPORT_ROLES = ("coordinator", "chair", "team_leader", "strategic_lead", PERFORMANCE_OFFICER)


def may_read_reports(principal: Principal, area_id: UUID) -> bool:
    return (principal.kind == "person" and principal.area_id == area_id
            and principal.has_role(*REPORT_ROLES))


def may_read_exact_figures(principal: Principal, area_id: UUID) -> bool:
    """Counts without disclosure control, and custom ranges (which are never released): for
    the area's performance officers. Everyone else gets the released figures."""
    return may_read_reports(principal, area_id) and principal.has_role(PERFORMANCE_OFFICER)
