"""The use cases behind the case routes: each asks security/policy.py, acts, catches the read
models up (read-your-writes) and writes the request's one audit record before returning."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID, uuid4

import structlog
from eventsourcing.persistence import IntegrityError
from fastapi import HTTPException

from api import schemas
from api.auth import RequestAudit
from api.bootstrap import Platform
from audit.actions import AuditAction
from domain.access import Audience
from domain.case import Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.exceptions import CaseNotFound
from domain.risk import RiskAssessment
from domain.subjects import Subject
from projections.cases import item_facts
from security.policy import (
    CaseAccess,
    Viewer,
    Visibility,
    agencies_told_of_closure,
    case_visibility,
    item_visible,
    may_act_for,
    may_break_glass,
    may_coordinate,
    may_refer,
    may_share,
    shares_for_agency,
)
from services.actor import Actor
from services.case_access import writing

log = structlog.get_logger("api.casework")


class Forbidden(HTTPException):
    def __init__(self, message: str = "Not allowed", code: str = "forbidden") -> None:
        super().__init__(403, message)
        self.code = code


class Conflict(HTTPException):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(409, message)
        self.code = code


def not_found(case_id: UUID) -> CaseNotFound:
    return CaseNotFound(f"case {case_id} not found")


class Casework:
    def __init__(self, platform: Platform, viewer: Viewer, audit: RequestAudit) -> None:
        self.platform = platform
        self.viewer = viewer
        self.principal = viewer.principal
        self.audit = audit

    @property
    def now(self) -> datetime:
        return self.platform.now()

    # Access ------------------------------------------------------------------------------

    def _access(self, case_id: UUID) -> CaseAccess | None:
        return self.platform.cases.access([case_id]).get(case_id)

    def _visible(self, case_id: UUID, action: AuditAction, purpose: str | None
                 ) -> tuple[CaseAccess, Visibility]:
        access = self._access(case_id)
        visibility = case_visibility(self.viewer, access, self.now) if access else None
        if access is None or visibility is None:
            self.audit.record(action, "not_found" if access is None else "denied",
                              case_id=case_id, purpose=purpose,
                              area_id=access.area_id if access else None)
            raise not_found(case_id)
        return access, visibility

    def _coordinated(self, case_id: UUID, action: AuditAction,
                     purpose: str | None = None) -> CaseAccess:
        access, _ = self._visible(case_id, action, purpose)
        if not may_coordinate(self.viewer, access, self.now):
            self.audit.record(action, "denied", case_id=case_id, purpose=purpose,
                              area_id=access.area_id)
            raise Forbidden("Only the area's coordinators and chairs may do this")
        return access

    @contextmanager
    def _writing(self, action: AuditAction, case_id: UUID | None,
                 area_id: UUID | None = None) -> Iterator[None]:
        """The write with its audit record: services.case_access.writing."""
        with writing(self.platform, Actor(self.viewer, self.audit), action, case_id, area_id):
            yield

    # Referral and decisions ----------------------------------------------------------------

    def refer(self, body: schemas.ReferralCreate, given: UUID | None = None) -> UUID:
        p = self.principal
        if p.area_id is None or p.agency_id is None or not may_refer(p, p.area_id, p.agency_id):
            self.audit.record("create", "denied")
            raise Forbidden("Referrals are made by an agency's staff in their own area")
        referral = Referral(
            area_id=p.area_id,
            referring_agency_id=p.agency_id,
            referrer=p.subject,
            referred_on=body.referred_on,
            subjects=tuple(Subject(subject_id=uuid4(), role=s.role, forenames=s.forenames,
                                   surname=s.surname, aliases=tuple(s.aliases),
                                   date_of_birth=s.date_of_birth, gender=s.gender,
                                   ethnicity=s.ethnicity, sexuality=s.sexuality,
                                   disability=s.disability, trans=s.trans,
                                   address=s.address,
                                   safe_contact=s.safe_contact, references=tuple(s.references))
                           for s in body.subjects),
            incident_summary=body.incident_summary,
            risk_assessment=_assessment(body.risk_assessment),
            criteria=CriteriaClaimed(**body.criteria.model_dump()),
            consent=Consent(**body.consent.model_dump()),
            victim_informed=body.victim_informed,
            idva_referral_made=body.idva_referral_made,
            manager_sign_off=body.manager_sign_off,
        )
        # Known before the write, so its audit record names it. `given` comes from an
        # Idempotency-Key (api/idempotency.py): a retry of a referral whose answer was lost
        # (a crash after the write) finds the case it made, rather than making a second.
        case_id = given or uuid4()
        with self._writing("create", case_id, p.area_id):
            if given is None or given not in self.platform.marac.repository:
                try:
                    self.platform.marac.refer(referral, case_id=case_id)
                except IntegrityError:
                    if given is None or given not in self.platform.marac.repository:
                        raise
        return case_id

    def decide(self, case_id: UUID, body: schemas.DecisionCreate) -> None:
        app, by = self.platform.marac, self.principal.subject
        if body.outcome != "link_repeat":
            area_id = self._coordinated(case_id, "decide").area_id
        else:
            # Both cases must be the caller's to coordinate; either missing reads as missing.
            access = self._access(case_id)
            existing = body.existing_case_id
            target = self._access(existing) if existing else None
            if (access is None or target is None
                    or not may_coordinate(self.viewer, access, self.now)
                    or not may_coordinate(self.viewer, target, self.now)):
                self.audit.record("decide", "denied", case_id=case_id)
                raise not_found(case_id)
            area_id = access.area_id
        with self._writing("decide", case_id, area_id):
            if body.outcome == "accept":
                app.accept(case_id, by)
            elif body.outcome == "decline":
                app.decline(case_id, by, body.reason or "")
            elif body.existing_case_id is not None:  # checked above; narrows the type
                app.link_as_repeat(case_id, body.existing_case_id, by)

    # Access management ---------------------------------------------------------------------

    def grant(self, case_id: UUID, body: schemas.GrantCreate) -> UUID:
        access = self._coordinated(case_id, "grant")
        with self._writing("grant", case_id, access.area_id):
            return self.platform.marac.grant_access(
                case_id, by=self.principal.subject, reason=body.reason,
                agency_id=body.agency_id, person=body.person, expires_at=body.expires_at)

    def agree_action(self, case_id: UUID, body: schemas.ActionCreate) -> UUID:
        access = self._coordinated(case_id, "agree_action")
        with self._writing("agree_action", case_id, access.area_id):
            return self.platform.marac.agree_action(
                case_id, owner_agency=body.owner_agency_id, description=body.description,
                for_whom=body.for_whom, due_on=body.due_on, by=self.principal.subject,
                meeting_id=body.meeting_id)

    def update_action(self, case_id: UUID, action_id: UUID,
                      body: schemas.ActionUpdateCreate) -> None:
        access, _ = self._visible(case_id, "update_action", None)
        owners = {UUID(r["action_id"]): UUID(r["owner_agency_id"])
                  for r in self.platform.cases.actions(case_id=case_id, open_only=False)}
        owner = owners.get(action_id)
        if owner is None:  # no such action on a case the caller sees: the uniform 404
            self.audit.record("update_action", "not_found", case_id=case_id,
                              area_id=access.area_id, items=(str(action_id),))
            raise CaseNotFound(f"case {case_id} has no action {action_id}")
        if not may_act_for(self.viewer, access, owner, self.now):
            self.audit.record("update_action", "denied", case_id=case_id,
                              area_id=access.area_id)
            raise Forbidden("Only the owning agency updates its action")
        with self._writing("update_action", case_id, access.area_id):
            self.platform.marac.update_action(case_id, action_id, note=body.note,
                                              by=self.principal.subject, outcome=body.outcome)

    def acknowledge_closure(self, case_id: UUID) -> None:
        """An involved agency's representative confirms their agency has been told."""
        access, visibility = self._visible(case_id, "acknowledge_closure", None)
        if self.principal.kind != "person" or visibility.agency_id is None:
            self.audit.record("acknowledge_closure", "denied", case_id=case_id,
                              area_id=access.area_id)
            raise Forbidden("An agency's staff acknowledge a closure for their agency")
        with self._writing("acknowledge_closure", case_id, access.area_id):
            self.platform.marac.acknowledge_closure(case_id, visibility.agency_id,
                                                    by=self.principal.subject)

    def close(self, case_id: UUID, body: schemas.ClosureCreate) -> None:
        access = self._coordinated(case_id, "close")
        with self._writing("close", case_id, access.area_id):
            self.platform.marac.close_case(
                case_id, by=self.principal.subject, reason=body.reason,
                inform=agencies_told_of_closure(access, self.now))

    def refer_onward(self, case_id: UUID, body: schemas.OnwardReferralCreate) -> None:
        access = self._coordinated(case_id, "refer_onward")
        with self._writing("refer_onward", case_id, access.area_id):
            self.platform.marac.refer_onward(case_id, body.to, on=body.on,
                                             by=self.principal.subject)

    def record_social_care(self, case_id: UUID, body: schemas.SocialCareCreate) -> None:
        access = self._coordinated(case_id, "record_social_care")
        with self._writing("record_social_care", case_id, access.area_id):
            self.platform.marac.record_social_care(case_id, childrens=body.childrens,
                                                   adult=body.adult, by=self.principal.subject)

    def revoke(self, case_id: UUID, grant_id: UUID, body: schemas.RevokeCreate) -> None:
        access = self._coordinated(case_id, "revoke")
        with self._writing("revoke", case_id, access.area_id):
            self.platform.marac.revoke_access(case_id, grant_id, by=self.principal.subject,
                                              reason=body.reason)

    def restrict(self, case_id: UUID, body: schemas.RestrictionCreate) -> None:
        access = self._coordinated(case_id, "restrict")
        with self._writing("restrict", case_id, access.area_id):
            self.platform.marac.restrict(case_id, by=self.principal.subject, reason=body.reason,
                                         members=set(body.members),
                                         member_agencies=set(body.member_agencies))

    def review_restriction(self, case_id: UUID, body: schemas.RestrictionReviewCreate) -> None:
        access = self._coordinated(case_id, "review_restriction")
        with self._writing("review_restriction", case_id, access.area_id):
            self.platform.marac.review_restriction(case_id, decision=body.decision,
                                                   reason=body.reason,
                                                   by=self.principal.subject)

    def exclude(self, case_id: UUID, body: schemas.ExclusionCreate) -> None:
        access = self._coordinated(case_id, "exclude")
        with self._writing("exclude", case_id, access.area_id):
            self.platform.marac.exclude(case_id, body.person, by=self.principal.subject,
                                        reason=body.reason)

    def readmit(self, case_id: UUID, person: str) -> None:
        access = self._coordinated(case_id, "readmit")
        with self._writing("readmit", case_id, access.area_id):
            self.platform.marac.readmit(case_id, person, by=self.principal.subject)

    def break_glass(self, case_id: UUID, body: schemas.BreakGlassCreate) -> datetime:
        access = self._access(case_id)
        if access is not None and case_visibility(self.viewer, access, self.now) is not None:
            self.audit.record("break_glass", "rejected", case_id=case_id)
            raise Conflict("You can already see this case", "already_visible")
        if access is None or not may_break_glass(self.viewer, access, self.now):
            self.audit.record("break_glass", "not_found" if access is None else "denied",
                              case_id=case_id)
            raise not_found(case_id)
        agency_id = self.principal.agency_id
        if agency_id is None:  # may_break_glass requires one; narrows the type
            raise not_found(case_id)
        with self._writing("break_glass", case_id, access.area_id):
            return self.platform.marac.open_break_glass(
                case_id, person=self.principal.subject, agency_id=agency_id,
                reason=body.reason, minutes=body.minutes)

    def share(self, case_id: UUID, body: schemas.InformationCreate) -> UUID:
        access, visibility = self._visible(case_id, "share", None)
        if not may_share(self.viewer, access, self.now) or visibility.agency_id is None:
            self.audit.record("share", "denied", case_id=case_id)
            raise Forbidden("Only an agency's staff share information on a case")
        with self._writing("share", case_id, access.area_id):
            return self.platform.marac.share(
                case_id, kind=body.kind, text=body.text,
                audience=Audience(body.audience.kind, tuple(body.audience.agencies)),
                author=self.principal.subject, author_agency=visibility.agency_id,
                for_agency=shares_for_agency(visibility), meeting_id=body.meeting_id)

    def release(self, case_id: UUID, item_id: UUID, body: schemas.ReleaseCreate) -> None:
        """Widen an item's audience: research released at the hearing, typically."""
        access, visibility = self._visible(case_id, "release", None)
        document = self.platform.cases.document(case_id)
        item = next((i for i in (document or {}).get("items", [])
                     if i["item_id"] == str(item_id)), None)
        # An item the caller cannot see is, for them, an item that does not exist.
        if item is None or not item_visible(self.viewer, visibility, item_facts(item)):
            self.audit.record("release", "not_found", case_id=case_id, area_id=access.area_id,
                              items=(str(item_id),))
            raise not_found(case_id)
        if not may_act_for(self.viewer, access, UUID(item["author_agency"]), self.now):
            self.audit.record("release", "denied", case_id=case_id, area_id=access.area_id,
                              items=(str(item_id),))
            raise Forbidden("Research is released by its agency or the coordinators")
        with self._writing("release", case_id, access.area_id):
            self.platform.marac.release(
                case_id, item_id, by=self.principal.subject,
                audience=Audience(body.audience.kind, tuple(body.audience.agencies)))


def _assessment(body: schemas.RiskAssessmentIn) -> RiskAssessment:
    return RiskAssessment.build(body.tool, body.version,
                                {q: (a.value, a.source) for q, a in body.answers.items()})

