"""Token validation: every way a token can be wrong is refused, and every endpoint refuses
a request without valid credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from security.identity import InvalidToken, StaticJwks, TokenVerifier
from security.issuer import LocalIssuer
from tests.api.conftest import World, bearer


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64(signature)}"


def good_claims(issuer: LocalIssuer) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer.issuer, "aud": issuer.audience, "sub": "someone", "iat": now,
            "exp": now + 300, "roles": ["representative"]}


@pytest.fixture
def verifier(issuer: LocalIssuer) -> TokenVerifier:
    return TokenVerifier(issuer.issuer, issuer.audience, StaticJwks(issuer.jwks()))


def test_a_good_token_is_accepted(issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    assert verifier.verify(issuer.issue({"sub": "someone"})).subject == "someone"


@pytest.mark.parametrize("override", [
    {"iss": "https://attacker.example"},
    {"aud": "another-api"},
    {"exp": int(time.time()) - 120},
])
def test_wrong_issuer_audience_or_expiry_is_refused(
    issuer: LocalIssuer, verifier: TokenVerifier, override: dict[str, Any]
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(issuer.issue({"sub": "someone", **override}))


def test_alg_none_is_refused(issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    token = forge({"alg": "none", "typ": "JWT", "kid": issuer.key.kid}, good_claims(issuer))
    with pytest.raises(InvalidToken, match="algorithm"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_refused(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    public_pem = issuer.key.as_pem(private=False)
    token = forge({"alg": "HS256", "typ": "JWT", "kid": issuer.key.kid}, good_claims(issuer),
                  lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())
    with pytest.raises(InvalidToken, match="algorithm"):
        verifier.verify(token)


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    impostor = RSAKey.generate_key(2048)
    token = jwt.encode({"alg": "RS256", "kid": issuer.key.kid}, good_claims(issuer), impostor)
    with pytest.raises(InvalidToken, match="signature"):
        verifier.verify(token)


def test_an_unknown_kid_is_refused_after_one_rate_limited_refresh(issuer: LocalIssuer) -> None:
    jwks = StaticJwks(issuer.jwks())
    now = [1000.0]
    verifier = TokenVerifier(issuer.issuer, issuer.audience, jwks, refresh_interval=60,
                             monotonic=lambda: now[0])
    stranger = LocalIssuer(issuer.issuer, issuer.audience)  # same names, another key
    verifier.verify(issuer.issue({"sub": "a"}, ttl=10**9))
    assert jwks.fetches == 1
    with pytest.raises(InvalidToken, match="unknown_kid"):
        verifier.verify(stranger.issue({"sub": "b"}))
    assert jwks.fetches == 1  # the keys were fetched a moment ago: no refresh yet
    now[0] += 61
    for _ in range(5):
        with pytest.raises(InvalidToken, match="unknown_kid"):
            verifier.verify(stranger.issue({"sub": "b"}))
    assert jwks.fetches == 2  # one refresh, not five
    # The identity provider rotates: after the interval the new key is fetched and accepted.
    jwks.jwks = {"keys": [*issuer.jwks()["keys"], *stranger.jwks()["keys"]]}
    now[0] += 61
    assert verifier.verify(stranger.issue({"sub": "b"})).subject == "b"
    assert jwks.fetches == 3


def test_an_integration_never_holds_a_persons_role(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    principal = verifier.verify(issuer.issue(
        {"sub": "police-system", "client_id": "police-system", "roles": ["coordinator"],
         "scope": "cases:read"}))
    assert principal.kind == "integration"
    assert principal.roles == frozenset()


def _case_routes(client: TestClient) -> list[tuple[str, str]]:
    doc = client.get("/api/v1/openapi.json").json()
    routes = []
    for path, methods in doc["paths"].items():
        if path.endswith(("/health", "/openapi.json")) or path.startswith("/dev"):
            continue
        concrete = (path.replace("{case_id}", "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a11")
                    .replace("{grant_id}", "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a12")
                    .replace("{person}", "someone"))
        routes += [(method.upper(), concrete) for method in methods]
    return routes


def test_every_endpoint_refuses_missing_or_bad_credentials(
    client: TestClient, world: World, issuer: LocalIssuer
) -> None:
    routes = _case_routes(client)
    assert len(routes) >= 12
    expired = issuer.issue({"sub": "x", "roles": ["coordinator"]}, ttl=-120)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="},
                    bearer(expired)):
        for method, path in routes:
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["code"] == "not_authenticated"
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_malformed_body_without_credentials_is_a_401_not_a_422(
    client: TestClient, world: World
) -> None:
    for body in (b"\x00", b"{", b'{"subjects": 3}'):
        response = client.post("/api/v1/cases", content=body,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 401, body
        assert response.json()["code"] == "not_authenticated"
    authenticated = client.post("/api/v1/cases", content=b"{",
                                headers={**world.rep("police"),
                                         "Content-Type": "application/json"})
    assert (authenticated.status_code, authenticated.json()["code"]) == (422, "invalid_request")
