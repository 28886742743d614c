"""Liveness and readiness on a production-mode platform with a real key set server on
loopback: /livez asks nothing; /readyz (and /api/v1/health, the same answer) names each
dependency's state and answers 503 as soon as one is broken, naming it."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.database import Database
from storage.migrations import upgrade

ALL_OK = {"database": "ok", "kek": "ok", "shred_ledger": "ok", "jwks": "ok",
          "projections": "ok"}


class KeySetServer:
    """The identity provider's key set at /jwks.json on loopback, counting fetches."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self.body = json.dumps(issuer.jwks()).encode()
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = owner.body
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()


@pytest.fixture
def key_set(issuer: LocalIssuer) -> Iterator[KeySetServer]:
    server = KeySetServer(issuer)
    yield server
    server.stop()


def production(settings: Settings, issuer: LocalIssuer, key_set: KeySetServer,
               **changes: Any) -> Settings:
    """The fixture's database and directory, outside demo mode: tokens from the identity
    provider whose key set is served above."""
    values: dict[str, Any] = {
        "data_dir": settings.data_dir, "database_url": settings.database_url, "demo": False,
        "oidc_issuer": issuer.issuer, "oidc_audience": issuer.audience,
        "oidc_jwks_url": key_set.url, "ready_jwks_cache_seconds": 0} | changes
    # Outside demo mode the platform refuses a database behind its schema: upgraded first,
    # as the owner would (`marac db upgrade`).
    database = Database(values["database_url"])
    try:
        upgrade(database)
    finally:
        database.close()
    return Settings(**values)


@pytest.fixture
def prod_settings(settings: Settings, issuer: LocalIssuer, key_set: KeySetServer) -> Settings:
    return production(settings, issuer, key_set)


@pytest.fixture
def prod_keys() -> KeyMaterial:
    return KeyMaterial.generate(demo=False)


@pytest.fixture
def served(prod_settings: Settings,
           prod_keys: KeyMaterial) -> Iterator[tuple[Platform, TestClient]]:
    platform = build_platform(prod_settings, material=prod_keys)
    try:
        with TestClient(create_app(platform)) as client:
            yield platform, client
    finally:
        platform.close()


def readiness(client: TestClient, path: str = "/readyz") -> tuple[int, dict[str, Any]]:
    response = client.get(path)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_ready_when_every_dependency_answers_and_health_says_the_same(
    served: tuple[Platform, TestClient]
) -> None:
    _, client = served
    live = client.get("/livez")
    assert (live.status_code, live.json()) == (200, {"status": "live"})
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": ALL_OK}
    assert response.headers["cache-control"] == "no-store"
    assert readiness(client, "/api/v1/health") == (200, response.json())


def test_the_key_set_unreachable_is_not_ready_but_still_live(
    served: tuple[Platform, TestClient], key_set: KeySetServer
) -> None:
    _, client = served
    assert readiness(client)[0] == 200
    key_set.stop()
    status, body = readiness(client)
    assert (status, body["status"]) == (503, "not_ready")
    assert body["checks"] == ALL_OK | {"jwks": "unreachable"}
    # The API's documented health is readiness: no "ok" while nobody can be signed in.
    assert readiness(client, "/api/v1/health") == (503, body)
    assert client.get("/livez").status_code == 200


def test_a_key_set_with_no_key_is_not_ready(
    served: tuple[Platform, TestClient], key_set: KeySetServer
) -> None:
    _, client = served
    key_set.body = b'{"keys": []}'
    status, body = readiness(client)
    assert (status, body["checks"]) == (503, ALL_OK | {"jwks": "invalid"})


def test_the_key_set_is_fetched_at_most_once_while_its_answer_is_fresh(
    settings: Settings, issuer: LocalIssuer, key_set: KeySetServer
) -> None:
    platform = build_platform(production(settings, issuer, key_set,
                                         ready_jwks_cache_seconds=30),
                              material=KeyMaterial.generate(demo=False))
    try:
        with TestClient(create_app(platform)) as client:
            for _ in range(3):
                assert readiness(client)[0] == 200
            assert key_set.fetches == 1
            key_set.stop()
            assert readiness(client)[0] == 200  # the answer of a moment ago still holds
            probe = client.app.state.readiness.jwks  # type: ignore[attr-defined]
            later = probe.monotonic() + 31
            probe.monotonic = lambda: later
            status, body = readiness(client)
            assert (status, body["checks"]["jwks"]) == (503, "unreachable")
    finally:
        platform.close()


