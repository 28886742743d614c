"""What the case view offers its reader (`may_agree_action`, `may_withdraw`, which the case
page's links follow) is exactly what the use cases then allow them: for each kind of reader
and each state of a case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.exceptions import DomainError
from services import case_actions, case_closure, case_view, referral_corrections
from services.actor import Actor
from services.case_actions import NewAction
from services.errors import Forbidden, NotFound
from tests.factories import referral
from tests.services.conftest import Area

READERS: dict[str, Callable[[Area], Actor]] = {
    "coordinator": lambda area: area.coordinator(),
    "chair": lambda area: area.actor("chair-1", "chair"),
    "referring officer": lambda area: area.actor("officer-1", "representative",
                                                 agency=area.police),
    "agency granted access": lambda area: area.actor("idva-1", "representative",
                                                     agency=area.idva),
}
STATES = ("referred", "accepted", "closed", "withdrawn")


def case_in(area: Area, state: str) -> UUID:
    """A case the police referred and the IDVA service was granted access to, in `state`."""
    app = area.platform.marac
    case_id = app.refer(referral(area.area_id, area.police))
    app.grant_access(case_id, by="coordinator-1", reason="Attends", agency_id=area.idva)
    if state != "referred":
        app.accept(case_id, "coordinator-1")
    area.platform.runner.catch_up()
    if state == "closed":
        case_closure.close(area.platform, area.coordinator(), case_id, reason="Risk reduced")
    if state == "withdrawn":
        referral_corrections.withdraw(area.platform, area.coordinator(), case_id,
                                      reason="Entered in error")
    return case_id


def allowed(call: Callable[[], object]) -> bool:
    try:
        call()
    except (Forbidden, NotFound, DomainError):
        return False
    return True


def offers(area: Area, reader: str, case_id: UUID) -> tuple[bool, bool]:
    """The view's offers to the reader; none on a case they may not see."""
    try:
        seen = case_view.view(area.platform, READERS[reader](area), case_id)
    except NotFound:
        return False, False
    return seen.may_agree_action, seen.may_withdraw


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("reader", READERS)
def test_the_view_offers_exactly_what_the_use_cases_allow(
        area: Area, reader: str, state: str) -> None:
    action_case, withdrawal_case = case_in(area, state), case_in(area, state)
    may_agree, _ = offers(area, reader, action_case)
    _, may_withdraw = offers(area, reader, withdrawal_case)
    assert may_agree == allowed(lambda: case_actions.agree_action(
        area.platform, READERS[reader](area), action_case,
        NewAction(area.idva, "Safety plan with the victim", "victim", date(2026, 2, 7))))
    assert may_withdraw == allowed(lambda: referral_corrections.withdraw(
        area.platform, READERS[reader](area), withdrawal_case, reason="Entered in error"))
    # The coordinators are offered both on an accepted case, and nobody anything on one ended.
    if state == "accepted" and reader in ("coordinator", "chair"):
        assert (may_agree, may_withdraw) == (True, True)
    if state in ("closed", "withdrawn"):
        assert (may_agree, may_withdraw) == (False, False)
