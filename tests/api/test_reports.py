"""Performance reports over HTTP: a quarter of 42 cases with known counts, reproduced exactly by
the indicators and the SafeLives return; restricted cases counted but never identifiable;
disclosure control that subtraction cannot undo; a rebuild from zero giving the same figures.

The figures, restriction, rebuild and releases are proved on a SQLite file and PostgreSQL; who
may read and disclosure control, rules over those figures, in memory (`in_memory`)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from domain.consent import Consent
from domain.criteria import CriteriaClaimed
from domain.subjects import Subject
from projections.publication import quarters_of
from projections.safelives import COLUMNS
from tests.api.conftest import Clock, World, accept, bearer
from tests.api.conftest import refer as refer_over_http
from tests.factories import perpetrator, referral, victim

COORDINATOR = "coordinator-1"
QUARTER = "2026-Q1"
# The 42 cases heard in the quarter, by index: who the victim is, who referred the case
# heard, and how many children. Indices 29-41 are repeats of cases heard in December.
MALE = {0, 7, 14, 21, 28, 35}
LGBT = {3: {"sexuality": "gay_or_lesbian"}, 20: {"sexuality": "bisexual"},
        33: {"trans": "yes"}}
DISABLED = {1, 14, 22, 30, 41}
MINORITISED = {2: "asian_pakistani", 5: "black_african", 9: "white_other",
               14: "mixed_white_and_asian", 26: "black_caribbean", 31: "other_arab",
               40: "white_gypsy_or_irish_traveller"}
NOT_KNOWN_ETHNICITY = {6, 11}
AGED_16_17 = {4: date(2009, 1, 1), 37: date(2008, 6, 30)}
AGED_55_PLUS = {8: date(1960, 5, 5), 18: date(1948, 1, 1), 29: date(1970, 2, 2)}
REPEATS = set(range(29, 42))
NON_POLICE = {0: "idva", 1: "health", 2: "housing", 3: "idva", 4: "health", 5: "idva",
              6: "housing", 7: "health", 8: "idva", 9: "idva", 10: "hpx", 11: "health",
              29: "idva", 30: "health", 31: "housing"}
CHILDREN = {i: 3 if i < 8 else 2 for i in range(25)}
HBA = 10  # heard in a closed harmful-practices hearing, so restricted
CONSENT_REFUSED = {6, 17}


@dataclass
class Quarter:
    heard: dict[int, UUID] = field(default_factory=dict)  # index -> the case heard
    referrals: list[UUID] = field(default_factory=list)  # every referral made in the quarter
    consent_given: int = 0
    meetings: dict[str, UUID] = field(default_factory=dict)
    actions: dict[str, list[UUID]] = field(default_factory=dict)


def _victim(i: int) -> Subject:
    changes: dict[str, Any] = {"gender": "male" if i in MALE else "female",
                               "ethnicity": MINORITISED.get(i, "not_known" if i in
                                                            NOT_KNOWN_ETHNICITY
                                                            else "white_british"),
                               "disability": "yes" if i in DISABLED else "no",
                               "sexuality": "heterosexual"}
    changes.update(LGBT.get(i, {}))
    dob = AGED_16_17.get(i) or AGED_55_PLUS.get(i) or date(1990, 1, 1)
    return victim(date_of_birth=dob, **changes)


def _subjects(i: int) -> tuple[Subject, ...]:
    children = tuple(Subject(subject_id=victim().subject_id, role="child",
                             forenames=f"Childxq{n}", surname="Quennevillexq")
                     for n in range(CHILDREN.get(i, 0)))
    return (_victim(i), perpetrator(), *children)


def build_quarter(platform: Platform, world: World, clock: Clock) -> Quarter:
    app, area, ag = platform.marac, world.area_id, world.agencies
    q = Quarter()

    def at(day: date) -> None:
        clock.at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)

    def refer(i: int, on: date, agency: str, **changes: Any) -> UUID:
        hba = i == HBA
        consent = (Consent("refused", "risk of serious harm", "UK GDPR 6(1)(e); DPA 2018 "
                           "Sch 1 para 18") if i in CONSENT_REFUSED else Consent("given"))
        r = referral(area, ag[agency], referred_on=on, subjects=_subjects(i), consent=consent,
                     criteria=CriteriaClaimed(visible_high_risk=True, honour_based_abuse=hba),
                     **changes)
        return app.refer(r)

    # December: the 13 cases that come back as repeats are first heard.
    at(date(2025, 12, 1))
    december = app.schedule_meeting(area, "standard", date(2025, 12, 10), by=COORDINATOR)
    originals = {}
    for i in sorted(REPEATS):
        case_id = refer(i, date(2025, 11, 20), "police")
        app.accept(case_id, by=COORDINATOR)
        app.list_on_agenda(december, case_id, invite=set(), by=COORDINATOR)
        originals[i] = case_id
    at(date(2025, 12, 10))
    for case_id in originals.values():
        app.record_hearing(december, case_id, risks=(), by=COORDINATOR)

    # The quarter's meetings: three open ones and a closed harmful-practices hearing.
    at(date(2026, 1, 2))
    days = {"jan": date(2026, 1, 21), "feb": date(2026, 2, 18), "mar": date(2026, 3, 18)}
    for name, day in days.items():
        q.meetings[name] = app.schedule_meeting(area, "standard", day, by=COORDINATOR)
    q.meetings["closed"] = app.schedule_meeting(area, "harmful_practices", date(2026, 2, 25),
                                                by=COORDINATOR)
    referred = {"jan": date(2026, 1, 6), "feb": date(2026, 2, 3), "mar": date(2026, 3, 2)}
    order = list(days)
    for i in range(42):
        meeting = "closed" if i == HBA else order[i % 3]
        on = referred["feb" if meeting == "closed" else meeting]
        agency = NON_POLICE.get(i, "police")
        at(on)
        if i in REPEATS:
            case_id = refer(i, on, agency)
            app.link_as_repeat(case_id, originals[i], by=COORDINATOR)
            q.referrals.append(case_id)
            heard = originals[i]
        else:
            heard = refer(i, on, agency)
            app.accept(heard, by=COORDINATOR)
            q.referrals.append(heard)
        q.consent_given += i not in CONSENT_REFUSED
        app.list_on_agenda(q.meetings[meeting], heard,
                           invite={ag["hpx"]} if i == HBA else set(), by=COORDINATOR)
        q.heard[i] = heard

    # Referrals that are not heard in the quarter: three declined, one awaiting a decision,
    # one accepted late in March and heard in April.
    at(date(2026, 3, 20))
    for n in range(3):
        case_id = app.refer(referral(area, ag["police"], yes=5, referred_on=date(2026, 3, 9),
                                     criteria=CriteriaClaimed(incidents_in_12_months=1)))
        app.decline(case_id, by=COORDINATOR, reason=f"below threshold ({n})")
        q.referrals.append(case_id)
    q.referrals.append(app.refer(referral(area, ag["housing"], referred_on=date(2026, 3, 19))))
    late = app.refer(referral(area, ag["police"], referred_on=date(2026, 3, 30)))
    app.accept(late, by=COORDINATOR)
    q.referrals.append(late)
    q.consent_given += 5
    april = app.schedule_meeting(area, "standard", date(2026, 4, 15), by=COORDINATOR)
    app.list_on_agenda(april, late, invite=set(), by=COORDINATOR)

    # The hearings, attendance, and the actions they agreed.
    attendance = {"jan": ("police", "idva", "health", "housing"),
                  "feb": ("police", "idva", "health"), "mar": ("police", "idva")}
    for name, day in days.items():
        at(day)
        for agency in attendance[name]:
            app.record_attendance(q.meetings[name], person=f"{agency}-rep",
                                  agency_id=ag[agency], acknowledged_confidentiality=True,
                                  statement_version=1)
    for i, case_id in q.heard.items():
        meeting = "closed" if i == HBA else order[i % 3]
        at(days.get(meeting, date(2026, 2, 25)))
        app.record_hearing(q.meetings[meeting], case_id, risks=(), by=COORDINATOR)
    at(days["jan"])
    for agency, due in (("police", date(2026, 1, 28)), ("police", date(2026, 2, 4)),
                        ("idva", date(2026, 1, 28)), ("health", date(2026, 2, 11))):
        q.actions.setdefault(agency, []).append(app.agree_action(
            q.heard[0], owner_agency=ag[agency], description="Safety plan review",
            for_whom="victim", due_on=due, by=COORDINATOR, meeting_id=q.meetings["jan"]))
    at(date(2026, 1, 27))
    app.update_action(q.heard[0], q.actions["police"][0], note="done", by="police-rep",
                      outcome="completed")
    app.update_action(q.heard[0], q.actions["health"][0], note="done", by="health-rep",
                      outcome="completed")
    at(date(2026, 2, 2))
    app.update_action(q.heard[0], q.actions["idva"][0], note="done late", by="idva-rep",
                      outcome="completed")

    # Links to the other safeguarding arrangements.
    at(date(2026, 2, 20))
    app.refer_onward(q.heard[0], "mappa", on=date(2026, 3, 19), by=COORDINATOR)
    app.refer_onward(q.heard[5], "child_protection", on=date(2026, 3, 19), by=COORDINATOR)
    app.refer_onward(q.heard[12], "other_marac", on=date(2026, 3, 19), by=COORDINATOR)
    for i in range(4):
        app.record_social_care(q.heard[i], childrens=True, adult=i == 3, by=COORDINATOR)
    at(date(2026, 4, 20))
    return q


@pytest.fixture
def quarter(api_platform: Platform, world: World, clock: Clock) -> Quarter:
    settings = replace(api_platform.marac.get_area(world.area_id).settings,
                       adult_female_population=120_000, population_minoritised_pct=12.5,
                       population_lgbt_pct=3.0, population_disabled_pct=18.0)
    api_platform.marac.change_area_settings(world.area_id, settings)
    return build_quarter(api_platform, world, clock)


def lead(world: World) -> dict[str, str]:
    return bearer(world.token("strategic-lead-1", "strategic_lead"), purpose=None)


def officer(world: World) -> dict[str, str]:
    """The area's performance officer: exact figures, no case content."""
    return bearer(world.token("performance-officer-1", "performance_officer"), purpose=None)


