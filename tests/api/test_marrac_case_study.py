"""The appendix case study of Lancashire's MARRAC pilot (seed 002), end to end through the HTTP
API: Day 1, a 01:00 incident, a police referral, allocation by the team leader to the least-loaded
case co-ordinator, contacts with the three MEs, their needs, a SMART plan within 48 hours, a review
at two weeks and a closure every involved agency is told of. Every request writes exactly one
audit record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import Clock, World, bearer, referral_body

DAY_ONE = datetime(2026, 1, 13, tzinfo=UTC)
MORE_AGENCIES = {"citizens_advice": "citizens_advice", "education": "education",
                 "substance_misuse": "substance_misuse"}
SUMMARY = "/api/v1/cases/{}/marrac"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 1 is the day of the incident."""
    return DAY_ONE + timedelta(days=day - 1, hours=hour, minutes=minute)


class Calls:
    """Requests through the API, each checked to write exactly one audit record."""

    def __init__(self, client: TestClient, platform: Platform) -> None:
        self.client = client
        self.platform = platform

    def __call__(self, method: str, path: str, headers: dict[str, str],
                 json: Any = None, expect: int | None = None) -> Any:
        before = self.platform.audit.count()
        response = self.client.request(method, path, headers=headers, json=json)
        assert self.platform.audit.count() == before + 1, (method, path, response.status_code)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response


@pytest.fixture
def marrac_world(api_platform: Platform, world: World) -> World:
    """The world's area switched to Lancashire's coordinator-led model, with the agencies the
    case study's plan draws on."""
    app = api_platform.marac
    settings = app.get_area(world.area_id).settings
    app.change_area_settings(world.area_id, dataclasses.replace(settings, model="marrac"))
    for code, kind in MORE_AGENCIES.items():
        world.agencies[code] = app.register_agency(world.area_id, code, code.title(), kind,
                                                   core=False)
    api_platform.runner.catch_up()
    return world


@pytest.fixture
def calls(client: TestClient, api_platform: Platform) -> Calls:
    return Calls(client, api_platform)


def team_leader(world: World) -> dict[str, str]:
    return bearer(world.token("team-leader-1", "team_leader", agency="idva"))


def case_coordinator(world: World, sub: str = "cc-ashworthxq") -> dict[str, str]:
    return bearer(world.token(sub, "case_coordinator", agency="idva"))


def family_referral(referred_on: datetime, surname: str = "Quennevillexq") -> dict[str, Any]:
    body = referral_body(surname=surname, referred_on=referred_on.date(),
                         incident_summary="Perpetrator intoxicated; assault, minor head injury. "
                                          "Police called by the older child.")
    body["subjects"] += [
        {"role": "child", "forenames": "Ellaxq", "surname": surname,
         "date_of_birth": "2018-09-02"},
        {"role": "child", "forenames": "Finnxq", "surname": surname,
         "date_of_birth": "2022-10-20"},
    ]
    return body


def told(closure: dict[str, Any]) -> dict[str, tuple[datetime | None, bool]]:
    """Each agency told of a closure: when, and whether late."""
    return {agency: (datetime.fromisoformat(t["told_at"]) if t["told_at"] else None, t["late"])
            for agency, t in closure["informed"].items()}


def referred(calls: Calls, world: World, body: dict[str, Any]) -> UUID:
    response = calls("POST", "/api/v1/cases", world.rep("police"), body, expect=201)
    return UUID(response.json()["id"])


def allocated_case(calls: Calls, world: World, surname: str, coordinator: str) -> UUID:
    case_id = referred(calls, world, referral_body(surname=surname))
    calls("POST", f"/api/v1/cases/{case_id}/marrac/allocation", team_leader(world),
          {"coordinator": coordinator}, expect=204)
    return case_id


def summary(calls: Calls, case_id: UUID, headers: dict[str, str]) -> dict[str, Any]:
    response = calls("GET", SUMMARY.format(case_id), headers, expect=200)
    body: dict[str, Any] = response.json()
    return body


