"""Two worlds that differ only by one restricted case, referred on a given day. Whoever may not
see it (a coordinator who is not a member, a representative, a strategic lead) gets the same
status, code and body in both, on every list, count, search and report they may ask for, at
every point in time: before the case's quarter is released, after, and after its year is.
Released figures alone may count it, and only as the release machinery publishes them.

Both worlds are built through the HTTP API with one clock, so that times and dates agree; ids
made in each (uuid4) are named by the step that made them, and a body is compared with each
world's ids of the common history replaced by their names. Nothing else is normalised: the
restricted case's id, or any id not of the common history, makes the bodies differ."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from tests.api.conftest import Clock, World, bearer, build_world, referral_body

HIDDEN_DAY = date(2026, 2, 10)  # the restricted case's referral
COMMON_VICTIM = {"surname": "Quennevillexq", "date_of_birth": "1987-03-14"}


def observers(world: World) -> dict[str, dict[str, str]]:
    """Who may not see the restricted case, and what they send."""
    return {"non-member coordinator": world.coordinator("coordinator-2"),
            "representative": world.rep("police"),
            "strategic lead": bearer(world.token("strategic-lead-1", "strategic_lead"))}


# Every read an observer may ask for, one line each: (path, query). A path names the common
# history's objects as {name}; one more endpoint is one more line.
READS: list[tuple[str, dict[str, str]]] = [
    ("/api/v1/cases", {}),
    ("/api/v1/cases", {"status": "accepted"}),
    ("/api/v1/cases", {"status": "referred"}),
    ("/api/v1/cases", {"status": "declined"}),
    ("/api/v1/cases", {"page_size": "1"}),
    ("/api/v1/cases", {"page": "2", "page_size": "1"}),
    ("/api/v1/cases", {"page": "2", "page_size": "2"}),
    ("/api/v1/cases", {"page": "3", "page_size": "2"}),
    ("/api/v1/cases/{c1}", {}),
    ("/api/v1/cases/{c2}", {}),
    ("/api/v1/cases/{c3}", {}),
    ("/api/v1/cases/{c1}/possible-repeats", {}),
    ("/api/v1/search", COMMON_VICTIM),
    ("/api/v1/search", {"surname": COMMON_VICTIM["surname"]}),
    ("/api/v1/search", {"forename": "Philippaxq", "date_of_birth": "1987-03-14"}),
    ("/api/v1/actions", {"scope": "mine"}),
    ("/api/v1/actions", {"scope": "overdue"}),
    ("/api/v1/case-reviews/anniversaries", {}),
    ("/api/v1/case-reviews/anniversaries", {"within_days": "366"}),
    ("/api/v1/case-reviews/restrictions", {}),
    ("/api/v1/case-reviews/restrictions", {"within_days": "366"}),
    ("/api/v1/meetings/next", {}),
    ("/api/v1/meetings/{m1}", {}),
    ("/api/v1/meetings/{m1}/agenda", {}),
    ("/api/v1/meetings/{m1}/review", {}),
    ("/api/v1/meetings/{m1}/minutes/{c1}", {}),
    ("/api/v1/meetings/{m2}", {}),
    ("/api/v1/meetings/{m2}/agenda", {}),
    ("/api/v1/meetings/{m2}/review", {}),
    ("/api/v1/research-requests", {}),
    ("/api/v1/areas/{area}/settings", {}),
]


def report_reads() -> list[tuple[str, dict[str, str]]]:
    """Each report, controlled and exact, as JSON, CSV and charts: the month, quarter and
    year holding the day and those beside them, and custom ranges of that day alone."""
    reads: list[tuple[str, dict[str, str]]] = []
    indicators, charts = "/api/v1/reports/indicators", "/api/v1/reports/indicators/charts"
    day, before = HIDDEN_DAY.isoformat(), HIDDEN_DAY.replace(day=9).isoformat()
    spans = [{"period": p} for p in ("2026-01", "2026-02", "2026-03", "2026-Q1", "2026-Q2",
                                     "2026", "2025")]
    spans += [{"start": day, "end": day}, {"start": before, "end": before},
              {"start": "2026-01-01", "end": "2026-12-31"}]
    for span in spans:
        reads += [(indicators, span), (indicators, span | {"format": "csv"}),
                  (indicators, span | {"disclosure": "exact"}),
                  (f"{charts}/monthly_trend.svg", span),
                  (f"{charts}/referrals_by_agency.svg", span)]
    for quarter in ("2026-Q1", "2026-Q2"):
        reads += [("/api/v1/reports/safelives-return", {"period": quarter}),
                  ("/api/v1/reports/safelives-return", {"period": quarter, "format": "csv"}),
                  ("/api/v1/reports/safelives-return", {"period": quarter,
                                                        "disclosure": "exact"})]
    return reads


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Twins:
    """World A and world B, driven step by step alike."""

    world: World  # areas, agencies and tokens: the same in both (ids derived from codes)
    platforms: tuple[Platform, Platform]
    clients: tuple[TestClient, TestClient]
    clock: Clock
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (A's id, B's id)
    hidden: str = ""  # the restricted case's id, in B

    def at(self, day: date, hour: int = 10) -> None:
        self.clock.at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    def _in(self, world: int, value: Any) -> Any:
        """`value` with each {name} of the common history as `world` knows it."""
        if isinstance(value, str):
            return re.sub(r"\{(\w+)\}", lambda m: self.ids[m[1]][world], value)
        if isinstance(value, dict):
            return {k: self._in(world, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._in(world, v) for v in value]
        return value

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str], *,
             name: str | None = None) -> None:
        """The same step in both worlds; `name` names what it made."""
        made = []
        for world, client in enumerate(self.clients):
            response = client.post(self._in(world, path), json=self._in(world, body),
                                   headers=headers)
            assert response.status_code in (201, 204), response.text
            if name:
                made.append(response.json()["id"])
        if name:
            self.ids[name] = (made[0], made[1])

    def name_subjects(self, case: str) -> None:
        """The people a common case names get their ids at referral: name them in order."""
        found = [re.findall(r'"subject_id":\s*"([0-9a-f-]{36})"', client.get(
            f"/api/v1/cases/{self.ids[case][world]}", headers=self.world.coordinator()).text)
            for world, client in enumerate(self.clients)]
        assert len(found[0]) == len(found[1]) > 0
        for n, pair in enumerate(zip(*found, strict=True)):
            self.ids[f"{case}.subject{n}"] = pair

    def ask(self, path: str, params: dict[str, str], headers: dict[str, str]
            ) -> tuple[Answer, Answer]:
        answers = []
        for world, client in enumerate(self.clients):
            self.platforms[world].feed_runner.catch_up()  # as the worker would have
            response = client.get(self._in(world, path), params=params, headers=headers)
            body = response.text
            for name, ids in self.ids.items():
                body = body.replace(ids[world], f"<{name}>")
            answers.append(Answer(response.status_code,
                                  response.headers.get("content-type", ""), body))
        return answers[0], answers[1]


@pytest.fixture
def other_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database of the same kind: another SQLite file, or another schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{(tmp_path / 'world-b.sqlite').as_posix()}"
        return
    server = database_url.split("?schema=", maxsplit=1)[0]
    schema = f"t_{uuid4().hex[:16]}"
    yield f"{server}?schema={schema}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def other_platform(other_database_url: str, key_material: KeyMaterial, issuer: LocalIssuer,
                   clock: Clock, tmp_path: Path) -> Iterator[Platform]:
    """World B's platform: its own database, the same keys, token issuer and clock."""
    settings = Settings(data_dir=tmp_path / "data-b", database_url=other_database_url,
                        demo=True)
    other = build_platform(settings, material=key_material, issuer=issuer, now=clock)
    yield other
    other.close()


