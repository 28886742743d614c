"""The administrator's pages over HTTP, without a browser: areas and agencies listed as the
API lists them, created and changed with forms through the API's use cases (so the API then
answers the change), the forms' own errors and the service's (a taken code, a setting out of
range) as the GOV.UK error summary with field messages, a form without its CSRF token refused,
and nobody but an administrator let in."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, bearer
from tests.web.test_case_page import CSRF, reads, sign_in

pytestmark = pytest.mark.in_memory


def admin_token(world: World, area: UUID | None = None) -> str:
    """A partnership-wide administrator (no area), or one area's."""
    claims: dict[str, Any] = {"sub": "admin-1", "roles": ["administrator"]}
    if area is not None:
        claims["area"] = str(area)
    return world.issuer.issue(claims)


def api(client: TestClient, token: str, path: str) -> Any:
    answer = client.get(path, headers=bearer(token, purpose=None))
    assert answer.status_code == 200, answer.text
    return answer.json()


def errors_of(page: str) -> dict[str, str]:
    """The error summary's messages, by the field each links to."""
    summary = page.split("govuk-error-summary__body", 1)[-1].split("</ul>", 1)[0]
    return {m[1]: m[2].strip() for m in re.finditer(r'<a href="#([^"]+)">([^<]+)</a>', summary)}


def test_the_lists_are_the_apis_for_the_areas_administered(
        client: TestClient, world: World, api_platform: Platform) -> None:
    token = admin_token(world, world.area_id)
    sign_in(client, api_platform, token)
    page = client.get("/admin/areas")
    assert page.status_code == 200
    # An area's administrator sees their own area, not the other, and may not add one.
    assert "Wexshire MARAC" in page.text
    assert "Elsewhere MARAC" not in page.text
    assert 'href="/admin/areas/new"' not in page.text
    assert 'href="/admin/areas"' in page.text  # Administration in the navigation
    agencies = client.get("/admin/agencies").text
    listed = api(client, token, f"/api/v1/agencies?area_id={world.area_id}")
    assert re.findall(r'data-code="([^"]+)"', agencies) == [a["code"] for a in listed]
    for agency in listed:
        assert f"/admin/agencies/{agency['id']}" in agencies
    assert reads(api_platform, 1)[0]["action"] == "read_partnership"
    # A partnership-wide administrator sees every area and may add one.
    sign_in(client, api_platform, admin_token(world))
    page = client.get("/admin/areas")
    assert "Elsewhere MARAC" in page.text
    assert 'href="/admin/areas/new"' in page.text


def test_an_agency_is_added_and_changed_and_the_api_answers_it(
        client: TestClient, world: World, api_platform: Platform) -> None:
    token = admin_token(world, world.area_id)
    sign_in(client, api_platform, token)
    added = client.post("/admin/agencies/new", data={
        "csrf_token": CSRF, "area_id": str(world.area_id), "code": "fire", "name": "Wex Fire",
        "agency_type": "fire_and_rescue", "core": "no", "spoc_email": "marac@fire.example"},
        follow_redirects=False)
    assert added.status_code == 303, added.text
    assert added.headers["location"] == "/admin/agencies?done=agency-added"
    api_platform.runner.catch_up()
    fire = next(a for a in api(client, token, f"/api/v1/agencies?area_id={world.area_id}")
                if a["code"] == "fire")
    assert (fire["name"], fire["agency_type"], fire["core"], fire["spoc_email"]) == (
        "Wex Fire", "fire_and_rescue", False, "marac@fire.example")
    changed = client.post(f"/admin/agencies/{fire['id']}", data={
        "csrf_token": CSRF, "name": "Wexshire Fire and Rescue", "agency_type": "fire_and_rescue",
        "core": "yes", "spoc_email": ""}, follow_redirects=False)
    assert changed.status_code == 303
    api_platform.runner.catch_up()
    fire = next(a for a in api(client, token, f"/api/v1/agencies?area_id={world.area_id}")
                if a["code"] == "fire")
    assert (fire["name"], fire["core"], fire["spoc_email"]) == (
        "Wexshire Fire and Rescue", True, None)
    assert "Agency changed" in client.get(changed.headers["location"]).text


