"""Blind indexes: keyed HMACs of normalised identifiers, so repeats and name searches work
without a name or date of birth in any plaintext column.

The area is part of the HMAC input: the same person in two areas gives unrelated digests, so a
copy of the table cannot link people across partnerships.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar
from uuid import UUID

from domain.exceptions import CaseErased
from domain.identifiers import identifier_keys
from domain.match_keys import HELD_KINDS, NAME, known_fields, match_keys
from domain.repeat_strength import Evidence
from domain.subjects import Role, Subject
from storage.database import Cursor, Database

T = TypeVar("T")


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
        """The search keys (looked up by `matches`)."""
        return {(kind, self.digest(area_id, kind, v)) for kind, v in identifier_keys(subject)}

    def _match_rows(self, area_id: UUID, subject: Subject) -> set[tuple[str, str]]:
        """The possible-repeat keys (looked up by `repeat_evidence`)."""
        return {(kind, self.digest(area_id, kind, v)) for kind, v in match_keys(subject)}

    def record(self, area_id: UUID, case_id: UUID, subjects: Iterable[Subject]) -> None:
        # Match keys for the victim only: possible repeats are about her (a repeat is a new
        # referral about the same victim), and other people's would triple the rows.
        rows = {
            (str(case_id), str(area_id), s.role, kind, digest)
            for s in subjects
            for kind, digest in self._rows(area_id, s) | (
                self._match_rows(area_id, s) if s.role == "victim" else set())
        }
        # Pipelined: the ledger's answer is one round trip, the rest ride with the commit.
        with self.db.transaction(pipelined=True) as cur:
            # Never index an erased case again (a process may still hold its cached key).
            cur.execute("SELECT 1 FROM shred_ledger WHERE scope_id = %s", (str(case_id),))
            if cur.fetchone() is not None:
                raise CaseErased(f"case {case_id} has been erased")
            cur.execute("DELETE FROM blind_index WHERE case_id = %s", (str(case_id),))
            # A few dozen rows a subject with the match keys: one statement per 200 rows, not
            # one round trip per row.
            for chunk in _chunks(sorted(rows), 200):
                marks = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                cur.execute(
                    "INSERT INTO blind_index (case_id, area_id, role, kind, digest) "  # noqa: S608
                    f"VALUES {marks}",
                    tuple(v for row in chunk for v in row),
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

    def repeat_evidence(self, area_id: UUID, subject: Subject,
                        exclude: UUID | None = None) -> Mapping[UUID, Evidence]:
        """Cases in the area (but `exclude`, the subject's own) whose victim shares a match
        key with `subject`: which kinds they share; which identifiers each holds at all (a
        kind of key the candidate has rows of), so that one missing is not taken for one that
        differs; and how many other cases hold the name digest they share."""
        mine = self._match_rows(area_id, subject)
        digests = sorted(d for _, d in mine)
        if not digests:
            return {}
        names = {d for kind, d in mine if kind == NAME}
        shared: dict[UUID, set[str]] = {}
        holders: dict[str, set[UUID]] = {}
        with self.db.transaction(readonly=True) as cur:
            for chunk in _chunks(digests, 500):
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute(
                    "SELECT case_id, kind, digest FROM blind_index "  # noqa: S608 - placeholders
                    f"WHERE area_id = %s AND role = 'victim' AND digest IN ({marks})",
                    (str(area_id), *chunk),
                )
                for raw_id, kind, digest in cur.fetchall():
                    case_id = UUID(raw_id)
                    if case_id == exclude:
                        continue
                    shared.setdefault(case_id, set()).add(kind)
                    if digest in names:
                        holders.setdefault(digest, set()).add(case_id)
            held = self._held(cur, sorted(str(c) for c in shared))
        probe = known_fields(subject)
        return {c: Evidence(frozenset(k), probe, frozenset(held.get(c, ())), min(
                    (len(h) - 1 for h in holders.values() if c in h), default=0))
                for c, k in shared.items()}

    def _held(self, cur: Cursor, case_ids: list[str]) -> dict[UUID, set[str]]:
        held: dict[UUID, set[str]] = {}
        kinds = sorted(HELD_KINDS)
        for chunk in _chunks(case_ids, 500):
            marks = ", ".join(["%s"] * len(chunk))
            kind_marks = ", ".join(["%s"] * len(kinds))
            cur.execute(
                "SELECT DISTINCT case_id, kind FROM blind_index "  # noqa: S608 - placeholders
                f"WHERE case_id IN ({marks}) AND role = 'victim' AND kind IN ({kind_marks})",
                (*chunk, *kinds),
            )
            for case_id, kind in cur.fetchall():
                held.setdefault(UUID(case_id), set()).add(kind)
        return held

    def indexed_cases(self) -> list[UUID]:
        """Every case with an entry: what `marac projections reindex` re-records."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT DISTINCT case_id FROM blind_index")
            return sorted(UUID(r[0]) for r in cur.fetchall())

    def forget(self, case_id: UUID) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM blind_index WHERE case_id = %s", (str(case_id),))


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
