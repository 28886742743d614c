"""Database URLs: `sqlite:///path/to/file`, `postgresql://user@host:port/db?schema=name`, or
`memory:` (tests: the platform's tables in an in-memory SQLite database, the events in the
library's in-memory recorder; gone when it closes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

MEMORY_URL = "memory:"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DatabaseUrlError(ValueError):
    pass


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: Literal["sqlite", "postgresql"]
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = "public"
    # `memory:`: SQLite's dialect, no file; nothing outlives the process.
    in_memory: bool = False

    @property
    def conninfo(self) -> str:
        parts = {"host": self.host, "port": str(self.port), "dbname": self.dbname,
                 "user": self.user, "password": self.password}
        return " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v)

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for the same database."""
        if self.in_memory:
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.dialect == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_LOCK_TIMEOUT": "10",
        }

    def redacted(self) -> str:
        if self.in_memory:
            return MEMORY_URL
        if self.dialect == "sqlite":
            return f"sqlite:///{self.path}"
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}?schema={self.schema}"


def sql_identifier(name: str, what: str) -> str:
    """A name that goes into SQL as an identifier: lower-case letters, digits and _ only."""
    if not _IDENTIFIER.match(name):
        raise DatabaseUrlError(f"{what} must be a lower-case SQL identifier")
    return name


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_database_url(url: str) -> DatabaseUrl:
    if url == MEMORY_URL:
        return DatabaseUrl("sqlite", in_memory=True)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As SQLAlchemy: sqlite:///relative/file, sqlite:////absolute/file.
        raw = url[len("sqlite://"):]
        if not raw.startswith("/") or raw == "/":
            raise DatabaseUrlError("sqlite URLs look like sqlite:///path/to/file.sqlite")
        return DatabaseUrl("sqlite", path=Path(unquote(raw[1:])))
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        unknown = set(query) - {"schema"}
        if unknown:
            # Not silently dropped: TLS settings go in libpq's environment (PGSSLMODE,
            # PGSSLROOTCERT …), which every connection, ours and the event store's, honours.
            raise DatabaseUrlError(
                f"unsupported URL parameters {sorted(unknown)}; use PGSSLMODE etc. for TLS")
        schema = sql_identifier(query.get("schema", ["public"])[0], "schema")
        return DatabaseUrl(
            "postgresql",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=parts.path.lstrip("/") or "postgres",
            schema=schema,
        )
    raise DatabaseUrlError(
        "database URL must start with sqlite:/// or postgresql://, or be memory:")
