"""The partnership through HTTP, on SQLite and PostgreSQL: administrators set up areas and
agencies, everyone in the partnership lists them by name and code, and tokens may name the
caller's area and agency by code, in claims the identity provider names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from services.partnership import apply_partnership
from services.partnership_file import read_partnership_file
from services.system import SystemJob, operator
from tests.api.conftest import Clock, World, bearer, referral_body

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"


def admin(world: World, area: UUID | None = None) -> dict[str, str]:
    """A partnership-wide administrator (no area), or one area's."""
    claims: dict[str, Any] = {"sub": "admin-1", "roles": ["administrator"]}
    if area is not None:
        claims["area"] = str(area)
    return bearer(world.issuer.issue(claims), purpose=None)


def test_an_administrator_sets_up_an_area_and_its_agencies_and_everyone_lists_them(
    client: TestClient, world: World
) -> None:
    created = client.post("/api/v1/areas", headers=admin(world), json={
        "code": "wex-south", "name": "South Wexshire MARRAC", "model": "marrac",
        "settings": {"escalation_count": 5}})
    assert created.status_code == 201, created.text
    area = created.json()
    assert (area["code"], area["model"]) == ("wex-south", "marrac")
    again = client.post("/api/v1/areas", headers=admin(world),
                        json={"code": "WEX-SOUTH", "name": "Again"})
    assert (again.status_code, again.json()["code"]) == (409, "already_exists")
    registered = client.post("/api/v1/agencies", headers=admin(world, UUID(area["id"])), json={
        "area_id": area["id"], "code": "police", "name": "Wexshire Police",
        "agency_type": "police", "core": True, "spoc_email": "marac@police.example.org"})
    assert registered.status_code == 201, registered.text
    agency = registered.json()
    changed = client.patch(f"/api/v1/agencies/{agency['id']}", headers=admin(world),
                           json={"name": "Wexshire Constabulary", "spoc_email": None})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["spoc_email"]) == (
        "Wexshire Constabulary", None)
    renamed = client.patch(f"/api/v1/areas/{area['id']}", headers=admin(world),
                           json={"name": "South MARRAC", "settings": {"retention_months": 72}})
    assert renamed.json()["name"] == "South MARRAC", renamed.text

    areas = client.get("/api/v1/areas", headers=world.rep("idva"))
    assert [(a["code"], a["name"]) for a in areas.json()] == [
        ("elsewhere", "Elsewhere MARAC"), ("wex-south", "South MARRAC"),
        ("wexshire", "Wexshire MARAC")]
    south = client.get("/api/v1/agencies", params={"area_id": area["id"]},
                       headers=world.rep("idva"))
    assert [(a["area_code"], a["code"], a["name"]) for a in south.json()] == [
        ("wex-south", "police", "Wexshire Constabulary")]
    everyone = client.get("/api/v1/agencies", headers=world.rep("idva")).json()
    assert {a["code"] for a in everyone} == {"police", "idva", "health", "housing", "hpx"}


@pytest.mark.parametrize(("who", "status", "code"), [
    ("representative", 403, "forbidden"),
    ("coordinator", 403, "forbidden"),
    ("area administrator", 403, "forbidden"),  # only a partnership-wide one creates areas
])
def test_only_a_partnership_administrator_creates_an_area(
    client: TestClient, world: World, who: str, status: int, code: str
) -> None:
    headers = {"representative": world.rep("police"), "coordinator": world.coordinator(),
               "area administrator": admin(world, world.area_id)}[who]
    response = client.post("/api/v1/areas", headers=headers,
                           json={"code": "west", "name": "West MARAC"})
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_an_areas_administrator_changes_its_agencies_only_and_bad_input_is_a_4xx(
    client: TestClient, world: World
) -> None:
    police = world.agencies["police"]
    elsewhere = admin(world, world.other_area_id)
    refused = client.patch(f"/api/v1/agencies/{police}", headers=elsewhere,
                           json={"name": "Ours now"})
    assert refused.status_code == 403
    own = admin(world, world.area_id)
    ok = client.patch(f"/api/v1/agencies/{police}", headers=own, json={"core": False})
    assert (ok.status_code, ok.json()["core"]) == (200, False)
    for body in ({"agency_type": "bakery"}, {"spoc_email": "nobody"}, {"name": ""},
                 {"core": "yes"}, {"code": "new"}):
        bad = client.patch(f"/api/v1/agencies/{police}", headers=own, json=body)
        assert bad.status_code == 422, (body, bad.text)
    missing = client.patch(f"/api/v1/agencies/{world.other_area_id}", headers=own,
                           json={"name": "x"})
    assert missing.status_code == 404
    taken = client.post("/api/v1/agencies", headers=own, json={
        "area_id": str(world.area_id), "code": "Police", "name": "Again",
        "agency_type": "police"})
    assert (taken.status_code, taken.json()["code"]) == (409, "already_exists")
    bad_code = client.post("/api/v1/agencies", headers=own, json={
        "area_id": str(world.area_id), "code": "-x-", "name": "Odd", "agency_type": "other"})
    assert (bad_code.status_code, bad_code.json()["code"]) == (422, "invalid_settings")


