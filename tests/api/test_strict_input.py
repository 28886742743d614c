"""Strict types at the boundary: a date is the string YYYY-MM-DD, a date and time an ISO 8601
string, a yes or no a JSON boolean, a count a JSON integer. Anything else is refused with
`invalid_request` and the field named, and nothing is written: a lenient parser would read
`0` as 1 January 1970 or as false, and record it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer, referral_body

# A property of the HTTP boundary, which refuses before any store is asked.
pytestmark = pytest.mark.in_memory

NOWHERE = "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a11"


def _referral(**changes: Any) -> dict[str, Any]:
    return {**referral_body(), **changes}


def _subject_born(born: object) -> dict[str, Any]:
    body = referral_body()
    body["subjects"][0]["date_of_birth"] = born
    return body


@dataclass(frozen=True)
class Bad:
    """A request with one value of the wrong type. `{case}` is an accepted case the coordinator
    may act on and `{area}` their area: with a well-typed value, the route itself would answer
    (`who`, the coordinator unless said)."""

    wrong: str
    method: str
    path: str
    body: dict[str, Any] | None
    field: str
    who: str = "coordinator"


BAD_INPUT = [
    Bad("meeting held on 0", "POST", "/api/v1/meetings",
        {"kind": "standard", "held_on": 0}, "body.held_on"),
    Bad("meeting held on a datetime", "POST", "/api/v1/meetings",
        {"kind": "standard", "held_on": "2026-01-20T00:00:00"}, "body.held_on"),
    Bad("research due on a timestamp", "POST", f"/api/v1/meetings/{NOWHERE}/research-requests",
        {"case_id": NOWHERE, "agencies": [NOWHERE], "due_on": 1768867200}, "body.due_on"),
    Bad("attendance acknowledged with 1", "POST", f"/api/v1/meetings/{NOWHERE}/attendance",
        {"acknowledge_confidentiality": 1, "confidentiality_statement_version": 1},
        "body.acknowledge_confidentiality"),
    Bad("adult social care 0", "POST", "/api/v1/cases/{case}/social-care",
        {"childrens": True, "adult": 0}, "body.adult"),
    Bad("children's social care 'true'", "POST", "/api/v1/cases/{case}/social-care",
        {"childrens": "true", "adult": False}, "body.childrens"),
    Bad("searched for a birth date of 0", "GET",
        "/api/v1/search?surname=Quennevillexq&date_of_birth=0", None, "query.date_of_birth"),
    Bad("referred on 0", "POST", "/api/v1/cases", _referral(referred_on=0), "body.referred_on"),
    Bad("victim born on 0", "POST", "/api/v1/cases", _subject_born(0),
        "body.subjects.0.date_of_birth"),
    Bad("IDVA referral made 1", "POST", "/api/v1/cases", _referral(idva_referral_made=1),
        "body.idva_referral_made"),
    Bad("incidents as a string", "POST", "/api/v1/cases",
        _referral(criteria={"visible_high_risk": True, "incidents_in_12_months": "3"}),
        "body.criteria.incidents_in_12_months"),
    Bad("action due on a timestamp", "POST", "/api/v1/cases/{case}/actions",
        {"owner_agency_id": "{police}", "description": "Safety plan", "for_whom": "victim",
         "due_on": 1768867200}, "body.due_on"),
    Bad("onward referral on 0", "POST", "/api/v1/cases/{case}/onward-referrals",
        {"to": "mappa", "on": 0}, "body.on"),
    Bad("grant expiring at 0", "POST", "/api/v1/cases/{case}/grants",
        {"agency_id": "{health}", "reason": "GP info", "expires_at": 0}, "body.expires_at"),
    # Found in review: a time without its offset reached the domain and failed to compare
    # with the platform's (a 500).
    Bad("grant expiring at a time without an offset", "POST", "/api/v1/cases/{case}/grants",
        {"agency_id": "{health}", "reason": "GP info", "expires_at": "2026-03-01T00:00:00"},
        "body.expires_at"),
    Bad("break glass for 30.0 minutes", "POST", "/api/v1/cases/{case}/break-glass",
        {"reason": "Imminent risk", "minutes": 30.0}, "body.minutes"),
    Bad("MARRAC contact at 0", "POST", "/api/v1/cases/{case}/marrac/contacts",
        {"me": "victim", "minutes": 30, "at": 0}, "body.at"),
    Bad("MARRAC review with 1", "POST", "/api/v1/cases/{case}/marrac/reviews",
        {"still_meets_purpose": 1, "outcome": "continue_plan"}, "body.still_meets_purpose"),
    Bad("area setting 1 for true", "PATCH", "/api/v1/areas/{area}/settings",
        {"hba_automatic": 1}, "body.hba_automatic", "administrator"),
    Bad("area setting as a string", "PATCH", "/api/v1/areas/{area}/settings",
        {"repeat_window_months": "12"}, "body.repeat_window_months", "administrator"),
    Bad("subject born on 0", "POST", "/api/v1/subject-access-requests",
        {"surname": "Quennevillexq", "date_of_birth": 0}, "body.date_of_birth", "dpo"),
    Bad("audit since 0", "GET", "/api/v1/audit/records?since=0", None, "query.since", "dpo"),
    Bad("report from 0", "GET", "/api/v1/reports/indicators?start=0&end=2026-01-31", None,
        "query.start"),
]


def _events(platform: Platform) -> int:
    return platform.marac.recorder.max_notification_id() or 0


def _filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: _filled(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, names) for v in value]
    return value


def _caller(world: World, who: str) -> dict[str, str]:
    if who == "coordinator":
        return world.coordinator()
    return bearer(world.token(f"{who}-1", who, agency="police"), purpose=None)


@pytest.mark.parametrize("bad", BAD_INPUT, ids=[bad.wrong for bad in BAD_INPUT])
def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_written(
    client: TestClient, world: World, api_platform: Platform, bad: Bad
) -> None:
    case_id: UUID = refer(client, world, "police")
    accept(client, world, case_id)
    names = {"case": str(case_id), "area": str(world.area_id),
             "police": str(world.agencies["police"]), "health": str(world.agencies["health"])}
    before = _events(api_platform)
    response = client.request(bad.method, _filled(bad.path, names),
                              json=_filled(bad.body, names), headers=_caller(world, bad.who))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert response.json()["fields"] == [bad.field]
    assert _events(api_platform) == before


@pytest.mark.parametrize("since", ["2026-01-12", "2026-01-12T08:00:00Z",
                                   "2026-01-12T08:00:00%2B00:00", "2026-01-12 08:00:00.5",
                                   "2026-01-12T10:00:00%2B02:00"])
def test_iso_dates_and_times_are_read_as_written(
    client: TestClient, world: World, since: str
) -> None:
    refer(client, world, "police")  # audited at 09:00 UTC on the clock
    response = client.get(f"/api/v1/audit/records?since={since}", headers=_caller(world, "dpo"))
    assert response.status_code == 200, response.text
    assert [r["action"] for r in response.json()["items"]] == ["create"]


@pytest.mark.parametrize("body", [b'{"kind": "standard", "held_on": "\xff"}', b"[" * 5000],
                         ids=["not UTF-8", "nested 5,000 deep"])
def test_a_body_that_cannot_be_read_is_an_invalid_request(
    client: TestClient, world: World, api_platform: Platform, body: bytes
) -> None:
    """Like a body that is not JSON, not FastAPI's uncoded 400."""
    before = _events(api_platform)
    response = client.post("/api/v1/meetings", content=body,
                           headers={**world.coordinator(), "Content-Type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert response.json()["fields"] == ["body"]
    assert _events(api_platform) == before
