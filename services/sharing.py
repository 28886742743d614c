"""Information shared on a case (research, disclosures, risks, notes), each item with its
audience, and the release that widens an item's audience (research released at the hearing)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from audit.actions import AuditAction
from domain.access import Audience
from projections.cases import item_facts
from security.policy import (
    CaseAccess,
    Visibility,
    item_visible,
    may_act_for,
    may_share,
    shares_for_agency,
)
from services.actor import Actor
from services.agency_names import AgencyName
from services.case_access import Stores, case_not_found, visible, writing
from services.partnership import all_agencies


@dataclass(frozen=True)
class SharingChoices:
    """What a person sharing on a case chooses from: the agencies of the case's area, which
    an item's audience may name."""

    case_id: UUID
    agencies: tuple[AgencyName, ...]


def sharing_choices(stores: Stores, actor: Actor, case_id: UUID) -> SharingChoices:
    """Asked before sharing, as `share` asks: a case the caller may not see is the uniform
    404; one they may see but not share on, refused. Nothing of the case is shown (the
    record names no item), only that the caller may share on it."""
    access, _, _ = _sharer(stores, actor, case_id, "read")
    actor.audit.record("read", "allowed", case_id=case_id, area_id=access.area_id)
    return SharingChoices(case_id, tuple(
        AgencyName(a.id, a.name, a.code) for a in all_agencies(stores, access.area_id)))


def share(stores: Stores, actor: Actor, case_id: UUID, *, kind: str, text: str,
          audience: Audience, meeting_id: UUID | None = None) -> UUID:
    """The item's id. `meeting_id`: the hearing it was researched for or disclosed at."""
    access, visibility, agency_id = _sharer(stores, actor, case_id, "share")
    with writing(stores, actor, "share", case_id, access.area_id):
        return stores.marac.share(
            case_id, kind=kind, text=text, audience=audience, author=actor.principal.subject,
            author_agency=agency_id, for_agency=shares_for_agency(visibility),
            meeting_id=meeting_id)


def _sharer(stores: Stores, actor: Actor, case_id: UUID,
            action: AuditAction) -> tuple[CaseAccess, Visibility, UUID]:
    """The case, the caller's view of it, and the agency they share for; refused (recorded)
    unless they may share on it."""
    access, visibility = visible(stores, actor, case_id, action)
    agency_id = visibility.agency_id
    if not may_share(actor.viewer, access, stores.now()) or agency_id is None:
        actor.deny(action, "Only an agency's staff share information on a case",
                   case_id=case_id)
    return access, visibility, agency_id


def release(stores: Stores, actor: Actor, case_id: UUID, item_id: UUID, *,
            audience: Audience) -> None:
    """Widen an item's audience (the domain refuses to narrow it), by its agency or the
    coordinators."""
    access, visibility = visible(stores, actor, case_id, "release")
    document = stores.cases.document(case_id)
    item = next((i for i in document.items if i.item_id == item_id),
                None) if document else None
    # An item the caller cannot see is, for them, an item that does not exist.
    if item is None or not item_visible(actor.viewer, visibility, item_facts(item)):
        actor.audit.record("release", "not_found", case_id=case_id, area_id=access.area_id,
                           items=(str(item_id),))
        raise case_not_found(case_id)
    actor.require(may_act_for(actor.viewer, access, item.author_agency, stores.now()),
                  "release", "Research is released by its agency or the coordinators",
                  case_id=case_id, area_id=access.area_id, items=(str(item_id),))
    with writing(stores, actor, "release", case_id, access.area_id):
        stores.marac.release(case_id, item_id, by=actor.principal.subject, audience=audience)
