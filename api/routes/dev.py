"""Demo identity: personas and a local token issuer. Mounted only with `--demo`."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentPlatform
from api.demo import PERSONAS, demo_ids
from api.errors import Error

router = APIRouter(prefix="/dev", tags=["demo"])

NO_SUCH_PERSONA: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "No such persona: `not_found`"},
    422: {"model": Error, "description": "The request is not valid: `invalid_request`"}}
CLIENT_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "`unsupported_grant_type`, `invalid_scope`"},
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
    """OAuth 2.0 client credentials (RFC 6749 section 4.4) for the demo integration clients:
    form-encoded, the client authenticated by HTTP Basic or in the body."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    client_id = form.get("client_id", [""])[0]
    secret = form.get("client_secret", [""])[0]
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise ClientCredentialsError("invalid_client") from None
    if form.get("grant_type", [""])[0] != "client_credentials":
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
