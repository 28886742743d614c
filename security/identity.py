"""Who is calling: principals from OIDC access tokens (JWT) validated against a JWKS.

Issuer, audience, expiry and algorithm are pinned. A token naming an unknown key id triggers
one JWKS refresh, at most once per `refresh_interval`, so a flood of forged key ids cannot turn
into a flood of requests to the identity provider.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args
from uuid import UUID

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

Role = Literal[
    "representative", "coordinator", "chair", "team_leader", "case_coordinator", "dpo",
    "administrator", "strategic_lead", "performance_officer",
]
ROLES: tuple[str, ...] = get_args(Role)
ALLOWED_ALGORITHMS = ("RS256", "ES256")
# An identity provider's access token is a few kilobytes even with many roles; HTTP servers
# refuse a header block much larger. A longer token is refused before anything decodes it.
MAX_TOKEN_LENGTH = 16 * 1024
# What decoding an attacker's bytes can raise besides the library's own errors: nesting deeper
# than the interpreter's stack (RecursionError), bad base64, UTF-8 or JSON (ValueError), and
# header values of the wrong type that joserfc checks before the signature (TypeError).
_MALFORMED = (ValueError, TypeError, IndexError, RecursionError)


class InvalidToken(Exception):
    """Any reason a token is refused. The reason is logged by code, never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownCode(InvalidToken):
    """A valid token naming an area or agency by a code the partnership does not have: the
    identity provider's configuration and the partnership's disagree, and the caller is told
    so (`unknown_area_code`, `unknown_agency_code`) rather than only "not authenticated"."""

    @property
    def code(self) -> str:
        return self.reason


@dataclass(frozen=True)
class ClaimNames:
    """Which claims name the holder's agency, area and roles: identity providers differ
    (Keycloak puts realm roles under `realm_access.roles`, Entra ID app roles in `roles` and
    directory attributes under `extn.` names). A dotted name walks into nested claims."""

    agency: str = "agency"
    area: str = "area"
    roles: str = "roles"


class PartnershipCodes(Protocol):
    """Areas and agencies by their codes, as the partnership has recorded them."""

    def area_id(self, code: str) -> UUID | None: ...

    def agency_id(self, area_id: UUID, code: str) -> UUID | None: ...


# "system": the platform's own jobs (the worker) and an operator at the command line; such a
# principal comes from no token, and the policy grants it nothing (security/policy.py).
PrincipalKind = Literal["person", "integration", "system"]


@dataclass(frozen=True)
class Principal:
    subject: str
    kind: PrincipalKind
    agency_id: UUID | None
    area_id: UUID | None
    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()
    client_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class JwksSource(Protocol):
    def fetch(self) -> Mapping[str, Any]: ...