def test_the_lancashire_case_study_from_incident_to_closure(
    calls: Calls, marrac_world: World, clock: Clock
) -> None:
    world = marrac_world
    tl, cc = team_leader(world), case_coordinator(world)
    # Earlier work: one co-ordinator carries two open cases, another one open and one closed.
    clock.at = at(0, 9)
    for n in range(2):
        allocated_case(calls, world, f"Busyxq{n}", "cc-busyxq")
    allocated_case(calls, world, "Brindlexq", "cc-brindlexq")
    closed = allocated_case(calls, world, "Closedxq", "cc-brindlexq")
    calls("POST", f"/api/v1/cases/{closed}/closure", world.coordinator(),
          {"reason": "Declined service; moved away"}, expect=204)

    # Day 1, 01:00: the incident; the attending officer refers the family to the team.
    clock.at = at(1, 1, 40)
    case_id = referred(calls, world, family_referral(clock.at))
    case = f"/api/v1/cases/{case_id}"

    # 08:15: the team leader picks it up and allocates it evenly.
    clock.at = at(1, 8, 15)
    candidates = "candidate=cc-busyxq&candidate=cc-brindlexq&candidate=cc-cartwrightxq" \
                 "&candidate=cc-ashworthxq"
    suggestion = calls("GET", f"{case}/marrac/allocation-suggestion?{candidates}", tl,
                       expect=200).json()
    assert suggestion == {"candidates": [
        {"coordinator": "cc-ashworthxq", "open_cases": 0},
        {"coordinator": "cc-brindlexq", "open_cases": 1},
        {"coordinator": "cc-busyxq", "open_cases": 2},
        {"coordinator": "cc-cartwrightxq", "open_cases": 0}],
        "suggested": "cc-ashworthxq"}  # a tie with cc-cartwrightxq, broken by id
    # Only the team leader allocates; an uninvolved agency cannot tell the case exists.
    refused = calls("POST", f"{case}/marrac/allocation", world.coordinator(),
                    {"coordinator": "cc-ashworthxq"}, expect=403)
    assert refused.json()["code"] == "not_team_leader"
    calls("POST", f"{case}/marrac/allocation", cc, {"coordinator": "cc-ashworthxq"}, expect=403)
    for path, method, body in ((f"{case}/marrac/allocation", "POST", {"coordinator": "x"}),
                               (f"{case}/marrac/allocation-suggestion?candidate=x", "GET", None),
                               (f"{case}/marrac", "GET", None)):
        hidden = calls(method, path, world.rep("housing"), body, expect=404)
        assert hidden.json() == {"code": "not_found", "message": "Not found"}
    calls("POST", f"{case}/marrac/allocation", tl, {"coordinator": "cc-ashworthxq"}, expect=204)
    assert calls("GET", f"{case}/marrac/allocation-suggestion?{candidates}", tl,
                 expect=200).json()["suggested"] == "cc-cartwrightxq"
    # Another co-ordinator does not record on cc-ashworthxq's case.
    calls("POST", f"{case}/marrac/contacts", case_coordinator(world, "cc-busyxq"),
          {"me": "victim", "minutes": 5}, expect=403)

    # 08:30: the co-ordinator reads the referral and checks the agencies' systems.
    clock.at = at(1, 8, 30)
    early = calls("POST", f"{case}/marrac/steps", cc, {"step": "analyse_risk_and_need"},
                  expect=422)
    assert early.json()["code"] == "marrac_step_out_of_order"

    # 10:00: the co-ordinator speaks to the victim (recorded at 10:40).
    clock.at = at(1, 10, 40)
    calls("POST", f"{case}/marrac/contacts", cc,
          {"me": "victim", "minutes": 40, "at": at(1, 10).isoformat()}, expect=201)
    # 10:40: the case meets purpose; information goes to health.
    calls("POST", f"{case}/decision", cc, {"outcome": "accept"}, expect=204)
    calls("POST", f"{case}/marrac/steps", cc, {"step": "gather_and_assess"}, expect=204)
    calls("POST", f"{case}/information", cc,
          {"kind": "risk", "text": "Children present at the incident; mother's anxiety.",
           "audience": {"kind": "agencies", "agencies": [str(world.agencies["health"])]}},
          expect=201)

    # 13:30: home visit; the seven-year-old is spoken to. 15:30: the perpetrator in custody.
    clock.at = at(1, 15)
    # Each child is an ME of its own, named by its subject id (the referral's order).
    older, younger = (c["child"] for c in summary(calls, case_id, cc)["children"])
    calls("POST", f"{case}/marrac/contacts", cc,
          {"me": "victim", "minutes": 90, "at": at(1, 13, 30).isoformat()}, expect=201)
    calls("POST", f"{case}/marrac/contacts", cc,
          {"me": "child", "minutes": 20, "at": at(1, 14, 30).isoformat(), "child": older},
          expect=201)
    clock.at = at(1, 16, 30)
    calls("POST", f"{case}/marrac/contacts", cc,
          {"me": "perpetrator", "minutes": 45, "at": at(1, 15, 30).isoformat()}, expect=201)
    too_long = calls("POST", f"{case}/marrac/contacts", cc, {"me": "victim", "minutes": 601},
                     expect=422)
    assert too_long.json()["code"] == "invalid_request"
    needs = {"victim": "Financial and MH support", "perpetrator": "Alcohol and MH support",
             "child": "Someone to speak to"}
    for me, text in needs.items():
        calls("POST", f"{case}/marrac/needs", cc,
              {"me": me, "needs": text, **({"child": older} if me == "child" else {})},
              expect=204)
    calls("POST", f"{case}/marrac/steps", cc, {"step": "analyse_risk_and_need"}, expect=204)

    # Within 48 hours: resources aligned, the plan agreed with all the MEs.
    clock.at = at(2, 11)
    calls("POST", f"{case}/marrac/contacts", cc, {"me": "victim", "minutes": 15}, expect=201)
    plan = (("health", "victim", "Mental-health team assessment"),
            ("citizens_advice", "victim", "Debt advice on the loan repayments"),
            ("education", "child", "School nurse drop-in and someone to talk to"),
            ("substance_misuse", "perpetrator", "Alcohol treatment referral"))
    for agency, for_whom, what in plan:
        calls("POST", f"{case}/actions", cc,
              {"owner_agency_id": str(world.agencies[agency]), "for_whom": for_whom,
               "description": what, "due_on": at(9, 0).date().isoformat()}, expect=201)
    clock.at = at(2, 16)
    calls("POST", f"{case}/marrac/plan", cc, expect=204)
    calls("POST", f"{case}/marrac/steps", cc, {"step": "identify_solution"}, expect=204)

    day_two = summary(calls, case_id, cc)
    assert day_two["allocation"]["coordinator"] == "cc-ashworthxq"
    assert day_two["allocation"]["allocated_at"] == at(1, 8, 15).isoformat()
    assert day_two["time_per_me"] == {"victim": {"minutes": 145, "contacts": 3},
                                      "perpetrator": {"minutes": 45, "contacts": 1},
                                      "child": {"minutes": 20, "contacts": 1}}
    assert day_two["needs"] == {**needs, "child": None}  # each child's are its own
    assert day_two["children"] == [
        {"child": older, "needs": "Someone to speak to", "minutes": 20, "contacts": 1},
        {"child": younger, "needs": None, "minutes": 0, "contacts": 0}]
    assert [(s["step"], s["done"]) for s in day_two["steps"]] == [
        ("gather_and_assess", True), ("analyse_risk_and_need", True),
        ("identify_solution", True), ("complete_case", False)]
    assert day_two["steps"][0] == {"step": "gather_and_assess", "done": True,
                                   "by": "cc-ashworthxq", "at": at(1, 10, 40).isoformat()}
    assert day_two["next_step"] == "complete_case"
    assert day_two["plan"] == {"due_by": at(3, 8, 15).isoformat(),
                               "agreed_at": at(2, 16).isoformat(), "on_time": True,
                               "late": False}
    assert day_two["review"] == {"due_by": at(16, 16).isoformat(), "reviewed_at": None,
                                 "on_time": None, "late": False, "still_meets_purpose": None,
                                 "outcome": None, "reviews": 0}
    assert day_two["closure"] is None

    # Within two weeks: progress checked with the agencies, risk re-reviewed.
    clock.at = at(16, 10)
    calls("POST", f"{case}/marrac/reviews", cc,
          {"still_meets_purpose": False, "outcome": "ready_to_close"}, expect=204)
    # The fourth step is completed by closing the case, not on its own.
    alone = calls("POST", f"{case}/marrac/steps", cc, {"step": "complete_case"}, expect=422)
    assert alone.json()["code"] == "marrac_completed_by_closing"
    calls("POST", f"{case}/marrac/closure", cc, {"reason": "Risk no longer meets purpose"},
          expect=204)
    involved = ("police", "health", "citizens_advice", "education", "substance_misuse")
    clock.at = at(16, 15)
    for agency in involved:
        calls("POST", f"{case}/closure/acknowledgement", world.rep(agency), expect=204)

    done = summary(calls, case_id, tl)
    assert done["status"] == "closed"
    assert done["review"]["reviewed_at"] == at(16, 10).isoformat()
    assert (done["review"]["on_time"], done["review"]["late"]) == (True, False)
    assert done["review"]["outcome"] == "ready_to_close"
    assert all(s["done"] for s in done["steps"])
    assert told(done["closure"]) == {str(world.agencies[a]): (at(16, 15), False)
                                     for a in involved}
    assert done["closure"]["outstanding"] == []
    assert done["closure"]["late"] is False
    # The co-ordinator's load drops with the closure.
    after = calls("GET", f"{case}/marrac/allocation-suggestion?candidate=cc-ashworthxq", tl,
                  expect=200).json()
    assert after["candidates"] == [{"coordinator": "cc-ashworthxq", "open_cases": 0}]
    # An involved agency's representative sees the case, not its MARRAC record.
    calls("GET", SUMMARY.format(case_id), world.rep("health"), expect=403)


