"""Blind indexes: keyed HMACs of normalised identifiers, so repeats and name searches work
without a name or date of birth in any plaintext column.

The area is part of the HMAC input: the same person in two areas gives unrelated digests, so a
copy of the table cannot link people across partnerships.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from uuid import UUID

from domain.exceptions import CaseErased
from domain.identifiers import identifier_keys
from domain.subjects import Role, Subject
from storage.database import Database


class BlindIndex:
    """Implements the domain's `IdentifierIndex` port."""

    def __init__(self, db: Database, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the blind index key must be at least 256 bits")
        self.db = db
        self._key = key

    def person_ref(self, subject: str) -> str:
        """A staff member's identity as read models store it: who is excluded from, or a
        member of, a case says something about the case, so it is not stored in the clear."""
        return hmac.new(self._key, f"person\x1f{subject}".encode(), hashlib.sha256).hexdigest()

    def request_ref(self, kind: str, *parts: bytes) -> str:
        """What a caller sent, as stores keep it (idempotency keys and request fingerprints):
        a request body holds personal data, and even a plain hash of it could be checked
        against a guess. Each part is length-prefixed, so no two lists of parts collide."""
        mac = hmac.new(self._key, f"request\x1f{kind}".encode(), hashlib.sha256)
        for part in parts:
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.hexdigest()

    def digest(self, area_id: UUID, kind: str, value: str) -> str:
        message = f"{area_id}\x1f{kind}\x1f{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _rows(self, area_id: UUID, subject: Subject) -> set[tuple[str, str]]:
        return {(kind, self.digest(area_id, kind, v)) for kind, v in identifier_keys(subject)}

    def record(self, area_id: UUID, case_id: UUID, subjects: Iterable[Subject]) -> None:
        rows = {
            (str(case_id), str(area_id), s.role, kind, digest)
            for s in subjects
            for kind, digest in self._rows(area_id, s)
        }
        # Pipelined: the ledger's answer is one round trip, the rest ride with the commit.
        with self.db.transaction(pipelined=True) as cur:
            # Never index an erased case again (a process may still hold its cached key).
            cur.execute("SELECT 1 FROM shred_ledger WHERE scope_id = %s", (str(case_id),))
            if cur.fetchone() is not None:
                raise CaseErased(f"case {case_id} has been erased")
            cur.execute("DELETE FROM blind_index WHERE case_id = %s", (str(case_id),))
            if rows:
                cur.executemany(
                    "INSERT INTO blind_index (case_id, area_id, role, kind, digest) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    sorted(rows),
                )

    def matches(
        self, area_id: UUID, subject: Subject, role: Role | None
    ) -> Mapping[UUID, set[str]]:
        """Cases in the area with a subject (of `role`, or of any role) sharing an identifier."""
        digests = sorted(d for _, d in self._rows(area_id, subject))
        if not digests:
            return {}
        marks = ", ".join(["%s"] * len(digests))
        roles = [role] if role is not None else ["victim", "perpetrator", "child",
                                                  "household_member"]
        role_marks = ", ".join(["%s"] * len(roles))
        with self.db.transaction(readonly=True) as cur:
            cur.execute(
                "SELECT case_id, kind FROM blind_index "  # noqa: S608 - only placeholders added
                f"WHERE area_id = %s AND role IN ({role_marks}) AND digest IN ({marks})",
                (str(area_id), *roles, *digests),
            )
            found: dict[UUID, set[str]] = {}
            for case_id, kind in cur.fetchall():
                found.setdefault(UUID(case_id), set()).add(kind)
        return found

    def forget(self, case_id: UUID) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM blind_index WHERE case_id = %s", (str(case_id),))
