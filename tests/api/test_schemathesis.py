"""Schemathesis over the app's OpenAPI document, called in-process through ASGI (no server).

For every operation, generated requests (valid and invalid) never get a 5xx, whether they carry
a coordinator's or a representative's real signed token; every status they get is documented
for the operation; and a request that breaks the document's schema is refused. Without valid
credentials, every operation on case data answers 401, whatever else the request says.

The world is seeded with real cases and a grant. Part of the time, generated case ids, grant
ids, agency ids and X-Purpose values are swapped for real ones, and a valid referral with
generated names and dates replaces the generated one, so that requests get past the "no such
case" and "invalid request" answers into the code behind them.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias
from uuid import UUID

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    status_code_conformance,
)
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoverageScenario

from api.app import create_app
from api.bootstrap import build_platform
from api.settings import Settings
from security.kek import KeyMaterial
from services.purposes import Purpose
from tests.api.conftest import World, accept, refer, referral_body

ApiCase: TypeAlias = schemathesis.Case[Any]

# Bounded for CI's time: the random phase runs at most this many examples per operation (at
# 20, the module took 200 s of the suite's 1,350 over about a hundred operations, and grows with
# each route). Schemathesis skips its coverage phase for a test with a `given`, so that phase
# has a test of its own (the last one), for schema-breaking requests only: it is not bounded
# by this.
MAX_EXAMPLES = 12
EXAMPLES = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
    # The request bodies' examples are checked in test_openapi.py (a referral is made from
    # its example); schemathesis cannot run them in tests that draw their own data.
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
})


def served_document() -> dict[str, Any]:
    """The OpenAPI document the app serves. Its routes do not depend on any data, so a
    throwaway platform is enough to build it at collection time. Each test then calls its own
    app, whose platform comes from the fixtures."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{Path(tmp, 'doc.sqlite')}",
                          demo=True)
        platform = build_platform(config, material=KeyMaterial.generate(demo=True))
        try:
            return create_app(platform).openapi()
        finally:
            platform.close()


