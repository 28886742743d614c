"""Seed 002's appendix case study driven through HTTP on the stock demo's MARRAC area: the demo's
own personas (team leader, two case co-ordinators, the attending officer) with tokens from
/dev/token, a family with two children, each child an ME of its own. Everything is entered on
the day it happened, after the event, with the time it happened given; the time per ME and per
child, the plan's and the review's timeliness and the closure's informing are checked against
the figures worked out by hand in the comments.

The seed gives the times of day; it gives no durations, so the minutes of each contact are this
test's (written beside each one), and so are the times of the day-2 contacts, the review and the
closure, which the seed places only "within 48 hours", "within 2 weeks" and "when risk no
longer meets purpose"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.demo import demo_ids, seed_demo
from tests.api.conftest import Clock, referral_body

DAY_ONE = datetime(2026, 1, 13, tzinfo=UTC)  # a Tuesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 1 is the day of the incident."""
    return DAY_ONE + timedelta(days=day - 1, hours=hour, minutes=minute)


def iso(day: int, hour: int, minute: int = 0) -> str:
    return at(day, hour, minute).isoformat()


class Demo:
    """The demo's personas, each request checked to write exactly one audit record."""

    def __init__(self, client: TestClient, platform: Platform) -> None:
        self.client = client
        self.platform = platform
        self.personas = {p["name"]: p for p in client.get("/dev/personas").json()}
        self.tokens: dict[str, str] = {}

    def headers(self, persona: str) -> dict[str, str]:
        if persona not in self.tokens:
            issued = self.client.post("/dev/token", json={"persona": persona})
            assert issued.status_code == 200, issued.text
            self.tokens[persona] = issued.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[persona]}", "X-Purpose": "research"}

    def __call__(self, persona: str, method: str, path: str, json: Any = None,
                 expect: int = 204) -> Any:
        headers = self.headers(persona)
        before = self.platform.audit.count()
        response = self.client.request(method, path, headers=headers, json=json)
        assert self.platform.audit.count() == before + 1, (method, path, response.status_code)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None


@pytest.fixture
def demo(api_platform: Platform, client: TestClient, clock: Clock) -> Demo:
    seed_demo(api_platform.marac)  # the stock demo, as `marac serve --demo` seeds it
    api_platform.runner.catch_up()
    return Demo(client, api_platform)