def accepted_with_an_action(calls: Calls, world: World, cc: dict[str, str]) -> UUID:
    """A case allocated to cc-cartwrightxq on day 1, accepted, with one action for health."""
    case_id = allocated_case(calls, world, "Laterxq", "cc-cartwrightxq")
    case = f"/api/v1/cases/{case_id}"
    calls("POST", f"{case}/decision", cc, {"outcome": "accept"}, expect=204)
    calls("POST", f"{case}/actions", cc,
          {"owner_agency_id": str(world.agencies["health"]), "for_whom": "victim",
           "description": "GP appointment", "due_on": at(9, 0).date().isoformat()},
          expect=201)
    return case_id


def test_a_plan_agreed_after_48_hours_shows_late(
    calls: Calls, marrac_world: World, clock: Clock
) -> None:
    world = marrac_world
    cc = case_coordinator(world, "cc-cartwrightxq")
    clock.at = at(1, 9)
    case_id = accepted_with_an_action(calls, world, cc)
    case = f"/api/v1/cases/{case_id}"
    clock.at = at(3, 9, 1)
    pending = summary(calls, case_id, cc)["plan"]
    assert pending == {"due_by": at(3, 9).isoformat(), "agreed_at": None, "on_time": None,
                       "late": True}
    calls("POST", f"{case}/marrac/plan", cc, expect=204)
    twice = calls("POST", f"{case}/marrac/plan", cc, expect=422)
    assert twice.json()["code"] == "invalid_marrac_change"
    agreed = summary(calls, case_id, cc)
    assert agreed["plan"]["on_time"] is False
    assert agreed["plan"]["late"] is True
    # No review two weeks after the plan: late too.
    clock.at = at(17, 9, 2)
    assert summary(calls, case_id, cc)["review"]["late"] is True


