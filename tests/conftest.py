"""Shared fixtures: the same test bodies run on a real SQLite file and a real PostgreSQL, or, for
tests of the use cases and the rules rather than the stores, on the in-memory platform.

PostgreSQL tests use a fresh schema each, dropped afterwards. Where no server answers they are
skipped, unless MARAC_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import psycopg
import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.url import MEMORY_URL

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


# The suite's longest tests (whole journeys: documents run as written, whole MARACs on the
# pages) start first, so that the cores finish together rather than one waiting on the other.
LONG_FIRST = ("e2e", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        for i, directory in enumerate(LONG_FIRST):
            if item.path.is_relative_to(here / directory):
                return i
        return len(LONG_FIRST)

    items.sort(key=rank)  # stable: each directory's own order kept


REAL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Service tests call the use cases directly: the in-memory platform unless marked real_stores.
IN_MEMORY_BY_DEFAULT = Path(__file__).parent / "services"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that needs a database runs on a SQLite file and PostgreSQL, or, marked
    `in_memory` (a module may mark all its tests) or a service test, on the in-memory
    platform; `real_stores` on a test puts it back on the real ones."""
    if "database_backend" not in metafunc.fixturenames:
        return
    node = metafunc.definition
    if node.get_closest_marker("sqlite_file") is not None:
        metafunc.parametrize("database_backend", ["sqlite"], indirect=True)
        return
    in_memory = node.get_closest_marker("real_stores") is None and (
        node.get_closest_marker("in_memory") is not None
        or node.path.is_relative_to(IN_MEMORY_BY_DEFAULT))
    metafunc.parametrize("database_backend", ["memory"] if in_memory else REAL_BACKENDS,
                         indirect=True)


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(database_backend: str, request: pytest.FixtureRequest,
                 tmp_path: Path) -> Iterator[str]:
    if database_backend == "memory":
        yield MEMORY_URL
        return
    yield from fresh_database(database_backend, request, tmp_path)


def fresh_database(backend: str, request: pytest.FixtureRequest,
                   tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new schema on the PostgreSQL server."""
    if backend == "sqlite":
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


@pytest.fixture(scope="session")
def issuer() -> LocalIssuer:
    """One token issuer for the session: making its RSA key costs about 100 ms, which every
    demo platform built without one would spend."""
    return LocalIssuer()


@pytest.fixture
def platform(settings: Settings, key_material: KeyMaterial, today: Today,
             issuer: LocalIssuer) -> Iterator[Platform]:
    built = build_platform(settings, material=key_material, today=today, issuer=issuer)
    yield built
    built.close()


@pytest.fixture
def events_on_the_clock(monkeypatch: pytest.MonkeyPatch, clock: Any) -> None:
    """The event library stamps each event with the wall clock, the domain its own times
    (an item's, a grant's, a MARRAC step's) with the platform's: one clock in production, two
    in a test whose clock is set. With this fixture they are one, so that a test of a case's
    timeline asserts the order things happened in. `clock`: the directory's own fixture."""
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock)
