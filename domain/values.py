"""How domain value objects are stored inside events (JSON transcodings), and written as
JSON elsewhere (sealed documents, answers without a schema)."""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints
from uuid import UUID

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


_ITSELF = frozenset({str, int, float, bool, type(None)})  # types `plain` keeps as they are


def plain(value: object) -> Any:
    """JSON-ready: dataclasses to dicts, ids as strings, dates and times as `isoformat` writes
    them (as sealed documents and answers always have; a pydantic `Any` would write UTC as
    `Z`), sets as lists."""
    # By exact type first: a case document is some 400 values deep, written whole for every
    # batch of events its case is in, so this is a projection's hottest path.
    kind: type[Any] = type(value)
    names = None if kind in _ITSELF else _dataclass_fields(kind)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if kind in _ITSELF or isinstance(value, (str, int, float, bool)):
        return value  # a subclass (an enum of strings, say) as itself
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (UUID, date, datetime)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


_FIELDS: dict[type[Any], tuple[str, ...] | None] = {}


def _dataclass_fields(kind: type[Any]) -> tuple[str, ...] | None:
    """A dataclass's field names, None for any other type (a class itself is not an
    instance: its type is a metaclass, never a dataclass). Remembered per type."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = (tuple(f.name for f in dataclasses.fields(kind))
                 if dataclasses.is_dataclass(kind) else None)
        _FIELDS[kind] = names
        return names


T = TypeVar("T")


def from_plain(cls: type[T], data: Mapping[str, Any]) -> T:
    """A dataclass back from its `plain` form, by its fields' types. A key it lacks takes the
    field's default, so a form written before a field was added still reads; a key it has
    that the class does not know is left out."""
    kind: Any = cls
    read: Callable[[Any], T] = _reader(kind)
    return read(data)


@functools.cache
def _reader(kind: Any) -> Callable[[Any], Any]:
    """How to read a value of `kind` from its plain form, worked out once per type: a case
    document is read on every view, and resolving its types each time cost more than the
    rest of the read."""
    origin, args = get_origin(kind), get_args(kind)
    if origin is Literal or kind is Any:
        return _same
    if origin in (Union, types.UnionType):
        chosen = [a for a in args if a is not type(None)]
        return _nullable(_reader(chosen[0])) if len(chosen) == 1 else _same
    if origin in (tuple, list):
        item = _nullable(_reader(args[0]))
        return lambda value: origin(item(v) for v in value)
    if origin in (dict, Mapping):
        key, item = _nullable(_reader(args[0])), _nullable(_reader(args[1]))
        return lambda value: {key(k): item(v) for k, v in value.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        make: Callable[..., Any] = kind
        hints = get_type_hints(kind)
        fields = [(f.name, _nullable(_reader(hints[f.name])))
                  for f in dataclasses.fields(kind) if f.init]
        return lambda data: make(**{name: read(data[name]) for name, read in fields
                                    if name in data})
    return _SCALARS.get(kind, _same)


def _nullable(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """None reads as None, whatever its field's type."""
    return lambda value: None if value is None else read(value)


def _same(value: Any) -> Any:
    return value


# Written as strings by `plain`. A datetime is a date, so each is found by its exact type.
_SCALARS: dict[Any, Callable[[Any], Any]] = {
    UUID: UUID, datetime: datetime.fromisoformat, date: date.fromisoformat}
