"""A case as its caller may see it: the items whose audience includes them, the repeats and
links they may see, and its closure (all of it for coordinators; their own agency's part for
anyone else). The read's audit record names every item shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from uuid import UUID

from domain.access import Audience, SharedItem
from domain.actions import is_overdue
from domain.area import AreaSettings
from domain.case import ENDED, Decision, takes_actions
from domain.criteria import Criterion, referral_criteria_met
from projections.case_document import (
    AccessRecord,
    ActionRecord,
    ReferralRecord,
    SafeguardingRecord,
)
from projections.cases import item_facts
from security.policy import (
    Visibility,
    item_visible,
    may_act_for,
    may_coordinate,
    may_withdraw_referral,
    sees_every_agency_told,
)
from services.actor import Actor
from services.agency_names import AgencyName, AgencyNames, agency_names
from services.case_access import Stores, case_not_found, visible, visible_cases
from services.case_lists import CaseSummary, summaries
from services.closure import ClosureState, closure_state
from services.referral_corrections import takes_corrections


@dataclass(frozen=True)
class CaseAction(ActionRecord):
    """A SMART action agreed for the case, with its outcome, escalation and its owner's
    notes, its owning agency by name and code, and whether it is overdue today (the rule the
    action lists apply, `domain.actions.is_overdue`)."""

    owner_agency_name: str | None = None
    owner_agency_code: str | None = None
    overdue: bool = False
    # Whether the caller may record its progress and outcome (the policy's `may_act_for`),
    # while it is open.
    may_update: bool = False

    @classmethod
    def of(cls, action: ActionRecord, names: AgencyNames, today: date, *,
           may_update: bool = False) -> CaseAction:
        owner = names(action.owner_agency)
        return cls(**{f.name: getattr(action, f.name) for f in fields(ActionRecord)},
                   owner_agency_name=owner.name, owner_agency_code=owner.code,
                   overdue=is_overdue(action.due_on, action.outcome, today),
                   may_update=may_update and action.outcome is None)


@dataclass(frozen=True)
class ItemAudience(Audience):
    """An item's audience, its named agencies by name and code too."""

    agencies_named: tuple[AgencyName, ...] = ()


@dataclass(frozen=True)
class CaseItem:
    """Information shared on a case: research, a disclosure, a risk, a note (who wrote it,
    and for whom, stay with the policy); agencies by name and code beside their ids."""

    item_id: UUID
    kind: str
    text: str
    audience: ItemAudience
    author_agency: UUID
    recorded_at: datetime
    author_agency_name: str | None
    author_agency_code: str | None

    @classmethod
    def of(cls, item: SharedItem, names: AgencyNames) -> CaseItem:
        audience = ItemAudience(item.audience.kind, item.audience.agencies,
                                names.all(item.audience.agencies))
        author = names(item.author_agency)
        return cls(item.item_id, item.kind, item.text, audience, item.author_agency,
                   item.recorded_at, author.name, author.code)


@dataclass(frozen=True)
class ReferralView(ReferralRecord):
    """The referral as submitted, with its DASH score beside the answers and the referral
    criteria its facts meet under the area's settings (domain.criteria, the rule the
    threshold decision applies)."""

    dash_score: int = 0
    criteria_met: tuple[Criterion, ...] = ()

    @classmethod
    def of(cls, record: ReferralRecord, settings: AreaSettings) -> ReferralView:
        found = referral_criteria_met(record.risk_assessment, record.criteria, settings)
        return cls(**{f.name: getattr(record, f.name) for f in fields(ReferralRecord)},
                   dash_score=found.score, criteria_met=found.met)


def named_in(items: Iterable[SharedItem], actions: Iterable[ActionRecord]) -> list[UUID]:
    """The agencies that items and actions name: authors, audiences and owners."""
    return [*(a for i in items for a in (i.author_agency, *i.audience.agencies)),
            *(a.owner_agency for a in actions)]


@dataclass(frozen=True)
class CaseView:
    summary: CaseSummary
    closure: ClosureState | None
    referral: ReferralView
    decision: Decision | None
    repeat_referrals: tuple[UUID, ...]
    items: tuple[CaseItem, ...]
    actions: tuple[CaseAction, ...]
    # Grants, restriction and exclusions; onward referrals and social care: for those who
    # see every item (coordinators) only.
    access: AccessRecord | None
    safeguarding: SafeguardingRecord | None
    # What the caller may do on the case as it stands, as the use cases ask the policy (the
    # pages offer exactly these): agree an action outside a hearing (on an accepted case), and
    # withdraw the referral as entered in error (while the case is not ended).
    may_agree_action: bool = False
    may_withdraw: bool = False
    # Whether the caller may correct the referral's people, risk assessment and criteria now
    # (services/referral_corrections.py `takes_corrections`).
    may_correct: bool = False
    # Whether the caller may record onward referrals and social care (services/safeguarding.py
    # asks the same `may_coordinate`).
    may_record_safeguarding: bool = False


def view(stores: Stores, actor: Actor, case_id: UUID) -> CaseView:
    """The case for the actor's purpose; one they may not see is the uniform 404."""
    access, visibility = visible(stores, actor, case_id, "read", actor.purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    items = [i for i in document.items
             if item_visible(actor.viewer, visibility, item_facts(i))]
    shown = ["referral", *(["decision"] if document.decision else []),
             *(str(i.item_id) for i in items)]
    repeats = visible_cases(stores, actor, list(document.repeat_referrals))
    (summary,) = summaries(stores, actor, [document])
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, items=tuple(shown),
                                       area_id=access.area_id)
    closure = closure_state(document, stores.now())
    names = agency_names(stores, named_in(items, document.actions))
    return CaseView(
        summary=summary,
        closure=closure_seen_by(closure, visibility) if closure else None,
        referral=ReferralView.of(document.referral,
                                 stores.marac.get_area(document.area_id).settings),
        decision=document.decision,
        repeat_referrals=tuple(sorted(repeats, key=str)),
        items=tuple(CaseItem.of(i, names) for i in items),
        actions=tuple(CaseAction.of(
            a, names, stores.now().date(),
            may_update=may_act_for(actor.viewer, access, a.owner_agency, stores.now()))
            for a in document.actions),
        access=document.access if visibility.all_items else None,
        safeguarding=document.safeguarding if visibility.all_items else None,
        may_agree_action=(takes_actions(document.status)
                          and may_coordinate(actor.viewer, access, stores.now())),
        may_withdraw=(document.status not in ENDED
                      and may_withdraw_referral(actor.viewer, access, stores.now())),
        may_correct=takes_corrections(stores, actor, access, document),
        may_record_safeguarding=may_coordinate(actor.viewer, access, stores.now()),
    )


def closure_seen_by(closure: ClosureState, visibility: Visibility) -> ClosureState:
    """All of the closure, or the caller's own agency's part of it and whether that was late,
    as `security.policy.sees_every_agency_told` says."""
    if sees_every_agency_told(visibility):
        return closure
    own = {a: t for a, t in closure.informed.items() if a == visibility.agency_id}
    return replace(closure, informed=own,
                   outstanding=tuple(a for a in closure.outstanding if a in own),
                   late=any(t.late for t in own.values()))
