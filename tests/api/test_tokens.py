"""Token validation: every way a token can be wrong is refused, and every endpoint refuses
a request without valid credentials."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import RSAKey

from security.identity import MAX_TOKEN_LENGTH, InvalidToken, StaticJwks, TokenVerifier
from security.issuer import LocalIssuer
from tests.api.conftest import World, bearer

# Tokens are refused before any store is asked.
pytestmark = pytest.mark.in_memory


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
    {"sub": "a\x1f\x01b"}, {"sub": ""}, {"sub": "line\nbreak"},
    {"sub": "svc", "client_id": "svc\x00"},
])
def test_a_subject_or_client_with_control_characters_is_refused(
    issuer: LocalIssuer, verifier: TokenVerifier, override: dict[str, Any]
) -> None:
    # They end up in audit records, whose chain separates fields with control characters.
    with pytest.raises(InvalidToken):
        verifier.verify(issuer.issue(override))


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


def _segments(issuer: LocalIssuer) -> tuple[str, str, str]:
    header, payload, signature = issuer.issue({"sub": "someone"}).split(".")
    return header, payload, signature


def _malformed(issuer: LocalIssuer) -> dict[str, str]:
    """Tokens an attacker can send without any key: each must be refused, never crash."""
    header, payload, signature = _segments(issuer)
    known = {"alg": "RS256", "typ": "JWT", "kid": issuer.key.kid}

    def with_header(raw: bytes) -> str:
        return f"{b64(raw)}.{payload}.{signature}"

    def with_payload(raw: bytes) -> str:
        return f"{header}.{b64(raw)}.{signature}"

    deep = b"[" * 5000
    return {
        "header nested 5,000 deep": with_header(deep),
        "header nested in an object": with_header(b'{"alg": ' + deep + b"]" * 5000 + b"}"),
        "payload nested 5,000 deep": with_payload(deep),
        "crit null": with_header(json.dumps({**known, "crit": None}).encode()),
        "crit of nulls": with_header(json.dumps({**known, "crit": [None]}).encode()),
        "header not UTF-8": with_header(b"\xff\xfe{"),
        "payload not UTF-8": with_payload(b"\xff\xfe{"),
        "a 10,000-digit number": with_payload(b'{"exp": 1' + b"0" * 10_000 + b"}"),
        "not ASCII": f"{header}.{payload}.\u00e9{signature}",
        "huge": f"{header}.{payload}.{signature}{'A' * MAX_TOKEN_LENGTH}",
        "one segment": header,
        "empty segments": "..",
    }


def test_a_token_longer_than_the_bound_is_refused_however_well_signed(
    issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue({"sub": "someone", "padding": "x" * MAX_TOKEN_LENGTH})
    with pytest.raises(InvalidToken, match="too_long"):
        verifier.verify(token)


MALFORMED_NAMES = list(_malformed(LocalIssuer()))


@pytest.mark.parametrize("name", MALFORMED_NAMES)
def test_a_malformed_token_is_refused_not_an_error(
    issuer: LocalIssuer, verifier: TokenVerifier, name: str
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(_malformed(issuer)[name])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=10)
HEADER_NAMES = st.sampled_from(["alg", "kid", "typ", "crit", "b64", "zip", "jku", "x5c", "cty"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_a_token_says_it_is_accepted_or_refused_never_an_error(
    issuer: LocalIssuer, data: st.DataObject
) -> None:
    """A token is the first thing an anonymous caller controls: any answer from the verifier
    other than a principal or InvalidToken would be a 500 on every route."""
    verifier = TokenVerifier(issuer.issuer, issuer.audience, StaticJwks(issuer.jwks()))
    real = _segments(issuer)
    known = {"alg": "RS256", "kid": issuer.key.kid}
    anything = st.one_of(
        st.sampled_from(real),
        st.text(max_size=40),
        st.binary(max_size=40).map(b64),
        JSON.map(lambda value: b64(json.dumps(value).encode())),
    )
    # The header is parsed first, by us and by the library: most draws name the real key,
    # so that they get past the key lookup into the library's checks.
    header = st.dictionaries(HEADER_NAMES, JSON, max_size=4).map(
        lambda extra: b64(json.dumps({**known, **extra}).encode()))
    compact = st.tuples(header | anything, anything, anything)
    token = ".".join(data.draw(compact | st.lists(anything, max_size=5), label="segments"))
    with contextlib.suppress(InvalidToken):
        assert verifier.verify(token).subject == "someone"  # only the real token, unchanged


def test_a_malformed_token_is_a_401_wherever_it_is_sent(
    client: TestClient, world: World, issuer: LocalIssuer
) -> None:
    """The dependency, the body-error mapping and the audit guard all read the token."""
    for name, token in _malformed(issuer).items():
        # As bytes: the client refuses a header that is not ASCII; a server receives it.
        headers = {b"Authorization": f"Bearer {token}".encode(),
                   b"Content-Type": b"application/json"}
        for method, path, body in (("GET", "/api/v1/cases", None),
                                   ("POST", "/api/v1/cases", b"{"),
                                   ("GET", "/api/v1/no-such-route", None)):
            response = client.request(method, path, headers=headers, content=body)
            expected = 404 if path.endswith("no-such-route") else 401
            assert response.status_code == expected, (name, method, path, response.text)
            if expected == 401:
                assert response.json()["code"] == "not_authenticated", name


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
