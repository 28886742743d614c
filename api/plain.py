"""A use case's typed result as the JSON the API answers where its operation has no schema yet:
ids as strings, dates and times as `isoformat` writes them (as the answers always have; a
pydantic `Any` would write UTC as `Z`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.values import plain


def answer(result: object) -> dict[str, Any]:
    """One result (a dataclass) as a JSON object."""
    body: dict[str, Any] = plain(result)
    return body


def answers(results: Iterable[object]) -> list[dict[str, Any]]:
    return [answer(r) for r in results]