def test_a_token_naming_area_and_agency_by_code_works_and_an_unknown_code_is_refused(
    client: TestClient, world: World
) -> None:
    def token(**claims: Any) -> dict[str, str]:
        return bearer(world.issuer.issue({"sub": "police-rep-2",
                                          "roles": ["representative"], **claims}))

    by_code = token(area="wexshire", agency="police")
    referred = client.post("/api/v1/cases", json=referral_body(), headers=by_code)
    assert referred.status_code == 201, referred.text
    listed = client.get("/api/v1/agencies", headers=by_code)
    assert listed.status_code == 200
    # The agency's code is its area's: the police of an area that has none is unknown.
    for claims, code in (({"area": "nowhere", "agency": "police"}, "unknown_area_code"),
                         ({"area": "wexshire", "agency": "bakery"}, "unknown_agency_code"),
                         ({"area": "elsewhere", "agency": "police"}, "unknown_agency_code")):
        refused = client.get("/api/v1/agencies", headers=token(**claims))
        assert (refused.status_code, refused.json()["code"]) == (401, code), claims


@pytest.fixture
def keycloak_client(settings: Settings, key_material: KeyMaterial, issuer: LocalIssuer,
                    clock: Clock) -> Iterator[TestClient]:
    """A platform whose identity provider names things its own way (Keycloak's realm roles,
    attributes mapped to `marac_area` and `marac_agency`)."""
    named = settings.model_copy(update={"oidc_roles_claim": "realm_access.roles",
                                        "oidc_area_claim": "marac_area",
                                        "oidc_agency_claim": "marac_agency"})
    platform = build_platform(named, material=key_material, issuer=issuer, now=clock)
    area = platform.marac.create_area("wexshire", "Wexshire MARAC")
    platform.marac.register_agency(area, "police", "Police", "police", core=True)
    with TestClient(create_app(platform)) as c:
        yield c
    platform.close()


def test_the_claims_naming_roles_area_and_agency_are_configurable(
    keycloak_client: TestClient, issuer: LocalIssuer
) -> None:
    named = bearer(issuer.issue({"sub": "rep-9", "realm_access": {"roles": ["representative"]},
                                 "marac_area": "wexshire", "marac_agency": "police"}))
    referred = keycloak_client.post("/api/v1/cases", json=referral_body(), headers=named)
    assert referred.status_code == 201, referred.text
    # The default names mean nothing here: no roles, no area, no agency.
    default = bearer(issuer.issue({"sub": "rep-9", "roles": ["representative"],
                                   "area": "wexshire", "agency": "police"}))
    refused = keycloak_client.post("/api/v1/cases", json=referral_body(), headers=default)
    assert refused.status_code == 403


def test_from_the_partnership_file_an_empty_platform_takes_tokens_with_its_codes(
    client: TestClient, api_platform: Platform, issuer: LocalIssuer
) -> None:
    """The issue's check: two areas (a MARAC and a MARRAC) and nine agencies from the file,
    then people whose tokens carry the codes the file gave."""
    job = SystemJob.named(api_platform.audit, api_platform.now, operator("tester"))
    apply_partnership(api_platform, job, read_partnership_file(EXAMPLE.read_text()))
    rep = bearer(issuer.issue({"sub": "rep-1", "roles": ["representative"],
                               "area": "wex-north", "agency": "police"}))
    referred = client.post("/api/v1/cases", json=referral_body(), headers=rep)
    assert referred.status_code == 201, referred.text
    areas = client.get("/api/v1/areas", headers=rep).json()
    assert [(a["code"], a["model"]) for a in areas] == [("wex-north", "marac"),
                                                        ("wex-south", "marrac")]
    agencies = client.get("/api/v1/agencies", headers=rep).json()
    assert len({a["code"] for a in agencies}) == 9
    # Mental health works in the north only: its code means nothing in the south.
    south = bearer(issuer.issue({"sub": "mh-1", "roles": ["representative"],
                                 "area": "wex-south", "agency": "mental-health"}))
    refused = client.get("/api/v1/areas", headers=south)
    assert (refused.status_code, refused.json()["code"]) == (401, "unknown_agency_code")
