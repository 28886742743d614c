"""The demo issuer's authorization codes: single use, short-lived, bound to their client and
redirect, and redeemed only with the PKCE verifier of their S256 challenge (RFC 7636)."""

from __future__ import annotations

import pytest

from security.issuer import AuthorizationCodes, CodeRefused, pkce_challenge

# RFC 7636, appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
CLIENT, REDIRECT = "marac-web", "http://127.0.0.1:8000/sign-in/callback"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def issued(codes: AuthorizationCodes) -> str:
    return codes.issue(client_id=CLIENT, redirect_uri=REDIRECT, code_challenge=CHALLENGE,
                       claims={"sub": "demo-idva"}, nonce="n-0S6_WzA2Mj")


def test_s256_is_rfc_7636s_example() -> None:
    assert pkce_challenge(VERIFIER) == CHALLENGE


def test_a_code_is_redeemed_once_with_its_verifier() -> None:
    codes = AuthorizationCodes()
    code = issued(codes)
    grant = codes.redeem(code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=VERIFIER)
    assert grant.claims == {"sub": "demo-idva"}
    assert grant.nonce == "n-0S6_WzA2Mj"
    with pytest.raises(CodeRefused):
        codes.redeem(code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=VERIFIER)


@pytest.mark.parametrize(("client", "redirect", "verifier"), [
    (CLIENT, REDIRECT, "x" * 43),  # another verifier
    (CLIENT, REDIRECT, ""),  # none: PKCE is not optional
    (CLIENT, REDIRECT, CHALLENGE),  # the challenge itself, as a "plain" client would send
    ("demo-police-integration", REDIRECT, VERIFIER),  # another client
    (CLIENT, "http://127.0.0.1:8000/elsewhere", VERIFIER),  # another redirect
])
def test_a_code_is_refused_to_anything_but_its_request_and_is_then_spent(
        client: str, redirect: str, verifier: str) -> None:
    codes = AuthorizationCodes()
    code = issued(codes)
    with pytest.raises(CodeRefused):
        codes.redeem(code, client_id=client, redirect_uri=redirect, code_verifier=verifier)
    # Whoever tried first (a thief with the code), the code is gone for everyone.
    with pytest.raises(CodeRefused):
        codes.redeem(code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=VERIFIER)


def test_a_code_expires() -> None:
    clock = Clock()
    codes = AuthorizationCodes(clock=clock, lifetime=60)
    code = issued(codes)
    clock.now += 60
    with pytest.raises(CodeRefused):
        codes.redeem(code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=VERIFIER)


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(CodeRefused):
        AuthorizationCodes().redeem("made-up", client_id=CLIENT, redirect_uri=REDIRECT,
                                    code_verifier=VERIFIER)
