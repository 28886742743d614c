"""deploy/keycloak/marac-realm.json, read as Keycloak reads it: its clients, client scopes and
protocol mappers shape an access token here (as Keycloak would for a person signing in at the
web client, and for an agency's client-credentials client), the token is signed, and the
platform's own verifier, configured as docker-compose.yml configures it, must make the right
principal of it. A realm whose mappers named a claim other than the platform reads, dropped
the audience, or put a person's roles where the platform does not look fails here."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import yaml
from joserfc import jwt
from joserfc.jwk import RSAKey

from domain.agency import Agency
from domain.area import Area
from security.identity import ROLES, ClaimNames, StaticJwks, TokenVerifier
from security.partnership_codes import RecordedCodes

ROOT = Path(__file__).resolve().parents[2]
ENV = {"MARAC_PUBLIC_BASE_URL": "https://marac.example.org", "MARAC_DEMO_PASSWORD": "x" * 16}


def realm() -> dict[str, Any]:
    """The file with its `${VAR}` placeholders resolved, as Keycloak does at import."""
    text = (ROOT / "deploy" / "keycloak" / "marac-realm.json").read_text()
    doc: dict[str, Any] = json.loads(re.sub(
        r"\$\{([A-Z0-9_]+)\}", lambda m: ENV.get(m.group(1), f"secret-of-{m.group(1)}"), text))
    return doc


def compose_env() -> dict[str, str]:
    """The API's environment in docker-compose.yml, with compose's defaults applied."""
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env: dict[str, str] = doc["services"]["api"]["environment"]
    return {k: re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(v)) for k, v in env.items()}


@dataclass(frozen=True)
class Subject:
    """Who the token is for: a realm user, or a client's service account."""

    id: str
    username: str
    attributes: dict[str, list[str]]
    realm_roles: list[str]


def _on(mapper: dict[str, Any]) -> bool:
    return bool(mapper["config"].get("access.token.claim") == "true")


def access_token_claims(doc: dict[str, Any], client_id: str, subject: Subject,
                        issuer: str, requested: tuple[str, ...] = ()) -> dict[str, Any]:
    """What Keycloak puts into an access token: each mapper of the client and of its default
    (and requested optional) client scopes, in that order, for the access token only."""
    client = next(c for c in doc["clients"] if c["clientId"] == client_id)
    scopes = {s["name"]: s for s in doc["clientScopes"]}
    applied = [*client["defaultClientScopes"],
               *(s for s in requested if s in client.get("optionalClientScopes", []))]
    mappers = [*client.get("protocolMappers", []),
               *(m for s in applied for m in scopes[s].get("protocolMappers", []))]
    now = int(time.time())
    claims: dict[str, Any] = {"iss": issuer, "iat": now, "exp": now + 300, "azp": client_id,
                              "typ": "Bearer",
                              "scope": " ".join(s for s in applied if scopes[s]["attributes"]
                                                .get("include.in.token.scope") == "true")}
    audiences: list[str] = []
    for mapper in filter(_on, mappers):
        kind, config = mapper["protocolMapper"], mapper["config"]
        if kind == "oidc-sub-mapper":
            claims["sub"] = subject.id
        elif kind == "oidc-audience-mapper":
            audiences.append(config["included.custom.audience"])
        elif kind == "oidc-usermodel-attribute-mapper":
            name = config["user.attribute"]
            values = ([subject.username] if name == "username"
                      else subject.attributes.get(name, []))
            if values:
                claims[config["claim.name"]] = (values if config.get("multivalued") == "true"
                                                else values[0])
        elif kind == "oidc-usermodel-realm-role-mapper":
            claims[config["claim.name"]] = list(subject.realm_roles)
        elif kind == "oidc-hardcoded-claim-mapper":
            claims[config["claim.name"]] = config["claim.value"]
        else:
            raise AssertionError(f"a mapper this test does not know: {kind}")
    if audiences:
        claims["aud"] = audiences
    return claims


def person(doc: dict[str, Any], username: str) -> Subject:
    user = next(u for u in doc["users"] if u["username"] == username)
    return Subject(str(uuid4()), username, user.get("attributes", {}), user["realmRoles"])


def service_account(doc: dict[str, Any], client_id: str) -> Subject:
    user = next(u for u in doc["users"] if u.get("serviceAccountClientId") == client_id)
    # Keycloak names a client's service account after it.
    assert user["username"] == f"service-account-{client_id}"
    return Subject(str(uuid4()), user["username"], user.get("attributes", {}),
                   user.get("realmRoles", []))


def partnership_ids() -> set[UUID]:
    """The areas and agencies examples/partnership.yaml records (ids derive from codes)."""
    doc = yaml.safe_load((ROOT / "examples" / "partnership.yaml").read_text())
    areas = {a["code"]: Area.create_id(a["code"]) for a in doc["areas"]}
    agencies = {Agency.create_id(areas[area], agency["code"])
                for agency in doc["agencies"] for area in agency["areas"]}
    return set(areas.values()) | agencies


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "keycloak-rs256", "alg": "RS256",
                                                 "use": "sig"})


def verifier(signing_key: RSAKey) -> TokenVerifier:
    env = compose_env()
    recorded = partnership_ids()
    return TokenVerifier(
        env["MARAC_OIDC_ISSUER"], env["MARAC_OIDC_AUDIENCE"],
        StaticJwks({"keys": [signing_key.as_dict(private=False)]}),
        claim_names=ClaimNames(agency=env["MARAC_OIDC_AGENCY_CLAIM"],
                               area=env["MARAC_OIDC_AREA_CLAIM"],
                               roles=env["MARAC_OIDC_ROLES_CLAIM"]),
        codes=RecordedCodes(lambda found: found in recorded))


