"""Demo identity: personas and a local token issuer. Mounted only with `--demo`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict

from api.auth import CurrentPlatform
from api.demo import PERSONAS, demo_ids

router = APIRouter(prefix="/dev", tags=["demo"])


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
    kind: str


@router.get("/personas", response_model=list[PersonaOut])
def personas() -> list[PersonaOut]:
    ids = demo_ids()
    return [PersonaOut(name=p.name, description=p.description, roles=list(p.roles),
                       agency_id=str(ids.agencies[p.agency]) if p.agency else None,
                       kind="integration" if p.client else "person") for p in PERSONAS]


@router.post("/token", response_model=TokenResponse)
def token(body: TokenRequest, platform: CurrentPlatform) -> TokenResponse:
    persona = next((p for p in PERSONAS if p.name == body.persona), None)
    if persona is None or platform.issuer is None:
        raise HTTPException(404, "No such persona")
    ttl = 3600
    return TokenResponse(access_token=platform.issuer.issue(demo_ids().claims(persona), ttl),
                         expires_in=ttl)


@router.get("/jwks.json")
def jwks(platform: CurrentPlatform) -> dict[str, Any]:
    if platform.issuer is None:
        raise HTTPException(404)
    return dict(platform.issuer.jwks())
