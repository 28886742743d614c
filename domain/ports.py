"""What the domain needs from the outside, as protocols that adapters implement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol
from uuid import UUID

from domain.repeat_strength import Evidence
from domain.subjects import Role, Subject


class IdentifierIndex(Protocol):
    """Finds cases by their subjects' identifiers without holding the identifiers."""

    def record(self, area_id: UUID, case_id: UUID, subjects: Iterable[Subject]) -> None:
        """Replace the index entries of a case."""

    def matches(
        self, area_id: UUID, subject: Subject, role: Role | None
    ) -> Mapping[UUID, set[str]]:
        """Cases in the area with a subject of `role` (any role if None) sharing an
        identifier: id -> kinds."""
        ...

    def repeat_evidence(self, area_id: UUID, subject: Subject,
                        exclude: UUID | None = None) -> Mapping[UUID, Evidence]:
        """Cases in the area (but `exclude`) whose victim shares a match key
        (domain/match_keys.py) with `subject`: id -> what they share and hold."""
        ...

    def forget(self, case_id: UUID) -> None:
        """Drop every entry of a case (on erasure)."""


class NoIndex:
    """For applications run without an index (unit tests of the aggregate rules)."""

    def record(self, area_id: UUID, case_id: UUID, subjects: Iterable[Subject]) -> None:
        return None

    def matches(
        self, area_id: UUID, subject: Subject, role: Role | None
    ) -> Mapping[UUID, set[str]]:
        return {}

    def repeat_evidence(self, area_id: UUID, subject: Subject,
                        exclude: UUID | None = None) -> Mapping[UUID, Evidence]:
        return {}

    def forget(self, case_id: UUID) -> None:
        return None
