"""Demo identity: personas and a local token issuer. Mounted only with `--demo`."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, unquote_plus

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentPlatform
from api.demo import PERSONAS, demo_ids
from api.errors import Error
from security.issuer import CodeRefused

# A page session lasts at most 8 hours (MARAC_WEB_SESSION_ABSOLUTE_HOURS): so does the token
# behind it, as an identity provider's refreshed tokens would.
SIGN_IN_TOKEN_TTL = 8 * 3600

router = APIRouter(prefix="/dev", tags=["demo"])

NO_SUCH_PERSONA: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "No such persona: `not_found`"},
    422: {"model": Error, "description": "The request is not valid: `invalid_request`"}}
CLIENT_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "`unsupported_grant_type`, `invalid_scope`, "
                                         "`invalid_grant`"},
    401: {"model": Error, "description": "`invalid_client`"}}
NO_ISSUER: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "No demo issuer: `not_found`"}}


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persona: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    # The authorization code grant's (OpenID Connect): who signed in, for the client.
    id_token: str | None = None


class PersonaOut(BaseModel):
    name: str
    description: str
    roles: list[str]
    agency_id: str | None
    area_id: str
    kind: str
    # Integration clients only: their id and demo secret, for /dev/oauth/token.
    client_id: str | None = None
    client_secret: str | None = None


@router.get("/personas", response_model=list[PersonaOut])
def list_personas(platform: CurrentPlatform) -> list[PersonaOut]:
    ids = demo_ids()
    issuer = platform.issuer
    return [PersonaOut(name=p.name, description=p.description, roles=list(p.roles),
                       agency_id=str(agency) if (agency := ids.agency_of(p)) else None,
                       area_id=str(ids.area_of(p)),
                       kind="integration" if p.client else "person",
                       client_id=f"demo-{p.name}" if p.client else None,
                       client_secret=(issuer.register_client(f"demo-{p.name}")
                                      if p.client and issuer else None))
            for p in PERSONAS]


@router.post("/token", response_model=TokenResponse, responses=NO_SUCH_PERSONA)
def issue_demo_token(body: TokenRequest, platform: CurrentPlatform) -> TokenResponse:
    persona = next((p for p in PERSONAS if p.name == body.persona), None)
    if persona is None or platform.issuer is None:
        raise HTTPException(404, "No such persona")
    ttl = 3600
    return TokenResponse(access_token=platform.issuer.issue(demo_ids().claims(persona), ttl),
                         expires_in=ttl)


class ClientCredentialsError(HTTPException):
    def __init__(self, code: str) -> None:
        super().__init__(400 if code != "invalid_client" else 401, code,
                         headers={"WWW-Authenticate": "Basic"} if code == "invalid_client"
                         else None)
        self.code = code


@router.post("/oauth/token", response_model=TokenResponse, responses=CLIENT_REFUSED)
async def issue_client_token(request: Request, platform: CurrentPlatform) -> TokenResponse:
    """OAuth 2.0's token endpoint, form-encoded, the client authenticated by HTTP Basic or in
    the body: client credentials (RFC 6749 section 4.4) for the demo integration clients, and
    the authorization code with PKCE (section 4.1, RFC 7636) for the pages' sign-in."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    client_id = form.get("client_id", [""])[0]
    secret = form.get("client_secret", [""])[0]
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise ClientCredentialsError("invalid_client") from None
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1
    grant_type = form.get("grant_type", [""])[0]
    if grant_type == "authorization_code":
        return _redeem_code(form, client_id, secret, platform)
    if grant_type != "client_credentials":
        raise ClientCredentialsError("unsupported_grant_type")
    persona = next((p for p in PERSONAS if p.client and f"demo-{p.name}" == client_id), None)
    if (persona is None or platform.issuer is None
            or not platform.issuer.authenticate_client(client_id, secret)):
        raise ClientCredentialsError("invalid_client")
    asked = set(form.get("scope", [" ".join(persona.scopes)])[0].split())
    if not asked <= set(persona.scopes):
        raise ClientCredentialsError("invalid_scope")
    claims = {**demo_ids().claims(persona), "scope": " ".join(sorted(asked))}
    ttl = 900
    return TokenResponse(access_token=platform.issuer.issue(claims, ttl), expires_in=ttl)