def get(client: TestClient, path: str, headers: dict[str, str], **params: str) -> Any:
    response = client.get(f"/api/v1/reports/{path}", headers=headers,
                          params={"period": QUARTER, **params})
    assert response.status_code == 200, response.text
    return response.json() if response.headers["content-type"].startswith(
        "application/json") else response.text


def test_the_quarter_is_reproduced_exactly(client: TestClient, world: World,
                                           quarter: Quarter) -> None:
    report = get(client, "indicators", officer(world), disclosure="exact")
    f = report["figures"]
    heard, victims = f["cases_heard"], f["victims"]
    assert heard["total"] == 42
    assert victims["male"] == 6
    assert victims["lgbt_plus"] == 3
    assert victims["disabled"] == 5
    assert victims["minoritised"] == 7
    assert victims["aged_16_17"] == 2
    assert victims["aged_55_plus"] == 3
    assert f["children"]["children"] == 58
    assert f["children"]["cases_with_children"] == 25
    assert heard["repeats"] == 13
    assert heard["referred_by_partner_agencies"] == 15
    assert heard["referred_by_police"] == 27
    # Percentages of the cases heard, to one place, rounded half up.
    assert (heard["repeats_pct"], heard["referred_by_partner_agencies_pct"]) == (31.0, 35.7)
    assert (victims["male_pct"], victims["lgbt_plus_pct"], victims["disabled_pct"],
            victims["minoritised_pct"], victims["aged_16_17_pct"]) == (
        14.3, 7.1, 11.9, 16.7, 4.8)
    assert victims["minoritised_local_population_pct"] == 12.5
    # The December hearings of the repeats are in another quarter; a year earlier, none.
    assert heard["a_year_earlier"] == 0
    assert heard["year_on_year_change_pct"] is None
    # 42 heard in 90 days, per 10,000 of 120,000 women, annualised: 42/12 * 365/90.
    assert heard["per_10k_adult_female_annualised"] == 14.2
    assert heard["recommended_for_period"] == 118.4

    referrals = f["referrals"]
    assert referrals["total"] == len(quarter.referrals) == 47
    assert (referrals["meeting_threshold"], referrals["linked_as_repeat"],
            referrals["not_meeting_threshold"], referrals["awaiting_decision"]) == (30, 13, 3, 1)
    assert referrals["meeting_threshold_pct"] == 63.8
    assert referrals["meeting_threshold_by_criterion"]["visible_high_risk"] == 30
    assert referrals["with_consent"] == quarter.consent_given == 45
    assert referrals["by_agency"] == {"health": 5, "hpx": 1, "housing": 4, "idva": 6,
                                      "police": 31}
    assert sum(f["monthly"][m]["cases_heard"] for m in ("2026-01", "2026-02", "2026-03")) == 42
    assert f["monthly"]["2026-02"]["cases_heard"] == 14  # 13 at the open meeting, 1 closed

    safeguarding = f["safeguarding"]
    assert safeguarding["onward_referrals_to_other_arrangements"] == 2
    assert safeguarding["onward_referrals"]["mappa"] == 1
    assert safeguarding["referred_to_other_marac"] == 1
    assert safeguarding["open_to_childrens_social_care"] == 4
    assert safeguarding["open_to_adult_social_care"] == 1
    assert safeguarding["open_to_social_care"] == 4
    assert f["meetings"]["held"] == 3  # the closed hearing is not counted
    assert f["meetings"]["attendance"]["health"] == {"attended": 2, "of": 3, "pct": 66.7}
    assert f["actions"]["police"] == {"agreed": 2, "completed": 1, "completed_pct": 50.0,
                                      "overdue": 1, "overdue_pct": 50.0}
    assert f["actions"]["idva"]["overdue"] == 1  # completed after it was due
    assert f["actions"]["health"]["overdue"] == 0
    assert heard["days_referral_to_hearing_median"] > 0
    assert report["disclosure"] == {"controlled": False, "threshold": None,
                                    "withheld_label": None, "withheld_means": None,
                                    "withheld_figures": 0}


