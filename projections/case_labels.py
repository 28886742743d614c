"""Each case's label (`domain.subjects.case_label`: the victim's initials and year of birth),
sealed under the case's key like its document, so that a list of cases shows what
coordinators call them without opening each case's whole document. Personal data: never in a
plaintext column, a log or an audit record; shown only to those who may see the case (the
services ask the policy first)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from domain.case import Case
from domain.exceptions import CaseErased
from domain.subjects import Subject, case_label
from security.documents import DocumentSealer
from security.errors import MissingDataKey
from storage.database import Cursor, Database, chunks

TABLE = "case_labels"


def sealed(sealer: DocumentSealer, cases: Sequence[Case]) -> list[tuple[str, bytes]]:
    """The cases' rows, sealed (which may read a key: done before the writes)."""
    return [(str(case.id), _sealed(sealer, case.id, case.subjects.values())) for case in cases]


def write(cur: Cursor, rows: Sequence[tuple[str, bytes]]) -> None:
    """`rows`: from `sealed`. Nothing is read here, so a caller may pipeline it."""
    if rows:
        cur.executemany(f"INSERT INTO {TABLE} (case_id, label) VALUES (%s, %s)",  # noqa: S608
                        rows)


def write_label(cur: Cursor, sealer: DocumentSealer, case_id: UUID,
                subjects: Iterable[Subject]) -> None:
    cur.execute(f"INSERT INTO {TABLE} (case_id, label) VALUES (%s, %s)",  # noqa: S608
                (str(case_id), _sealed(sealer, case_id, subjects)))


def _sealed(sealer: DocumentSealer, case_id: UUID, subjects: Iterable[Subject]) -> bytes:
    return sealer.seal(TABLE, case_id, {"label": case_label(subjects)})


def labels(db: Database, sealer: DocumentSealer, case_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The labels of those of the cases that have one; a case erased meanwhile has none."""
    found: dict[UUID, str] = {}
    sealer.keyring.warm(case_ids)  # the keys in one round trip, not one a case
    for chunk in chunks(case_ids):
        with db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT case_id, label FROM {TABLE} "  # noqa: S608
                        f"WHERE case_id IN ({', '.join(['%s'] * len(chunk))})",
                        [str(c) for c in chunk])
            rows = cur.fetchall()
        for case_id, sealed in rows:
            cid = UUID(case_id)
            try:
                label = sealer.open(TABLE, cid, bytes(sealed))["label"]
            except (CaseErased, MissingDataKey):
                continue  # shredded since the list was read: nothing of it is shown
            if isinstance(label, str):
                found[cid] = label
    return found
