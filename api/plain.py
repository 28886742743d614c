"""A use case's typed result as the JSON the API answers where its operation has no schema yet:
ids as strings, dates and times as `isoformat` writes them (as the answers always have; a
pydantic `Any` would write UTC as `Z`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID


def plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def answer(result: object) -> dict[str, Any]:
    """One result (a dataclass) as a JSON object."""
    body: dict[str, Any] = plain(result)
    return body


def answers(results: Iterable[object]) -> list[dict[str, Any]]:
    return [answer(r) for r in results]