def test_an_agency_told_of_the_closure_after_24_hours_shows_late(
    calls: Calls, marrac_world: World, clock: Clock
) -> None:
    world = marrac_world
    cc = case_coordinator(world, "cc-cartwrightxq")
    clock.at = at(1, 9)
    case_id = accepted_with_an_action(calls, world, cc)
    case = f"/api/v1/cases/{case_id}"
    clock.at = at(16, 10)
    calls("POST", f"{case}/closure", cc, {"reason": "Risk no longer meets purpose"},
          expect=204)
    clock.at = at(16, 15)
    calls("POST", f"{case}/closure/acknowledgement", world.rep("police"), expect=204)
    # Health is told at 11:00 the next day: 25 hours after the closure, on the next date.
    clock.at = at(17, 11)
    assert summary(calls, case_id, cc)["closure"]["late"] is True
    calls("POST", f"{case}/closure/acknowledgement", world.rep("health"), expect=204)
    closure = summary(calls, case_id, cc)["closure"]
    assert datetime.fromisoformat(closure["closed_at"]) == at(16, 10)
    assert told(closure) == {str(world.agencies["police"]): (at(16, 15), False),
                             str(world.agencies["health"]): (at(17, 11), True)}
    assert closure["outstanding"] == []
    assert closure["late"] is True


