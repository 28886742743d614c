"""`plain` (domain/values.py) dispatches on the exact type for speed: for every value built of
what documents hold (dataclasses, mappings, sequences, sets, ids, dates and times, enums of
strings) it writes exactly what the plain chain of isinstance checks wrote before it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.values import plain


def reference(value: object) -> Any:
    """The function as it was before the dispatch by type (the oracle)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: reference(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): reference(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [reference(v) for v in value]
    if isinstance(value, (UUID, date, datetime)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class Leaf:
    name: str
    at: datetime
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Branch:
    id: UUID
    children: tuple[Any, ...]
    by_key: Mapping[str, Any]


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=5), st.uuids(), st.dates(), st.sampled_from(Colour),
                    st.datetimes(timezones=st.sampled_from([None, UTC])))
leaves = st.builds(Leaf, st.text(max_size=5), st.datetimes(), st.tuples(st.text(max_size=3)))
values = st.recursive(
    st.one_of(scalars, leaves),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
        st.frozensets(st.text(max_size=3), max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=3), st.uuids()), inner, max_size=3),
        st.builds(Branch, st.uuids(), st.lists(inner, max_size=3).map(tuple),
                  st.dictionaries(st.text(max_size=3), inner, max_size=2))),
    max_leaves=20)


@given(values)
def test_plain_writes_what_the_chain_of_checks_wrote(value: object) -> None:
    assert plain(value) == reference(value)


def test_a_class_is_not_taken_for_its_instances() -> None:
    assert plain(Leaf) is Leaf
    assert plain(Colour) is Colour
