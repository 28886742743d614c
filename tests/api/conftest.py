"""The HTTP surface with real signed tokens from a test issuer, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from domain.risk import DASH_RIC_QUESTIONS
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.url import MEMORY_URL
from tests.apps import app_for

AGENCIES = ("police", "idva", "health", "housing", "hpx")
AGENCY_TYPES = {"police": "police", "idva": "idva", "health": "health", "housing": "housing",
                "hpx": "harmful_practices_expert"}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory, issuer: LocalIssuer) -> dict[str, Any]:
    """The OpenAPI document as served, fetched once for a module: it is made from the routes,
    not from any data, and making it (with its platform) costs seconds a test."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("document"), database_url=MEMORY_URL,
                        demo=True)
    platform = build_platform(settings, material=KeyMaterial.generate(demo=True), issuer=issuer)
    try:
        with TestClient(create_app(platform)) as client:
            response = client.get("/api/v1/openapi.json")
    finally:
        platform.close()
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))


@pytest.fixture
def api_platform(
    settings: Settings, key_material: KeyMaterial, issuer: LocalIssuer, clock: Clock
) -> Iterator[Platform]:
    built = build_platform(settings, material=key_material, issuer=issuer, now=clock)
    yield built
    built.close()


@pytest.fixture
def client(api_platform: Platform) -> Iterator[TestClient]:
    with TestClient(app_for(api_platform)) as c:
        yield c


@dataclass
class World:
    issuer: LocalIssuer
    area_id: UUID
    agencies: dict[str, UUID]
    other_area_id: UUID
    cache: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def token(self, sub: str, *roles: str, agency: str | None = None,
              area: UUID | None = None, client: bool = False, scope: str = "") -> str:
        key = (sub, roles, agency, area, client, scope)
        if key not in self.cache:
            claims: dict[str, Any] = {"sub": sub, "roles": list(roles),
                                      "area": str(area or self.area_id)}
            if agency:
                claims["agency"] = str(self.agencies[agency])
            if client:
                claims["client_id"] = sub
                claims["scope"] = scope
            self.cache[key] = self.issuer.issue(claims)
        return self.cache[key]

    def rep(self, agency: str, sub: str | None = None) -> dict[str, str]:
        return bearer(self.token(sub or f"{agency}-rep", "representative", agency=agency))

    def coordinator(self, sub: str = "coordinator-1") -> dict[str, str]:
        return bearer(self.token(sub, "coordinator", agency="police"))


def bearer(token: str, purpose: str | None = "research") -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers


def build_world(platform: Platform, issuer: LocalIssuer) -> World:
    """The test area, another area and the agencies (their ids are derived from their codes,
    so two platforms built alike share them)."""
    app = platform.marac
    area = app.create_area("wexshire", "Wexshire MARAC")
    other = app.create_area("elsewhere", "Elsewhere MARAC")
    agencies = {code: app.register_agency(area, code, code.title(), AGENCY_TYPES[code],
                                          core=code != "hpx") for code in AGENCIES}
    platform.runner.catch_up()
    return World(issuer, area, agencies, other)


@pytest.fixture
def world(api_platform: Platform, issuer: LocalIssuer) -> World:
    return build_world(api_platform, issuer)


def referral_body(surname: str = "Quennevillexq", yes: int = 15,
                  referred_on: date = date(2026, 1, 10), **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referred_on": referred_on.isoformat(),
        "subjects": [
            {"role": "victim", "forenames": "Philippaxq", "surname": surname,
             "date_of_birth": "1987-03-14", "address": "17 Larkspurxq Crescent"},
            {"role": "perpetrator", "forenames": "Dorianxq", "surname": "Marchbankxq",
             "date_of_birth": "1984-11-02"},
        ],
        "incident_summary": "Strangulation disclosed after an argument.",
        "risk_assessment": {"version": "2009", "answers": {
            q: {"value": "yes" if i < yes else "no"} for i, q in enumerate(DASH_RIC_QUESTIONS)}},
        "criteria": {"visible_high_risk": True},
        "consent": {"status": "given"},
        "victim_informed": "yes",
        "idva_referral_made": True,
    }
    body.update(changes)
    return body


def refer(client: TestClient, world: World, agency: str = "police", **changes: Any) -> UUID:
    response = client.post("/api/v1/cases", json=referral_body(**changes),
                           headers=world.rep(agency))
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


def accept(client: TestClient, world: World, case_id: UUID) -> None:
    response = client.post(f"/api/v1/cases/{case_id}/decision", json={"outcome": "accept"},
                           headers=world.coordinator())
    assert response.status_code == 204, response.text
