"""The data protection officer's pages over HTTP, without a browser: the audit search (each
filter, UK days, keyset pages), its CSV and JSON exports (what the search found, recorded as an
export naming each record), the break-glass review (errors shown, the decision recorded once),
the verification, retention and restriction-review pages; and nobody else may use them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from audit.queries import REVIEW_DECISIONS
from tests.api.conftest import Clock, World, accept, bearer, refer
from tests.integration.test_audit_trail import as_attacker
from tests.web.test_case_page import CSRF, sign_in
from web import audit_pages
from web.break_glass_reviews import DECISIONS

pytestmark = pytest.mark.in_memory


def as_dpo(client: TestClient, world: World, platform: Platform, sub: str = "dpo-1") -> None:
    sign_in(client, platform, world.token(sub, "dpo"))


def rows(page: str) -> list[list[str]]:
    """The records a search page lists, in order: each row's cells as their text is read."""
    if 'id="audit-records"' not in page:
        return []
    table = page.split('id="audit-records"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    return [[" ".join(re.sub(r"<span class=\"govuk-visually-hidden\">.*?</span>|<[^>]+>", "",
                             cell).split())
             for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.DOTALL)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.DOTALL)]


def seqs(page: str) -> list[int]:
    return [int(row[0]) for row in rows(page)]


def row_of(page: str, seq: int) -> list[str]:
    return next(row for row in rows(page) if row[0] == str(seq))


def viewed_case(client: TestClient, world: World) -> UUID:
    """A case the police referred, the coordinator accepted, and the police then read."""
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    read = client.get(f"/api/v1/cases/{case_id}",
                      headers=bearer(world.token("police-rep", "representative",
                                                 agency="police"), "safety_planning"))
    assert read.status_code == 200, read.text
    return case_id