@pytest.fixture
def twins(api_platform: Platform, client: TestClient, other_platform: Platform,
          issuer: LocalIssuer, clock: Clock) -> Iterator[Twins]:
    world = build_world(api_platform, issuer)
    assert build_world(other_platform, issuer) == world
    with TestClient(create_app(other_platform)) as other_client:
        twins = Twins(world, (api_platform, other_platform), (client, other_client), clock)
        twins.ids["area"] = (str(world.area_id), str(world.area_id))
        yield twins


def common_history(t: Twins) -> None:
    """Cases referred on different days (lists order by day), decided; a meeting held with
    attendance, hearings, actions and shared information; a grant; a feed; the next meeting."""
    w = t.world
    coordinator = w.coordinator()
    victim = {"role": "victim", "forenames": "Philippaxq", "surname": COMMON_VICTIM["surname"],
              "date_of_birth": COMMON_VICTIM["date_of_birth"]}
    other_victim = dict(victim, forenames="Rosalindxq", surname="Tregarthenxq",
                        date_of_birth="1991-06-02")
    perpetrator = {"role": "perpetrator", "forenames": "Dorianxq", "surname": "Marchbankxq",
                   "date_of_birth": "1984-11-02"}
    t.post("/api/v1/subscriptions", {
        "client_id": "idva-cms", "agency_id": str(w.agencies["idva"]),
        "event_types": ["case.referred.v1", "case.listed.v1", "action.assigned.v1"]},
        w.coordinator("coordinator-2"), name="feed")
    t.post("/api/v1/feeds/{feed}/activation", {}, bearer(w.token(
        "idva-cms", agency="idva", client=True, scope="cases:read")))
    below: dict[str, Any] = {"yes": 5, "criteria": {"incidents_in_12_months": 1}}
    for n, (agency, day, subject, changes) in enumerate((
            ("police", date(2026, 1, 5), victim, {}),
            ("idva", date(2026, 1, 6), other_victim, {}),
            ("housing", date(2026, 1, 7), dict(other_victim, surname="Penhaligonxq"), {}),
            ("police", date(2026, 1, 8), dict(other_victim, surname="Trevithickxq"), below)),
            1):
        t.at(day)
        t.post("/api/v1/cases", referral_body(referred_on=day, subjects=[subject, perpetrator],
                                              **changes), w.rep(agency), name=f"c{n}")
    t.at(date(2026, 1, 12))
    for n in range(1, 5):
        t.name_subjects(f"c{n}")
    for case in ("c1", "c2", "c3"):
        t.post(f"/api/v1/cases/{{{case}}}/decision", {"outcome": "accept"}, coordinator)
    t.post("/api/v1/cases/{c4}/decision", {"outcome": "decline", "reason": "below threshold"},
           coordinator)
    t.post("/api/v1/cases/{c3}/grants", {"agency_id": str(w.agencies["health"]),
                                         "reason": "Health need identified"}, coordinator,
           name="grant")
    t.post("/api/v1/meetings", {"kind": "standard", "held_on": "2026-01-21"}, coordinator,
           name="m1")
    for case, invite in (("c1", [str(w.agencies["health"])]), ("c2", [])):
        t.post("/api/v1/meetings/{m1}/agenda", {"case_id": f"{{{case}}}", "invite": invite},
               coordinator)
    t.post("/api/v1/meetings/{m1}/research-requests", {
        "case_id": "{c1}", "agencies": [str(w.agencies["police"])], "due_on": "2026-01-19"},
        coordinator)
    t.at(date(2026, 1, 21))
    t.post("/api/v1/meetings/{m1}/attendance",
           {"acknowledge_confidentiality": True, "confidentiality_statement_version": 1},
           w.rep("police"))
    for case in ("c1", "c2"):
        t.post("/api/v1/meetings/{m1}/hearings", {"case_id": f"{{{case}}}"}, coordinator)
    for name, case, agency, due in (("a1", "c1", "police", "2026-02-04"),
                                    ("a2", "c2", "idva", "2026-03-02"),
                                    ("a3", "c1", "health", "2026-05-04")):
        t.post(f"/api/v1/cases/{{{case}}}/actions", {
            "owner_agency_id": str(w.agencies[agency]), "description": "Safety plan review",
            "for_whom": "victim", "due_on": due, "meeting_id": "{m1}"}, coordinator, name=name)
    t.post("/api/v1/cases/{c1}/information", {
        "kind": "disclosure", "text": "Three call-outs since November.",
        "audience": {"kind": "whole_case"}, "meeting_id": "{m1}"}, w.rep("police"), name="i1")
    t.post("/api/v1/cases/{c2}/information", {
        "kind": "note", "text": "Refuge place found.", "audience": {"kind": "whole_case"}},
        w.rep("idva"), name="i2")
    t.post("/api/v1/meetings/{m1}/minutes/distribution", {}, coordinator)
    t.post("/api/v1/meetings", {"kind": "standard", "held_on": "2026-05-20"}, coordinator,
           name="m2")
    t.post("/api/v1/meetings/{m2}/agenda", {"case_id": "{c3}", "invite": []}, coordinator)