class StaticJwks:
    """A JWKS held in memory (the demo issuer, tests); `keys` may be replaced to rotate."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self.jwks = jwks
        self.fetches = 0

    def fetch(self) -> Mapping[str, Any]:
        self.fetches += 1
        return self.jwks


class HttpJwks:
    """The identity provider's published JWKS (e.g. Keycloak's /protocol/openid-connect/certs)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ValueError("a JWKS is fetched over HTTPS (or from loopback in development)")
        self.url = url
        self.timeout = timeout

    def fetch(self) -> Mapping[str, Any]:
        with urllib.request.urlopen(self.url, timeout=self.timeout) as response:  # noqa: S310
            doc: Mapping[str, Any] = json.loads(response.read())
            return doc


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".", maxsplit=1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except _MALFORMED:
        raise InvalidToken("malformed") from None
    if not isinstance(header, dict):
        raise InvalidToken("malformed")
    return header


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks: JwksSource,
        *,
        refresh_interval: float = 60.0,
        leeway: int = 30,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        claim_names: ClaimNames | None = None,
        codes: PartnershipCodes | None = None,
    ) -> None:
        self.claim_names = claim_names or ClaimNames()
        # Set by the composition root once the partnership's store exists; without it a token
        # must name its area and agency by id.
        self.codes = codes
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.refresh_interval = refresh_interval
        self.leeway = leeway
        self.clock = clock
        self.monotonic = monotonic
        self._keys: KeySet | None = None
        self._refreshed_at = float("-inf")
        self._lock = threading.Lock()

    def _key_set(self, kid: str, refresh: bool) -> KeySet:
        with self._lock:
            due = self.monotonic() - self._refreshed_at >= self.refresh_interval
            if self._keys is None or (refresh and due):
                self._keys = KeySet.import_key_set(self.jwks.fetch())  # type: ignore[arg-type]
                self._refreshed_at = self.monotonic()
            return self._keys

    def verify(self, token: str) -> Principal:
        """The caller's principal, or InvalidToken: whatever the token holds, nothing else."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("too_long")
        header = _header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidToken("algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("kid")
        keys = self._key_set(kid, refresh=False)
        if not any(k.kid == kid for k in keys):
            keys = self._key_set(kid, refresh=True)
            if not any(k.kid == kid for k in keys):
                raise InvalidToken("unknown_kid")
        try:
            decoded = jwt.decode(token, keys.get_by_kid(kid), algorithms=list(ALLOWED_ALGORITHMS))
            JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, *_MALFORMED):
            raise InvalidToken("signature_or_claims") from None
        return principal_from_claims(decoded.claims, self.claim_names, self.codes)


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _id_or_code(value: Any, kind: str, resolve: Callable[[str], UUID | None] | None,
                ) -> UUID | None:
    """An id, or a code the partnership has recorded; anything else refuses the token."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken(f"claim_{kind}")
    try:
        return UUID(value)
    except ValueError:
        pass
    if resolve is None:
        raise InvalidToken(f"claim_{kind}")
    found = resolve(value)
    if found is None:
        raise UnknownCode(f"unknown_{kind}_code")
    return found


def principal_from_claims(claims: Mapping[str, Any], names: ClaimNames | None = None,
                          codes: PartnershipCodes | None = None) -> Principal:
    """Claims: `sub`; the agency and area (ids, or codes where `codes` resolves them; the
    agency's code is its area's); the roles (a list); `scope` (space-separated); `client_id`
    (RFC 9068). `names`: where the agency, area and roles are. A token whose subject is its own
    client is an integration's (client credentials), which acts for its agency with its
    scopes and no personal role."""
    names = names or ClaimNames()
    subject = _printable(str(claims["sub"]), "sub")
    roles = _claim(claims, names.roles)
    roles = [] if roles is None else roles
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("claim_roles")
    client_id = claims.get("client_id") or claims.get("azp")
    # Client-credentials tokens: RFC 9068 makes the subject the client itself; Keycloak gives
    # a service-account user instead, named "service-account-<client>".
    service_account = str(claims.get("preferred_username", "")).startswith("service-account-")
    kind: Literal["person", "integration"] = (
        "integration" if service_account or (client_id is not None and client_id == subject)
        else "person"
    )
    scope = claims.get("scope", "")
    area_id = _id_or_code(_claim(claims, names.area), "area",
                          codes.area_id if codes is not None else None)
    agency_code = (None if codes is None else
                   (lambda code: codes.agency_id(area_id, code) if area_id else None))
    return Principal(
        subject=subject,
        kind=kind,
        agency_id=_id_or_code(_claim(claims, names.agency), "agency", agency_code),
        area_id=area_id,
        # An integration never holds a person's role, whatever its token says.
        roles=frozenset(r for r in roles if r in ROLES) if kind == "person" else frozenset(),
        scopes=frozenset(str(scope).split()) if isinstance(scope, str) else frozenset(),
        client_id=_printable(str(client_id), "client_id") if client_id is not None else None,
    )


def _printable(value: str, name: str) -> str:
    """Subjects and client ids go into audit records, whose chain separates fields with
    control characters (audit/chain.py): one that held them could make two records' fields
    hash alike, so it is no identity at all."""
    if not value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise InvalidToken(f"claim_{name}")
    return value