def test_allocation_is_refused_in_a_meeting_based_area(
    calls: Calls, world: World
) -> None:
    case_id = referred(calls, world, referral_body())
    tl = team_leader(world)
    refused = calls("POST", f"/api/v1/cases/{case_id}/marrac/allocation", tl,
                    {"coordinator": "cc-ashworthxq"}, expect=422)
    assert refused.json()["code"] == "not_a_marrac_area"
    asked = calls("GET", f"/api/v1/cases/{case_id}/marrac/allocation-suggestion"
                  "?candidate=cc-ashworthxq", tl, expect=422)
    assert asked.json()["code"] == "not_a_marrac_area"
    unallocated = calls("POST", f"/api/v1/cases/{case_id}/marrac/steps", world.coordinator(),
                        {"step": "gather_and_assess"}, expect=422)
    assert unallocated.json()["code"] == "marrac_not_allocated"


def test_told_and_feedback_come_after_the_closure_and_times_carry_their_zone(
    calls: Calls, marrac_world: World, clock: Clock
) -> None:
    world = marrac_world
    cc = case_coordinator(world, "cc-cartwrightxq")
    clock.at = at(1, 9)
    case_id = accepted_with_an_action(calls, world, cc)
    case = f"/api/v1/cases/{case_id}"
    health = str(world.agencies["health"])
    early = calls("POST", f"{case}/marrac/told", cc, {"agency_id": health}, expect=422)
    assert early.json()["code"] == "invalid_marrac_change"  # nothing closed to tell of
    naive = calls("POST", f"{case}/marrac/plan", cc, {"at": "2026-01-13T08:00:00"}, expect=422)
    assert naive.json()["code"] == "invalid_request"  # a time without its zone is ambiguous
    # Closure with the first three steps undone: the fourth step waits on them.
    undone = calls("POST", f"{case}/marrac/closure", cc, {"reason": "Done"}, expect=422)
    assert undone.json()["code"] == "marrac_step_out_of_order"
    calls("POST", f"{case}/marrac/steps", cc, {"step": "gather_and_assess"}, expect=204)
    calls("POST", f"{case}/marrac/steps", cc, {"step": "analyse_risk_and_need"}, expect=204)
    calls("POST", f"{case}/marrac/plan", cc, expect=204)
    calls("POST", f"{case}/marrac/steps", cc, {"step": "identify_solution"}, expect=204)
    clock.at = at(5, 12)
    calls("POST", f"{case}/marrac/closure", cc, {"reason": "Done", "at": at(5, 11).isoformat()},
          expect=204)
    calls("POST", f"{case}/marrac/told", cc,
          {"agency_id": health, "at": at(5, 11, 30).isoformat()}, expect=204)
    twice = calls("POST", f"{case}/marrac/told", cc, {"agency_id": health}, expect=409)
    assert twice.json()["code"] == "closure_already_acknowledged"
    # Only the case's co-ordinator (or team leader, coordinators) records; others see 404/403.
    calls("POST", f"{case}/marrac/feedback", case_coordinator(world, "cc-busyxq"),
          {"text": "Helpful", "me": "victim"}, expect=403)
    hidden = calls("POST", f"{case}/marrac/feedback", world.rep("housing"),
                   {"text": "Helpful", "me": "victim"}, expect=404)
    assert hidden.json() == {"code": "not_found", "message": "Not found"}
    calls("POST", f"{case}/marrac/feedback", cc, {"text": "Helpful", "me": "victim"},
          expect=201)