def test_a_setting_is_changed_and_the_api_answers_it(
        client: TestClient, world: World, api_platform: Platform) -> None:
    token = admin_token(world, world.area_id)
    sign_in(client, api_platform, token)
    form = client.get(f"/admin/areas/{world.area_id}").text
    values = dict(re.findall(r'<input class="govuk-input[^"]*" id="[^"]+" name="([^"]+)" '
                             r'type="(?:text|email)"[^>]*?value="([^"]*)"', form))
    assert values["referral_threshold"] == "14"
    data = {"csrf_token": CSRF, "name": "Wexshire MARAC", "model": "marac",
            **{k: v for k, v in values.items() if k != "name"},
            "hba_automatic": "yes", "restrict_hba_at_referral": "yes", "children_first": "yes",
            "hba_placement": "closed", "confidentiality_statement": "",
            "referral_threshold": "15", "suppress_below": "6"}
    changed = client.post(f"/admin/areas/{world.area_id}", data=data, follow_redirects=False)
    assert changed.status_code == 303, changed.text
    settings = api(client, token, f"/api/v1/areas/{world.area_id}/settings")
    assert (settings["referral_threshold"], settings["suppress_below"],
            settings["hba_automatic"]) == (15, 6, True)
    # Out of the domain's range: the domain's rule, at its field.
    refused = client.post(f"/admin/areas/{world.area_id}",
                          data={**data, "referral_threshold": "30"})
    assert refused.status_code == 422
    assert "<title>Error: " in refused.text
    assert errors_of(refused.text) == {
        "referral_threshold": "Visible high risk: DASH “yes” answers must be between 1 and 24"}
    # Not a number: the form's own check, before the service.
    wrong = client.post(f"/admin/areas/{world.area_id}",
                        data={**data, "retention_months": "seven years", "name": ""})
    assert wrong.status_code == 400
    assert set(errors_of(wrong.text)) == {"name", "retention_months"}
    assert api(client, token, f"/api/v1/areas/{world.area_id}/settings")[
        "referral_threshold"] == 15


def test_a_taken_code_and_an_incomplete_form_are_field_errors(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, admin_token(world, world.area_id))
    taken = client.post("/admin/agencies/new", data={
        "csrf_token": CSRF, "area_id": str(world.area_id), "code": "POLICE",
        "name": "Police again", "agency_type": "police", "core": "yes"})
    assert taken.status_code == 409
    assert errors_of(taken.text) == {"code": "That code is already taken: choose another"}
    assert 'id="code-error"' in taken.text
    empty = client.post("/admin/agencies/new", data={"csrf_token": CSRF})
    assert empty.status_code == 400
    assert set(errors_of(empty.text)) == {"area_id", "code", "name", "agency_type", "core"}
    bad_mail = client.post("/admin/agencies/new", data={
        "csrf_token": CSRF, "area_id": str(world.area_id), "code": "gp", "name": "GP",
        "agency_type": "health", "core": "no", "spoc_email": "not an address"})
    assert bad_mail.status_code == 422
    assert set(errors_of(bad_mail.text)) == {"spoc_email"}
    # An area's code, by a partnership-wide administrator.
    sign_in(client, api_platform, admin_token(world))
    area = client.post("/admin/areas/new", data={"csrf_token": CSRF, "code": "wexshire",
                                                 "name": "Wexshire again", "model": "marac"})
    assert area.status_code == 409
    assert set(errors_of(area.text)) == {"code"}
    made = client.post("/admin/areas/new", data={"csrf_token": CSRF, "code": "lancs-west",
                                                 "name": "Lancashire West", "model": "marrac"},
                       follow_redirects=False)
    assert made.status_code == 303
    api_platform.runner.catch_up()
    assert "Lancashire West" in client.get("/admin/areas").text


def test_a_form_without_its_csrf_token_is_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, admin_token(world, world.area_id))
    for path, data in (("/admin/agencies/new", {"code": "fire", "name": "Fire",
                                                "agency_type": "fire_and_rescue",
                                                "core": "no"}),
                       (f"/admin/areas/{world.area_id}", {"name": "Renamed"}),
                       (f"/admin/agencies/{world.agencies['police']}", {"name": "Renamed"})):
        for token in (None, "another-sessions-token"):
            answer = client.post(path, data={**data, **({"csrf_token": token} if token
                                                        else {})})
            assert answer.status_code == 403, path
    api_platform.runner.catch_up()
    assert all(a.name != "Renamed" for a in api_platform.marac.agencies())
    assert api_platform.marac.get_area(world.area_id).name == "Wexshire MARAC"


@pytest.mark.parametrize("who", ["representative", "coordinator", "other area"])
def test_nobody_but_an_administrator_of_the_area_is_let_in(
        client: TestClient, world: World, api_platform: Platform, who: str) -> None:
    token = (world.token("police-rep", "representative", agency="police")
             if who == "representative" else
             world.token("coordinator-1", "coordinator", agency="police")
             if who == "coordinator" else admin_token(world, world.other_area_id))
    sign_in(client, api_platform, token)
    assert 'href="/admin/areas"' not in client.get("/cases").text or who == "other area"
    gets = [f"/admin/areas/{world.area_id}", f"/admin/agencies/{world.agencies['police']}"]
    if who != "other area":
        gets += ["/admin/areas", "/admin/agencies", "/admin/agencies/new"]
    for path in gets:
        assert client.get(path).status_code == 403, path
    posted = client.post(f"/admin/agencies/{world.agencies['police']}", data={
        "csrf_token": CSRF, "name": "Renamed", "agency_type": "police", "core": "yes"})
    assert posted.status_code == 403
    assert reads(api_platform, 1)[0]["outcome"] == "denied"