def test_the_safelives_return_reproduces_the_counts(client: TestClient, world: World,
                                                    quarter: Quarter) -> None:
    report = get(client, "safelives-return", officer(world), disclosure="exact")
    rows = report["figures"]["rows"]
    total = rows["total"]
    assert (total["cases_discussed"], total["repeat_cases"], total["children"]) == (42, 13, 58)
    assert (total["victims_male"], total["victims_lgbt_plus"], total["victims_disabled"],
            total["victims_racially_minoritised"], total["victims_aged_16_17"]) == (
        6, 3, 5, 7, 2)
    assert total["referrals_police"] == 27
    assert sum(v for k, v in total.items() if k.startswith("referrals_")) == 42
    assert total["referrals_specialist_services"] == 1  # the harmful-practices expert
    summary = report["figures"]["summary"]
    assert summary["repeat_cases_pct"] == 31.0
    assert summary["partner_agency_referrals_pct"] == 35.7
    assert summary["victims_male_pct"] == 14.3
    # One line per open meeting, in date order, then the closed hearing's cases unitemised.
    meetings = [r for k, r in rows.items() if k not in ("not_itemised", "total")]
    assert [r["meeting_date"] for r in meetings] == ["2026-01-21", "2026-02-18", "2026-03-18"]
    assert [r["cases_discussed"] for r in meetings] == [14, 13, 14]
    assert rows["not_itemised"]["cases_discussed"] == 1
    assert rows["not_itemised"]["meeting_date"] is None

    exported = get(client, "safelives-return", officer(world), disclosure="exact",
                   format="csv")
    lines = list(csv.reader(io.StringIO(exported)))
    assert lines[0][:4] == ["MARAC", "Quarter", "Meeting date", "Cases discussed"]
    assert [line[2] for line in lines[1:]] == ["2026-01-21", "2026-02-18", "2026-03-18",
                                               "Not itemised (closed hearings)", "Total"]
    assert lines[-1][3] == "42"


