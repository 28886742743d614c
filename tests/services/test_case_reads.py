"""The case reads as use cases, called without HTTP: each read's one audit record, the uniform
404 for a case the caller may not see, and lists that hold only what the caller may see."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.access import Audience
from services import action_lists, case_lists, case_reviews, case_view, repeats
from services.actor import Actor
from services.break_glass_review import list_uses
from services.errors import Forbidden, Invalid, NotFound
from tests.factories import VICTIM_DOB, VICTIM_SURNAME
from tests.services.conftest import NOW, Area, Clock, trail

PURPOSE = "meeting_preparation"


def test_a_case_the_caller_may_not_see_is_not_found_like_a_missing_one_and_recorded_so(
        area: Area) -> None:
    case_id, missing = area.case(), uuid4()
    with pytest.raises(NotFound) as unseen:
        case_view.view(area.platform, area.actor("idva-rep", "representative",
                                                 agency=area.idva, purpose=PURPOSE), case_id)
    with pytest.raises(NotFound) as absent:
        case_view.view(area.platform, area.actor("idva-rep", "representative",
                                                 agency=area.idva, purpose=PURPOSE), missing)
    assert (unseen.value.code, absent.value.code) == ("not_found", "not_found")
    assert trail(area.platform.audit)[-2:] == [("read", "denied", str(case_id), ()),
                                               ("read", "not_found", str(missing), ())]


def test_a_representative_sees_the_items_for_them_and_the_record_names_those_only(
        area: Area) -> None:
    case_id = area.case()
    app = area.platform.marac
    for_all = app.share(case_id, kind="note", text="Seen by all", audience=Audience("whole_case"),
                        author="coordinator-1", author_agency=area.police, for_agency=False)
    app.share(case_id, kind="note", text="Coordinators only",
              audience=Audience("coordinators"), author="coordinator-1",
              author_agency=area.police, for_agency=False)
    area.platform.runner.catch_up()
    police = area.actor("police-rep", "representative", agency=area.police, purpose=PURPOSE)

    seen = case_view.view(area.platform, police, case_id)

    assert [i.item_id for i in seen.items] == [for_all]
    assert (seen.summary.case_id, seen.access, seen.safeguarding) == (case_id, None, None)
    assert trail(area.platform.audit)[-1] == (
        "read", "allowed", str(case_id), ("referral", "decision", str(for_all)))
    assert area.platform.audit.records()[-1]["purpose"] == PURPOSE


def test_the_coordinators_view_has_the_access_facts_and_every_agency_told_of_closure(
        area: Area) -> None:
    case_id = area.case()
    area.platform.marac.close_case(case_id, by="coordinator-1", reason="Risk reduced",
                                   inform=[area.police, area.idva])
    area.platform.runner.catch_up()
    coordinator = replace(area.coordinator(), purpose=PURPOSE)
    police = area.actor("police-rep", "representative", agency=area.police, purpose=PURPOSE)

    whole = case_view.view(area.platform, coordinator, case_id)
    own = case_view.view(area.platform, police, case_id)

    assert whole.access is not None
    assert whole.closure is not None
    assert own.closure is not None
    assert set(whole.closure.informed) == {area.police, area.idva}
    assert set(own.closure.informed) == {area.police}
    assert own.closure.outstanding == (area.police,)


def test_the_list_holds_only_the_cases_the_caller_may_see_and_counts_only_those(
        area: Area) -> None:
    first, second = area.case(), area.case(referred_on=date(2026, 1, 11))
    idva = area.actor("idva-rep", "representative", agency=area.idva)
    coordinator = area.coordinator()

    nothing = case_lists.list_cases(area.platform, idva, status=None, page=1, page_size=25)
    page = case_lists.list_cases(area.platform, coordinator, status=None, page=1, page_size=1)
    rest = case_lists.list_cases(area.platform, area.coordinator(), status=None, page=1,
                                 page_size=1, cursor=page.next_cursor)

    assert (nothing.items, nothing.total) == ((), 0)
    assert ([s.case_id for s in page.items], page.total) == ([second], 2)
    assert ([s.case_id for s in rest.items], rest.next_cursor) == ([first], None)
    assert trail(area.platform.audit)[-3:] == [("list", "allowed", None, ()),
                                               ("list", "allowed", None, (str(second),)),
                                               ("list", "allowed", None, (str(first),))]


def test_a_list_refuses_a_role_that_reads_no_cases_and_a_cursor_it_did_not_give(
        area: Area) -> None:
    dpo = area.actor("dpo-1", "dpo")
    with pytest.raises(Forbidden):
        case_lists.list_cases(area.platform, dpo, status=None, page=1, page_size=25)
    assert trail(area.platform.audit)[-1] == ("list", "denied", None, ())
    with pytest.raises(Invalid) as invalid:
        case_lists.list_cases(area.platform, area.coordinator(), status=None, page=1,
                              page_size=25, cursor="not-a-cursor")
    assert invalid.value.code == "invalid_cursor"
    with pytest.raises(Invalid) as both:
        case_lists.search(area.platform, area.coordinator(), surname="x", forename="",
                          date_of_birth=None, reference="", cursor="not-a-cursor")
    assert both.value.code == "invalid_cursor"


def test_a_search_finds_by_name_and_birth_date_only_the_cases_the_caller_may_see(
        area: Area) -> None:
    case_id = area.case()
    found = case_lists.search(area.platform, replace(area.coordinator(), purpose=PURPOSE),
                              surname=VICTIM_SURNAME, forename="",
                              date_of_birth=VICTIM_DOB, reference="")
    idva = area.actor("idva-rep", "representative", agency=area.idva, purpose=PURPOSE)
    hidden = case_lists.search(area.platform, idva, surname=VICTIM_SURNAME, forename="",
                               date_of_birth=VICTIM_DOB, reference="")

    assert [h.summary.case_id for h in found.items] == [case_id]
    assert found.items[0].matched_on != ()
    assert (found.total, hidden.items, hidden.total) == (1, (), 0)
    assert trail(area.platform.audit)[-2:] == [("search", "allowed", None, (str(case_id),)),
                                               ("search", "allowed", None, ())]
    assert [r["purpose"] for r in area.platform.audit.records()[-2:]] == [PURPOSE, PURPOSE]


def test_a_case_excluded_from_the_coordinator_is_absent_from_lists_and_reviews(
        area: Area) -> None:
    case_id = area.case(referred_on=date(2025, 1, 20))
    area.platform.marac.exclude(case_id, "coordinator-1", by="chair-1", reason="Neighbour")
    area.platform.runner.catch_up()
    coordinator = area.coordinator()
    chair = area.actor("chair-1", "chair", agency=area.police)

    assert case_lists.list_cases(area.platform, coordinator, status=None, page=1,
                                 page_size=25).total == 0
    assert case_reviews.anniversaries(area.platform, area.coordinator(), 30) == []
    assert [c.case_id for c in case_reviews.anniversaries(area.platform, chair, 30)] == [
        case_id]
    assert trail(area.platform.audit)[-2:] == [("list", "allowed", None, ()),
                                               ("list", "allowed", None, (str(case_id),))]


def test_reviews_are_for_the_areas_coordinators_and_refusals_are_recorded(
        area: Area) -> None:
    idva = area.actor("idva-rep", "representative", agency=area.idva)
    with pytest.raises(Forbidden):
        case_reviews.anniversaries(area.platform, idva, 30)
    with pytest.raises(Forbidden):
        case_reviews.restrictions_due(area.platform, area.actor("idva-rep", "representative",
                                                                agency=area.idva), 0)
    assert trail(area.platform.audit)[-2:] == [("list", "denied", None, ()),
                                               ("list", "denied", None, ())]


def test_restrictions_due_are_listed_for_a_member_coordinator_only(area: Area) -> None:
    case_id = area.case()
    area.platform.marac.restrict(case_id, by="coordinator-1", reason="Staff related",
                                 members={"coordinator-1"})
    area.platform.runner.catch_up()
    later = 91
    member = case_reviews.restrictions_due(area.platform, area.coordinator(), later)
    other = case_reviews.restrictions_due(
        area.platform, area.actor("coordinator-2", "coordinator", agency=area.police), later)
    assert [d.case_id for d in member] == [case_id]
    assert member[0].review_due <= NOW + timedelta(days=later)
    assert other == []
    assert trail(area.platform.audit)[-2:] == [("list", "allowed", None, (str(case_id),)),
                                               ("list", "allowed", None, ())]


def test_possible_repeats_name_only_visible_cases_for_the_coordinator(area: Area) -> None:
    earlier = area.case(referred_on=date(2025, 11, 1))
    later = area.case()
    coordinator = replace(area.coordinator(), purpose=PURPOSE)
    found = repeats.possible_repeats(area.platform, coordinator, later)
    assert [f.case_id for f in found] == [earlier]
    assert trail(area.platform.audit)[-1] == ("read", "allowed", str(later), (str(earlier),))
    police = area.actor("police-rep", "representative", agency=area.police, purpose=PURPOSE)
    with pytest.raises(Forbidden):
        repeats.possible_repeats(area.platform, police, later)
    assert trail(area.platform.audit)[-1] == ("read", "denied", str(later), ())


def test_action_lists_show_the_agencys_own_and_overdue_ones_to_coordinators_only(
        area: Area) -> None:
    case_id = area.case()
    action_id = area.platform.marac.agree_action(
        case_id, owner_agency=area.police, description="Flag the address", for_whom="victim",
        due_on=NOW.date(), by="coordinator-1")
    area.platform.runner.catch_up()
    police = area.actor("police-rep", "representative", agency=area.police)
    mine = action_lists.actions(area.platform, police, "mine")
    overdue = action_lists.actions(area.platform, area.coordinator(), "overdue")
    # Due today is still in time: not overdue.
    assert [(a.action_id, a.case_id, a.overdue) for a in mine] == [(action_id, case_id, False)]
    assert overdue == []
    with pytest.raises(Forbidden):
        action_lists.actions(area.platform, area.actor("police-rep", "representative",
                                                       agency=area.police), "overdue")
    assert trail(area.platform.audit)[-3:] == [
        ("list_actions", "allowed", None, (str(action_id),)),
        ("list_actions", "allowed", None, ()),
        ("list_actions", "denied", None, ())]


def test_a_dpo_reads_a_break_glass_use_with_its_reason_and_others_are_refused(
        area: Area) -> None:
    case_id = area.case()
    housing = area.actor("housing-rep", "representative", agency=area.idva)
    area.platform.marac.open_break_glass(case_id, person="housing-rep", agency_id=area.idva,
                                         reason="At the office now", minutes=30)
    housing.audit.record("break_glass", "allowed", case_id=case_id, area_id=area.area_id)
    area.platform.runner.catch_up()

    (use,) = list_uses(area.platform, area.actor("dpo-1", "dpo"), pending_only=True)
    (own,) = list_uses(area.platform, area.actor("housing-rep", "dpo"), pending_only=True)
    with pytest.raises(Forbidden):
        list_uses(area.platform, area.coordinator(), pending_only=False)

    assert (use.case_id, use.actor, use.reviewable, use.reason, use.note_status) == (
        case_id, "housing-rep", True, "At the office now", "none")
    assert use.expires_at is not None
    assert use.opened_at is not None
    assert use.expires_at - use.opened_at == timedelta(minutes=30)
    assert (own.reviewable, own.reason, own.opened_at, own.note_status) == (
        False, None, None, "withheld")
    records = area.platform.audit.records()[-3:]
    assert [(r["action"], r["outcome"], r["purpose"]) for r in records] == [
        ("audit_query", "allowed", "break_glass_review"),
        ("audit_query", "allowed", "break_glass_review"),
        ("audit_query", "denied", None)]
    assert trail(area.platform.audit)[-3][3] == (str(use.seq),)


def test_the_view_says_which_actions_are_overdue_as_the_action_lists_do(
        area: Area, clock: Clock) -> None:
    case_id = area.case()
    app = area.platform.marac
    due = NOW.date() + timedelta(days=7)
    done = app.agree_action(case_id, owner_agency=area.police, description="Mark the address",
                            for_whom="victim", due_on=due, by="coordinator-1")
    late = app.agree_action(case_id, owner_agency=area.idva, description="Call the victim",
                            for_whom="victim", due_on=due, by="coordinator-1")
    app.update_action(case_id, done, note="Marked", by="police-rep", outcome="completed")
    area.platform.runner.catch_up()
    on_the_day = case_view.view(area.platform, replace(area.coordinator(), purpose=PURPOSE),
                                case_id)
    clock.at += timedelta(days=8)
    after = case_view.view(area.platform, replace(area.coordinator(), purpose=PURPOSE), case_id)

    assert {a.action_id: a.overdue for a in on_the_day.actions} == {done: False, late: False}
    assert {a.action_id: a.overdue for a in after.actions} == {done: False, late: True}


def test_a_restricted_case_is_marked_so_for_those_who_see_it(area: Area) -> None:
    open_case, closed_case = area.case(), area.case()
    area.platform.marac.restrict(closed_case, by="coordinator-1", reason="Need to know",
                                 members={"police-rep"})
    area.platform.runner.catch_up()
    def member() -> Actor:
        return area.actor("police-rep", "representative", agency=area.police, purpose=PURPOSE)

    assert case_view.view(area.platform, member(), closed_case).summary.restricted
    assert not case_view.view(area.platform, member(), open_case).summary.restricted
    listed = case_lists.list_cases(area.platform, member(), status=None, page=1, page_size=10)
    assert {s.case_id: s.restricted for s in listed.items} == {open_case: False,
                                                               closed_case: True}
