"""The case document the projector seals reads back as the document it was made from, and
writes again unchanged; a document sealed before later parts were kept reads as its readers
read it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.access import Audience
from domain.actions import ActionDisposal
from domain.application import Marac
from domain.area import AreaSettings
from domain.case import inform_by, told_late
from domain.exceptions import DomainError
from domain.meeting import Risk
from projections.case_document import AgencyTold, CaseDocument
from projections.case_documents import case_document
from services.closure import AgencyTold as Told
from services.closure import closure_state
from tests.factories import area_with_agency, referral

START = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
MEETING_DAY = date(2026, 2, 3)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        self.at += timedelta(minutes=7)
        return self.at

    def today(self) -> date:
        return self.at.date()


class World:
    """A case in an area with two agencies and a meeting that lists it."""

    def __init__(self, app: Marac, clock: Clock, model: str) -> None:
        self.app, self.clock = app, clock
        self.area, self.police = area_with_agency(app, AreaSettings(model=model))  # type: ignore[arg-type]
        self.health = app.register_agency(self.area, "health", "Wexshire Health", "health",
                                           core=True)
        self.case = app.refer(referral(self.area, self.police))
        self.meeting = app.schedule_meeting(self.area, "standard", MEETING_DAY,
                                            by="chair-1")

    def typed(self) -> CaseDocument:
        return case_document(self.app.get_case(self.case))

    def hear(self) -> None:
        self.clock.at = max(self.clock.at, datetime.combine(MEETING_DAY, time(9), tzinfo=UTC))
        self.app.record_hearing(self.meeting, self.case, risks=(Risk("victim", "Strangulation"),),
                                by="chair-1")

    def document(self) -> dict[str, Any]:
        # As sealed: through JSON, as the sealer writes it.
        sealed: dict[str, Any] = json.loads(json.dumps(self.typed().to_json()))
        return sealed


Op = Callable[[World], object]


def each_action(w: World, do: Callable[[UUID], None]) -> None:
    for action_id in w.app.get_case(w.case).actions:
        do(action_id)


OPS: dict[str, Op] = {
    "accept": lambda w: w.app.accept(w.case, "coordinator-1"),
    "list": lambda w: w.app.list_on_agenda(w.meeting, w.case, invite={w.health},
                                           by="coordinator-1"),
    "share": lambda w: w.app.share(w.case, kind="research", text="Seen at A&E twice",
                                   audience=Audience("agencies", (w.health,)),
                                   author="nurse-7", author_agency=w.health, for_agency=True),
    "share_at_hearing": lambda w: w.app.share(
        w.case, kind="disclosure", text="Previous partner", audience=Audience("whole_case"),
        author="police-rep", author_agency=w.police, for_agency=False, meeting_id=w.meeting),
    "research": lambda w: w.app.request_research(w.meeting, w.case, agencies={w.health},
                                                 due_on=date(2026, 2, 1), by="coordinator-1"),
    # A hearing is recorded from the meeting's day on (domain/meeting.py).
    "hearing": lambda w: w.hear(),
    "action": lambda w: w.app.agree_action(
        w.case, owner_agency=w.police, description="Flag the address", for_whom="victim",
        due_on=date(2026, 2, 10), by="chair-1"),
    "action_done": lambda w: each_action(w, lambda a: w.app.update_action(
        w.case, a, note="Flagged", by="police-rep", outcome="completed")),
    "weeks_pass": lambda w: setattr(w.clock, "at", w.clock.at + timedelta(weeks=5)),
    "escalate": lambda w: each_action(w, lambda a: w.app.escalate_action(w.case, a,
                                                                         by="chair-1")),
    "grant_agency": lambda w: w.app.grant_access(w.case, by="coordinator-1", reason="Invited",
                                                 agency_id=w.health),
    "grant_person": lambda w: w.app.grant_access(
        w.case, by="coordinator-1", reason="Cover", person="idva-2",
        expires_at=w.clock.at + timedelta(days=30)),
    "restrict": lambda w: w.app.restrict(w.case, by="coordinator-1", reason="Staff member",
                                         members={"coordinator-1"},
                                         member_agencies={w.police}),
    "exclude": lambda w: w.app.exclude(w.case, "cousin-9", by="coordinator-1",
                                       reason="Relative of the victim"),
    "break_glass": lambda w: w.app.open_break_glass(w.case, person="duty-3",
                                                    agency_id=w.police, reason="Out of hours"),
    "onward": lambda w: w.app.refer_onward(w.case, "mash", on=date(2026, 2, 4),
                                           by="coordinator-1"),
    "social_care": lambda w: w.app.record_social_care(w.case, childrens=True, adult=False,
                                                      by="coordinator-1"),
    "allocate": lambda w: w.app.allocate(w.case, "coordinator-1", by="manager-1"),
    "step": lambda w: w.app.complete_step(w.case, "gather_and_assess", by="coordinator-1"),
    "needs": lambda w: w.app.record_needs(w.case, "victim", "Safe housing", by="coordinator-1"),
    "contact": lambda w: w.app.record_contact(w.case, "victim", 40, by="coordinator-1"),
    "plan": lambda w: w.app.agree_plan(w.case, by="coordinator-1"),
    "review": lambda w: w.app.review_plan(w.case, by="coordinator-1", still_meets_purpose=True,
                                          outcome="continue_plan"),
    "close": lambda w: w.app.close_case(
        w.case, by="coordinator-1", reason="Risk reduced", inform={w.police, w.health},
        disposals=[ActionDisposal(a, "closed_with_case")
                   for a in w.app.get_case(w.case).open_actions]),
    "told": lambda w: w.app.acknowledge_closure(w.case, w.health, by="nurse-7"),
    "feedback": lambda w: w.app.record_feedback(w.case, "One contact throughout",
                                                by="coordinator-1", agency_id=w.health),
}
MARAC = ("accept", "list", "share", "share_at_hearing", "research", "hearing", "action",
         "weeks_pass", "escalate", "action_done", "grant_agency", "grant_person", "break_glass",
         "restrict", "exclude", "onward", "social_care", "close", "told")
MARRAC = ("accept", "allocate", "step", "needs", "contact", "action", "plan", "review", "share",
          "close", "told", "feedback")


@pytest.fixture
def world() -> Iterator[Callable[[str], World]]:
    apps: list[Marac] = []

    def make(model: str) -> World:
        clock = Clock()
        app = Marac(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, now=clock,
                    today=clock.today)
        apps.append(app)
        return World(app, clock, model)

    yield make
    for app in apps:
        app.close()


def run(w: World, ops: tuple[str, ...] | list[str]) -> None:
    for op in ops:
        # An op the case's state refuses is simply not in its history.
        with contextlib.suppress(DomainError):
            OPS[op](w)


@pytest.mark.parametrize(("model", "ops"), [("marac", MARAC), ("marrac", MARRAC)])
def test_a_rich_case_document_reads_back_and_writes_again_unchanged(
    world: Callable[[str], World], model: str, ops: tuple[str, ...]
) -> None:
    w = world(model)
    run(w, ops)
    sealed = w.document()
    typed = CaseDocument.from_json(sealed)
    assert typed == w.typed()
    assert typed.to_json() == sealed
    # Every part was there to be typed, not left at its default.
    assert typed.closed_on is not None
    assert typed.closure_told[w.health].told_at is not None
    if model == "marac":
        assert typed.hearings
        assert typed.research_requests[0].agency_id == w.health
        assert typed.actions[0].escalated
        assert typed.actions[0].notes[0].outcome == "completed"
        assert {i.meeting_id for i in typed.items} == {None, w.meeting}
        assert typed.access.break_glass[0].reason == "Out of hours"
        assert typed.access.restriction is not None
        assert typed.safeguarding.social_care
    else:
        assert typed.marrac.needs["victim"].needs == "Safe housing"
        assert typed.marrac.plan_agreed is not None
        assert typed.marrac.reviews
        assert typed.marrac.feedback[0].agency_id == w.health


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.sampled_from(["marac", "marrac"]),
       ops=st.lists(st.sampled_from(sorted(OPS)), max_size=14))
def test_any_case_document_reads_back_and_writes_again_unchanged(
    world: Callable[[str], World], model: str, ops: list[str]
) -> None:
    w = world(model)
    run(w, ops)
    sealed = w.document()
    assert CaseDocument.from_json(sealed).to_json() == sealed
    assert CaseDocument.from_json(sealed) == w.typed()


def test_a_document_sealed_before_later_parts_were_kept_reads_as_its_readers_read_it(
    world: Callable[[str], World]
) -> None:
    w = world("marac")
    run(w, ("accept", "list", "share", "break_glass", "close"))
    current = w.document()
    old = {k: v for k, v in current.items()
           if k not in ("marrac", "safeguarding", "actions", "research_requests", "hearings",
                        "closed_at", "inform_by", "closure_told")}
    for item in old["items"]:
        del item["for_agency"], item["meeting_id"]
    for session in old["access"]["break_glass"]:
        del session["reason"]
    # A closure sealed with its date only, and the agencies told as times.
    old["closure_informed"] = {str(w.police): None, str(w.health): "2026-01-12T11:00:00+00:00"}

    typed = CaseDocument.from_json(old)

    assert typed.marrac.coordinator is None
    assert typed.marrac.steps == ()
    assert typed.safeguarding.social_care is None
    assert typed.actions == ()
    assert typed.items[0].for_agency is False
    assert typed.items[0].meeting_id is None
    assert typed.access.break_glass[0].reason == ""
    assert typed.closed_on is not None
    deadline = inform_by(typed.closed_on, None)  # judged from the day it was closed
    told = datetime(2026, 1, 12, 11, tzinfo=UTC)
    assert typed.closed_at is None
    assert typed.inform_by == deadline
    assert typed.closure_told == {w.police: AgencyTold(None, None),
                                  w.health: AgencyTold(told, None)}
    # Lateness not kept: one told is judged from when it was told; one untold, now.
    now = START + timedelta(days=60)
    state = closure_state(typed, now)
    assert state is not None
    assert state.informed == {w.police: Told(None, late=True),
                              w.health: Told(told, late=told_late(deadline, told))}
    assert state.outstanding == (w.police,)
    # Written again, it is in today's shape, and read as before.
    assert closure_state(CaseDocument.from_json(typed.to_json()), now) == state
    assert UUID(typed.to_json()["case_id"]) == w.case
