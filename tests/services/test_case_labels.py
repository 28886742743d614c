"""A case's label (the victim's initials and year of birth) is personal data: it is in the
answers of those who may see the case, and in no answer, list or agenda of anyone else.

Every list, search, agenda and research list, and the case view, is asked by each person of
a small area in which the policy's rules differ per case (a restricted case, an excluded
person, an agency not involved, another area); the labels in each answer are compared with
who may see which case, written out by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.values import plain
from services import case_lists, case_reviews, case_view, meetings, research
from services.actor import Actor
from services.errors import Forbidden, NotFound
from tests.factories import perpetrator, victim
from tests.services.conftest import HELD_ON, Area, trail

LABELS = {"ordinary": "A.A. 1980", "restricted": "R.R. 1981", "excluding": "X.X. 1982",
          "unlisted": "N.N. 1983"}
VICTIMS = {"ordinary": ("Ava", "Adams", 1980), "restricted": ("Rhea", "Rowe", 1981),
           "excluding": ("Xena", "Xu", 1982), "unlisted": ("Nia", "Noor", 1983)}

# Who may see which case, by hand: the restricted case only by its member (chair-9); the case
# excluding idva-rep not by them; the unlisted case not by the IDVA service (not invited);
# nothing by another area's coordinator.
SEES = {
    "coordinator-1": {"ordinary", "excluding", "unlisted"},
    "chair-9": {"ordinary", "restricted", "excluding", "unlisted"},
    "police-rep": {"ordinary", "excluding", "unlisted"},
    "idva-rep": {"ordinary"},
    "idva-2": {"ordinary", "excluding"},
    "coordinator-9": set(),
}


def area_of_cases(area: Area) -> tuple[dict[str, UUID], UUID]:
    coordinator = area.coordinator
    meeting_id = meetings.schedule(area.platform, coordinator(), "standard", HELD_ON, [])
    cases = {}
    for name, (forename, surname, year) in VICTIMS.items():
        cases[name] = area.case(subjects=(
            victim(forenames=forename, surname=surname, date_of_birth=date(year, 6, 1)),
            perpetrator()))
        if name != "unlisted":
            meetings.list_case(area.platform, coordinator(), meeting_id, cases[name],
                               [area.idva])
            research.request_research(area.platform, coordinator(), meeting_id, cases[name],
                                      agencies=[area.idva, area.police], due_on=HELD_ON)
    app = area.platform.marac
    app.restrict(cases["restricted"], by="chair-9", reason="Employee case",
                 members={"chair-9"})
    app.exclude(cases["excluding"], "idva-rep", by="coordinator-1", reason="Relative")
    area.platform.runner.catch_up()
    return cases, meeting_id


def people(area: Area) -> dict[str, Callable[[], Actor]]:
    purpose = "meeting_preparation"
    elsewhere = area.platform.marac.create_area("elsewhere", "Elsewhere MARAC")
    return {
        "coordinator-1": lambda: area.actor("coordinator-1", "coordinator", agency=area.police,
                                            purpose=purpose),
        "chair-9": lambda: area.actor("chair-9", "chair", purpose=purpose),
        "police-rep": lambda: area.actor("police-rep", "representative", agency=area.police,
                                         purpose=purpose),
        "idva-rep": lambda: area.actor("idva-rep", "representative", agency=area.idva,
                                       purpose=purpose),
        "idva-2": lambda: area.actor("idva-2", "representative", agency=area.idva,
                                     purpose=purpose),
        "coordinator-9": lambda: area.actor("coordinator-9", "coordinator", area_id=elsewhere,
                                            purpose=purpose),
    }


def answers(area: Area, actor: Callable[[], Actor], cases: dict[str, UUID],
            meeting_id: UUID) -> str:
    """Every answer that shows cases, as the caller would be sent it; a refusal sends none."""
    stores = area.platform
    calls: list[Callable[[], object]] = [
        lambda: case_lists.list_cases(stores, actor(), status=None, page=1, page_size=100),
        lambda: case_reviews.anniversaries(stores, actor(), within_days=400),
        lambda: meetings.agenda(stores, actor(), meeting_id),
        lambda: meetings.next_agenda(stores, actor()),
        lambda: research.research_requests(stores, actor()),
        lambda: research.area_research(stores, actor(),
                                       statuses=("requested", "answered", "overdue")),
        *[(lambda s=surname: case_lists.search(stores, actor(), surname=s, forename="",
                                               date_of_birth=None, reference=""))
          for _, surname, _ in VICTIMS.values()],
        *[(lambda c=case_id: case_view.view(stores, actor(), c)) for case_id in cases.values()],
    ]
    sent = []
    for call in calls:
        try:
            sent.append(json.dumps(plain(call())))
        except (Forbidden, NotFound):
            sent.append("refused")
    return "\n".join(sent)


def test_a_case_s_label_is_in_the_answers_of_those_who_may_see_it_and_nobody_else_s(
        area: Area) -> None:
    cases, meeting_id = area_of_cases(area)
    for person, actor in people(area).items():
        sent = answers(area, actor, cases, meeting_id)
        shown = {name for name, label in LABELS.items() if label in sent}
        assert shown == SEES[person], person


def test_no_audit_record_carries_a_label(area: Area) -> None:
    cases, meeting_id = area_of_cases(area)
    for actor in people(area).values():
        answers(area, actor, cases, meeting_id)
    records = json.dumps(area.platform.audit.records(), default=str)
    assert trail(area.platform.audit)  # the reads were recorded
    for label in LABELS.values():
        assert label not in records
        assert label.split()[0] not in records  # nor the initials alone


@pytest.mark.parametrize(("forenames", "surname", "born", "label"), [
    ("Jane", "Smith", date(1987, 3, 14), "J.S. 1987"),
    ("Jane", "Smith", None, "J.S."),
    ("jo anne", "o'brien", date(2001, 1, 1), "J.O. 2001"),
    ("", "Ng", None, "N."),
])
def test_the_label_is_the_victim_s_first_initial_surname_initial_and_year_of_birth(
        area: Area, forenames: str, surname: str, born: date | None, label: str) -> None:
    case_id = area.case(subjects=(
        perpetrator(forenames="Zed", surname="Zulu"),
        victim(forenames=forenames, surname=surname, date_of_birth=born)))
    assert area.platform.cases.labels([case_id]) == {case_id: label}