def restricted_case(t: Twins) -> None:
    """World B only: the common victim referred again on the day by the IDVA service,
    accepted and restricted by a coordinator to themselves and the IDVA, with an action for
    the police and a place on the next meeting's agenda."""
    w = t.world
    client, coordinator = t.clients[1], w.coordinator()
    t.at(HIDDEN_DAY, hour=9)
    made = client.post("/api/v1/cases", headers=w.rep("idva"), json=referral_body(
        referred_on=HIDDEN_DAY, surname=COMMON_VICTIM["surname"]))
    assert made.status_code == 201, made.text
    t.hidden = made.json()["id"]
    case = f"/api/v1/cases/{t.hidden}"
    for path, body in (
            (f"{case}/decision", {"outcome": "accept"}),
            (f"{case}/restriction", {"members": ["coordinator-1", "idva-rep"],
                                     "reason": "Employee case: need-to-know only"}),
            (f"{case}/actions", {"owner_agency_id": str(w.agencies["police"]),
                                 "description": "Check address markers", "for_whom": "victim",
                                 "due_on": "2026-02-17"}),
            (f"/api/v1/meetings/{t.ids['m2'][1]}/agenda", {"case_id": t.hidden, "invite": []})):
        response = client.post(path, json=body, headers=coordinator)
        assert response.status_code in (201, 204), response.text


