"""Break-glass as a use case: a representative who cannot see a case opens it for a while;
one who already sees it is told so; a restricted or missing case answers as missing."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from services import restrictions
from services.break_glass import open_break_glass
from services.errors import Conflict, NotFound
from tests.services.conftest import NOW, Area, trail


def test_a_representative_opens_a_case_they_cannot_see_for_the_minutes_asked(
        area: Area) -> None:
    case_id = area.case()
    idva = area.actor("idva-1", "representative", agency=area.idva)

    expires = open_break_glass(area.platform, idva, case_id, reason="Victim at A&E now",
                               minutes=20)

    assert expires == NOW + timedelta(minutes=20)
    assert trail(area.platform.audit) == [("break_glass", "allowed", str(case_id), ())]


def test_one_who_already_sees_the_case_is_told_so_and_the_request_recorded_as_rejected(
        area: Area) -> None:
    case_id = area.case()
    officer = area.actor("officer-1", "representative", agency=area.police)
    with pytest.raises(Conflict) as refused:
        open_break_glass(area.platform, officer, case_id, reason="Out of hours")
    assert refused.value.code == "already_visible"
    assert trail(area.platform.audit) == [("break_glass", "rejected", str(case_id), ())]


def test_a_restricted_case_and_a_missing_one_answer_alike_each_recorded_as_it_was(
        area: Area) -> None:
    case_id, missing_id = area.case(), uuid4()
    restrictions.restrict(area.platform, area.coordinator(), case_id, reason="Staff case",
                          members=["coordinator-1"])
    idva = area.actor
    with pytest.raises(NotFound) as hidden:
        open_break_glass(area.platform, idva("idva-1", "representative", agency=area.idva),
                         case_id, reason="Out of hours")
    with pytest.raises(NotFound) as missing:
        open_break_glass(area.platform, idva("idva-1", "representative", agency=area.idva),
                         missing_id, reason="Out of hours")
    assert (str(hidden.value), str(missing.value)) == (f"case {case_id} not found",
                                                       f"case {missing_id} not found")
    assert trail(area.platform.audit)[1:] == [
        ("break_glass", "denied", str(case_id), ()),
        ("break_glass", "not_found", str(missing_id), ())]