def test_restricted_cases_are_counted_but_never_identifiable(
        client: TestClient, world: World, quarter: Quarter, api_platform: Platform) -> None:
    hba = quarter.heard[HBA]
    assert api_platform.marac.get_case(hba).restricted
    closed = quarter.meetings["closed"]
    case_ids = {str(c) for c in (*quarter.heard.values(), *quarter.referrals)}
    for path, headers, params in (
            ("indicators", officer(world), {"disclosure": "exact"}),
            ("indicators", lead(world), {}),
            ("safelives-return", officer(world), {"disclosure": "exact"}),
            ("safelives-return", lead(world), {"format": "csv"}),
            ("indicators/charts/monthly_trend.svg", lead(world), {}),
            ("indicators/charts/referrals_by_agency.svg", lead(world), {})):
        body = get(client, path, headers, **params)
        text = body if isinstance(body, str) else json.dumps(body)
        assert not any(c in text for c in case_ids), path
        assert str(closed) not in text, path
        assert "2026-02-25" not in text, path
    # A coordinator who is not a member of the closed hearing does not see the case, yet
    # their report counts it: counted, not shown.
    response = client.get(f"/api/v1/cases/{hba}", headers=world.coordinator("coordinator-2"))
    assert response.status_code == 404


@pytest.mark.in_memory
def test_disclosure_control_cannot_be_undone_by_subtraction(
        client: TestClient, world: World, quarter: Quarter) -> None:
    report = get(client, "safelives-return", lead(world))
    assert report["disclosure"]["controlled"]
    assert report["disclosure"]["threshold"] == 5
    rows = report["figures"]["rows"]
    exact = get(client, "safelives-return", officer(world), disclosure="exact")
    exact_rows = exact["figures"]["rows"]
    withheld = [(r, c) for r, row in rows.items() for c, v in row.items() if v == "[c]"]
    # Every small count is withheld...
    for r, row in exact_rows.items():
        for c, v in row.items():
            if isinstance(v, int) and 0 < v < 5:
                assert rows[r][c] == "[c]", (r, c)
    assert rows["not_itemised"]["cases_discussed"] == "[c]"
    # ...and no withheld count is the only unknown in a published sum: per column (the rows
    # add up to the total) and per row (the referral sources add up to the cases discussed).
    keys = list(rows)
    for r, c in withheld:
        if rows["total"][c] == 0:
            continue  # every count of a column whose total is 0 is known to be 0
        column = [rows[k][c] for k in keys]
        assert sum(v == "[c]" for v in column) >= 2, (r, c)
        if c.startswith("referrals_"):
            sources = [rows[r][s] for s in rows[r] if s.startswith("referrals_")]
            assert sum(v == "[c]" for v in [*sources, rows[r]["cases_discussed"]]) >= 2
    # Percentages of withheld counts are withheld with them; the indicators too.
    indicators = get(client, "indicators", lead(world))["figures"]
    assert indicators["victims"]["aged_16_17"] == "[c]"
    assert indicators["victims"]["aged_16_17_pct"] == "[c]"
    assert indicators["cases_heard"]["total"] == 42


def test_rebuilding_the_reporting_projection_gives_identical_figures(
        client: TestClient, world: World, quarter: Quarter, api_platform: Platform) -> None:
    readers = {"exact": officer(world), "controlled": world.coordinator()}
    before = [get(client, p, readers[d], disclosure=d)
              for p in ("indicators", "safelives-return") for d in ("exact", "controlled")]
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT COUNT(*) FROM report_discussions")
        assert cur.fetchall()[0][0] > 0
    assert api_platform.report_runner.rebuild() > 0
    after = [get(client, p, readers[d], disclosure=d)
             for p in ("indicators", "safelives-return") for d in ("exact", "controlled")]
    assert after == before