def released_figures_differ_only(t: Twins, path: str, params: dict[str, str],
                                 headers: dict[str, str], answers: tuple[Answer, Answer]
                                 ) -> None:
    """A difference is allowed only in released, disclosure-controlled figures of a period
    holding the day: the same report released at the same time in both worlds, differing in
    published figures alone (a CSV or chart of it, in what it draws from them)."""
    a, b = answers
    assert (a.status, a.media_type) == (b.status, b.media_type)
    assert a.status == 200
    kind = "safelives-return" if "safelives" in path else "indicators"
    asked = {k: v for k, v in params.items() if k != "format"}
    json_a, json_b = (answer.json() for answer in t.ask(f"/api/v1/reports/{kind}", asked,
                                                         headers))
    for report in (json_a, json_b):
        assert report["disclosure"]["controlled"]
        assert report["released_at"] is not None
        period = report["period"]
        assert period["start"] <= HIDDEN_DAY.isoformat() <= period["end"]
    assert {k: v for k, v in json_a.items() if k not in ("figures", "disclosure")} == {
        k: v for k, v in json_b.items() if k not in ("figures", "disclosure")}
    assert (json_a["disclosure"] | {"withheld_figures": 0}) == (
        json_b["disclosure"] | {"withheld_figures": 0})
    assert shape(json_a["figures"]) == shape(json_b["figures"])


def shape(node: Any) -> Any:
    """The keys of a report, without its values."""
    return {k: shape(v) for k, v in node.items()} if isinstance(node, dict) else None


def leaves(node: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if not isinstance(node, dict):
        return {path: node}
    return {p: v for key, value in node.items() for p, v in leaves(value, (*path, key)).items()}


def compare(t: Twins, when: str, reads: list[tuple[str, dict[str, str]]] | None = None
            ) -> set[tuple[str, str]]:
    """Every read by every observer in both worlds: identical, or released figures that may
    count the restricted case. Returns the reports whose figures differed."""
    differed: set[tuple[str, str]] = set()
    for observer, headers in observers(t.world).items():
        for path, params in reads if reads is not None else [*READS, *report_reads()]:
            a, b = t.ask(path, params, headers)
            assert t.hidden not in b.body, (when, observer, path, params)
            if a == b:
                continue
            assert path.startswith("/api/v1/reports/"), (when, observer, path, params, a, b)
            released_figures_differ_only(t, path, params, headers, (a, b))
            differed.add((path, json.dumps(params, sort_keys=True)))
    return differed


def test_a_restricted_case_changes_nothing_its_non_members_may_ask_for(twins: Twins) -> None:
    common_history(twins)
    restricted_case(twins)
    # The same day, the next quarter (once its figures are released) and the next year
    # (once the year's are, and the case's anniversary is near).
    twins.at(HIDDEN_DAY, hour=15)
    assert compare(twins, "the day") == set()
    twins.at(date(2026, 4, 20))
    differed = compare(twins, "after the quarter's release")
    twins.at(date(2027, 1, 20))
    differed |= compare(twins, "after the year's release")
    # Only released figures differ, and they do: the referral is counted, never shown.
    assert differed
    assert {path for path, _ in differed} <= {
        "/api/v1/reports/indicators", "/api/v1/reports/safelives-return",
        "/api/v1/reports/indicators/charts/referrals_by_agency.svg"}
    lead = observers(twins.world)["strategic lead"]
    for period in ("2026-02", "2026-Q1", "2026"):
        a, b = (leaves(answer.json()["figures"]) for answer in twins.ask(
            "/api/v1/reports/indicators", {"period": period}, lead))
        changed = {path for path in a if a[path] != b[path]}
        # Referral counts alone: its actions, not being heard, anything else, count nowhere.
        assert changed, period
        assert all("referrals" in path for path in changed), (period, changed)


def test_a_feed_status_says_nothing_of_a_restricted_case(twins: Twins) -> None:
    common_history(twins)
    restricted_case(twins)
    twins.at(HIDDEN_DAY, hour=15)
    assert compare(twins, "the day", [("/api/v1/subscriptions/{feed}", {})]) == set()
