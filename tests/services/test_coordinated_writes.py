"""The writes only the area's coordinators and chairs make on a case they may see: each refuses
anyone else with a recorded denial, and answers a case the caller may not see (another area's)
or that does not exist exactly as missing, recorded so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

import pytest

from audit.actions import AuditAction
from services import (
    access_grants,
    case_actions,
    case_closure,
    exclusions,
    restrictions,
    safeguarding,
)
from services.access_grants import Grant
from services.actor import Actor
from services.case_actions import NewAction
from services.errors import Forbidden, NotFound
from services.platform import Platform
from tests.services.conftest import Area, trail

Write = Callable[[Platform, Actor, UUID, UUID], object]

# Each write, called with (platform, actor, case id, an agency of the area).
WRITES: dict[AuditAction, Write] = {
    "grant": lambda p, a, c, agency: access_grants.grant(p, a, c, Grant("Attends", agency)),
    "revoke": lambda p, a, c, _: access_grants.revoke(p, a, c, uuid4(), "Left"),
    "restrict": lambda p, a, c, _: restrictions.restrict(p, a, c, reason="Staff case",
                                                         members=["coordinator-1"]),
    "review_restriction": lambda p, a, c, _: restrictions.review_restriction(
        p, a, c, decision="keep", reason="Still needed"),
    "exclude": lambda p, a, c, _: exclusions.exclude(p, a, c, "staff-7", reason="Neighbour"),
    "readmit": lambda p, a, c, _: exclusions.readmit(p, a, c, "staff-7"),
    "agree_action": lambda p, a, c, agency: case_actions.agree_action(
        p, a, c, NewAction(agency, "Fit a door alarm", "victim", date(2026, 2, 7))),
    "close": lambda p, a, c, _: case_closure.close(p, a, c, reason="Risk reduced"),
    "refer_onward": lambda p, a, c, _: safeguarding.refer_onward(p, a, c, "mash",
                                                                 on=date(2026, 1, 12)),
    "record_social_care": lambda p, a, c, _: safeguarding.record_social_care(
        p, a, c, childrens=True, adult=False),
}


@pytest.mark.parametrize("action", WRITES)
def test_a_representative_who_sees_the_case_is_refused_and_the_refusal_recorded(
        area: Area, action: AuditAction) -> None:
    case_id = area.case()
    referrer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(Forbidden) as refused:
        WRITES[action](area.platform, referrer, case_id, area.idva)
    assert refused.value.code == "forbidden"
    assert trail(area.platform.audit) == [(action, "denied", str(case_id), ())]
    assert area.platform.marac.get_case(case_id).version == 2  # referred, accepted: no more


@pytest.mark.parametrize("action", WRITES)
def test_another_area_s_case_and_a_missing_one_answer_alike_each_recorded_as_it_was(
        area: Area, action: AuditAction) -> None:
    case_id, missing_id = area.case(), uuid4()
    other = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    stranger = area.actor("coordinator-9", "coordinator", area_id=other)
    with pytest.raises(NotFound) as unseen:
        WRITES[action](area.platform, stranger, case_id, area.idva)
    with pytest.raises(NotFound) as missing:
        WRITES[action](area.platform, area.coordinator(), missing_id, area.idva)
    assert (str(unseen.value), str(missing.value)) == (f"case {case_id} not found",
                                                       f"case {missing_id} not found")
    assert trail(area.platform.audit) == [(action, "denied", str(case_id), ()),
                                          (action, "not_found", str(missing_id), ())]
