"""Throwaway databases for a benchmark run: SQLite files in a temporary directory, or fresh
schemas of one PostgreSQL database; all removed when the run ends."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

import psycopg

DEFAULT_POSTGRES = "postgresql://root@127.0.0.1:5432/test"


class ScratchDatabases:
    def __init__(self, backend: str, postgres_url: str | None) -> None:
        self.backend = backend
        self.postgres_url = postgres_url or DEFAULT_POSTGRES
        self.dir = Path(tempfile.mkdtemp(prefix="marac-bench-"))
        self._schemas: list[str] = []

    @property
    def dialect(self) -> str:
        return "sqlite" if self.backend == "sqlite" else "postgresql"

    def url(self, label: str) -> str:
        """A new, empty database named for its role in the benchmark."""
        if self.backend == "sqlite":
            return f"sqlite:///{(self.dir / f'{label}.sqlite').as_posix()}"
        schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        self._schemas.append(schema)
        return f"{self.postgres_url}?schema={schema}"

    def __enter__(self) -> ScratchDatabases:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._schemas:
            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                for schema in self._schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