@pytest.mark.in_memory
def test_who_may_read_reports(client: TestClient, world: World, quarter: Quarter,
                              api_platform: Platform) -> None:
    def asked(headers: dict[str, str], **params: str) -> tuple[int, Any]:
        response = client.get("/api/v1/reports/indicators", headers=headers,
                              params={"period": QUARTER, **params})
        return response.status_code, response.json()

    def status(headers: dict[str, str], **params: str) -> int:
        return asked(headers, **params)[0]

    released = asked(lead(world))
    assert released[0] == 200
    assert status(lead(world), disclosure="exact") == 403
    # Exact figures, and custom ranges, by standing: the performance officer's.
    assert status(officer(world), disclosure="exact") == 200
    assert status(officer(world), disclosure="exact", period="2026-04") == 200
    # Everyone else who reads reports gets the released figures, the same for all of them:
    # whether they may see the cases counted (the closed hearing's, here) changes nothing.
    outsider = world.coordinator("coordinator-2")
    team_leader = bearer(world.token("team-leader-1", "team_leader"), purpose=None)
    for reader in (world.coordinator(), outsider, team_leader):
        assert asked(reader) == released
        refused = asked(reader, disclosure="exact")
        assert refused[0] == 403
        assert refused[1]["code"] == "exact_figures_forbidden"
    assert status(world.rep("police")) == 403
    other = bearer(world.token("lead-2", "strategic_lead", area=world.other_area_id))
    assert status(other, area_id=str(world.area_id)) == 403
    dpo = bearer(world.token("dpo-1", "dpo"))
    assert status(dpo) == 403
    # Strategic leads and performance officers see reports and nothing of any case.
    for name, role in (("strategic-lead-1", "strategic_lead"),
                       ("performance-officer-1", "performance_officer")):
        reader = bearer(world.token(name, role))
        assert client.get("/api/v1/cases", headers=reader).status_code == 403
        assert client.get(f"/api/v1/cases/{quarter.heard[0]}",
                          headers=reader).status_code == 404
    # Every request, allowed or denied, is in the audit trail, with what was asked for.
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT outcome, item_ids FROM audit_trail WHERE action = 'report'")
        records = cur.fetchall()
    outcomes = [r[0] for r in records]
    assert outcomes.count("denied") == 7
    assert "allowed" in outcomes
    assert all(QUARTER in str(r[1]) or "2026-04" in str(r[1]) for r in records)


@pytest.mark.in_memory
@pytest.mark.parametrize(("params", "code"), [
    ({"period": "2026-Q5"}, "invalid_report_period"),
    ({"period": "2026-13"}, "invalid_report_period"),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "invalid_report_period"),
    ({"start": "2020-01-01", "end": "2026-02-01"}, "invalid_report_period"),
    ({}, "invalid_report_period"),
    ({"period": "9999"}, "invalid_report_period"),
    ({"period": "0001-01"}, "invalid_report_period"),
    ({"start": "0001-01-01", "end": "0001-02-01"}, "invalid_report_period"),
    ({"period": "2026-05"}, "invalid_report_period"),  # not ended: not released yet
    ({"period": "2026-01", "report": "safelives-return"}, "invalid_report_period"),
])
def test_a_bad_period_is_a_clear_error(client: TestClient, world: World,
                                       params: dict[str, str], code: str) -> None:
    params = dict(params)
    path = params.pop("report", "indicators")
    response = client.get(f"/api/v1/reports/{path}", headers=lead(world), params=params)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code


