"""A case's links to the other safeguarding arrangements (domain/safeguarding.py): onward
referrals, and whether it is open to children's or adult social care; recorded by the area's
coordinators, who see them as recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.safeguarding import OnwardReferral, OnwardTo, SocialCare
from services.actor import Actor
from services.case_access import Stores, case_not_found, coordinated, writing
from services.purposes import Purpose


@dataclass(frozen=True)
class SafeguardingLinks:
    """What is recorded of the case's links, for the coordinators who record them: its onward
    referrals (oldest first) and social care as last found; and the day it was referred to
    the MARAC, which an onward referral follows."""

    case_id: UUID
    label: str | None
    status: str
    referred_on: date
    onward_referrals: tuple[OnwardReferral, ...]
    social_care: SocialCare | None


def safeguarding_links(stores: Stores, actor: Actor, case_id: UUID) -> SafeguardingLinks:
    """For the area's coordinators and chairs, on a case they may see (another person who may
    see it is refused; one who may not, the uniform 404); read for following up the case."""
    purpose = Purpose.action_follow_up.value
    access = coordinated(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    actor.audit.record_before_response("read", "allowed", case_id=case_id, purpose=purpose,
                                       area_id=access.area_id, items=("safeguarding",))
    return SafeguardingLinks(
        case_id=case_id, label=stores.cases.labels([case_id]).get(case_id),
        status=document.status, referred_on=document.referred_on,
        onward_referrals=document.safeguarding.onward_referrals,
        social_care=document.safeguarding.social_care)


def refer_onward(stores: Stores, actor: Actor, case_id: UUID, to: OnwardTo, *,
                 on: date) -> None:
    access = coordinated(stores, actor, case_id, "refer_onward")
    with writing(stores, actor, "refer_onward", case_id, access.area_id):
        stores.marac.refer_onward(case_id, to, on=on, by=actor.principal.subject)


def record_social_care(stores: Stores, actor: Actor, case_id: UUID, *, childrens: bool,
                       adult: bool) -> None:
    """As now found: open to children's social care, to adult social care."""
    access = coordinated(stores, actor, case_id, "record_social_care")
    with writing(stores, actor, "record_social_care", case_id, access.area_id):
        stores.marac.record_social_care(case_id, childrens=childrens, adult=adult,
                                        by=actor.principal.subject)
