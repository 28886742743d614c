"""A case's access as its coordinators manage it (services/access_settings.py), a person's own
break-glass session (services/break_glass.own_access), and the agencies a grant or a
restriction may name: each read recorded, each refusal as it was."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.access import GrantExpiryPassed
from domain.exceptions import AgencyNotFound
from services import access_grants, exclusions, restrictions
from services.access_grants import Grant
from services.access_settings import access_settings
from services.break_glass import open_break_glass, own_access
from services.errors import Forbidden, NotFound
from tests.services.conftest import NOW, Area, Clock, trail


def test_coordinators_see_current_and_expired_grants_exclusions_and_break_glass(
        area: Area, clock: Clock) -> None:
    case_id = area.case()
    coordinator = area.coordinator
    access_grants.grant(area.platform, coordinator(), case_id,
                        Grant("Hearing", agency_id=area.idva))
    access_grants.grant(area.platform, coordinator(), case_id,
                        Grant("Conference", person="sw-1",
                              expires_at=NOW + timedelta(minutes=40)))
    exclusions.exclude(area.platform, coordinator(), case_id, "nurse-9", reason="Relative")
    housing = area.platform.marac.register_agency(area.area_id, "homes", "Homes", "housing",
                                                  core=True)
    area.platform.runner.catch_up()
    open_break_glass(area.platform, area.actor("h-1", "representative", agency=housing),
                     case_id, reason="At the office now", minutes=30)
    clock.at = NOW + timedelta(minutes=45)

    seen = access_settings(area.platform, coordinator(), case_id)

    assert [(g.agency.name if g.agency else None) for g in seen.current_grants] == ["Idva"]
    assert [g.person for g in seen.expired_grants] == ["sw-1"]
    assert seen.excluded == ("nurse-9",)
    assert [(s.person, s.agency.name, s.active) for s in seen.break_glass] == [
        ("h-1", "Homes", False)]
    assert {a.name for a in seen.agencies} == {"Police", "Idva", "Homes"}
    assert not seen.restricted
    assert trail(area.platform.audit)[-1] == ("read", "allowed", str(case_id), ("access",))


def test_a_representative_who_sees_the_case_may_not_manage_it_and_others_find_nothing(
        area: Area) -> None:
    case_id, missing = area.case(), uuid4()
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(Forbidden):
        access_settings(area.platform, officer, case_id)
    restrictions.restrict(area.platform, area.coordinator(), case_id, reason="Staff case")
    outside = area.actor("coordinator-2", "coordinator", agency=area.police)
    with pytest.raises(NotFound) as hidden:
        access_settings(area.platform, outside, case_id)
    with pytest.raises(NotFound) as absent:
        access_settings(area.platform, area.actor("coordinator-2", "coordinator"), missing)
    assert str(hidden.value) == str(absent.value).replace(str(missing), str(case_id))
    assert trail(area.platform.audit)[-4:] == [
        ("read", "denied", str(case_id), ()), ("restrict", "allowed", str(case_id), ()),
        ("read", "denied", str(case_id), ()), ("read", "not_found", str(missing), ())]


def test_own_break_glass_session_shows_the_time_left_and_ends(area: Area, clock: Clock) -> None:
    case_id = area.case()
    idva = area.actor
    open_break_glass(area.platform, idva("idva-1", "representative", agency=area.idva),
                     case_id, reason="Victim at A&E", minutes=20)
    clock.at = NOW + timedelta(minutes=5)

    own = own_access(area.platform, idva("idva-1", "representative", agency=area.idva),
                     case_id)

    assert (own.expires_at, own.left) == (NOW + timedelta(minutes=20), timedelta(minutes=15))
    assert trail(area.platform.audit)[-1] == ("read", "allowed", str(case_id),
                                              ("break_glass_session",))
    clock.at = NOW + timedelta(minutes=20)
    with pytest.raises(NotFound):
        own_access(area.platform, idva("idva-1", "representative", agency=area.idva), case_id)
    assert trail(area.platform.audit)[-1] == ("read", "denied", str(case_id), ())


def test_one_who_sees_the_case_otherwise_holds_no_session(area: Area) -> None:
    case_id = area.case()
    own = own_access(area.platform, area.actor("officer-1", "representative",
                                               agency=area.police), case_id)
    assert (own.by_break_glass, own.left) == (False, None)


def test_a_grant_or_membership_names_an_agency_of_the_cases_area(area: Area) -> None:
    case_id = area.case()
    elsewhere = area.platform.marac.create_area("othershire", "Othershire MARAC")
    theirs = area.platform.marac.register_agency(elsewhere, "police", "Police", "police",
                                                 core=True)
    for agency_id in (theirs, uuid4()):
        with pytest.raises(AgencyNotFound):
            access_grants.grant(area.platform, area.coordinator(), case_id,
                                Grant("Hearing", agency_id=agency_id))
        with pytest.raises(AgencyNotFound):
            restrictions.restrict(area.platform, area.coordinator(), case_id,
                                  reason="Staff case", member_agencies=[agency_id])
    assert {r[:2] for r in trail(area.platform.audit)} == {("grant", "refused"),
                                                            ("restrict", "refused")}
    assert access_settings(area.platform, area.coordinator(), case_id).current_grants == ()


def test_a_grant_ending_before_it_starts_is_refused_as_such(area: Area) -> None:
    case_id = area.case()
    with pytest.raises(GrantExpiryPassed) as refused:
        access_grants.grant(area.platform, area.coordinator(), case_id,
                            Grant("Hearing", agency_id=area.idva, expires_at=NOW))
    assert refused.value.code == "invalid_access_change"
