"""`security.policy.list_filter` says of every case what `case_visibility` says of one: on
random access facts (restricted or not, provisional, members, member agencies, exclusions,
grants and break-glass sessions live or lapsed, in the viewer's area or another) and random
principals of every kind and role, at random times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from security.case_filter import admits, case_facts
from security.identity import ROLES, Principal
from security.policy import CaseAccess, Viewer, case_visibility, list_filter

AREAS = (UUID(int=1), UUID(int=2))
AGENCIES = (UUID(int=11), UUID(int=12))
PEOPLE = ("ref-a", "ref-b")
# Every role, the content readers drawn more often.
ROLE_DRAWS = (*ROLES, "representative", "representative", "coordinator", "chair")
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)

times = st.integers(min_value=-60, max_value=60).map(lambda m: T0 + timedelta(minutes=m))
expiries = st.one_of(st.none(), times)
agencies = st.sampled_from(AGENCIES)
people = st.sampled_from(PEOPLE)


@st.composite
def accesses(draw: st.DrawFn) -> CaseAccess:
    windows = draw(st.lists(st.tuples(people, times, st.integers(1, 60)), max_size=2))
    restricted = draw(st.booleans())
    return CaseAccess(
        case_id=UUID(int=99),
        area_id=draw(st.sampled_from(AREAS)),
        involved_agencies=draw(st.frozensets(agencies, max_size=2)),
        agency_grants=tuple(draw(st.lists(st.tuples(agencies, expiries), max_size=2))),
        person_grants=tuple(draw(st.lists(st.tuples(people, expiries), max_size=2))),
        restricted=restricted,
        restriction_provisional=restricted and draw(st.booleans()),
        members=draw(st.frozensets(people, max_size=2)),
        member_agencies=draw(st.frozensets(agencies, max_size=2)),
        excluded=draw(st.frozensets(people, max_size=1)),
        break_glass=tuple((p, at, at + timedelta(minutes=m)) for p, at, m in windows),
    )


@st.composite
def viewers(draw: st.DrawFn) -> Viewer:
    kind: Literal["person", "integration"] = draw(
        st.sampled_from(["person", "person", "integration"]))
    principal = Principal(
        subject="someone", kind=kind,
        agency_id=draw(st.one_of(st.none(), agencies)),
        area_id=draw(st.one_of(st.none(), st.sampled_from(AREAS))),
        roles=draw(st.frozensets(st.sampled_from(ROLE_DRAWS), min_size=1, max_size=2)),
        scopes=draw(st.frozensets(st.sampled_from(["cases:read", "cases:write"]))),
        client_id="client" if kind == "integration" else None)
    return Viewer(principal, draw(people))


@settings(max_examples=1000)
@given(viewer=viewers(), access=accesses(), now=times)
def test_the_list_filter_admits_exactly_the_cases_the_policy_shows(
        viewer: Viewer, access: CaseAccess, now: datetime) -> None:
    expected = case_visibility(viewer, access, now) is not None
    assert admits(list_filter(viewer, now), case_facts(access)) == expected
