"""Who may run a meeting (record attendance for the agencies, each case's hearing, its
disclosures and actions): a person who coordinates or chairs the meeting's own area, and
nobody else, whatever other roles, agency or kind they have."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from security.identity import ROLES, Principal
from security.policy import COORDINATOR_ROLES, may_run_meeting

AREA, OTHER_AREA, AGENCY = UUID(int=1), UUID(int=2), UUID(int=3)

principals = st.builds(
    Principal, subject=st.just("someone"),
    kind=st.sampled_from(["person", "integration", "system"]),
    agency_id=st.sampled_from([AGENCY, None]), area_id=st.sampled_from([AREA, OTHER_AREA, None]),
    roles=st.frozensets(st.sampled_from(ROLES)))


# A handful of fields with few values each: 200 examples cover their combinations well.
@settings(max_examples=200)
@given(principals)
def test_only_the_areas_coordinators_and_chairs_in_person_run_its_meetings(
        principal: Principal) -> None:
    expected = (principal.kind == "person" and principal.area_id == AREA
                and bool(principal.roles & set(COORDINATOR_ROLES)))
    assert may_run_meeting(principal, AREA) is expected


def test_a_representative_does_not_run_a_meeting_and_a_chair_does() -> None:
    rep = Principal("rep", "person", AGENCY, AREA, frozenset({"representative"}))
    chair = Principal("chair", "person", None, AREA, frozenset({"chair"}))
    assert not may_run_meeting(rep, AREA)
    assert may_run_meeting(chair, AREA)
    assert not may_run_meeting(chair, OTHER_AREA)