def signed(claims: dict[str, Any], key: RSAKey) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def test_a_person_signed_in_at_the_web_client_is_their_agency_area_and_roles(
        signing_key: RSAKey) -> None:
    doc, issuer = realm(), compose_env()["MARAC_OIDC_ISSUER"]
    north = Area.create_id("wex-north")
    for username, roles, agency in (("police-officer", {"representative"}, "police"),
                                    ("coordinator", {"coordinator"}, "police"),
                                    ("health-rep", {"representative"}, "acute-trust")):
        who = person(doc, username)
        claims = access_token_claims(doc, "marac-web", who, issuer, requested=("profile",))
        principal = verifier(signing_key).verify(signed(claims, signing_key))
        assert principal.kind == "person"
        assert principal.subject == who.id
        assert principal.roles == roles
        assert principal.area_id == north
        assert principal.agency_id == Agency.create_id(north, agency)
        assert principal.client_id == "marac-web"


def test_a_person_without_an_agency_and_one_of_the_marrac_area(signing_key: RSAKey) -> None:
    doc, issuer = realm(), compose_env()["MARAC_OIDC_ISSUER"]
    dpo = verifier(signing_key).verify(signed(access_token_claims(
        doc, "marac-web", person(doc, "dpo"), issuer), signing_key))
    assert dpo.roles == frozenset({"dpo"})
    assert dpo.agency_id is None
    south = Area.create_id("wex-south")
    leader = verifier(signing_key).verify(signed(access_token_claims(
        doc, "marac-web", person(doc, "team-leader"), issuer), signing_key))
    assert leader.roles == {"team_leader"}
    assert (leader.area_id, leader.agency_id) == (south, Agency.create_id(south, "idva"))


def test_an_agency_client_is_an_integration_of_that_agency_with_its_scopes(
        signing_key: RSAKey) -> None:
    doc, issuer = realm(), compose_env()["MARAC_OIDC_ISSUER"]
    north = Area.create_id("wex-north")
    for client in (c for c in doc["clients"] if c.get("serviceAccountsEnabled")):
        client_id = client["clientId"]
        claims = access_token_claims(doc, client_id, service_account(doc, client_id), issuer)
        principal = verifier(signing_key).verify(signed(claims, signing_key))
        assert principal.kind == "integration", client_id
        assert principal.roles == frozenset()  # never a person's role
        assert principal.scopes == {"cases:read", "cases:write"}
        assert principal.client_id == client_id
        assert principal.area_id == north
        code = client_id.removesuffix("-integration")
        assert principal.agency_id == Agency.create_id(north, code)


def test_a_token_for_another_audience_is_refused(signing_key: RSAKey) -> None:
    """The audience mapper is what makes a token the platform's: without it Keycloak's
    tokens name only `account`, and the verifier must refuse them."""
    from security.identity import InvalidToken  # noqa: PLC0415

    doc, issuer = realm(), compose_env()["MARAC_OIDC_ISSUER"]
    claims = access_token_claims(doc, "marac-web", person(doc, "idva"), issuer)
    claims["aud"] = ["account"]
    with pytest.raises(InvalidToken):
        verifier(signing_key).verify(signed(claims, signing_key))


def test_the_web_client_requires_pkce_s256_and_returns_to_the_callback() -> None:
    web = next(c for c in realm()["clients"] if c["clientId"] == "marac-web")
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert web["publicClient"] is False
    assert web["standardFlowEnabled"] is True
    assert web["implicitFlowEnabled"] is False
    assert web["directAccessGrantsEnabled"] is False  # no passwords through the client
    assert web["redirectUris"] == [f"{ENV['MARAC_PUBLIC_BASE_URL']}/sign-in/callback"]
    env = compose_env()
    assert env["MARAC_WEB_OIDC_CLIENT_ID"] == "marac-web"


def test_every_person_role_and_code_is_one_the_platform_knows() -> None:
    doc = realm()
    assert {r["name"] for r in doc["roles"]["realm"]} == set(ROLES)
    recorded = partnership_ids()
    for user in doc["users"]:
        attributes = user.get("attributes", {})
        if "area" not in attributes:
            assert "serviceAccountClientId" in user
            continue
        area = Area.create_id(attributes["area"][0])
        assert area in recorded, user["username"]
        if "agency" in attributes:
            assert Agency.create_id(area, attributes["agency"][0]) in recorded, user["username"]
        assert set(user["realmRoles"]) <= set(ROLES)
    # Passwords and secrets are placeholders, never values.
    raw = (ROOT / "deploy" / "keycloak" / "marac-realm.json").read_text()
    for found in re.findall(r'"(?:secret|value)": "([^"]*)"', raw):
        assert found.startswith("${"), found


def test_the_demo_personas_have_realm_users() -> None:
    """The people of `marac serve --demo` can be signed in as in the stack's demo profile."""
    from api.demo import PERSONAS  # noqa: PLC0415

    usernames = {u["username"] for u in realm()["users"]}
    people = {p.name for p in PERSONAS if not p.client and p.name != "hospital-employee"}
    assert people <= usernames, people - usernames
