"""A case's onward referrals and social care on the pages, without a browser: the coordinator
reaches both from the case page, sees what is recorded, and records through the API's own use
cases (read back through the API); each form's mistakes, and the domain's refusal of a date
before the referral, come back with the error summary and nothing written. A representative
who sees the case is refused as the API refuses them (403); one who may not see it, a
coordinator outside a restricted case, a missing case and an address that names no case are
the same "Page not found", byte for byte; a post without its CSRF token is refused."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from api.bootstrap import Platform
from tests.api.conftest import World, accept, bearer, refer
from tests.web.test_case_page import last_read, sign_in
from tests.web.test_meetings_pages import day, errored, form
from web.safeguarding import OnwardForm, SocialCareForm

pytestmark = pytest.mark.in_memory
MISSING = "00000000-0000-4000-8000-000000000000"


def safeguarding_of(client: TestClient, world: World, case_id: UUID) -> Any:
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator())
    assert view.status_code == 200, view.text
    return view.json()["safeguarding"]


def restrict_to_coordinator_1(client: TestClient, world: World, case_id: UUID) -> None:
    """The case restricted to one coordinator: any other does not know it exists."""
    assert client.post(f"/api/v1/cases/{case_id}/restriction", headers=world.coordinator(),
                       json={"members": ["coordinator-1"],
                             "reason": "A member of staff is related"}).status_code == 204


def coordinator(client: TestClient, world: World, platform: Platform,
                sub: str = "coordinator-1") -> None:
    sign_in(client, platform, world.token(sub, "coordinator", agency="police"),
            purpose="research")


def test_the_forms_ask_where_and_when_and_both_answers() -> None:
    assert set(OnwardForm.of(FormData()).errors) == {"to", "referred-on-day"}
    assert set(OnwardForm.of(FormData([("to", "police"), ("referred-on-day", "11"),
                                       ("referred-on-month", "1"),
                                       ("referred-on-year", "2026")])).errors) == {"to"}
    partial = OnwardForm.of(FormData([("to", "mash"), ("referred-on-day", "31"),
                                      ("referred-on-month", "2"),
                                      ("referred-on-year", "2026")]))
    assert partial.errors == {"referred-on-day": "The date of the onward referral must be a "
                                                 "real date"}
    assert set(SocialCareForm.of(FormData([("childrens", "yes")])).errors) == {"adult"}
    assert set(SocialCareForm.of(FormData([("childrens", "maybe"), ("adult", "no")])
                                 ).errors) == {"childrens"}


def test_a_coordinator_records_an_onward_referral_and_social_care_from_the_case_page(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)  # referred on 10 January 2026
    accept(client, world, case_id)
    coordinator(client, world, api_platform)
    onward, care = f"/cases/{case_id}/onward-referrals", f"/cases/{case_id}/social-care"
    case_page = client.get(f"/cases/{case_id}")
    assert f'href="{onward}"' in case_page.text
    assert f'href="{care}"' in case_page.text

    page = client.get(onward)
    assert page.status_code == 200, page.text
    assert "No onward referral has been recorded." in page.text
    assert "On or after 10 January 2026" in page.text
    read = last_read(api_platform)
    assert (read["action"], read["purpose"], read["case_id"], read["items"]) == (
        "read", "action_follow_up", str(case_id), ["safeguarding"])

    errored(form(client, onward, {}), 400, "Select where the case was referred on to",
            "Enter the date of the onward referral")
    # Before the MARAC referral: the domain's rule, shown on the form, recorded as refused.
    errored(form(client, onward, {"to": "mash", **day("referred-on", 9, 1, 2026)}), 422,
            "The onward referral must be on or after the day the case was referred")
    assert [r["outcome"] for r in api_platform.audit.records()[-2:]] == ["refused", "allowed"]
    assert safeguarding_of(client, world, case_id)["onward_referrals"] == []

    done = form(client, onward, {"to": "mash", **day("referred-on", 11, 1, 2026)})
    assert (done.status_code, done.headers["location"]) == (303, f"{onward}?done=recorded")
    assert safeguarding_of(client, world, case_id)["onward_referrals"] == [
        {"to": "mash", "on": "2026-01-11", "by": "coordinator-1"}]
    shown = client.get(done.headers["location"]).text
    assert "Onward referral recorded" in shown
    assert "MASH (multi-agency safeguarding hub)" in shown

    page = client.get(care)
    assert "Nothing has been recorded yet." in page.text
    errored(form(client, care, {"childrens": "yes"}), 400,
            "Select whether the case is open to adult social care")
    assert safeguarding_of(client, world, case_id)["social_care"] is None
    done = form(client, care, {"childrens": "yes", "adult": "no"})
    assert (done.status_code, done.headers["location"]) == (303, f"{care}?done=recorded")
    assert safeguarding_of(client, world, case_id)["social_care"] == {
        "childrens": True, "adult": False, "as_of": "2026-01-12", "by": "coordinator-1"}
    again = client.get(care).text
    assert "Social care recorded" not in again
    # Offered as last recorded.
    assert 'id="childrens" name="childrens" type="radio" value="yes" checked' in again
    assert 'id="adult-2" name="adult" type="radio" value="no" checked' in again

    recorded = client.get(f"/cases/{case_id}").text
    assert "MASH (multi-agency safeguarding hub) on 11 January 2026" in recorded
    assert "Children&#39;s: Yes; adult: No" in recorded


def test_those_who_may_not_record_are_refused_as_the_api_refuses_them(
        client: TestClient, world: World, api_platform: Platform) -> None:
    seen = refer(client, world)
    accept(client, world, seen)
    restricted = refer(client, world)
    accept(client, world, restricted)
    restrict_to_coordinator_1(client, world, restricted)
    valid = {"to": "mash", **day("referred-on", 11, 1, 2026)}

    # The referring agency's representative sees the case, not these pages: refused, as the
    # API refuses them.
    police = world.token("police-rep", "representative", agency="police")
    assert client.post(f"/api/v1/cases/{seen}/onward-referrals", headers=bearer(police),
                       json={"to": "mash", "on": "2026-01-11"}).status_code == 403
    sign_in(client, api_platform, police, purpose="research")
    assert "/onward-referrals" not in client.get(f"/cases/{seen}").text
    for tail, data in (("onward-referrals", valid), ("social-care", {"childrens": "no",
                                                                      "adult": "no"})):
        assert client.get(f"/cases/{seen}/{tail}").status_code == 403
        assert form(client, f"/cases/{seen}/{tail}", data).status_code == 403

    # Whoever may not see a case: the same page as for a missing one.
    answers = []
    for who, case in (("health", seen), ("coordinator-2", restricted), ("health", MISSING),
                      ("health", "not-a-case")):
        if who == "health":
            sign_in(client, api_platform, world.token("health-rep", "representative",
                                                      agency="health"))
        else:
            coordinator(client, world, api_platform, who)
        for tail, data in (("onward-referrals", valid), ("social-care", {"childrens": "no",
                                                                          "adult": "no"})):
            answers += [client.get(f"/cases/{case}/{tail}"),
                        form(client, f"/cases/{case}/{tail}", data)]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1  # byte for byte
    for case_id in (seen, restricted):
        assert safeguarding_of(client, world, case_id) == {"onward_referrals": [],
                                                           "social_care": None}


def test_a_post_without_its_csrf_token_is_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    coordinator(client, world, api_platform)
    for tail, data in (("onward-referrals", {"to": "mash", **day("referred-on", 11, 1, 2026)}),
                       ("social-care", {"childrens": "yes", "adult": "yes"})):
        for token in ({}, {"csrf_token": "another"}):
            refused = client.post(f"/cases/{case_id}/{tail}", data={**token, **data},
                                  follow_redirects=False)
            assert refused.status_code == 403
    assert safeguarding_of(client, world, case_id) == {"onward_referrals": [],
                                                       "social_care": None}
