"""A partner generates its client from the OpenAPI document. This generates one, with
openapi-python-client (in the dev extras, so that it runs wherever the tests do), from the
document the app serves, and calls the app with it: its names read as the operations do, and
an error answer, a 404 as a 422, parses into the one error type, code and all."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from storage.url import MEMORY_URL
from tests.api.conftest import World

PACKAGE = "marac_client"


@pytest.fixture
def database_url() -> str:
    """In memory: the document does not depend on the database."""
    return MEMORY_URL


@pytest.fixture
def generated(client: TestClient, tmp_path: Path) -> Iterator[ModuleType]:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/v1/openapi.json").json()))
    config = tmp_path / "config.yaml"
    # No post-hooks: the generator would otherwise run ruff from PATH on what it wrote.
    config.write_text(f"post_hooks: []\nproject_name_override: {PACKAGE}\n"
                      f"package_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(  # noqa: S603 - our own document and the generator beside python
        [str(generator), "generate", "--path", str(document), "--output-path",
         str(tmp_path / PACKAGE), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_generated_client_has_readable_names(generated: ModuleType) -> None:
    assert hasattr(module("api.cases.submit_referral"), "sync_detailed")
    assert hasattr(module("api.cases.view_case"), "asyncio_detailed")
    models = module("models")
    assert {"Error", "ReferralCreate", "CaseView"} <= set(dir(models))
    assert not [name for name in dir(models) if "Body" in name or "Api" in name]


def test_a_404_and_a_422_parse_into_the_error_type(
    generated: ModuleType, client: TestClient, world: World
) -> None:
    error = module("models").Error
    view_case = module("api.cases.view_case")
    list_cases = module("api.cases.list_cases")
    purpose = module("models").ViewCaseXPurpose("research")
    token = world.coordinator()["Authorization"]

    async def ask() -> tuple[Any, Any]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     headers={"Authorization": token}) as http:
            api = generated.Client(base_url="http://testserver")
            api.set_async_httpx_client(http)
            missing = await view_case.asyncio_detailed(uuid4(), client=api, x_purpose=purpose)
            # Out of the documented range: the client sends it, the app refuses it.
            invalid = await list_cases.asyncio_detailed(client=api, page_size=1_000)
            return missing, invalid

    missing, invalid = asyncio.run(ask())
    assert missing.status_code == 404
    assert isinstance(missing.parsed, error)
    assert missing.parsed.code == "not_found"
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, error)
    assert (invalid.parsed.code, invalid.parsed.fields) == ("invalid_request",
                                                            ["query.page_size"])
