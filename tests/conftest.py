"""Shared fixtures: the same test bodies run on a real SQLite file and a real PostgreSQL.

PostgreSQL tests use a fresh schema each, dropped afterwards. Where no server answers they are
skipped, unless MARAC_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import hypothesis
import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.kek import KeyMaterial

# No timed assertions in tests (benchmarks measure time): Hypothesis's per-example deadline
# and its "too slow" check fail honest tests on a loaded machine (seen in CI: a Merkle proof
# property over the 200 ms deadline at 40 minutes' load).
hypothesis.settings.register_profile(
    "marac", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("marac")

POSTGRES_URL = os.environ.get("MARAC_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("MARAC_REQUIRE_POSTGRES") == "1"


def _postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if not _postgres_available():
        message = f"PostgreSQL not reachable at {POSTGRES_URL}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (MARAC_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'marac.sqlite').as_posix()}"
        return
    server = request.getfixturevalue("postgres_server")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield f"{server}?schema={schema}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def key_material() -> KeyMaterial:
    return KeyMaterial.generate(demo=True)


class Today:
    """A settable clock for the domain's business dates."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def today() -> Today:
    return Today(date(2026, 1, 12))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, demo=True)


@pytest.fixture
def platform(settings: Settings, key_material: KeyMaterial, today: Today) -> Iterator[Platform]:
    built = build_platform(settings, material=key_material, today=today)
    yield built
    built.close()
