"""A local token issuer, for demo mode and tests only: it signs real JWTs with a key generated
at run time and publishes the matching JWKS. Production uses the identity provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

DEMO_ISSUER = "http://127.0.0.1/marac-demo-issuer"
DEMO_AUDIENCE = "marac-api"
# An authorization code is exchanged at once by the client's server; RFC 6749 section 4.1.2
# recommends ten minutes at most.
CODE_LIFETIME = 60.0


class CodeRefused(Exception):
    """An authorization code that does not stand: unknown, used, expired, or presented by
    another client, for another redirect, or without the verifier of its challenge. OAuth's
    answer to each is `invalid_grant` (RFC 6749 section 5.2)."""


def pkce_challenge(verifier: str) -> str:
    """RFC 7636's S256: the base64url SHA-256 of the verifier, unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Grant:
    """What the person approved at the authorization endpoint, bound to its request."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    claims: Mapping[str, Any]
    nonce: str | None
    issued_at: float


class AuthorizationCodes:
    """The demo issuer's authorization codes: single use, short-lived, and each redeemable
    only by its client, for its redirect, with the PKCE verifier of its S256 challenge. Held
    in memory: the demo is one process, and a restart ends the sign-ins under way."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 lifetime: float = CODE_LIFETIME) -> None:
        self._codes: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._lifetime = lifetime

    def issue(self, *, client_id: str, redirect_uri: str, code_challenge: str,
              claims: Mapping[str, Any], nonce: str | None) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            for old in [c for c, g in self._codes.items()
                        if now - g.issued_at >= self._lifetime]:
                del self._codes[old]
            self._codes[code] = Grant(client_id, redirect_uri, code_challenge, dict(claims),
                                      nonce, now)
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str,
               code_verifier: str) -> Grant:
        """The grant, once: the code is spent by any attempt, right or wrong, so a stolen
        code tried first by the thief is of no use to either (RFC 6749 section 4.1.2)."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or self._clock() - grant.issued_at >= self._lifetime:
            raise CodeRefused("unknown, used or expired code")
        if not (hmac.compare_digest(grant.client_id, client_id)
                and hmac.compare_digest(grant.redirect_uri, redirect_uri)):
            raise CodeRefused("another client or redirect")
        if not (43 <= len(code_verifier) <= 128 and code_verifier.isascii()):
            raise CodeRefused("no PKCE verifier")  # RFC 7636 section 4.1's length
        if not hmac.compare_digest(pkce_challenge(code_verifier), grant.code_challenge):
            raise CodeRefused("the verifier does not match the challenge")
        return grant


class LocalIssuer:
    def __init__(self, issuer: str = DEMO_ISSUER, audience: str = DEMO_AUDIENCE,
                 key: RSAKey | None = None) -> None:
        """`key`: one kept from an earlier run (the development stand-in for an identity
        provider keeps its key in a file, api/commands/dev_idp.py); else one made now."""
        self.issuer = issuer
        self.audience = audience
        self.key = key or RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        self.key.ensure_kid()
        # Demo integration clients' secrets, made at run time: client id -> secret.
        self.client_secrets: dict[str, str] = {}
        # The pages' sign-in (authorization code with PKCE): clients and their redirects.
        self.redirect_uris: dict[str, str] = {}
        self.codes = AuthorizationCodes()

    def register_client(self, client_id: str) -> str:
        return self.client_secrets.setdefault(client_id, secrets.token_urlsafe(24))

    def register_web_client(self, client_id: str, redirect_uri: str) -> str:
        """A client that signs people in (the pages): its secret, made here, and the one
        redirect its codes may go to."""
        self.redirect_uris[client_id] = redirect_uri
        return self.register_client(client_id)

    def authenticate_client(self, client_id: str, secret: str) -> bool:
        known = self.client_secrets.get(client_id)
        return known is not None and hmac.compare_digest(known, secret)

    def jwks(self) -> Mapping[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def issue(self, claims: Mapping[str, Any], ttl: int = 3600) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl,
                "jti": str(uuid.uuid4()), **claims}
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, body, self.key)

    def id_token(self, claims: Mapping[str, Any], client_id: str, nonce: str | None,
                 ttl: int = 300) -> str:
        """OpenID Connect's ID token for `client_id`: who signed in, for that client only."""
        now = int(time.time())
        body = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + ttl,
                "auth_time": now, **claims}
        if nonce is not None:
            body["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, body, self.key)