def _counts(node: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(node, dict):
        found: dict[tuple[str, ...], Any] = {}
        for key, value in node.items():
            found.update(_counts(value, (*prefix, key)))
        return found
    return {prefix: node}


@pytest.mark.in_memory
def test_no_report_can_be_subtracted_from_another(client: TestClient, world: World,
                                                   quarter: Quarter) -> None:
    """A strategic lead asks for every report of the year: a month's counts, withheld in one
    report, are not recovered from the quarter's or the year's, nor a closed hearing's from a
    month's total less its open meetings' lines."""
    reports = {label: _counts(get(client, "indicators", lead(world), period=label)["figures"])
               for label in ("2026-Q1", "2026-01", "2026-02", "2026-03")}
    months = ("2026-01", "2026-02", "2026-03")
    withheld_any = 0
    for path, value in reports["2026-Q1"].items():
        if path[0] in ("monthly", "meetings", "actions") or not isinstance(
                reports["2026-01"].get(path), (int, str)):
            continue
        parts = [reports[m][path] for m in months]
        hidden = sum(p == "[c]" for p in parts)
        withheld_any += hidden
        # Q1 = Jan + Feb + Mar: one withheld month beside a published quarter is recoverable.
        assert not (isinstance(value, int) and hidden == 1), path
    assert withheld_any > 0
    returned = get(client, "safelives-return", lead(world))["figures"]["rows"]
    feb_rows = [r for r in returned.values() if r["meeting_date"] == "2026-02-18"]
    for column, path in (("cases_discussed", ("cases_heard", "total")),
                         ("victims_male", ("victims", "male"))):
        month = reports["2026-02"][path]
        lines = [r[column] for r in feb_rows]
        # February's total less its open meeting's line would be the closed hearing's share.
        assert month == "[c]" or any(v == "[c]" for v in lines), column


def hear(platform: Platform, world: World, clock: Clock, meeting: UUID, *, gender: str,
         count: int = 1) -> None:
    """`count` police referrals of a victim of `gender`, referred on the 1st of the meeting's
    month, accepted, listed and heard there (an 'honour'-based-abuse case at a closed one)."""
    app = platform.marac
    held = app.get_meeting(meeting)
    hba = held.closed
    for _ in range(count):
        first = held.held_on.replace(day=1)
        clock.at = datetime(first.year, first.month, 1, 9, tzinfo=UTC)
        case_id = app.refer(referral(world.area_id, world.agencies["police"], referred_on=first,
                                     subjects=(victim(gender=gender), perpetrator()),
                                     criteria=CriteriaClaimed(visible_high_risk=True,
                                                              honour_based_abuse=hba)))
        app.accept(case_id, by=COORDINATOR)
        app.list_on_agenda(meeting, case_id, invite=set(), by=COORDINATOR)
        clock.at = datetime(held.held_on.year, held.held_on.month, held.held_on.day, 10,
                            tzinfo=UTC)  # heard on the meeting's day
        app.record_hearing(meeting, case_id, risks=(), by=COORDINATOR)


def meeting_on(platform: Platform, world: World, day: date, kind: str = "standard") -> UUID:
    return platform.marac.schedule_meeting(world.area_id, kind, day, by=COORDINATOR)


@pytest.mark.in_memory
def test_a_small_month_is_not_recovered_from_its_quarter(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    """Six male victims heard in January, one in February (at a closed hearing, beside six
    women at the open meeting), six in March: February's one must stay hidden everywhere."""
    for month, gender, count in ((1, "male", 6), (2, "female", 6), (3, "male", 6)):
        hear(api_platform, world, clock, meeting_on(api_platform, world, date(2026, month, 20)),
             gender=gender, count=count)
    hear(api_platform, world, clock,
         meeting_on(api_platform, world, date(2026, 2, 24), "harmful_practices"), gender="male")
    clock.at = datetime(2026, 4, 20, tzinfo=UTC)
    male = {label: get(client, "indicators", lead(world), period=label)["figures"]
            for label in ("2026-Q1", "2026-01", "2026-02", "2026-03")}
    exact = get(client, "indicators", officer(world), disclosure="exact")["figures"]
    assert exact["victims"]["male"] == 13
    assert male["2026-02"]["victims"]["male"] == "[c]"
    quarter = male["2026-Q1"]["victims"]["male"]
    months = [male[m]["victims"]["male"] for m in ("2026-01", "2026-02", "2026-03")]
    # Either the quarter is withheld or a second month is: Q1 - Jan - Mar is never February.
    assert quarter == "[c]" or months.count("[c]") >= 2
    # February's cases less its open meeting's line would be the closed hearing's case.
    feb = male["2026-02"]["cases_heard"]["total"]
    rows = get(client, "safelives-return", lead(world))["figures"]["rows"]
    line = next(r for r in rows.values() if r["meeting_date"] == "2026-02-20")
    assert feb == "[c]" or line["cases_discussed"] == "[c]"


def test_marrac_time_per_me_and_purpose(client: TestClient, world: World,
                                        api_platform: Platform, clock: Clock) -> None:
    """Lancashire's measures: minutes with each ME over the period, and the share of reviewed
    cases that still met the MARRAC's purpose."""
    app, area = api_platform.marac, world.area_id
    app.change_area_settings(area, replace(app.get_area(area).settings, model="marrac"))
    contacts = {0: (("victim", 60), ("child", 20)), 1: (("victim", 85), ("perpetrator", 45)),
                2: (("victim", 30),)}
    purpose = {0: True, 1: False}  # case 2 does not meet purpose: it is declined
    for n, seen in contacts.items():
        clock.at = datetime(2026, 2, 2 + n, 9, tzinfo=UTC)
        claimed = CriteriaClaimed(visible_high_risk=True) if n in purpose else \
            CriteriaClaimed(professional_judgement_reason="coercive control")
        subjects = _subjects(n)
        case_id = app.refer(referral(area, world.agencies["police"], subjects=subjects,
                                     referred_on=date(2026, 2, 2 + n), criteria=claimed,
                                     yes=15 if n in purpose else 4))
        app.allocate(case_id, f"cc-{n}", by="team-leader-1")
        clock.advance(hours=2)
        # Each child is an ME of its own: a contact names the child (the first one here).
        child = next((s.subject_id for s in subjects if s.role == "child"), None)
        for me, minutes in seen:
            app.record_contact(case_id, me, minutes, by=f"cc-{n}",
                               child=child if me == "child" else None)
        if n not in purpose:
            app.decline(case_id, by=f"cc-{n}", reason="does not meet purpose")
            continue
        app.accept(case_id, by=f"cc-{n}")
        app.agree_action(case_id, owner_agency=world.agencies["idva"], description="Safety "
                         "plan", for_whom="victim", due_on=date(2026, 3, 2), by=f"cc-{n}")
        app.agree_plan(case_id, by=f"cc-{n}")
        clock.advance(days=14)
        app.review_plan(case_id, by=f"cc-{n}", still_meets_purpose=purpose[n],
                        outcome="continue_plan")
    clock.at = datetime(2026, 4, 20, tzinfo=UTC)  # Q1 has ended and settled
    marrac = get(client, "indicators", officer(world), disclosure="exact")["figures"]["marrac"]
    assert (marrac["cases_allocated"], marrac["cases_decided"],
            marrac["cases_meeting_purpose"], marrac["cases_meeting_purpose_pct"]) == (
        3, 3, 2, 66.7)
    assert (marrac["cases_reviewed"], marrac["reviews_still_meeting_purpose"],
            marrac["reviews_still_meeting_purpose_pct"]) == (2, 1, 50.0)
    assert marrac["time_per_me"] == {"victim": {"minutes": 175, "contacts": 3},
                                     "perpetrator": {"minutes": 45, "contacts": 1},
                                     "child": {"minutes": 20, "contacts": 1}}
    # Three cases: a strategic lead sees the measures withheld, not who was seen for how long.
    controlled = get(client, "indicators", lead(world))["figures"]["marrac"]
    assert controlled["cases_allocated"] == "[c]"
    assert controlled["time_per_me"]["victim"]["minutes"] == "[c]"


def test_coordinators_record_onward_referrals_and_social_care(
        client: TestClient, world: World) -> None:
    case_id = refer_over_http(client, world)
    accept(client, world, case_id)
    base = f"/api/v1/cases/{case_id}"
    onward = {"to": "mappa", "on": "2026-01-20"}
    assert client.post(f"{base}/onward-referrals", json=onward,
                       headers=world.rep("police")).status_code == 403
    assert client.post(f"{base}/onward-referrals", json=onward,
                       headers=world.coordinator()).status_code == 204
    assert client.post(f"{base}/social-care", json={"childrens": True, "adult": False},
                       headers=world.coordinator()).status_code == 204
    bad = client.post(f"{base}/onward-referrals", json={"to": "mappa", "on": "2025-01-01"},
                      headers=world.coordinator())
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_safeguarding_link"
    unknown = client.post(f"{base}/onward-referrals", json={"to": "nowhere", "on": "2026-01-20"},
                          headers=world.coordinator())
    assert 400 <= unknown.status_code < 500
    view = client.get(base, headers=world.coordinator()).json()
    assert view["safeguarding"]["onward_referrals"][0]["to"] == "mappa"
    assert view["safeguarding"]["social_care"]["childrens"] is True
    assert client.get(base, headers=world.rep("police")).json()["safeguarding"] is None


def test_a_release_stands_whatever_is_recorded_later(
        client: TestClient, world: World, quarter: Quarter, api_platform: Platform,
        clock: Clock) -> None:
    """Released figures do not move: a later version beside the first would describe what
    changed (a late hearing, a correction, an erasure) by subtraction."""
    first = get(client, "indicators", lead(world))
    returned = get(client, "safelives-return", lead(world))
    exact = get(client, "indicators", officer(world), disclosure="exact")
    app = api_platform.marac
    clock.at = datetime(2026, 5, 2, tzinfo=UTC)
    late = app.refer(referral(world.area_id, world.agencies["police"],
                              referred_on=date(2026, 3, 3),
                              subjects=(victim(gender="male"), perpetrator())))
    app.accept(late, by=COORDINATOR)
    app.list_on_agenda(quarter.meetings["mar"], late, invite=set(), by=COORDINATOR)
    app.record_hearing(quarter.meetings["mar"], late, risks=(), by=COORDINATOR)
    app.record_social_care(quarter.heard[20], childrens=True, adult=True, by=COORDINATOR)
    assert get(client, "indicators", lead(world)) == first
    assert get(client, "safelives-return", lead(world)) == returned
    assert first["released_at"] is not None
    now = get(client, "indicators", officer(world), disclosure="exact")
    assert now["figures"]["cases_heard"]["total"] == exact["figures"]["cases_heard"]["total"] + 1
    assert now["figures"]["victims"]["male"] == exact["figures"]["victims"]["male"] + 1


def test_a_year_says_nothing_its_released_quarters_did_not(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    """A month is released with its quarter, all from one decision; the year is built from
    its released quarters, so a case recorded late, or erased, after its quarter's release
    cannot be found as the difference between the year and its quarters."""
    def held(day: date, gender: str, count: int, kind: str = "standard") -> None:
        hear(api_platform, world, clock, meeting_on(api_platform, world, day, kind),
             gender=gender, count=count)

    def male(period: str) -> Any:
        return get(client, "indicators", lead(world), period=period)["figures"]["victims"][
            "male"]

    held(date(2026, 1, 20), "male", 6)
    clock.at = datetime(2026, 2, 16, tzinfo=UTC)
    early = client.get("/api/v1/reports/indicators", headers=lead(world),
                       params={"period": "2026-01"})
    assert early.status_code == 422  # January is released with the first quarter
    held(date(2026, 2, 20), "female", 6)
    held(date(2026, 3, 20), "male", 6)
    held(date(2026, 5, 20), "male", 7)
    clock.at = datetime(2026, 4, 20, tzinfo=UTC)
    first = male("2026-Q1")
    assert (first, male("2026-01"), male("2026-02"), male("2026-03")) == (12, 6, 0, 6)
    # Recorded late: a closed hearing in February, after the first quarter's release.
    clock.at = datetime(2026, 5, 30, tzinfo=UTC)
    held(date(2026, 2, 25), "male", 1, kind="harmful_practices")
    clock.at = datetime(2027, 1, 20, tzinfo=UTC)
    quarters = [male(f"2026-Q{q}") for q in (1, 2, 3, 4)]
    assert quarters == [12, 7, 0, 0]
    assert male("2026") == sum(quarters)  # 19: the late case is not there to subtract
    exact = get(client, "indicators", officer(world), disclosure="exact", period="2026")
    assert exact["figures"]["victims"]["male"] == 20


def test_a_closed_hearing_share_is_not_read_off_zeros_around_it(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    """January: eight women at the open meeting and one man at a closed hearing. Were the
    open meeting's male count shown as 0, January's withheld count would be his."""
    plan = {("standard", 1): ("female", 8), ("harmful_practices", 1): ("male", 1),
            ("standard", 2): ("female", 7), ("standard", 3): ("female", 9)}
    for (kind, month), (gender, count) in plan.items():
        hear(api_platform, world, clock,
             meeting_on(api_platform, world, date(2026, month, 20), kind), gender=gender,
             count=count)
    clock.at = datetime(2026, 4, 20, tzinfo=UTC)
    january = get(client, "indicators", lead(world), period="2026-01")["figures"]
    rows = get(client, "safelives-return", lead(world))["figures"]["rows"]
    line = next(r for r in rows.values() if r["meeting_date"] == "2026-01-20")
    assert january["victims"]["male"] == "[c]"
    assert line["victims_male"] == "[c]"  # 0, but shown it would give him away


def test_a_year_counts_actions_as_its_quarters_released_them(
        client: TestClient, world: World, quarter: Quarter, api_platform: Platform,
        clock: Clock) -> None:
    """Restricting a case after its quarter's release must not change the year's actions
    by agency: the difference would point at the case."""
    released = get(client, "indicators", lead(world))["figures"]["actions"]
    clock.at = datetime(2026, 6, 1, tzinfo=UTC)
    api_platform.marac.restrict(quarter.heard[0], by=COORDINATOR, reason="employee case",
                                members={COORDINATOR})
    clock.at = datetime(2027, 1, 20, tzinfo=UTC)
    year = get(client, "indicators", lead(world), period="2026")["figures"]["actions"]
    assert year["police"]["agreed"] == released["police"]["agreed"] == 2
    assert year["police"]["overdue_pct"] == released["police"]["overdue_pct"]


@pytest.mark.usefixtures("quarter")
def test_a_year_is_released_from_its_quarters_facts_alone(
        client: TestClient, world: World, api_platform: Platform, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a year's first release computes is bounded by its quarters: each quarter's facts
    are read once, to release it, and the year's never again (its figures are its quarters')."""
    read: list[tuple[date, date]] = []
    facts = api_platform.reports.facts

    def reading(area_id: UUID, start: date, end: date) -> Any:
        read.append((start, end))
        return facts(area_id, start, end)

    monkeypatch.setattr(api_platform.reports, "facts", reading)
    clock.at = datetime(2027, 1, 20, tzinfo=UTC)
    year = get(client, "indicators", lead(world), period="2026")["figures"]
    assert read == [(q.start, q.end) for q in quarters_of(2026)]
    released = get(client, "indicators", lead(world))["figures"]
    assert year["cases_heard"]["total"] == released["cases_heard"]["total"] == 42
    assert len(read) == 4  # served as released


def test_a_release_asks_for_its_cases_keys_together(
        client: TestClient, world: World, quarter: Quarter, api_platform: Platform) -> None:
    """A release opens each case's sealed profile: with no key cached (the cache keeps them
    seconds), their keys are fetched a chunk at a time, not in a round trip each."""
    keyring = api_platform.keyring
    alone: list[UUID] = []
    select = keyring._select  # the one-key fetch, watched

    def selecting(cur: Any, scope_id: UUID, **kwargs: Any) -> Any:
        alone.append(scope_id)
        return select(cur, scope_id, **kwargs)

    api_platform.report_runner.catch_up()  # projecting loads the cases, a key each
    keyring.forget_cached()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyring, "_select", selecting)
        get(client, "indicators", lead(world))
    assert alone  # the area's and agencies' keys, say
    assert not set(alone) & set(quarter.heard.values())


def test_the_not_itemised_line_is_withheld_as_one(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    """Every case referred by the police, one of them heard at a closed hearing: the
    closed hearings' line showing 0 in every referral source but the police's would say
    where its cases came from (and with them, any line of zeros: what they are not). Counting
    anyone, the line is withheld as one."""
    hear(api_platform, world, clock, meeting_on(api_platform, world, date(2026, 1, 20)),
         gender="female", count=6)
    hear(api_platform, world, clock,
         meeting_on(api_platform, world, date(2026, 2, 24), "harmful_practices"), gender="male")
    clock.at = datetime(2026, 4, 20, tzinfo=UTC)
    exact = get(client, "safelives-return", officer(world), disclosure="exact")
    assert exact["figures"]["rows"]["not_itemised"]["cases_discussed"] == 1
    returned = get(client, "safelives-return", lead(world))
    line = returned["figures"]["rows"]["not_itemised"]
    assert line == {"meeting_date": None} | dict.fromkeys(COLUMNS, "[c]")
    exported = list(csv.reader(io.StringIO(get(client, "safelives-return", lead(world),
                                               format="csv"))))
    not_itemised = next(row for row in exported if row[2] == "Not itemised (closed hearings)")
    assert set(not_itemised[3:]) == {"[c]"}
