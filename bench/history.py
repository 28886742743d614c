"""A log of worked cases, built fast through the domain: cases referred through the
application (their keys and blind-index entries as ever), then worked in rounds, each round
one command on each open case, saved many aggregates to a save so that the cases' events lie
interleaved in the log as a busy area's do. Names carry nonsense suffixes (invented people).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from api.bootstrap import Platform
from domain.access import Audience, SharedItem
from domain.actions import ActionNote, SmartAction
from domain.case import Case, Referral
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.risk import DASH_RIC_QUESTIONS, AnswerValue, RiskAssessment
from domain.subjects import Subject

BY = "coordinator-bench"
NOTE = "Research: contact with the agency's records; relevant history shared. " * 3
AGENCIES = (("police", "police"), ("idva", "idva"), ("health", "health"),
            ("csc", "childrens_social_care"), ("housing", "housing"))


@dataclass
class History:
    """What was built: sizes, for the benchmarks' JSON."""

    area_id: UUID
    agencies: list[UUID]
    case_ids: list[UUID] = field(default_factory=list)
    events: int = 0

    def sizes(self) -> dict[str, int]:
        return {"cases": len(self.case_ids), "events": self.events,
                "events_per_case": round(self.events / max(len(self.case_ids), 1))}


class HistoryBuilder:
    def __init__(self, platform: Platform, *, seed: int = 19) -> None:
        self.platform = platform
        self.app = platform.marac
        self.random = random.Random(seed)
        self.day = date(2026, 1, 5)

    def area(self) -> History:
        app = self.app
        area_id = app.create_area(f"bench-{uuid.uuid4().hex[:10]}", "Benchshire MARAC")
        agencies = [app.register_agency(area_id, code, code.title(), kind, core=True)
                    for code, kind in AGENCIES]
        return History(area_id, agencies, events=1 + len(agencies))

    def refer(self, history: History, n: int) -> Case:
        app = self.app
        case_id = app.refer(self.referral(history, n))
        app.accept(case_id, by=BY)
        history.case_ids.append(case_id)
        history.events += 2
        return app.get_case(case_id)

    def build(self, cases: int, events_per_case: int, open_at_once: int,
              per_save: int = 50) -> History:
        """`cases` cases of about `events_per_case` events each, `open_at_once` worked at a
        time (a case's events spread over about that many other cases' events)."""
        history = self.area()
        waiting = iter(range(cases))
        open_cases: list[tuple[Case, Iterator[None]]] = []
        while True:
            while len(open_cases) < open_at_once:
                n = next(waiting, None)
                if n is None:
                    break
                case = self.refer(history, n)
                open_cases.append((case, self.work(case, history, events_per_case - 2)))
            if not open_cases:
                return history
            still: list[tuple[Case, Iterator[None]]] = []
            for case, work in open_cases:
                if next(work, StopIteration) is not StopIteration:  # one command, one event
                    still.append((case, work))
            history.events += len(still)
            for start in range(0, len(still), per_save):
                self.app.save(*(c for c, _ in still[start:start + per_save]))
            open_cases = still

    def work(self, case: Case, history: History, events: int) -> Iterator[None]:
        """One command on the case per step: research notes, actions agreed and updated, an
        agency given access now and then."""
        rng = self.random
        open_actions: list[UUID] = []
        at = datetime(2026, 1, 6, 9, tzinfo=UTC)
        for step in range(events):
            at += timedelta(hours=1)
            roll = rng.random()
            agency = rng.choice(history.agencies)
            if roll < 0.15:
                action = SmartAction(uuid.uuid4(), agency, "Safety plan review with the victim",
                                     "victim", self.day + timedelta(days=28), BY, self.day)
                case.agree_action(action)
                open_actions.append(action.action_id)
            elif roll < 0.25 and open_actions:
                case.update_action(ActionNote(open_actions.pop(), "done", "idva-rep", self.day,
                                              "completed"))
            elif roll < 0.3:
                case.grant_access(uuid.uuid4(), agency_id=agency, person=None,
                                  reason="research for the hearing", expires_at=None, by=BY,
                                  at=at)
            else:
                case.share(SharedItem(uuid.uuid4(), "research", f"{NOTE}{step}",
                                      Audience("whole_case"), "police-0001", agency, at))
            yield None

    def referral(self, history: History, n: int) -> Referral:
        r = self.random
        answers: dict[str, AnswerValue] = {
            q: "yes" if i < 15 else "no" for i, q in enumerate(DASH_RIC_QUESTIONS)}
        victim = Subject(subject_id=uuid.uuid4(), role="victim", forenames="Philippaxq",
                         surname=f"Benchvictimxq{n:06d}", date_of_birth=date(1987, 3, 14),
                         gender="female", address=f"{r.randrange(1, 300)} Larkspurxq Crescent")
        perpetrator = Subject(subject_id=uuid.uuid4(), role="perpetrator", forenames="Dorianxq",
                              surname=f"Benchperpxq{n:06d}", date_of_birth=date(1984, 11, 2))
        return Referral(
            area_id=history.area_id, referring_agency_id=history.agencies[0],
            referrer="police-0001", referred_on=self.day, subjects=(victim, perpetrator),
            incident_summary="Argument escalated; neighbour called police.",
            risk_assessment=RiskAssessment.build("dash-ric", "2009", answers),
            criteria=CriteriaClaimed(visible_high_risk=True), consent=Consent("given"),
            victim_informed="yes", idva_referral_made=True)