def test_a_missing_or_unreadable_shred_ledger_is_named(
    served: tuple[Platform, TestClient], prod_settings: Settings
) -> None:
    _, client = served
    ledger = prod_settings.shred_ledger_file
    assert ledger is not None
    assert ledger.exists()  # made empty at the first start, when nothing was shredded
    ledger.unlink()  # a volume not mounted, a file lost
    status, body = readiness(client)
    assert (status, body["checks"]) == (503, ALL_OK | {"shred_ledger": "missing"})
    ledger.mkdir()  # there, but not a file that can be read
    status, body = readiness(client)
    assert (status, body["checks"]) == (503, ALL_OK | {"shred_ledger": "unreadable"})


def test_a_lost_ledger_is_not_made_again_empty_once_keys_were_shredded(
    prod_settings: Settings
) -> None:
    material = KeyMaterial.generate(demo=False)
    platform = build_platform(prod_settings, material=material)
    platform.keyring.shred(uuid4(), "entered_in_error")  # in the database and the file
    platform.close()
    ledger = prod_settings.shred_ledger_file
    assert ledger is not None
    ledger.unlink()
    platform = build_platform(prod_settings, material=material)
    try:
        assert not ledger.exists()  # an empty one would hide the loss
        with TestClient(create_app(platform)) as client:
            assert readiness(client)[1]["checks"]["shred_ledger"] == "missing"
    finally:
        platform.close()


def test_a_closed_database_is_named_and_what_needs_it_is_unknown(
    served: tuple[Platform, TestClient], database_backend: str
) -> None:
    platform, client = served
    platform.database.close()
    if database_backend == "sqlite":
        # A SQLite handle reopens its file on the next use: take the file away as well.
        path = platform.database.url.path
        assert path is not None
        shutil.move(path, path.with_suffix(".away"))
        path.mkdir()
    status, body = readiness(client)
    assert status == 503
    assert body["checks"] == ALL_OK | {"database": "unreachable", "kek": "unknown",
                                       "projections": "unknown"}
    assert client.get("/livez").status_code == 200


def test_a_process_whose_key_document_no_longer_opens_the_stored_keys_is_not_ready(
    served: tuple[Platform, TestClient], prod_settings: Settings, prod_keys: KeyMaterial
) -> None:
    platform, client = served
    platform.marac.create_area("wexshire", "Wexshire MARAC")  # its events' key is stored
    assert readiness(client)[0] == 200
    # The KEK rotated by another process (`marac keys rotate` with the new key document)
    # while this one, never on the roster (its heartbeat not running), still holds the old
    # document, so cannot open a key wrapped since.
    rotated = KeyMaterial.from_json(prod_keys.to_json())
    new_kek = rotated.add_kek()
    other = build_platform(prod_settings, material=rotated)
    try:
        assert other.kek_roster.stage(new_kek) == new_kek
        assert other.kek_roster.promote() == new_kek
        assert other.keyring.rotate() >= 1
    finally:
        other.close()
    status, body = readiness(client)
    assert (status, body["checks"]) == (503, ALL_OK | {"kek": "unwrap_failed"})


def test_case_views_further_behind_than_the_bound_are_not_ready(
    settings: Settings, issuer: LocalIssuer, key_set: KeySetServer
) -> None:
    platform = build_platform(production(settings, issuer, key_set,
                                         ready_max_projection_lag=1),
                              material=KeyMaterial.generate(demo=False))
    try:
        with TestClient(create_app(platform)) as client:
            platform.marac.create_area("wexshire", "Wexshire MARAC")
            assert readiness(client)[0] == 200  # one event behind: within the bound
            platform.marac.create_area("elsewhere", "Elsewhere MARAC")
            status, body = readiness(client)
            assert (status, body["checks"]) == (503, ALL_OK | {"projections": "behind"})
            platform.runner.catch_up()
            assert readiness(client)[0] == 200
    finally:
        platform.close()


def test_the_demo_is_ready_with_its_own_issuer(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        assert readiness(client, "/api/v1/health") == (200, {"status": "ready",
                                                             "checks": ALL_OK})


def test_the_probes_are_outside_the_api_document_and_health_is_in_it(
    platform: Platform
) -> None:
    with TestClient(create_app(platform)) as client:
        doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/health" in doc["paths"]
    assert not {"/livez", "/readyz"} & set(doc["paths"])
    assert set(doc["paths"]["/api/v1/health"]["get"]["responses"]) >= {"200", "503"}


def test_an_unknown_path_is_a_json_404(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found"}


def test_a_wrong_method_is_a_json_error(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        response = client.post("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_each_response_carries_a_request_id(platform: Platform) -> None:
    given = "0b6f5b3e-8c1a-4a52-9d43-3b2f3c1e5a10"
    with TestClient(create_app(platform)) as client:
        assert client.get("/api/v1/health", headers={"x-request-id": given}).headers[
            "x-request-id"] == given
        # Anything but a UUID is replaced: the id lands in logs.
        assert client.get("/api/v1/health", headers={"x-request-id": "Jane Doe"}).headers[
            "x-request-id"] != "Jane Doe"
