"""The demo issuer as the pages' identity provider, over HTTP without a browser: discovery, the
persona page (OAuth's authorization endpoint) and the authorization code grant, which checks
the PKCE verifier, the client, the redirect and single use itself."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import DEMO_WEB_CLIENT
from api.bootstrap import Platform
from security.identity import TokenVerifier
from security.issuer import pkce_challenge

pytestmark = pytest.mark.in_memory
VERIFIER = "a-verifier-of-forty-three-characters-or-more-0123"


def authorization(platform: Platform, **changes: str) -> dict[str, str]:
    redirect = platform.settings.base_url + "/sign-in/callback"
    return {"response_type": "code", "client_id": DEMO_WEB_CLIENT, "redirect_uri": redirect,
            "scope": "openid profile", "state": "state-1", "nonce": "nonce-1",
            "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256",
            **changes}


def code_for(client: TestClient, platform: Platform, persona: str = "idva") -> str:
    page = client.get("/dev/authorize", params=authorization(platform))
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    chosen = client.post("/dev/authorize", data={**authorization(platform), "persona": persona,
                                                 "csrf_token": token.group(1)},
                         follow_redirects=False)
    assert chosen.status_code == 303
    location = urlsplit(chosen.headers["location"])
    query = parse_qs(location.query)
    assert query["state"] == ["state-1"]
    return query["code"][0]


def redeem(client: TestClient, platform: Platform, code: str, **changes: str) -> dict[str, str]:
    assert platform.issuer is not None
    secret = platform.issuer.client_secrets[DEMO_WEB_CLIENT]
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER,
            "redirect_uri": authorization(platform)["redirect_uri"],
            "client_id": DEMO_WEB_CLIENT, "client_secret": secret, **changes}
    answer = client.post("/dev/oauth/token", data=form)
    body: dict[str, str] = answer.json()
    body["status"] = str(answer.status_code)
    return body


def test_discovery_names_the_endpoints_and_pkce(client: TestClient,
                                                api_platform: Platform) -> None:
    found = client.get("/dev/.well-known/openid-configuration").json()
    base = api_platform.settings.base_url + "/dev"
    assert found["authorization_endpoint"] == base + "/authorize"
    assert found["token_endpoint"] == base + "/oauth/token"
    assert found["jwks_uri"] == base + "/jwks.json"
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert api_platform.issuer is not None
    assert found["issuer"] == api_platform.issuer.issuer


def test_a_code_with_its_verifier_gives_the_personas_tokens(
        client: TestClient, api_platform: Platform) -> None:
    tokens = redeem(client, api_platform, code_for(client, api_platform, "police-officer"))
    assert tokens["status"] == "200"
    principal = api_platform.verifier.verify(tokens["access_token"])
    assert principal.subject == "demo-police-officer"
    assert principal.roles == {"representative"}
    assert api_platform.issuer is not None
    identity = TokenVerifier(api_platform.issuer.issuer, DEMO_WEB_CLIENT,
                             api_platform.verifier.jwks).verify(tokens["id_token"])
    assert identity.subject == "demo-police-officer"


@pytest.mark.parametrize("changes", [
    {"code_verifier": "another-verifier-of-forty-three-characters-0123"},
    {"code_verifier": ""},
    {"redirect_uri": "http://127.0.0.1:9/sign-in/callback"},
    {"client_secret": "guessed"},
])
def test_a_code_is_refused_without_its_verifier_redirect_or_client(
        client: TestClient, api_platform: Platform, changes: dict[str, str]) -> None:
    code = code_for(client, api_platform)
    refused = redeem(client, api_platform, code, **changes)
    assert refused["status"] in ("400", "401")
    assert refused["code"] in ("invalid_grant", "invalid_client")
    assert "access_token" not in refused


def test_a_code_is_used_once(client: TestClient, api_platform: Platform) -> None:
    code = code_for(client, api_platform)
    assert redeem(client, api_platform, code)["status"] == "200"
    again = redeem(client, api_platform, code)
    assert (again["status"], again["code"]) == ("400", "invalid_grant")


def test_the_persona_page_refuses_an_unknown_client_or_redirect_without_redirecting(
        client: TestClient, api_platform: Platform) -> None:
    for changes in ({"client_id": "someone-else"},
                    {"redirect_uri": "https://attacker.example/callback"}):
        page = client.get("/dev/authorize", params=authorization(api_platform, **changes),
                          follow_redirects=False)
        assert page.status_code == 400
        assert "location" not in page.headers


def test_the_persona_page_asks_for_pkce(client: TestClient, api_platform: Platform) -> None:
    answer = client.get("/dev/authorize", params=authorization(
        api_platform, code_challenge_method="plain"), follow_redirects=False)
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["invalid_request"]


def test_choosing_a_persona_needs_the_pages_csrf_token(client: TestClient,
                                                       api_platform: Platform) -> None:
    client.get("/dev/authorize", params=authorization(api_platform))
    refused = client.post("/dev/authorize", data={**authorization(api_platform),
                                                  "persona": "idva", "csrf_token": "forged"},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert "location" not in refused.headers
