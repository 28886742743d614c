"""The use cases behind the case routes: each asks security/policy.py, acts, catches the read
models up (read-your-writes) and writes the request's one audit record before returning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import structlog
from fastapi import HTTPException

from api import schemas
from api.auth import RequestAudit
from api.bootstrap import Platform
from audit.actions import AuditAction
from domain.actions import is_overdue
from domain.exceptions import CaseNotFound
from domain.repeats import repeat_window_ends
from domain.subjects import Subject
from projections.case_list import Position, UnknownCursor
from projections.cases import item_facts
from security.policy import (
    CaseAccess,
    Viewer,
    Visibility,
    case_visibility,
    is_coordinator_of,
    item_visible,
    list_filter,
    may_coordinate,
    reads_case_content,
    sees_every_agency_told,
)
from services.closure import ClosureState
from services.closure import closure_state as informing

log = structlog.get_logger("api.casework")


class Forbidden(HTTPException):
    def __init__(self, message: str = "Not allowed", code: str = "forbidden") -> None:
        super().__init__(403, message)
        self.code = code


class InvalidCursor(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(422, message)
        self.code = "invalid_cursor"


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

    # Referral and decisions ----------------------------------------------------------------

    def possible_repeats(self, case_id: UUID, purpose: str) -> list[schemas.PossibleRepeatOut]:
        self._coordinated(case_id, "read", purpose)
        found = self.platform.marac.possible_repeats(case_id)
        accesses = self.platform.cases.access([f.case_id for f in found])
        visible = [f for f in found if f.case_id in accesses
                   and case_visibility(self.viewer, accesses[f.case_id], self.now) is not None]
        self.audit.record("read", "allowed", case_id=case_id, purpose=purpose,
                          items=tuple(str(f.case_id) for f in visible))
        return [schemas.PossibleRepeatOut(case_id=f.case_id, matched_on=list(f.matched_on),
                                          status=f.status, last_referral_on=f.last_referral_on,
                                          within_window=f.within_window) for f in visible]

    def actions(self, scope: str) -> list[schemas.ActionRow]:
        """`mine`: my agency's open actions; `overdue`: the area's overdue actions, for its
        coordinators, by owning agency."""
        p = self.principal
        if scope == "overdue" and not (p.area_id and is_coordinator_of(p, p.area_id)):
            self.audit.record("list_actions", "denied")
            raise Forbidden("Coordinators and chairs see the area's overdue actions")
        if scope == "mine" and p.agency_id is None:
            self.audit.record("list_actions", "denied")
            raise Forbidden("Only an agency's staff have actions")
        rows = (self.platform.cases.actions(owner=p.agency_id) if scope == "mine"
                else self.platform.cases.actions(area_id=p.area_id))
        today = self.platform.now().date()
        visible = set(self._visible_cases(sorted({UUID(r["case_id"]) for r in rows}, key=str)))
        shown = [schemas.ActionRow(
            action_id=r["action_id"], case_id=r["case_id"], owner_agency_id=r["owner_agency_id"],
            due_on=r["due_on"], escalated=bool(r["escalated"]),
            overdue=is_overdue(date.fromisoformat(r["due_on"]), r["outcome"], today))
            for r in rows if UUID(r["case_id"]) in visible]
        # A stable order, so that the same actions always read the same.
        shown.sort(key=lambda a: (a.due_on, str(a.action_id)))
        if scope == "overdue":
            shown = sorted((a for a in shown if a.overdue),
                           key=lambda a: (str(a.owner_agency_id), a.due_on))
        self.audit.record("list_actions", "allowed", items=tuple(str(a.action_id) for a in shown))
        return shown

    def anniversaries(self, within_days: int) -> list[schemas.CaseSummary]:
        """Open cases reaching the end of their repeat window (12 months from the last
        referral) within `within_days`: due a review before a new incident is a new case."""
        p = self.principal
        if p.area_id is None or not is_coordinator_of(p, p.area_id):
            self.audit.record("list", "denied")
            raise Forbidden("Coordinators and chairs review the area's cases")
        window = self.platform.marac.get_area(p.area_id).settings.repeat_window_months
        horizon = self.platform.now().date() + timedelta(days=within_days)
        visible = self._visible_cases(self.platform.cases.candidates(p.area_id, []))
        rows = [r for r in self.platform.cases.index_rows(visible).values()
                if r["status"] == "accepted" and repeat_window_ends(
                    date.fromisoformat(r["last_referral_on"]), window) <= horizon]
        rows.sort(key=lambda r: (r["last_referral_on"], r["case_id"]))
        self.audit.record("list", "allowed", items=tuple(r["case_id"] for r in rows))
        return [_summary(r) for r in self._linked_visibly(rows)]

    def restrictions_due(self, within_days: int) -> list[schemas.RestrictionDue]:
        """Restrictions due for review, of cases the caller coordinates: a coordinator who is
        not a member of a restricted case is not told that it exists, nor that it is due."""
        p = self.principal
        if p.area_id is None or not is_coordinator_of(p, p.area_id):
            self.audit.record("list", "denied")
            raise Forbidden("Coordinators and chairs review the area's restrictions")
        due = self.platform.cases.restrictions_due(
            p.area_id, self.now + timedelta(days=within_days))
        accesses = self.platform.cases.access([d.case_id for d in due])
        shown = [d for d in due if d.case_id in accesses
                 and may_coordinate(self.viewer, accesses[d.case_id], self.now)]
        self.audit.record("list", "allowed", items=tuple(str(d.case_id) for d in shown))
        return [schemas.RestrictionDue(case_id=d.case_id, provisional=d.provisional,
                                       review_due=d.review_due) for d in shown]

    # Reads ---------------------------------------------------------------------------------

    def view(self, case_id: UUID, purpose: str) -> schemas.CaseView:
        access, visibility = self._visible(case_id, "read", purpose)
        document = self.platform.cases.document(case_id)
        if document is None:
            raise not_found(case_id)  # erased between the index read and now
        items = [i for i in document["items"]
                 if item_visible(self.viewer, visibility, item_facts(i))]
        shown = ["referral", *(["decision"] if document["decision"] else []),
                 *(i["item_id"] for i in items)]
        repeats = self._visible_cases([UUID(r) for r in document["repeat_referrals"]])
        (summary,) = self._linked_visibly([document])
        self.audit.record_before_response("read", "allowed", case_id=case_id, purpose=purpose,
                                            items=tuple(shown), area_id=access.area_id)
        return schemas.CaseView(
            summary=_summary(summary),
            referral=document["referral"],
            decision=document["decision"],
            repeat_referrals=sorted(repeats, key=str),
            items=[schemas.Item(item_id=i["item_id"], kind=i["kind"], text=i["text"],
                                audience=i["audience"], author_agency=i["author_agency"],
                                recorded_at=i["recorded_at"]) for i in items],
            actions=document.get("actions", []),
            closure=closure_seen_by(closure_state(document, self.platform.now()), visibility)
            if document.get("closed_on") else None,
            access=document["access"] if visibility.all_items else None,
            safeguarding=document.get("safeguarding") if visibility.all_items else None,
        )

    def _linked_visibly(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A link to a case the caller may not see would tell them it exists: drop it."""
        targets = {UUID(r["repeat_of"]) for r in rows if r.get("repeat_of")}
        seen = set(self._visible_cases(sorted(targets, key=str))) if targets else set()
        return [{**r, "repeat_of": r["repeat_of"] if r.get("repeat_of")
                 and UUID(r["repeat_of"]) in seen else None} for r in rows]

    def _visible_cases(self, case_ids: Sequence[UUID]) -> list[UUID]:
        accesses = self.platform.cases.access(case_ids)
        return [c for c, a in accesses.items()
                if case_visibility(self.viewer, a, self.now) is not None]

    def list_cases(self, status: str | None, page: int, page_size: int,
                   cursor: str | None = None) -> schemas.CasesPage:
        """A page of the cases the caller may see, newest referral first, and their exact
        total: the policy's `list_filter`, answered by the read model. `cursor` (the last
        page's `next_cursor`) continues the list; `page` still counts pages from the start."""
        if not reads_case_content(self.principal):
            self.audit.record("list", "denied")
            raise Forbidden("This role does not read cases")
        after = self._position(cursor, page)
        found = self.platform.cases.list.page(
            list_filter(self.viewer, self.now), size=page_size, after=after,
            offset=0 if after else (page - 1) * page_size, status=status)
        shown = self._linked_visibly(self._rows(found.case_ids))
        self.audit.record_before_response("list", "allowed",
                                          items=tuple(r["case_id"] for r in shown))
        return schemas.CasesPage(items=[_summary(r) for r in shown], total=found.total,
                                 page=page, page_size=page_size,
                                 next_cursor=found.next.token() if found.next else None)

    def _position(self, cursor: str | None, page: int) -> Position | None:
        if cursor is None:
            return None
        if page != 1:
            raise InvalidCursor("Give a cursor or a page number, not both")
        try:
            return Position.of(cursor)
        except UnknownCursor:
            raise InvalidCursor("Not a cursor this service gave out") from None

    def _rows(self, case_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        """Index rows in the order given; one erased meanwhile is left out."""
        rows = self.platform.cases.index_rows(case_ids)
        return [rows[c] for c in case_ids if c in rows]

    def search(self, purpose: str, *, surname: str, forename: str,
               date_of_birth: date | None, reference: str, page_size: int = 100,
               cursor: str | None = None) -> schemas.SearchResults:
        p = self.principal
        if not reads_case_content(p):
            self.audit.record("search", "denied", purpose=purpose)
            raise Forbidden("This role does not read cases")
        after = self._position(cursor, 1)
        probe = Subject(uuid4(), "victim", forename, surname, date_of_birth=date_of_birth,
                        references=(reference,) if reference else ())
        case_filter = list_filter(self.viewer, self.now)
        matches: dict[UUID, set[str]] = {}
        if surname or forename or reference:
            # Every area (the blind index is keyed per area): a member of a restricted case
            # elsewhere finds it as the list shows it; the filter decides what is shown.
            for area in sorted(self.platform.cases.list.areas(), key=str):
                for case_id, kinds in self.platform.blind_index.matches(area, probe,
                                                                        None).items():
                    matches.setdefault(case_id, set()).update(kinds)
        found = self.platform.cases.list.page(case_filter, size=page_size, after=after,
                                              within=sorted(matches, key=str))
        hits = self._linked_visibly(self._rows(found.case_ids))
        self.audit.record_before_response("search", "allowed", purpose=purpose,
                                            items=tuple(r["case_id"] for r in hits))
        return schemas.SearchResults(
            items=[schemas.SearchHit(summary=_summary(r),
                                     matched_on=sorted(matches[UUID(r["case_id"])]))
                   for r in hits],
            total=found.total, next_cursor=found.next.token() if found.next else None)


def _summary(row: dict[str, Any]) -> schemas.CaseSummary:
    return schemas.CaseSummary(
        case_id=row["case_id"], area_id=row["area_id"], status=row["status"],
        referred_on=row["referred_on"], last_referral_on=row["last_referral_on"],
        referring_agency_id=row["referring_agency_id"], repeat_of=row["repeat_of"])




def closure_state(document: dict[str, Any], now: datetime) -> schemas.ClosureView:
    """Who has been told of the closure (services/closure.py), as the schema."""
    return closure_view(informing(document, now))


def closure_view(state: ClosureState) -> schemas.ClosureView:
    return schemas.ClosureView.model_validate(asdict(state))


def closure_seen_by(closure: schemas.ClosureView, visibility: Visibility) -> schemas.ClosureView:
    """All of the closure, or the caller's own agency's part of it and whether that was late,
    as `security.policy.sees_every_agency_told` says."""
    if sees_every_agency_told(visibility):
        return closure
    own = {a: t for a, t in closure.informed.items() if a == visibility.agency_id}
    return closure.model_copy(update={
        "informed": own, "outstanding": [a for a in closure.outstanding if a in own],
        "late": any(t.late for t in own.values())})
