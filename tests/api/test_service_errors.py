"""Every use case's refusal maps to HTTP in one place (api/errors.py), with its code."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError


@pytest.mark.parametrize(("error", "status", "code"), [
    (NotFound("meeting 7 is not here"), 404, "not_found"),
    (Forbidden("not yours"), 403, "forbidden"),
    (Forbidden("not yours", code="exact_figures_forbidden"), 403, "exact_figures_forbidden"),
    (Conflict("already reviewed", code="already_reviewed"), 409, "already_reviewed"),
    (Invalid("no such step", code="invalid_marrac_step"), 422, "invalid_marrac_step"),
    (ServiceError("a base with no status"), 500, "internal_error"),
])
def test_a_service_error_answers_its_status_and_code(error: ServiceError, status: int,
                                                     code: str) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/thing")
    def thing() -> None:
        raise error

    answer = TestClient(app, raise_server_exceptions=False).get("/thing")
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    if status == 404:  # the uniform body: nothing of the message leaks
        assert answer.json() == {"code": "not_found", "message": "Not found"}
