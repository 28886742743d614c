"""A system principal (the worker's jobs, a command-line operator) is granted nothing by the
policy, whatever roles, scopes, area or agency it is given and however involved in a case."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from security import policy
from security.identity import ROLES, Principal
from security.policy import READ_SCOPE, WRITE_SCOPE, CaseAccess, Viewer

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
AREA, AGENCY = UUID(int=1), UUID(int=2)
REF = "ref-of-the-job"

principals = st.builds(
    Principal, subject=st.sampled_from(["system:retention", "cli:operator"]),
    kind=st.just("system"), agency_id=st.sampled_from([AGENCY, None]),
    area_id=st.sampled_from([AREA, None]),
    roles=st.frozensets(st.sampled_from(ROLES)),
    scopes=st.frozensets(st.sampled_from([READ_SCOPE, WRITE_SCOPE])),
    client_id=st.sampled_from(["police-cms", None]))


def _involved(restricted: bool, provisional: bool) -> CaseAccess:
    """A case the principal is named in every way a person or agency can be."""
    return CaseAccess(
        uuid4(), AREA, involved_agencies=frozenset({AGENCY}), agency_grants=((AGENCY, None),),
        person_grants=((REF, None),), restricted=restricted,
        restriction_provisional=provisional, members=frozenset({REF}),
        member_agencies=frozenset({AGENCY}),
        break_glass=((REF, NOW - timedelta(minutes=5), NOW + timedelta(minutes=5)),),
        allocated_to=frozenset({REF}))


def _answers(p: Principal, access: CaseAccess) -> dict[str, object]:
    viewer = Viewer(p, REF)
    return {
        "reads_case_content": policy.reads_case_content(p),
        "is_coordinator_of": policy.is_coordinator_of(p, AREA),
        "case_visibility": policy.case_visibility(viewer, access, NOW),
        "may_read_audit": policy.may_read_audit(p),
        "may_handle_subject_access": policy.may_handle_subject_access(p, AREA),
        "may_review_break_glass": policy.may_review_break_glass(viewer, "someone", access),
        "may_see_case_metadata": policy.may_see_case_metadata(viewer, access),
        "may_read_processing_record": policy.may_read_processing_record(p),
        "may_refer": policy.may_refer(p, AREA, AGENCY),
        "may_coordinate": policy.may_coordinate(viewer, access, NOW),
        "may_decide_thresholds": policy.may_decide_thresholds(p),
        "may_run_meetings": policy.may_run_meetings(p),
        "may_review_cases": policy.may_review_cases(p),
        "may_see_failed_notifications": policy.may_see_failed_notifications(p),
        "may_share": policy.may_share(viewer, access, NOW),
        "may_correct_referral": policy.may_correct_referral(viewer, access, NOW),
        "may_withdraw_referral": policy.may_withdraw_referral(viewer, access, NOW),
        "may_break_glass": policy.may_break_glass(viewer, access, NOW),
        "may_act_for": policy.may_act_for(viewer, access, AGENCY, NOW),
        "may_see_meeting": policy.may_see_meeting(viewer, AREA, True, frozenset({REF}), True),
        "may_run_meeting": policy.may_run_meeting(p, AREA),
        "may_allocate": policy.may_allocate(viewer, access, NOW),
        "may_work_marrac_case": policy.may_work_marrac_case(viewer, access, NOW),
        "may_manage_feeds": policy.may_manage_feeds(p, AREA),
        "may_pull": policy.may_pull(p, "police-cms", AGENCY, AREA),
        "sees_feed_delivery": policy.sees_feed_delivery(p, "police-cms", AGENCY, AREA),
        "may_configure_area": policy.may_configure_area(p, AREA),
        "may_read_area_settings": policy.may_read_area_settings(p, AREA),
        "may_administer_partnership": policy.may_administer_partnership(p, AREA),
        "may_create_area": policy.may_administer_partnership(p, None),
        "may_read_partnership": policy.may_read_partnership(p),
        "may_read_reports": policy.may_read_reports(p, AREA),
        "may_read_exact_figures": policy.may_read_exact_figures(p, AREA),
        "has_agency_work": policy.has_agency_work(p),
        "may_ask_break_glass": policy.may_ask_break_glass(p),
        "may_lead_marrac_team": policy.may_lead_marrac_team(p),
    }


def test_every_grant_of_the_policy_is_asked_here() -> None:
    """A question added to the policy must be added to this test too."""
    grants = {name for name, f in inspect.getmembers(policy, inspect.isfunction)
              if f.__module__ == policy.__name__ and not name.startswith("_")
              and (name.startswith(("may_", "sees_feed", "reads_", "is_coordinator",
                                    "has_agency_work"))
                   or name == "case_visibility")}
    asked = _answers(Principal("system:x", "system", None, None, frozenset()),
                     _involved(False, False))
    assert grants == set(asked) - {"may_create_area"}


@given(principals, st.booleans(), st.booleans())
def test_a_system_principal_is_granted_nothing(p: Principal, restricted: bool,
                                               provisional: bool) -> None:
    granted = {name for name, answer in _answers(p, _involved(restricted, provisional)).items()
               if answer not in (False, None)}
    assert granted == set()