def test_who_viewed_a_case_is_one_search_by_its_id(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = viewed_case(client, world)
    refer(client, world, "health")  # another case: not found by this search
    as_dpo(client, world, api_platform)
    mentions = [r for r in api_platform.audit.records()
                if r["case_id"] == str(case_id) or str(case_id) in json.loads(r["item_ids"])]

    page = client.get("/audit", params={"case": str(case_id)})

    assert page.status_code == 200, page.text
    assert seqs(page.text) == [r["seq"] for r in mentions]
    read = next(r for r in mentions if r["action"] == "read")
    row = row_of(page.text, read["seq"])
    # Who, for which agency, what, why and when (12 January is GMT: UK time is UTC).
    assert row == [str(read["seq"]), "12 January 2026 at 9:00am", "police-rep", "Police", "read",
                   "Safety planning", str(case_id)[:8], "allowed",
                   str(len(json.loads(read["item_ids"])))]
    # The search is itself recorded, naming the records it showed.
    last = api_platform.audit.records()[-1]
    assert (last["actor"], last["action"], last["case_id"]) == ("dpo-1", "audit_query",
                                                                str(case_id))
    assert json.loads(last["item_ids"]) == [str(r["seq"]) for r in mentions]


def test_each_filter_narrows_the_search(
        client: TestClient, world: World, api_platform: Platform) -> None:
    viewed_case(client, world)
    denied = client.get("/api/v1/audit/records", headers=bearer(world.token(
        "police-rep", "representative", agency="police"), None))
    assert denied.status_code == 403
    as_dpo(client, world, api_platform)
    records = api_platform.audit.records()

    def found(**params: str) -> list[int]:
        page = client.get("/audit", params=params)
        assert page.status_code == 200, page.text
        return seqs(page.text) if 'id="audit-records"' in page.text else []

    assert found(person="police-rep") == [r["seq"] for r in records if r["actor"] == "police-rep"]
    assert found(action="read") == [r["seq"] for r in records if r["action"] == "read"]
    assert found(outcome="denied") == [r["seq"] for r in records if r["outcome"] == "denied"]
    assert found(agency=str(world.agencies["police"])) == [
        r["seq"] for r in records if r["agency_id"] == str(world.agencies["police"])]
    assert found(person="police-rep", outcome="denied") == [denied_seq := next(
        r["seq"] for r in records if r["outcome"] == "denied")]
    assert denied_seq


def test_days_are_whole_days_on_uk_clocks(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    clock.at = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    viewed_case(client, world)
    as_dpo(client, world, api_platform)
    ours = [r["seq"] for r in api_platform.audit.records() if r["actor"] != "dpo-1"]

    def found(**params: str) -> list[int]:
        page = client.get("/audit", params=params)
        assert page.status_code == 200, page.text
        return [s for s in seqs(page.text) if s in ours] if 'id="audit-records"' in page.text \
            else []

    assert found(**{"since-day": "2", "since-month": "7", "since-year": "2026"}) == ours
    assert found(**{"until-day": "1", "until-month": "7", "until-year": "2026"}) == []
    assert found(**{"since-day": "2", "since-month": "7", "since-year": "2026",
                    "until-day": "2", "until-month": "7", "until-year": "2026"}) == ours
    assert "2 July 2026 at 12:30am" in client.get("/audit", params={"person": "police-rep"}).text


@pytest.mark.parametrize(("params", "field"), [
    ({"case": "not-a-case-id"}, "case"),
    ({"action": "teleport"}, "action"),
    ({"since-day": "31", "since-month": "2", "since-year": "2026"}, "since-day"),
    ({"since-day": "2", "since-month": "3", "since-year": "2026",
      "until-day": "1", "until-month": "3", "until-year": "2026"}, "until-day"),
])
def test_a_search_that_cannot_be_run_says_what_to_correct(
        client: TestClient, world: World, api_platform: Platform, params: dict[str, str],
        field: str) -> None:
    as_dpo(client, world, api_platform)
    before = api_platform.audit.count()
    page = client.get("/audit", params=params)
    assert page.status_code == 400
    assert "<title>Error: Audit trail" in page.text
    assert f'href="#{field}"' in page.text
    assert api_platform.audit.count() == before  # nothing was searched
    assert client.get("/audit/export.csv", params=params).status_code == 400


def test_pages_follow_on_by_record_and_start_again_from_the_first(
        client: TestClient, world: World, api_platform: Platform,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 3)
    for _ in range(4):
        viewed_case(client, world)
    as_dpo(client, world, api_platform)
    reads = [r["seq"] for r in api_platform.audit.records() if r["action"] == "read"]
    assert len(reads) == 4

    first = client.get("/audit", params={"action": "read"})
    assert seqs(first.text) == reads[:3]
    assert "First page" not in first.text
    following = re.search(r'href="(/audit\?[^"]*)"[^>]*rel="next"', first.text)
    assert following is not None
    second = client.get(following.group(1).replace("&amp;", "&"))
    assert seqs(second.text) == reads[3:]  # the filter is kept; after the third read
    assert "First page" in second.text
    assert 'rel="next"' not in second.text


def test_the_exports_hold_what_the_search_finds_and_are_recorded(
        client: TestClient, world: World, api_platform: Platform,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 2)
    monkeypatch.setattr(audit_pages, "CHUNK", 2)  # several chunks, one header
    case_id = viewed_case(client, world)
    as_dpo(client, world, api_platform)
    wanted = [r for r in api_platform.audit.records()
              if r["case_id"] == str(case_id) or str(case_id) in json.loads(r["item_ids"])]
    assert len(wanted) > 2  # more than a page: the export is the whole search

    # Exported from the second page: still the whole search.
    as_csv = client.get("/audit/export.csv", params={"case": str(case_id), "after": "1"})

    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-export.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [{k: v or None for k, v in row.items()} | {"seq": int(row["seq"])} for row in rows] \
        == [{k: (str(v) if v is not None and k != "seq" else v) for k, v in r.items()
             if k not in ("prev_hash", "hash")} for r in wanted]
    exported = api_platform.audit.records()[-1]
    assert (exported["action"], exported["outcome"], exported["case_id"]) == (
        "export", "allowed", str(case_id))
    assert json.loads(exported["item_ids"]) == [str(r["seq"]) for r in wanted]

    as_json = client.get("/audit/export.json", params={"case": str(case_id)})
    assert as_json.status_code == 200
    body = as_json.json()
    # The CSV's export names the case too: now it is found as well.
    assert [i["seq"] for i in body["items"]] == [r["seq"] for r in wanted] + [exported["seq"]]
    assert body["items"][0]["at"] == wanted[0]["at"]
    assert body["next_after_seq"] is None
    # The same as the API's own export of the same search.
    api = client.get("/api/v1/audit/records", params={"case_id": str(case_id),
                                                      "format": "json"},
                     headers=bearer(world.token("dpo-1", "dpo"), None))
    assert api.json()["items"][:-1] == body["items"]  # and the JSON's export, last


@pytest.mark.parametrize("path", ["/audit", "/audit/export.csv", "/audit/export.json",
                                  "/audit/break-glass", "/audit/verification", "/retention",
                                  "/restriction-reviews"])
def test_nobody_but_a_dpo_may_use_the_pages(
        client: TestClient, world: World, api_platform: Platform, path: str) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    answer = client.get(path)
    assert answer.status_code == 403
    assert "audit-records" not in answer.text
    last = api_platform.audit.records()[-1]
    assert (last["actor"], last["outcome"]) == ("coordinator-1", "denied")


def test_the_dpo_pages_are_in_the_dpos_navigation_only(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    assert 'href="/audit"' not in client.get("/decisions").text
    as_dpo(client, world, api_platform)
    page = client.get("/audit/verification")
    for href in ("/audit", "/audit/break-glass", "/audit/verification", "/retention",
                 "/restriction-reviews"):
        assert f'href="{href}"' in page.text


def break_glass(client: TestClient, world: World, api_platform: Platform) -> tuple[UUID, int]:
    case_id = refer(client, world, "police")
    opened = client.post(f"/api/v1/cases/{case_id}/break-glass",
                         headers=world.rep("housing"),
                         json={"reason": "Victim at the housing office now"})
    assert opened.status_code == 201, opened.text
    seq = max(r["seq"] for r in api_platform.audit.records() if r["action"] == "break_glass")
    return case_id, seq


def test_a_break_glass_use_is_reviewed_with_a_decision_and_a_note(
        client: TestClient, world: World, api_platform: Platform) -> None:
    assert set(DECISIONS) == set(REVIEW_DECISIONS)
    case_id, seq = break_glass(client, world, api_platform)
    as_dpo(client, world, api_platform)
    queue = client.get("/audit/break-glass")
    assert queue.status_code == 200
    assert "Victim at the housing office now" in queue.text
    assert "60 minutes" in queue.text
    assert "1 use awaiting review" in queue.text
    assert f'href="/audit/break-glass/{seq}"' in queue.text

    form = client.get(f"/audit/break-glass/{seq}")
    assert str(case_id) in form.text
    assert 'name="csrf_token" value="' + CSRF + '"' in form.text
    before = api_platform.audit.count()
    undecided = client.post(f"/audit/break-glass/{seq}",
                            data={"csrf_token": CSRF, "note": "Checked with the manager"})
    assert undecided.status_code == 400
    assert "<title>Error: Break-glass use" in undecided.text
    assert 'href="#decision"' in undecided.text
    assert "Checked with the manager" in undecided.text  # what was typed is kept
    assert not [r for r in api_platform.audit.records()[before:] if r["action"] == "review"]

    recorded = client.post(f"/audit/break-glass/{seq}", follow_redirects=False,
                           data={"csrf_token": CSRF, "decision": "justified",
                                 "note": "Checked with the manager"})
    assert (recorded.status_code, recorded.headers["location"]) == (
        303, f"/audit/break-glass?reviewed={seq}")
    review = [r for r in api_platform.audit.records() if r["action"] == "review"]
    assert [(r["actor"], r["outcome"], json.loads(r["item_ids"])) for r in review] == [
        ("dpo-1", "allowed", [str(seq)])]
    after = client.get(f"/audit/break-glass?reviewed={seq}")
    assert "Review recorded" in after.text
    assert "0 uses awaiting review" in after.text
    shown = client.get(f"/audit/break-glass/{seq}")
    assert "Checked with the manager" in shown.text
    assert 'name="decision"' not in shown.text

    again = client.post(f"/audit/break-glass/{seq}",
                        data={"csrf_token": CSRF, "decision": "not_justified", "note": "x"})
    assert again.status_code == 422
    assert "already been reviewed" in again.text


def test_a_review_without_the_csrf_token_is_refused_and_nothing_recorded(
        client: TestClient, world: World, api_platform: Platform) -> None:
    _, seq = break_glass(client, world, api_platform)
    as_dpo(client, world, api_platform)
    before = api_platform.audit.count()
    for token in (None, "another-sessions-token"):
        data = {"decision": "justified", "note": "Fine"} | (
            {"csrf_token": token} if token else {})
        refused = client.post(f"/audit/break-glass/{seq}", data=data)
        assert refused.status_code == 403
    assert api_platform.audit.count() == before


def test_a_use_the_dpo_may_not_review_is_not_found_or_withheld(
        client: TestClient, world: World, api_platform: Platform) -> None:
    _, seq = break_glass(client, world, api_platform)
    as_dpo(client, world, api_platform)
    assert client.get(f"/audit/break-glass/{seq + 1000}").status_code == 404
    # A DPO of another area: not theirs to see at all.
    sign_in(client, api_platform, world.token("dpo-2", "dpo", area=world.other_area_id))
    assert client.get(f"/audit/break-glass/{seq}").status_code == 404
    assert "Victim at the housing office now" not in client.get("/audit/break-glass").text


def test_verification_retention_and_restriction_reviews(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    closed = refer(client, world, "police")
    accept(client, world, closed)
    closing = client.post(f"/api/v1/cases/{closed}/closure", headers=world.coordinator(),
                          json={"reason": "Actions completed"})
    assert closing.status_code == 204, closing.text
    restricted = refer(client, world, "police")
    accept(client, world, restricted)
    made = client.post(f"/api/v1/cases/{restricted}/restriction", headers=world.coordinator(),
                       json={"members": ["idva-rep"], "reason": "Employee case"})
    assert made.status_code == 204, made.text
    api_platform.runner.catch_up()
    api_platform.checkpoints.issue()
    as_dpo(client, world, api_platform)

    verified = client.get("/audit/verification")
    assert verified.status_code == 200
    assert "The trail verifies" in verified.text
    assert re.search(r"Last checkpoint\s*</dt>\s*<dd[^>]*>\s*Size \d+", verified.text)
    # The public key, as GET /api/v1/audit/keys gives it (what the DPO hands a verifier).
    keys = client.get("/api/v1/audit/keys", headers=world.coordinator()).json()["keys"]
    assert f'<code id="signing-key">{keys[0]["public_key"]}</code>' in verified.text

    retention = client.get("/retention")
    assert retention.status_code == 200
    assert str(closed) in retention.text
    assert str(restricted) not in retention.text
    months = api_platform.marac.get_area(world.area_id).settings.retention_months
    assert f"for {months} months" in retention.text

    assert str(restricted) not in client.get("/restriction-reviews",
                                             params={"within": "0"}).text
    clock.advance(days=91)
    as_dpo(client, world, api_platform)  # the session ended meanwhile
    due = client.get("/restriction-reviews", params={"within": "0"})
    assert str(restricted) in due.text
    assert "Overdue" in due.text
    assert str(closed) not in due.text


def test_a_changed_record_is_named_on_the_page_and_by_the_api(
        client: TestClient, world: World, api_platform: Platform) -> None:
    viewed_case(client, world)
    api_platform.checkpoints.issue()
    as_dpo(client, world, api_platform)
    dpo = bearer(world.token("dpo-1", "dpo"), None)
    assert client.get("/api/v1/audit/verification", headers=dpo).json()["ok"] is True
    with as_attacker(api_platform) as cur:
        cur.execute("UPDATE audit_trail SET outcome = 'denied' WHERE seq = 2")

    page = client.get("/audit/verification")

    assert page.status_code == 200
    assert "The trail does not verify" in page.text
    assert "A record was changed after it was written" in page.text
    answer = client.get("/api/v1/audit/verification", headers=dpo).json()
    assert answer["ok"] is False
    assert (answer["first_fault"]["seq"], answer["first_fault"]["kind"]) == (2, "changed")
    assert answer["last_checkpoint"]["size"] >= 3  # the three records above
    coordinator = world.coordinator()
    for path in ("verification", "retention-schedule", "restriction-reviews"):
        assert client.get(f"/api/v1/audit/{path}", headers=coordinator).status_code == 403


def test_the_api_answers_the_schedule_and_reviews_as_the_pages_show_them(
        client: TestClient, world: World, api_platform: Platform, clock: Clock) -> None:
    closed = refer(client, world, "police")
    accept(client, world, closed)
    assert client.post(f"/api/v1/cases/{closed}/closure", headers=world.coordinator(),
                       json={"reason": "Actions completed"}).status_code == 204
    restricted = refer(client, world, "police")
    accept(client, world, restricted)
    assert client.post(f"/api/v1/cases/{restricted}/restriction", headers=world.coordinator(),
                       json={"members": ["idva-rep"], "reason": "Employee case"}
                       ).status_code == 204
    # A case the DPO is excluded from: none of its dates are theirs to see.
    excluded = refer(client, world, "police")
    accept(client, world, excluded)
    assert client.post(f"/api/v1/cases/{excluded}/restriction", headers=world.coordinator(),
                       json={"members": ["idva-rep"], "reason": "Employee case"}
                       ).status_code == 204
    assert client.post(f"/api/v1/cases/{excluded}/exclusions", headers=world.coordinator(),
                       json={"person": "dpo-1", "reason": "Related to the victim"}
                       ).status_code == 204
    api_platform.runner.catch_up()
    dpo = bearer(world.token("dpo-1", "dpo"), None)
    months = api_platform.marac.get_area(world.area_id).settings.retention_months

    schedule = client.get("/api/v1/audit/retention-schedule", headers=dpo).json()
    assert schedule["retention_months"] == months
    assert [e["case_id"] for e in schedule["erasures"]] == [str(closed)]
    assert schedule["erasures"][0]["due"] is False
    due = client.get("/api/v1/audit/restriction-reviews", headers=dpo,
                     params={"within_days": 91}).json()
    assert [d["case_id"] for d in due] == [str(restricted)]
    # Another area's DPO sees none of this area's cases.
    elsewhere = bearer(world.token("dpo-2", "dpo", area=world.other_area_id), None)
    assert client.get("/api/v1/audit/retention-schedule", headers=elsewhere
                      ).json()["erasures"] == []
    assert client.get("/api/v1/audit/restriction-reviews", headers=elsewhere,
                      params={"within_days": 91}).json() == []


@pytest.mark.parametrize(("roles", "home"), [
    (("dpo",), "/audit"), (("coordinator",), "/cases"), (("strategic_lead",), "/reports"),
    (("administrator",), "/admin/areas"), (("dpo", "coordinator"), "/cases")])
def test_each_person_starts_at_their_own_pages(
        client: TestClient, world: World, api_platform: Platform, roles: tuple[str, ...],
        home: str) -> None:
    sign_in(client, api_platform, world.token("person-1", *roles, agency="police"))
    start = client.get("/", follow_redirects=False)
    assert (start.status_code, start.headers["location"]) == (303, home)
    assert client.get(home).status_code == 200
    assert ('href="/cases"' in client.get(home).text) == (home == "/cases")
