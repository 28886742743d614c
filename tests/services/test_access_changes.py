"""Who may see a case, changed by its coordinators: grants and their revocation, restriction
and its review, exclusion and readmission; each write recorded, and in force at once."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.exceptions import DomainError
from security.policy import case_visibility
from services import access_grants, exclusions, restrictions
from services.access_grants import Grant
from services.actor import Actor
from tests.services.conftest import NOW, Area, trail


def sees(area: Area, actor: Actor, case_id: UUID) -> bool:
    """As the policy decides now, from the read model's access facts."""
    access = area.platform.cases.access([case_id]).get(case_id)
    return access is not None and case_visibility(actor.viewer, access, NOW) is not None


def test_a_grant_to_an_agency_opens_the_case_to_it_until_revoked(area: Area) -> None:
    case_id = area.case()
    idva = area.actor("idva-1", "representative", agency=area.idva)
    assert not sees(area, idva, case_id)

    grant_id = access_grants.grant(area.platform, area.coordinator(), case_id,
                                   Grant("Supports the victim", agency_id=area.idva))
    assert sees(area, idva, case_id)
    access_grants.revoke(area.platform, area.coordinator(), case_id, grant_id, "Case moved")

    assert not sees(area, idva, case_id)
    assert trail(area.platform.audit) == [("grant", "allowed", str(case_id), ()),
                                          ("revoke", "allowed", str(case_id), ())]


def test_a_grant_naming_no_one_is_refused_by_the_domain_and_recorded_so(area: Area) -> None:
    case_id = area.case()
    with pytest.raises(DomainError) as refused:
        access_grants.grant(area.platform, area.coordinator(), case_id, Grant("For whom?"))
    assert refused.value.code == "invalid_access_change"
    assert trail(area.platform.audit) == [("grant", "refused", str(case_id),
                                           ("code:invalid_access_change",))]


def test_a_restriction_hides_the_case_from_all_but_its_members_until_lifted(
        area: Area) -> None:
    case_id = area.case()
    officer = area.actor("officer-1", "representative", agency=area.police)
    assert sees(area, officer, case_id)

    restrictions.restrict(area.platform, area.coordinator(), case_id,
                          reason="A member of staff is the perpetrator's brother",
                          members=["coordinator-1"])
    assert not sees(area, officer, case_id)
    restrictions.review_restriction(area.platform, area.coordinator(), case_id,
                                    decision="lift", reason="He has left the force")

    assert sees(area, officer, case_id)
    assert trail(area.platform.audit) == [("restrict", "allowed", str(case_id), ()),
                                          ("review_restriction", "allowed", str(case_id), ())]


def test_an_excluded_person_sees_nothing_of_the_case_until_readmitted(area: Area) -> None:
    case_id = area.case()
    officer = area.actor("officer-1", "representative", agency=area.police)

    exclusions.exclude(area.platform, area.coordinator(), case_id, "officer-1",
                       reason="Lives next door to the victim")
    assert not sees(area, officer, case_id)
    exclusions.readmit(area.platform, area.coordinator(), case_id, "officer-1")

    assert sees(area, officer, case_id)
    assert trail(area.platform.audit) == [("exclude", "allowed", str(case_id), ()),
                                          ("readmit", "allowed", str(case_id), ())]