DOCUMENT = served_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).exclude(path_regex=r"^/dev/")
# Liveness only: it asks for no credentials and returns no case data.
PROTECTED = SCHEMA.exclude(path="/api/v1/health")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only, for speed. This is a property of the HTTP layer, and the storage backends
    are compared elsewhere."""
    return f"sqlite:///{(tmp_path / 'marac.sqlite').as_posix()}"


@dataclass(frozen=True)
class Seeded:
    client: TestClient
    world: World
    case_ids: tuple[UUID, ...]
    grant_ids: tuple[UUID, ...]


@pytest.fixture
def seeded(client: TestClient, world: World) -> Seeded:
    accepted = refer(client, world, "police")
    accept(client, world, accepted)
    pending = refer(client, world, "idva", surname="Ashcombexq")
    grant = client.post(f"/api/v1/cases/{accepted}/grants", headers=world.coordinator(),
                        json={"agency_id": str(world.agencies["health"]), "reason": "GP info"})
    assert grant.status_code == 201, grant.text
    return Seeded(client, world, (accepted, pending), (UUID(grant.json()["id"]),))


def steer(case: ApiCase, data: st.DataObject, seeded: Seeded) -> bool:
    """Swap part of the generated ids and purposes for real ones; whether any was swapped."""
    swapped = False
    real = {"case_id": seeded.case_ids, "grant_id": seeded.grant_ids}
    for name, ids in real.items():
        if name in case.path_parameters and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = str(data.draw(st.sampled_from(ids), label=name))
            swapped = True
    if case.operation.label == "POST /api/v1/cases" and data.draw(st.booleans()):
        # A random document almost never passes the referral's validation: half the time,
        # send a valid one with generated names, dates and risk answers.
        case.body = referral_body(
            surname=data.draw(st.text(min_size=1, max_size=80), label="surname"),
            yes=data.draw(st.integers(0, 30), label="yes answers"),
            referred_on=data.draw(st.dates(date(2020, 1, 1), date(2027, 1, 1)),
                                  label="referred_on"))
        swapped = True
    if isinstance(case.body, dict) and "agency_id" in case.body and data.draw(st.booleans()):
        agencies = sorted(seeded.world.agencies.values())
        case.body["agency_id"] = str(data.draw(st.sampled_from(agencies), label="agency_id"))
        swapped = True
    if any(p.name == "x-purpose" for p in case.operation.headers) and data.draw(st.booleans()):
        case.headers["X-Purpose"] = data.draw(st.sampled_from(list(Purpose)), label="purpose")
        swapped = True
    return swapped


def call(case: ApiCase, seeded: Seeded, authorization: str | None) -> schemathesis.Response:
    if authorization is None:
        case.headers.pop("Authorization", None)
    else:
        case.headers["Authorization"] = authorization
    return case.call(app=seeded.client.app)


def assert_answers_as_documented(
    case: ApiCase, data: st.DataObject, seeded: Seeded, token: str
) -> None:
    swapped = steer(case, data, seeded)
    response = call(case, seeded, f"Bearer {token}")
    # An unhandled exception comes out of the in-process call with its traceback; a handled
    # 5xx (such as the 503 of an unavailable audit trail) fails the first check. A status the
    # operation does not document fails the second (test_openapi.py checks those that
    # generated requests rarely meet). A request generated to break the schema must be
    # refused, unless steering swapped the part that broke it for a real value.
    checks = [not_a_server_error, status_code_conformance]
    if not swapped:
        checks.append(negative_data_rejection)
    case.validate_response(response, checks=checks)


@SCHEMA.parametrize()
@SCHEMA.given(data=st.data())
@EXAMPLES
def test_a_coordinator_is_answered_as_documented(
    case: ApiCase, data: st.DataObject, seeded: Seeded
) -> None:
    token = seeded.world.token("coordinator-1", "coordinator", agency="police")
    assert_answers_as_documented(case, data, seeded, token)


@SCHEMA.parametrize()
@SCHEMA.given(data=st.data())
@EXAMPLES
def test_a_representative_is_answered_as_documented(
    case: ApiCase, data: st.DataObject, seeded: Seeded
) -> None:
    token = seeded.world.token("police-rep", "representative", agency="police")
    assert_answers_as_documented(case, data, seeded, token)


BAD_CREDENTIALS = st.sampled_from([
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic cm9vdDpyb290",
    "Bearer not-a-jwt",
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
])


# Credentials are checked before anything the request says is read: a few requests an
# operation find a route that forgets them (76 s of CI at 12 over some 150 operations).
CREDENTIAL_EXAMPLES = settings(EXAMPLES, max_examples=6)


@PROTECTED.parametrize()
@PROTECTED.given(data=st.data(), authorization=BAD_CREDENTIALS)
@CREDENTIAL_EXAMPLES
def test_every_case_operation_refuses_missing_or_bad_credentials(
    case: ApiCase, data: st.DataObject, authorization: str | None, seeded: Seeded
) -> None:
    steer(case, data, seeded)
    # A generated path segment such as "a/b" or ".." would no longer name this route: that is
    # a routing 404, not a question about credentials.
    for name, value in case.path_parameters.items():
        if str(value) in {"", ".", ".."} or "/" in str(value):
            case.path_parameters[name] = str(seeded.case_ids[0]) if name.endswith("_id") else "x"
    # Malformed bodies included: FastAPI parses them before authentication runs, and the
    # error mapping answers 401 for them too (api/errors.py).
    response = call(case, seeded, authorization)
    assert response.status_code == 401, (case.method, case.formatted_path, response.text)
    # Schemathesis gives header names in lower case, each with a list of values.
    assert response.headers["www-authenticate"] == ['Bearer realm="marac"']


# Deterministic requests that each break the document in one place: a wrong type, a value out
# of its range or enumeration, a missing or unexpected property. Every one must be refused.
BREAKING = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "generation": {"database": "none", "mode": "negative"},
    "phases": {"examples": {"enabled": False}, "fuzzing": {"enabled": False},
               "coverage": {"enabled": True}, "stateful": {"enabled": False}},
})).exclude(path_regex=r"^/dev/")


@BREAKING.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.function_scoped_fixture])
def test_a_request_that_breaks_the_schema_is_refused(case: ApiCase, seeded: Seeded) -> None:
    """Such as `{"held_on": 0}` for a date, or `adult: 0` for a boolean, which a lenient
    parser would read as 1970-01-01 and false."""
    how = case.meta.phase.data if case.meta else None
    broken = getattr(how, "parameter_location", None)
    if "case_id" in case.path_parameters and broken in (
            ParameterLocation.BODY, ParameterLocation.QUERY, ParameterLocation.HEADER):
        # A real case, so that the request is not refused merely for naming none.
        case.path_parameters["case_id"] = str(seeded.case_ids[0])
    token = seeded.world.token("coordinator-1", "coordinator", agency="police")
    response = call(case, seeded, f"Bearer {token}")
    checks = [not_a_server_error, status_code_conformance]
    # A header the server does not know is ignored, as HTTP intends: not a broken request.
    if not (broken == ParameterLocation.HEADER and getattr(how, "scenario", None)
            == CoverageScenario.OBJECT_UNEXPECTED_PROPERTIES):
        checks.append(negative_data_rejection)
    case.validate_response(response, checks=checks)
