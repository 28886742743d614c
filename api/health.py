"""Liveness and readiness for orchestrators and load balancers: `/livez` (the process
answers; asks nothing else), `/readyz` (each dependency, api/readiness.py), and
`/api/v1/health`, the API's documented health, which is readiness: an answer of "ok" while the
identity provider's keys cannot be fetched promised a service that could not sign anyone in.
No token, no audit record, no case data."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.readiness import ReadinessChecks

API_PREFIX = "/api/v1"


class Liveness(BaseModel):
    status: Literal["live"]


class ReadinessChecksView(BaseModel):
    """Each dependency's state: "ok", or one word for what is wrong."""

    database: str
    kek: str
    shred_ledger: str
    jwks: str
    projections: str


class ReadinessView(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: ReadinessChecksView


# Outside the API's version prefix and its document: probes, not part of the contract.
probes = APIRouter(include_in_schema=False)
router = APIRouter(prefix=API_PREFIX, tags=["health"])


@probes.get("/livez", response_model=Liveness)
def livez() -> Liveness:
    """The process is up and answering. It asks no dependency: a restart cures none."""
    return Liveness(status="live")


@probes.get("/readyz", response_model=ReadinessView)
def readyz(request: Request) -> JSONResponse:
    return _readiness(request)


@router.get("/health", response_model=ReadinessView, responses={
    503: {"model": ReadinessView, "description": "Not ready: the checks say which dependency"}})
def health(request: Request) -> JSONResponse:
    """Readiness, as /readyz: the database, the key-encryption key, the shred ledger, the
    identity provider's key set and the case views' lag, each named with its state. No
    case data."""
    return _readiness(request)


def _readiness(request: Request) -> JSONResponse:
    checks: ReadinessChecks = request.app.state.readiness
    found = checks.run()
    view = ReadinessView(status="ready" if found.ready else "not_ready",
                         checks=ReadinessChecksView(**found.states()))
    return JSONResponse(view.model_dump(), status_code=200 if found.ready else 503,
                        headers={"Cache-Control": "no-store"})
