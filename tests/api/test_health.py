from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform)) as client:
        yield client


def test_health_reports_the_database(client: TestClient, platform: Platform) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": platform.database.dialect, "demo": True}


def test_the_openapi_document_is_served(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/health" in doc["paths"]


def test_an_unknown_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found"}


def test_a_wrong_method_is_a_json_error(client: TestClient) -> None:
    response = client.post("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_each_response_carries_a_request_id(client: TestClient) -> None:
    given = "0b6f5b3e-8c1a-4a52-9d43-3b2f3c1e5a10"
    assert client.get("/api/v1/health", headers={"x-request-id": given}).headers[
        "x-request-id"] == given
    # Anything but a UUID is replaced: the id lands in logs.
    assert client.get("/api/v1/health", headers={"x-request-id": "Jane Doe"}).headers[
        "x-request-id"] != "Jane Doe"
