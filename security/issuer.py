"""A local token issuer, for demo mode and tests only: it signs real JWTs with a key generated
at run time and publishes the matching JWKS. Production uses the identity provider."""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

DEMO_ISSUER = "http://127.0.0.1/marac-demo-issuer"
DEMO_AUDIENCE = "marac-api"


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

    def register_client(self, client_id: str) -> str:
        return self.client_secrets.setdefault(client_id, secrets.token_urlsafe(24))

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
