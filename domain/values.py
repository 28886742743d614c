"""How domain value objects are stored inside events (JSON transcodings)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _tupled(value: Any) -> Any:
    # JSON has no tuples; value objects only use tuples, so lists come back as tuples.
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


def dataclass_transcoding(cls: type[Any]) -> Transcoding:
    """A transcoding for a frozen dataclass whose fields are JSON-able or transcoded."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    field_names = tuple(f.name for f in dataclasses.fields(cls))

    class _DataclassTranscoding(Transcoding):
        type = cls
        name = cls.__name__

        def encode(self, obj: Any) -> dict[str, Any]:
            return {n: getattr(obj, n) for n in field_names}

        def decode(self, data: dict[str, Any]) -> Any:
            return cls(**{k: _tupled(v) for k, v in data.items()})

    return _DataclassTranscoding()
