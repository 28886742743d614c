"""Areas and agencies by their codes, for tokens that name them so (security/identity.py).

Ids derive from codes (domain/area.py, domain/agency.py), so a code is resolved by asking the
store whether its area or agency was recorded. Codes never change and areas and agencies are
never removed, so a code once found is kept; one not found is asked again next time (it may
have been set up since).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import UUID

from domain.agency import Agency
from domain.area import CODE_PATTERN, Area


class RecordedCodes:
    def __init__(self, recorded: Callable[[UUID], bool]) -> None:
        """`recorded`: whether an aggregate with this id is in the store."""
        self._recorded = recorded
        # (None, area code) or (area id, agency code): the id, once found.
        self._known: dict[tuple[UUID | None, str], UUID] = {}
        self._lock = threading.Lock()

    def area_id(self, code: str) -> UUID | None:
        return self._found(None, code, Area.create_id)

    def agency_id(self, area_id: UUID, code: str) -> UUID | None:
        return self._found(area_id, code, lambda c: Agency.create_id(area_id, c))

    def _found(self, scope: UUID | None, code: str,
               derive: Callable[[str], UUID]) -> UUID | None:
        known = self._known.get((scope, code))
        if known is not None:
            return known
        normal = code.strip().lower()
        if not CODE_PATTERN.fullmatch(normal):
            return None  # never a recorded code: no need to ask the store
        candidate = derive(normal)
        if not self._recorded(candidate):
            return None
        with self._lock:
            self._known[(scope, code)] = candidate
        return candidate
