"""Adding an action outside a hearing and withdrawing a referral entered in error, over HTTP
without a browser: the case page links to each for exactly those the case view says may use
it; each form refuses what must be corrected (the GOV.UK error summary, 400), the domain's
refusals beside their field (409/422), and a post without its CSRF token (403); success goes
back to the case with a banner. Anyone who may not, like a case one may not see, finds the same
"Page not found" as a case that does not exist."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, refer
from tests.web.test_case_page import CSRF, sign_in
from tests.web.test_meeting_run_pages import error_summary, schedule, title

pytestmark = pytest.mark.in_memory
TODAY = date(2026, 1, 12)  # the test clock's day


def as_coordinator(client: TestClient, platform: Platform, world: World) -> None:
    sign_in(client, platform, world.token("coordinator-1", "coordinator", agency="police"),
            purpose="safety_planning")


def due(on: date) -> dict[str, str]:
    return {"action-due-day": str(on.day), "action-due-month": str(on.month),
            "action-due-year": str(on.year)}


def outcomes(platform: Platform, action: str) -> list[str]:
    return [r["outcome"] for r in platform.audit.records() if r["action"] == action]


def test_a_coordinator_adds_an_action_outside_a_hearing(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    # Asked why first (the page shows the case's label), then back to the form.
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    asked = client.get(f"/cases/{case_id}/actions/new", follow_redirects=False)
    assert asked.headers["location"] == f"/cases/{case_id}/purpose?then=actions/new"
    chosen = client.post(f"/cases/{case_id}/purpose", follow_redirects=False, data={
        "csrf_token": CSRF, "purpose": "safety_planning", "then": "actions/new"})
    assert chosen.headers["location"] == f"/cases/{case_id}/actions/new"

    assert f'href="/cases/{case_id}/actions/new" id="add-action"' in \
        client.get(f"/cases/{case_id}").text
    path = f"/cases/{case_id}/actions/new"
    form = client.get(path)
    assert form.status_code == 200
    assert title(form.text).startswith("Add an action")
    assert f'<option value="{world.agencies["housing"]}">Housing</option>' in form.text

    empty = client.post(path, data={"csrf_token": CSRF})
    assert empty.status_code == 400
    assert title(empty.text).startswith("Error: Add an action")
    assert error_summary(empty.text) == ["#action-owner", "#action-for-whom",
                                         "#action-description", "#action-due-day"]
    assert "Select the agency that owns the action" in empty.text
    typed = {"csrf_token": CSRF, "action-owner": str(world.agencies["housing"]),
             "action-for-whom": "victim", "action-description": "Fit a door alarm"}
    past = client.post(path, data={**typed, **due(TODAY - timedelta(days=1))})
    assert past.status_code == 400
    assert error_summary(past.text) == ["#action-due-day"]
    assert "The due date must be today or in the future" in past.text
    assert "Fit a door alarm" in past.text  # what was typed is kept
    another_area = client.post(path, data={**typed, "action-owner": str(uuid.uuid4()),
                                           **due(TODAY)})
    assert error_summary(another_area.text) == ["#action-owner"]
    forged = client.post(path, data={k: v for k, v in typed.items() if k != "csrf_token"}
                         | due(TODAY))
    assert forged.status_code == 403
    assert api_platform.marac.get_case(case_id).actions == {}

    added = client.post(path, data={**typed, **due(TODAY + timedelta(days=7))},
                        follow_redirects=False)
    assert added.status_code == 303
    assert added.headers["location"] == f"/cases/{case_id}?done=action-added"
    page = client.get(added.headers["location"]).text
    assert "govuk-notification-banner--success" in page
    assert "Action added" in page
    (action,) = api_platform.marac.get_case(case_id).actions.values()
    assert (action.owner_agency, action.description, action.for_whom, action.due_on,
            action.meeting_id) == (world.agencies["housing"], "Fit a door alarm", "victim",
                                   TODAY + timedelta(days=7), None)
    assert outcomes(api_platform, "agree_action") == ["allowed"]


def test_an_action_is_refused_beside_the_form_on_a_case_not_accepted(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)  # awaiting its threshold decision
    as_coordinator(client, api_platform, world)
    assert "/actions/new" not in client.get(f"/cases/{case_id}").text
    refused = client.post(f"/cases/{case_id}/actions/new", data={
        "csrf_token": CSRF, "action-owner": str(world.agencies["police"]),
        "action-for-whom": "household", "action-description": "Marker on the address",
        **due(TODAY)})
    assert refused.status_code == 422
    assert error_summary(refused.text) == ["#action-description"]
    assert "Actions are agreed on an accepted case that is still open" in refused.text
    assert outcomes(api_platform, "agree_action") == ["refused"]


def test_a_coordinator_withdraws_a_referral_entered_in_error(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    meeting = schedule(client, world, TODAY + timedelta(days=14), case_id)
    as_coordinator(client, api_platform, world)
    assert f'href="/cases/{case_id}/withdrawal" id="withdraw-referral"' in \
        client.get(f"/cases/{case_id}").text
    path = f"/cases/{case_id}/withdrawal"
    form = client.get(path)
    assert form.status_code == 200
    assert "A withdrawal cannot be undone." in form.text
    assert "takes it off the agendas of meetings still to come" in form.text

    empty = client.post(path, data={"csrf_token": CSRF})
    assert empty.status_code == 400
    assert title(empty.text).startswith("Error: Withdraw the referral")
    assert error_summary(empty.text) == ["#reason", "#confirm"]
    unconfirmed = client.post(path, data={"csrf_token": CSRF, "reason": "Referred twice"})
    assert error_summary(unconfirmed.text) == ["#confirm"]
    assert "Referred twice" in unconfirmed.text
    given = {"reason": "Referred twice: a duplicate", "confirm": "yes"}
    assert client.post(path, data=given).status_code == 403
    assert api_platform.marac.get_case(case_id).status == "accepted"

    withdrawn = client.post(path, data={"csrf_token": CSRF, **given}, follow_redirects=False)
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == f"/cases/{case_id}?done=withdrawn"
    page = client.get(withdrawn.headers["location"]).text
    assert "Referral withdrawn as entered in error" in page
    assert 'id="withdraw-referral"' not in page
    assert 'id="add-action"' not in page
    assert api_platform.marac.get_case(case_id).status == "withdrawn"
    # As the domain does it: off the agenda of the meeting still to come.
    assert case_id not in [i.case_id for i in api_platform.marac.get_meeting(meeting).agenda]

    again = client.post(path, data={"csrf_token": CSRF, **given})
    assert again.status_code == 422
    assert "This referral has already been withdrawn" in again.text
    assert error_summary(again.text) == ["#reason"]
    acted_on = client.post(f"/cases/{case_id}/actions/new", data={
        "csrf_token": CSRF, "action-owner": str(world.agencies["police"]),
        "action-for-whom": "victim", "action-description": "Safety visit", **due(TODAY)})
    assert acted_on.status_code == 422
    assert "This referral was withdrawn as entered in error" in acted_on.text
    assert outcomes(api_platform, "withdraw_referral") == ["allowed", "refused"]

    # The referring agency no longer sees it.
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"),
            purpose="research")
    assert client.get(f"/cases/{case_id}").status_code == 404


def test_a_closed_case_and_a_case_with_a_repeat_linked_are_not_withdrawn(
        client: TestClient, world: World, api_platform: Platform) -> None:
    closed, first = refer(client, world, surname="Closedxq"), refer(client, world)
    for case_id in (closed, first):
        accept(client, world, case_id)
    assert client.post(f"/api/v1/cases/{closed}/closure", headers=world.coordinator(),
                       json={"reason": "Risk reduced"}).status_code == 204
    repeat = refer(client, world)
    assert client.post(f"/api/v1/cases/{repeat}/decision", headers=world.coordinator(), json={
        "outcome": "link_repeat", "existing_case_id": str(first)}).status_code == 204
    as_coordinator(client, api_platform, world)
    assert 'id="withdraw-referral"' not in client.get(f"/cases/{closed}").text
    for case_id, message in (
            (closed, "This case is closed: a closed case is not withdrawn"),
            (first, "A case that repeat referrals are linked to, or a referral linked as a "
                    "repeat, is not withdrawn")):
        refused = client.post(f"/cases/{case_id}/withdrawal", data={
            "csrf_token": CSRF, "reason": "Entered in error", "confirm": "yes"})
        assert refused.status_code == 422
        assert message in refused.text
        assert "Entered in error" in refused.text
    assert outcomes(api_platform, "withdraw_referral") == ["refused", "refused"]


def test_who_may_not_add_actions_or_withdraw_finds_no_page_as_for_a_missing_case(
        client: TestClient, world: World, api_platform: Platform) -> None:
    case_id = refer(client, world)
    accept(client, world, case_id)
    action = {"csrf_token": CSRF, "action-owner": str(world.agencies["police"]),
              "action-for-whom": "victim", "action-description": "Safety visit", **due(TODAY)}
    withdrawal = {"csrf_token": CSRF, "reason": "Entered in error", "confirm": "yes"}
    # The referring agency's representative sees the case, and is offered neither.
    police = world.token("police-rep", "representative", agency="police")
    sign_in(client, api_platform, police, purpose="research")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "/actions/new" not in page.text
    assert "/withdrawal" not in page.text
    answers: dict[str, str] = {}
    for who, token, case in (
            ("involved", police, case_id),
            ("not involved", world.token("idva-rep", "representative", agency="idva"),
             case_id),
            ("another area's coordinator", world.token(
                "coordinator-2", "coordinator", area=world.other_area_id), case_id),
            ("missing", police, uuid.uuid4()),
            ("no case", police, "not-a-case")):
        sign_in(client, api_platform, token, purpose="research")
        for path, data in ((f"/cases/{case}/actions/new", action),
                           (f"/cases/{case}/withdrawal", withdrawal)):
            for method, answer in (("GET", client.get(path)),
                                   ("POST", client.post(path, data=data)),
                                   ("POST empty", client.post(path, data={"csrf_token": CSRF}))):
                assert answer.status_code == 404, (who, method, path)
                answers[f"{who} {method} {path.rsplit('/', 1)[-1]}"] = answer.text
    assert len(set(answers.values())) == 1
    assert "Page not found" in answers["involved GET new"]
    # Nothing was written; each refusal recorded as what it was.
    assert api_platform.marac.get_case(case_id).actions == {}
    assert api_platform.marac.get_case(case_id).status == "accepted"
    # A form's own read finds nothing before anything is written.
    assert outcomes(api_platform, "agree_action") == []
    assert {tuple(json.loads(r["item_ids"])) for r in api_platform.audit.records()
            if r["action"] == "read" and r["outcome"] == "denied"} == {
        ("agree_action",), ("withdraw_referral",), ()}
    assert set(outcomes(api_platform, "withdraw_referral")) == {"denied", "not_found"}