def test_the_seed_002_case_study_on_the_demo_marrac_area(demo: Demo, clock: Clock) -> None:
    tl, cc, officer = "team-leader", "case-coordinator-1", "marrac-police-officer"
    area = demo.personas[tl]["area_id"]
    assert {demo.personas[p]["area_id"] for p in (cc, "case-coordinator-2", officer)} == {area}
    assert area != demo.personas["coordinator"]["area_id"]  # beside Demoshire, not in it
    agencies = {code: str(a) for code, a in demo_ids().marrac_agencies.items()}

    # Day 1, 01:00: the incident. The attending officer refers the family at 02:30: the mother
    # (victim), her partner (perpetrator) and her two children, aged 7 and 3.
    clock.at = at(1, 2, 30)
    body = referral_body(surname="Quennevillexq", referred_on=at(1, 0).date(),
                         incident_summary="Perpetrator intoxicated; assault, minor head injury. "
                                          "Police called by the older child.")
    body["subjects"] += [
        {"role": "child", "forenames": "Ellaxq", "surname": "Quennevillexq",
         "date_of_birth": "2018-09-02"},
        {"role": "child", "forenames": "Finnxq", "surname": "Quennevillexq",
         "date_of_birth": "2022-10-20"},
    ]
    case_id = demo(officer, "POST", "/api/v1/cases", body, expect=201)["id"]
    case = f"/api/v1/cases/{case_id}"

    # 08:15: the team leader picks the case up and allocates it evenly: both co-ordinators have
    # no open case, the tie goes to the first by id.
    clock.at = at(1, 8, 15)
    suggestion = demo(tl, "GET", f"{case}/marrac/allocation-suggestion?candidate="
                      "demo-case-coordinator-2&candidate=demo-case-coordinator-1", expect=200)
    assert suggestion["suggested"] == "demo-case-coordinator-1"
    demo(tl, "POST", f"{case}/marrac/allocation", {"coordinator": "demo-case-coordinator-1"})
    # The other co-ordinator does not record on it.
    demo("case-coordinator-2", "POST", f"{case}/marrac/contacts",
         {"me": "victim", "minutes": 5}, expect=403)
    older, younger = (c["child"] for c in demo(cc, "GET", f"{case}/marrac", expect=200)
                      ["children"])

    # 10:45, entered after the event: the victim was spoken to from 10:00 until 10:40 (40
    # minutes), when the case was confirmed to meet purpose, step 1 done, and information sent
    # to children's social care and health.
    clock.at = at(1, 10, 45)
    demo(cc, "POST", f"{case}/marrac/contacts", {"me": "victim", "minutes": 40,
                                                 "at": iso(1, 10)}, expect=201)
    demo(cc, "POST", f"{case}/decision", {"outcome": "accept"})
    demo(cc, "POST", f"{case}/marrac/steps", {"step": "gather_and_assess", "at": iso(1, 10, 40)})
    demo(cc, "POST", f"{case}/information",
         {"kind": "risk", "text": "Children present at the incident; mother's anxiety.",
          "audience": {"kind": "agencies", "agencies": [agencies["csc"], agencies["health"]]}},
         expect=201)
    # Bounds: nothing happened in the future, nor before the case was allocated.
    for when in (iso(1, 11), iso(1, 8)):
        refused = demo(cc, "POST", f"{case}/marrac/contacts",
                       {"me": "victim", "minutes": 5, "at": when}, expect=422)
        assert refused["code"] == "marrac_time_out_of_bounds"
    # With two children, a child contact names the child.
    unnamed = demo(cc, "POST", f"{case}/marrac/contacts", {"me": "child", "minutes": 5},
                   expect=422)
    assert unnamed["code"] == "invalid_marrac_change"

    # 17:00, entered after the day's visits: the home visit from 13:30 (the victim, 60 minutes;
    # the 7-year-old, 20 minutes from 14:30; the 3-year-old, 10 minutes from 14:50), the
    # perpetrator in custody from 15:30 (45 minutes), then the assessment of risk with the
    # toolbox, done at 16:15 (step 2), and each ME's needs.
    clock.at = at(1, 17)
    for me, minutes, when, child in (("victim", 60, iso(1, 13, 30), None),
                                     ("child", 20, iso(1, 14, 30), older),
                                     ("child", 10, iso(1, 14, 50), younger),
                                     ("perpetrator", 45, iso(1, 15, 30), None)):
        demo(cc, "POST", f"{case}/marrac/contacts",
             {"me": me, "minutes": minutes, "at": when, "child": child}, expect=201)
    needs = (("victim", "Financial and MH support", None),
             ("perpetrator", "Alcohol and MH support", None),
             ("child", "Someone to speak to", older),
             ("child", "Speech and language follow-up", younger))
    for me, text, child in needs:
        demo(cc, "POST", f"{case}/marrac/needs", {"me": me, "needs": text, "child": child})
    before_step_one = demo(cc, "POST", f"{case}/marrac/steps",
                           {"step": "analyse_risk_and_need", "at": iso(1, 10, 30)}, expect=422)
    assert before_step_one["code"] == "marrac_time_out_of_bounds"
    demo(cc, "POST", f"{case}/marrac/steps",
         {"step": "analyse_risk_and_need", "at": iso(1, 16, 15)})

    # Day 2, within 48 hours: resources aligned (mental health, Citizens Advice, school,
    # substance misuse, health visiting); the plan agreed with each ME: the victim from 13:00
    # (30 minutes), the perpetrator from 14:00 (20), the 7-year-old from 15:30 (15); agreed at
    # 16:00, step 3 with it. Entered at 17:30.
    clock.at = at(2, 17, 30)
    plan = (("mentalhealth", "victim", "Mental-health assessment"),
            ("citizensadvice", "victim", "Debt advice on the loan repayments"),
            ("school", "child", "Someone to talk to at school; asthma check"),
            ("health", "child", "Speech and language follow-up visit"),
            ("substancemisuse", "perpetrator", "Alcohol treatment referral"))
    for agency, for_whom, what in plan:
        demo(cc, "POST", f"{case}/actions",
             {"owner_agency_id": agencies[agency], "for_whom": for_whom, "description": what,
              "due_on": at(9, 0).date().isoformat()}, expect=201)
    for me, minutes, when, child in (("victim", 30, iso(2, 13), None),
                                     ("perpetrator", 20, iso(2, 14), None),
                                     ("child", 15, iso(2, 15, 30), older)):
        demo(cc, "POST", f"{case}/marrac/contacts",
             {"me": me, "minutes": minutes, "at": when, "child": child}, expect=201)
    demo(cc, "POST", f"{case}/marrac/plan", {"at": iso(2, 16)})
    demo(cc, "POST", f"{case}/marrac/steps", {"step": "identify_solution", "at": iso(2, 16)})

    # Day 15, within two weeks: progress checked with the agencies and risk re-reviewed at
    # 10:00: it no longer meets purpose. Closure agreed with the victim from 10:30 (20
    # minutes); the case completed and closed at 11:00 (step 4). Entered at 12:00.
    clock.at = at(15, 12)
    early = demo(cc, "POST", f"{case}/marrac/reviews",
                 {"still_meets_purpose": True, "outcome": "continue_plan", "at": iso(2, 15)},
                 expect=422)  # before the plan it reviews
    assert early["code"] == "marrac_time_out_of_bounds"
    demo(cc, "POST", f"{case}/marrac/reviews",
         {"still_meets_purpose": False, "outcome": "ready_to_close", "at": iso(15, 10)})
    demo(cc, "POST", f"{case}/marrac/contacts", {"me": "victim", "minutes": 20,
                                                 "at": iso(15, 10, 30)}, expect=201)
    alone = demo(cc, "POST", f"{case}/marrac/steps", {"step": "complete_case"}, expect=422)
    assert alone["code"] == "marrac_completed_by_closing"
    demo(cc, "POST", f"{case}/marrac/closure",
         {"reason": "Risk no longer meets purpose", "at": iso(15, 11)})
    # Every agency is told: the co-ordinator records whom, and when. Police at 11:30, the five
    # plan agencies between 11:40 and 11:55 on day 15; health visiting could not be reached
    # until 12:00 on day 16, entered at 12:30.
    told_at = {"police": iso(15, 11, 30), "mentalhealth": iso(15, 11, 40),
               "citizensadvice": iso(15, 11, 45), "school": iso(15, 11, 50),
               "substancemisuse": iso(15, 11, 55)}
    for agency, when in told_at.items():
        demo(cc, "POST", f"{case}/marrac/told", {"agency_id": agencies[agency], "at": when})
    clock.at = at(16, 12, 30)
    demo(cc, "POST", f"{case}/marrac/told", {"agency_id": agencies["health"],
                                             "at": iso(16, 12)})
    # Feedback collated from the MEs and the agencies.
    for source in ({"me": "victim"}, {"me": "perpetrator"}, {"me": "child", "child": older},
                   {"agency_id": agencies["school"]}):
        demo(cc, "POST", f"{case}/marrac/feedback",
             {"text": "Felt listened to; one contact throughout.", "at": iso(16, 12, 15),
              **source}, expect=201)
    not_told = demo(cc, "POST", f"{case}/marrac/feedback",
                    {"text": "Not involved", "agency_id": agencies["gp"]}, expect=422)
    assert not_told["code"] == "invalid_marrac_change"

    done = demo(tl, "GET", f"{case}/marrac", expect=200)
    assert done["status"] == "closed"
    assert done["allocation"]["allocated_at"] == iso(1, 8, 15)
    # Time per ME, by hand:
    #   victim      40 (day 1, 10:00) + 60 (13:30) + 30 (day 2, 13:00) + 20 (day 15, 10:30)
    #               = 150 minutes, 4 contacts
    #   perpetrator 45 (day 1, 15:30) + 20 (day 2, 14:00) = 65 minutes, 2 contacts
    #   child, 7    20 (day 1, 14:30) + 15 (day 2, 15:30) = 35 minutes, 2 contacts
    #   child, 3    10 (day 1, 14:50)                     = 10 minutes, 1 contact
    #   children together: 35 + 10 = 45 minutes, 3 contacts
    assert done["time_per_me"] == {"victim": {"minutes": 150, "contacts": 4},
                                   "perpetrator": {"minutes": 65, "contacts": 2},
                                   "child": {"minutes": 45, "contacts": 3}}
    assert done["children"] == [
        {"child": older, "needs": "Someone to speak to", "minutes": 35, "contacts": 2},
        {"child": younger, "needs": "Speech and language follow-up", "minutes": 10,
         "contacts": 1}]
    assert done["needs"] == {"victim": "Financial and MH support",
                             "perpetrator": "Alcohol and MH support", "child": None}
    # The steps at the times given, the fourth with the closure.
    assert [(s["step"], s["at"]) for s in done["steps"]] == [
        ("gather_and_assess", iso(1, 10, 40)), ("analyse_risk_and_need", iso(1, 16, 15)),
        ("identify_solution", iso(2, 16)), ("complete_case", iso(15, 11))]
    # The plan, by hand: due 48 hours after allocation, day 1 08:15 + 48 h = day 3 08:15;
    # agreed day 2 16:00, 16 h 15 min early: on time.
    assert done["plan"] == {"due_by": iso(3, 8, 15), "agreed_at": iso(2, 16), "on_time": True,
                            "late": False}
    # The review, by hand: due two weeks after the plan, day 2 16:00 + 14 days = day 16 16:00;
    # reviewed day 15 10:00: on time.
    assert done["review"] == {"due_by": iso(16, 16), "reviewed_at": iso(15, 10),
                              "on_time": True, "late": False, "still_meets_purpose": False,
                              "outcome": "ready_to_close", "reviews": 1}
    # The closure, by hand: closed day 15 11:00, so every agency is to be told by day 16 11:00.
    # The agencies told are those involved: police (the referrer) and the five owning a plan
    # action. Police and the four told on day 15 are on time; health, told day 16 12:00, an
    # hour after the deadline, is late, and so is the closure as a whole.
    closure = done["closure"]
    assert datetime.fromisoformat(closure["closed_at"]) == at(15, 11)
    assert datetime.fromisoformat(closure["inform_by"]) == at(16, 11)
    assert {a: (datetime.fromisoformat(t["told_at"]), t["late"])
            for a, t in closure["informed"].items()} == {
        **{agencies[a]: (datetime.fromisoformat(when), False) for a, when in told_at.items()},
        agencies["health"]: (at(16, 12), True)}
    assert closure["outstanding"] == []
    assert closure["late"] is True
    assert [(f["me"], f["child"], f["agency_id"]) for f in done["feedback"]] == [
        ("victim", None, None), ("perpetrator", None, None), ("child", older, None),
        (None, None, agencies["school"])]
