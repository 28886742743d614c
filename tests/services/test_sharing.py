"""Sharing information on a case, and releasing it to a wider audience, as use cases."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.access import Audience, SharedItem
from services import access_grants, sharing
from services.access_grants import Grant
from services.errors import Forbidden, NotFound
from tests.services.conftest import Area, trail

WHOLE_CASE = Audience("whole_case", ())


def _shared(area: Area, case_id: UUID, audience: Audience) -> UUID:
    """An item the police share on the case: research (to the coordinators first), or a
    note."""
    officer = area.actor("officer-1", "representative", agency=area.police)
    kind = "research_note" if audience.kind == "coordinators" else "note"
    return sharing.share(area.platform, officer, case_id, kind=kind,
                         text="Two call-outs in December", audience=audience)


def _items(area: Area, case_id: UUID) -> dict[UUID, SharedItem]:
    document = area.platform.cases.document(case_id)
    assert document is not None
    return {i.item_id: i for i in document.items}


def test_an_agency_s_representative_shares_an_item_for_their_agency(area: Area) -> None:
    case_id = area.case()
    item_id = _shared(area, case_id, Audience("coordinators", ()))
    item = _items(area, case_id)[item_id]
    assert (item.author_agency, item.for_agency) == (area.police, True)
    assert trail(area.platform.audit) == [("share", "allowed", str(case_id), ())]


def test_one_with_no_agency_may_not_share_and_the_refusal_is_recorded(area: Area) -> None:
    case_id = area.case()
    chair = area.actor("chair-1", "chair")  # sees the case, speaks for no agency
    with pytest.raises(Forbidden):
        sharing.share(area.platform, chair, case_id, kind="note", text="Noted",
                      audience=WHOLE_CASE)
    assert trail(area.platform.audit) == [("share", "denied", str(case_id), ())]


def test_sharing_on_a_case_one_may_not_see_answers_as_missing(area: Area) -> None:
    case_id = area.case()
    idva = area.actor("idva-1", "representative", agency=area.idva)  # not involved
    with pytest.raises(NotFound):
        sharing.share(area.platform, idva, case_id, kind="note", text="Noted",
                      audience=WHOLE_CASE)
    assert trail(area.platform.audit) == [("share", "denied", str(case_id), ())]


def test_the_authoring_agency_releases_its_research_to_the_whole_case(area: Area) -> None:
    case_id = area.case()
    item_id = _shared(area, case_id, Audience("coordinators", ()))
    officer = area.actor("officer-1", "representative", agency=area.police)

    sharing.release(area.platform, officer, case_id, item_id, audience=WHOLE_CASE)

    assert _items(area, case_id)[item_id].audience == WHOLE_CASE
    assert trail(area.platform.audit)[-1] == ("release", "allowed", str(case_id), ())


def test_another_agency_may_not_release_an_item_it_sees_and_the_refusal_names_it(
        area: Area) -> None:
    case_id = area.case()
    access_grants.grant(area.platform, area.coordinator(), case_id,
                        Grant("Supports the victim", agency_id=area.idva))
    item_id = _shared(area, case_id, WHOLE_CASE)
    idva = area.actor("idva-1", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        sharing.release(area.platform, idva, case_id, item_id,
                        audience=Audience("agencies", (area.idva,)))
    assert trail(area.platform.audit)[-1] == ("release", "denied", str(case_id),
                                              (str(item_id),))


@pytest.mark.parametrize("item", ["unseen", "missing"])
def test_an_item_one_may_not_see_is_released_as_one_that_does_not_exist(
        area: Area, item: str) -> None:
    case_id = area.case()
    access_grants.grant(area.platform, area.coordinator(), case_id,
                        Grant("Supports the victim", agency_id=area.idva))
    item_id = (_shared(area, case_id, Audience("authoring_agency", ())) if item == "unseen"
               else uuid4())
    idva = area.actor("idva-1", "representative", agency=area.idva)
    with pytest.raises(NotFound) as missing:
        sharing.release(area.platform, idva, case_id, item_id, audience=WHOLE_CASE)
    assert str(missing.value) == f"case {case_id} not found"
    assert trail(area.platform.audit)[-1] == ("release", "not_found", str(case_id),
                                              (str(item_id),))
