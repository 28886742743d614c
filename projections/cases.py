"""The case read models, written together from each batch of notifications: the index
(`case_index`), the access facts (`case_access_facts`), action routing (`case_actions`),
meetings, agendas and research (`meetings`), the sealed case document (`case_documents`), the
sealed case label (`case_labels`) and the case list (`case_list`). Restrictions due are read
from the access facts (`restrictions`). Beside them, the partnership's areas and agencies
(`partnership`): the names those views' ids stand for, kept by the same runner so that the
catch-up after every write covers them too.

Each view is rebuilt from the aggregate at the projected version, so the projector holds no
copy of the aggregate's rules, and replaying a notification twice writes the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.application import Marac
from domain.case import Case
from domain.exceptions import CaseErased
from projections import (
    case_access_facts,
    case_actions,
    case_documents,
    case_index,
    case_labels,
    case_list,
    meetings,
    partnership,
    restrictions,
)

# Re-exported: their callers import them from here.
from projections.case_access_facts import inherit
from projections.case_actions import ActionRouting
from projections.case_document import CaseDocument
from projections.case_documents import case_document, item_facts
from projections.case_index import CaseIndexRow
from projections.folds import Batch, Folds, latest_versions
from projections.meetings import AgendaLine, MeetingRow, ResearchRequestRow
from projections.restrictions import RestrictionDue
from security.blind_index import BlindIndex
from security.documents import DocumentSealer
from security.errors import MissingDataKey
from security.policy import CaseAccess
from storage.database import Cursor, Database, chunks, pipelined

__all__ = ["CASE_TABLES", "DOCUMENTS", "ActionRouting", "AgendaLine", "Batch", "CaseDocument",
           "CaseIndexRow", "CaseProjector", "MeetingRow", "ResearchRequestRow", "RestrictionDue",
           "case_document", "chunks", "inherit", "item_facts", "latest_versions"]

DOCUMENTS = case_documents.TABLE
# The tables holding a case's own rows, cleared and rewritten with it.
CASE_TABLES = (case_index.TABLE, case_access_facts.TABLE, case_actions.TABLE,
               meetings.RESEARCH, DOCUMENTS, case_labels.TABLE)


class CaseProjector:
    name = "cases"

    def __init__(self, app: Marac, db: Database, index: BlindIndex, sealer: DocumentSealer) -> None:
        self.app = app
        self.db = db
        self.index = index
        self.sealer = sealer
        self.list = case_list.CaseList(db)
        self.partnership = partnership.Partnership(db)

    def fill(self) -> None:
        """At start: what a database projected by an earlier release lacks, from what it
        has (data, not schema: storage/migrations makes the tables; filling needs the keys,
        which the owner running the migrations does not hold). Each is a no-op once done."""
        self.fill_case_list()
        partnership.fill(self.db, lambda: (self.app.areas(), self.app.agencies()))
        self.fill_labels()
        self.fill_research_dates()

    def fill_labels(self) -> None:
        """A database projected before cases had labels: each case without one gets it from
        its sealed document, once (later cases get theirs as they are projected)."""
        with self.db.transaction() as cur:
            cur.execute(f"SELECT d.case_id, d.document FROM {DOCUMENTS} d "  # noqa: S608
                        f"LEFT JOIN {case_labels.TABLE} l ON l.case_id = d.case_id "
                        "WHERE l.case_id IS NULL")
            for case_id, sealed in cur.fetchall():
                cid = UUID(case_id)
                try:
                    document = CaseDocument.from_json(
                        self.sealer.open(DOCUMENTS, cid, bytes(sealed)))
                except (CaseErased, MissingDataKey):
                    continue  # erased: purged by whoever erased it
                case_labels.write_label(cur, self.sealer, cid, document.referral.subjects)

    def fill_research_dates(self) -> None:
        """A database projected before research kept the day it was requested: the cases
        with such rows have their research written again from their events, once."""
        for chunk in chunks(meetings.undated_research(self.db), 100):
            with self.db.transaction() as cur:
                for case_id in chunk:
                    cur.execute(f"DELETE FROM {meetings.RESEARCH} "  # noqa: S608
                                "WHERE case_id = %s", (str(case_id),))
                    if self.sealer.keyring.is_shredded(case_id):
                        continue  # erased: purged by whoever erased it
                    try:
                        meetings.write_research(cur, [self.app.repository.get(case_id)])
                    except CaseErased:
                        continue

    def fill_case_list(self) -> None:
        """A database projected before the case list existed: fill it from the access facts
        already projected, once, rather than ask for a rebuild."""
        with self.db.transaction() as cur:
            cur.execute(f"SELECT 1 FROM {case_list.TABLE} LIMIT 1")  # noqa: S608
            if cur.fetchone() is not None:
                return
            cur.execute("SELECT case_id FROM case_index")
            self._write_list(cur, [UUID(r[0]) for r in cur.fetchall()])

    def tables(self) -> tuple[str, ...]:
        return (*CASE_TABLES, *meetings.MEETING_TABLES, *case_list.TABLES, *partnership.TABLES)

    # Projection --------------------------------------------------------------------------

    def folds(self) -> Folds:
        return Folds(self.app, self.db, self.sealer.keyring)

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        self.project_folded(cur, notifications, self.folds())

    def project_folded(self, cur: Cursor, notifications: Sequence[Notification],
                       folds: Folds) -> None:
        """The batch's views, each aggregate folded once (`folds`, held over the runner's
        pass) and each table written in one statement for all the batch's cases."""
        for area in folds.latest(cur, notifications, partnership.AREA_TOPIC):
            partnership.write_area(cur, area)
        for agency in folds.latest(cur, notifications, partnership.AGENCY_TOPIC):
            partnership.write_agency(cur, agency)
        batch = folds.batch(cur, notifications)
        for meeting in batch.meetings:
            meetings.write_meeting(cur, meeting, self.index.person_ref)
        for case_id in batch.erased:
            self.purge(cur, case_id)
        self._write(cur, batch.cases)

    def purge_case(self, case_id: UUID) -> None:
        """Erasure: drop every read-model row of the case."""
        with self.db.transaction() as cur:
            self.purge(cur, case_id)

    def purge(self, cur: Cursor, case_id: UUID) -> None:
        """Erasure: the case's own rows, and its lines on every agenda; repeats merged into
        it no longer take its facts."""
        repeats = case_index.repeats_on(cur, case_id)
        self._clear(cur, case_id)
        meetings.delist(cur, case_id)
        self._write_list(cur, repeats)

    def _clear(self, cur: Cursor, case_id: UUID) -> None:
        for table in CASE_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE case_id = %s", (str(case_id),))  # noqa: S608
        case_list.remove(cur, [case_id])

    def _write(self, cur: Cursor, cases: Sequence[Case]) -> None:
        """Each case's rows replaced by those of its aggregate; then the list rows of these
        cases and of the repeats merged into them (which take their facts)."""
        if not cases:
            return
        ids = [c.id for c in cases]
        # Sealed first: sealing may read a key, and nothing may be read inside the block.
        documents = case_documents.sealed(self.sealer, cases)
        labels = case_labels.sealed(self.sealer, cases)
        # Writes only, nothing read back until the block ends: sent without waiting each
        # for its answer, answered together (a round trip, not one a statement).
        with pipelined(cur):
            for chunk in chunks(ids):
                marks = ", ".join(["%s"] * len(chunk))
                for table in CASE_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE case_id IN ({marks})",  # noqa: S608
                                tuple(str(c) for c in chunk))
            case_index.write(cur, cases)
            case_access_facts.write(cur, cases, self.index.person_ref)
            case_actions.write(cur, cases)
            meetings.write_research(cur, cases)
            case_documents.write(cur, documents)
            case_labels.write(cur, labels)
        written = set(ids)
        self._write_list(cur, [*ids, *(r for r in case_index.repeats_of(cur, ids)
                                       if r not in written)])

    def _write_list(self, cur: Cursor, case_ids: Sequence[UUID]) -> None:
        """The case list's rows of these cases, from their access facts as projected (a
        repeat's merged with its case's): the same facts `access` gives the policy."""
        for chunk in chunks(case_ids):
            index, own = case_access_facts.own_access_on(cur, chunk)
            parents = {r.repeat_of for r in index.values() if r.repeat_of}
            parent_access = (case_access_facts.own_access_on(cur, sorted(parents, key=str))[1]
                             if parents else {})
            listed = []
            for case_id, access in own.items():
                row = index[case_id]
                parent = parent_access.get(row.repeat_of) if row.repeat_of else None
                listed.append(case_list.ListedCase(
                    case_id, inherit(access, parent) if parent else access, row.status,
                    row.referred_on.isoformat()))
            case_list.write(cur, listed)

    # Queries: each read model's own, here so that callers hold one projector -------------

    def candidates(self, area_id: UUID | None, refs: Sequence[str]) -> list[UUID]:
        return case_index.candidates(self.db, area_id, refs)

    def index_rows(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseIndexRow]:
        return case_index.index_rows(self.db, case_ids)

    def closed_cases(self) -> list[tuple[UUID, UUID, str]]:
        return case_index.closed_cases(self.db)

    def linked_repeats(self, case_id: UUID) -> list[UUID]:
        return case_index.linked_repeats(self.db, case_id)

    def allocated_cases(self, area_id: UUID, refs: Sequence[str]) -> list[tuple[str, UUID]]:
        return case_index.allocated_cases(self.db, area_id, refs)

    def unallocated(self, area_id: UUID) -> list[UUID]:
        return case_index.unallocated(self.db, area_id)

    def access(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseAccess]:
        return case_access_facts.access(self.db, case_ids)

    def access_of(self, case: Case) -> CaseAccess:
        return case_access_facts.access_of(case, self.index.person_ref)

    def restrictions_due(self, area_id: UUID, by: datetime) -> list[RestrictionDue]:
        return restrictions.restrictions_due(self.db, area_id, by)

    def actions(self, *, owner: UUID | None = None, area_id: UUID | None = None,
                case_id: UUID | None = None, open_only: bool = True) -> list[ActionRouting]:
        return case_actions.actions(self.db, owner=owner, area_id=area_id, case_id=case_id,
                                    open_only=open_only)

    def meetings(self, area_id: UUID, from_day: date | None = None) -> list[MeetingRow]:
        return meetings.meetings(self.db, area_id, from_day)

    def cancelled_meetings(self, area_id: UUID) -> frozenset[UUID]:
        return meetings.cancelled_meetings(self.db, area_id)

    def meeting_members(self, meeting_id: UUID) -> frozenset[str]:
        return meetings.meeting_members(self.db, meeting_id)

    def agenda(self, meeting_id: UUID) -> list[AgendaLine]:
        return meetings.agenda(self.db, meeting_id)

    def listings(self, case_id: UUID) -> list[UUID]:
        return meetings.listings(self.db, case_id)

    def research_requests(self, agency_id: UUID) -> list[ResearchRequestRow]:
        return meetings.research_requests(self.db, agency_id)

    def standing_research(self, area_id: UUID, *, agency_id: UUID | None = None,
                          meeting_id: UUID | None = None,
                          answered: bool | None = None) -> list[ResearchRequestRow]:
        return meetings.standing_research(self.db, area_id, agency_id=agency_id,
                                          meeting_id=meeting_id, answered=answered)

    def labels(self, case_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Personal data (the victim's initials and year of birth): for callers who may see
        these cases, as the policy decided."""
        return case_labels.labels(self.db, self.sealer, case_ids)

    def document(self, case_id: UUID) -> CaseDocument | None:
        return case_documents.document(self.db, self.sealer, case_id)