def _redeem_code(form: dict[str, list[str]], client_id: str, secret: str,
                 platform: CurrentPlatform) -> TokenResponse:
    """The code the demo's sign-in page gave (api/routes/dev_sign_in.py), for an access token
    as the persona and an ID token for the client. The issuer checks the code (once, in time,
    this client's, this redirect's) and the PKCE verifier itself."""
    issuer = platform.issuer
    if (issuer is None or client_id not in issuer.redirect_uris
            or not issuer.authenticate_client(client_id, secret)):
        raise ClientCredentialsError("invalid_client")
    try:
        grant = issuer.codes.redeem(form.get("code", [""])[0], client_id=client_id,
                                    redirect_uri=form.get("redirect_uri", [""])[0],
                                    code_verifier=form.get("code_verifier", [""])[0])
    except CodeRefused:
        raise ClientCredentialsError("invalid_grant") from None
    access = {k: v for k, v in grant.claims.items() if k != "name"}
    identity = {"sub": grant.claims["sub"], "name": grant.claims.get("name", "")}
    return TokenResponse(access_token=issuer.issue(access, SIGN_IN_TOKEN_TTL),
                         expires_in=SIGN_IN_TOKEN_TTL,
                         id_token=issuer.id_token(identity, client_id, grant.nonce))


class Discovery(BaseModel):
    """OpenID Connect Discovery 1.0's provider metadata, for the demo issuer."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    response_types_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    code_challenge_methods_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    scopes_supported: list[str]


@router.get("/.well-known/openid-configuration", response_model=Discovery,
            responses=NO_ISSUER)
def demo_discovery(platform: CurrentPlatform) -> Discovery:
    """Where the demo issuer's sign-in, token and keys are: the pages' sign-in client reads
    this as it would an identity provider's."""
    if platform.issuer is None:
        raise HTTPException(404)
    base = f"{platform.settings.base_url}{router.prefix}"
    return Discovery(
        issuer=platform.issuer.issuer, authorization_endpoint=f"{base}/authorize",
        token_endpoint=f"{base}/oauth/token", jwks_uri=f"{base}/jwks.json",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code", "client_credentials"],
        subject_types_supported=["public"], id_token_signing_alg_values_supported=["RS256"],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        scopes_supported=["openid", "profile"])


class Jwk(BaseModel):
    """The demo issuer's public signing key (RFC 7517, an RSA key of RFC 7518 section 6.3)."""

    kty: Literal["RSA"]
    n: str = Field(description="The modulus, base64url")
    e: str = Field(description="The public exponent, base64url")
    kid: str
    use: Literal["sig"]
    alg: Literal["RS256"]


class Jwks(BaseModel):
    keys: list[Jwk]


@router.get("/jwks.json", response_model=Jwks, responses=NO_ISSUER)
def demo_jwks(platform: CurrentPlatform) -> Jwks:
    """The key set that verifies the demo issuer's tokens (public keys only)."""
    if platform.issuer is None:
        raise HTTPException(404)
    return Jwks.model_validate(platform.issuer.jwks())


class ClockChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 8}]})
    days: int = Field(ge=1, le=366, description="Days to move the demo clock on by")


class DemoClockOut(BaseModel):
    now: datetime
    offset_days: float


NO_CLOCK: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "Not a demo with a movable clock: `not_found`"}}


def _clock_view(platform: CurrentPlatform) -> DemoClockOut:
    clock = platform.demo_clock
    if clock is None:
        raise HTTPException(404, "No demo clock")
    return DemoClockOut(now=clock.now(), offset_days=clock.offset / timedelta(days=1))


@router.get("/clock", response_model=DemoClockOut, responses=NO_CLOCK)
def view_demo_clock(platform: CurrentPlatform) -> DemoClockOut:
    """The demo's time: real time moved on by what was asked of `POST /dev/clock`."""
    return _clock_view(platform)


@router.post("/clock", response_model=DemoClockOut,
             responses={**NO_CLOCK, 422: NO_SUCH_PERSONA[422]})
def advance_demo_clock(body: ClockChange, platform: CurrentPlatform) -> DemoClockOut:
    """Move the demo's clock on (forward only), to see work that falls due on a later day:
    the background work acts on the new date within seconds. Tokens keep real time."""
    clock = platform.demo_clock
    if clock is None:
        raise HTTPException(404, "No demo clock")
    clock.advance(timedelta(days=body.days))
    return _clock_view(platform)
