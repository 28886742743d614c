"""The case read models: an index of routing and filter columns only, the access facts the
policy decides from (staff as keyed digests), and the case document sealed under the case key.

Each view is rebuilt from the aggregate at the projected version, so the projector holds no
copy of the aggregate's rules, and replaying a notification twice writes the same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.access import Audience
from domain.application import Marac
from domain.case import Case, inform_by, told_late
from domain.exceptions import CaseErased
from domain.marrac import MES, STEPS
from domain.meeting import Meeting
from projections import case_list
from security.blind_index import BlindIndex
from security.documents import DocumentSealer
from security.keyring import Keyring
from security.policy import CaseAccess, ItemFacts
from storage.database import Cursor, Database

CASE_TOPIC = "domain.case:Case."
MEETING_TOPIC = "domain.meeting:Meeting."
CASE_TABLES = ("case_index", "case_access", "case_actions", "research_requests",
               "case_documents")
DOCUMENTS = "case_documents"


def _plain(value: Any) -> Any:
    """JSON-ready: dataclasses to dicts, ids and dates to strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (UUID, date, datetime)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    return value


def case_document(case: Case) -> dict[str, Any]:
    """The whole case as coordinators see it; the API filters items by audience per viewer."""
    referral = case.referral
    return {
        "case_id": str(case.id),
        "version": case.version,
        "area_id": str(case.area_id),
        "status": case.status,
        "referred_on": referral.referred_on.isoformat(),
        "referring_agency_id": str(referral.referring_agency_id),
        "referral": {
            "referrer": referral.referrer,
            "subjects": _plain(list(case.subjects.values())),
            "incident_summary": referral.incident_summary,
            "risk_assessment": _plain(case.risk_assessment),
            "criteria": _plain(referral.criteria),
            "consent": _plain(referral.consent),
            "victim_informed": referral.victim_informed,
            "idva_referral_made": referral.idva_referral_made,
            "manager_sign_off": referral.manager_sign_off,
        },
        "decision": _plain(case.decision),
        "repeat_of": str(case.repeat_of) if case.repeat_of else None,
        "repeat_referrals": [str(r) for r in case.repeat_referrals],
        "last_referral_on": case.last_referral_on.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "closure_reason": case.closure_reason,
        **_closure(case),
        "items": _plain(sorted(case.items.values(), key=lambda i: (i.recorded_at, str(i.item_id)))),
        "actions": [
            {**_plain(a), "outcome": case.action_outcomes.get(a.action_id),
             "escalated": a.action_id in case.escalated_actions,
             "notes": [_plain(n) for n in case.action_notes if n.action_id == a.action_id]}
            for a in sorted(case.actions.values(), key=lambda a: (a.due_on, str(a.action_id)))],
        "research_requests": [{**_plain(r), "answered": case.research_answered(r)}
                              for r in case.research_requests],
        "hearings": _plain(sorted(case.hearings.values(), key=lambda h: h.heard_on)),
        # For coordinators only (the API shows it to viewers who see every item).
        "access": {
            "restricted": case.restricted,
            "restriction": _restriction(case),
            "members": sorted(case.members),
            "member_agencies": sorted(str(a) for a in case.member_agencies),
            "excluded": sorted(case.excluded),
            "grants": _plain(list(case.grants.values())),
            "break_glass": _plain(case.break_glass),
        },
        "marrac": _marrac(case),
        "safeguarding": {"onward_referrals": _plain(case.onward_referrals),
                         "social_care": _plain(case.social_care)},
    }


def _restriction(case: Case) -> dict[str, Any] | None:
    due = case.restriction_review_due
    if due is None or case.restricted_at is None:
        return None
    return {"provisional": case.restriction_provisional,
            "restricted_at": case.restricted_at.isoformat(),
            "reviewed_at": (case.restriction_reviewed_at.isoformat()
                            if case.restriction_reviewed_at else None),
            "review_due": due.isoformat()}


def _closure(case: Case) -> dict[str, Any]:
    """When the closure was made and by when every agency should know; each agency told, when
    it was told and whether that was late (judged once told; while untold, when read)."""
    if case.closed_on is None:
        return {"closed_at": None, "inform_by": None, "closure_told": {}}
    deadline = inform_by(case.closed_on, case.closed_at)
    told = {a: case.informed.get(a) for a in case.to_inform}
    return {
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "inform_by": deadline.isoformat(),
        "closure_told": {str(a): {"told_at": at.isoformat() if at else None,
                                  "late": told_late(deadline, at) if at else None}
                         for a, at in told.items()},
    }


def _marrac(case: Case) -> dict[str, Any]:
    """The coordinator-led model's record: who owns the case, steps, the MEs' needs (personal
    data, so only here, sealed), contacts, plan and reviews."""
    return {
        "coordinator": case.coordinator,
        "allocated_at": case.allocated_at.isoformat() if case.allocated_at else None,
        "allocations": _plain(case.allocations),
        "steps": [_plain(case.steps[s]) for s in STEPS if s in case.steps],
        "needs": {me: _plain(case.needs[me]) for me in MES if me in case.needs},
        "contacts": _plain(sorted(case.contacts, key=lambda c: (c.at, str(c.contact_id)))),
        "plan_agreed": _plain(case.plan_agreed),
        "reviews": _plain(case.reviews),
    }


@dataclass(frozen=True)
class RestrictionDue:
    case_id: UUID
    provisional: bool
    review_due: datetime


class CaseProjector:
    name = "cases"

    def __init__(self, app: Marac, db: Database, index: BlindIndex, sealer: DocumentSealer) -> None:
        self.app = app
        self.db = db
        self.index = index
        self.sealer = sealer
        self.list = case_list.CaseList(db)

    def create_tables(self) -> None:
        self.db.execute_script([
            """CREATE TABLE IF NOT EXISTS case_index (
                case_id TEXT PRIMARY KEY,
                area_id TEXT NOT NULL,
                status TEXT NOT NULL,
                referring_agency_id TEXT NOT NULL,
                referred_on TEXT NOT NULL,
                last_referral_on TEXT NOT NULL,
                restricted INTEGER NOT NULL,
                repeat_of TEXT,
                closed_on TEXT,
                version INTEGER NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS case_index_closed ON case_index (closed_on)",
            "CREATE INDEX IF NOT EXISTS case_index_area ON case_index (area_id, referred_on)",
            """CREATE TABLE IF NOT EXISTS case_access (
                case_id TEXT NOT NULL,
                relation TEXT NOT NULL,
                ref TEXT NOT NULL,
                opened_at TEXT,
                expires_at TEXT)""",
            "CREATE INDEX IF NOT EXISTS case_access_case ON case_access (case_id)",
            "CREATE INDEX IF NOT EXISTS case_access_ref ON case_access (ref)",
            """CREATE TABLE IF NOT EXISTS case_actions (
                action_id TEXT PRIMARY KEY,
                case_id TEXT NOT NULL,
                area_id TEXT NOT NULL,
                owner_agency_id TEXT NOT NULL,
                due_on TEXT NOT NULL,
                outcome TEXT,
                escalated INTEGER NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS case_actions_owner ON case_actions (owner_agency_id)",
            "CREATE INDEX IF NOT EXISTS case_actions_due ON case_actions (area_id, due_on)",
            """CREATE TABLE IF NOT EXISTS meetings (
                meeting_id TEXT PRIMARY KEY,
                area_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                held_on TEXT NOT NULL,
                attendees INTEGER NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS meetings_area ON meetings (area_id, held_on)",
            # A closed hearing's named members, as keyed digests.
            """CREATE TABLE IF NOT EXISTS meeting_members (
                meeting_id TEXT NOT NULL,
                ref TEXT NOT NULL,
                PRIMARY KEY (meeting_id, ref))""",
            # Cancelled meetings (a table of its own, so that a database projected before
            # cancellations existed needs no new column).
            """CREATE TABLE IF NOT EXISTS meeting_cancellations (
                meeting_id TEXT PRIMARY KEY)""",
            """CREATE TABLE IF NOT EXISTS research_requests (
                case_id TEXT NOT NULL,
                meeting_id TEXT NOT NULL,
                agency_id TEXT NOT NULL,
                due_on TEXT NOT NULL,
                answered INTEGER NOT NULL,
                PRIMARY KEY (case_id, meeting_id, agency_id))""",
            "CREATE INDEX IF NOT EXISTS research_requests_agency ON research_requests "
            "(agency_id, answered)",
            """CREATE TABLE IF NOT EXISTS agenda (
                meeting_id TEXT NOT NULL,
                case_id TEXT NOT NULL,
                listed INTEGER NOT NULL,
                children INTEGER NOT NULL,
                hba INTEGER NOT NULL,
                PRIMARY KEY (meeting_id, case_id))""",
            f"""CREATE TABLE IF NOT EXISTS {DOCUMENTS} (
                case_id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                document {self.db.blob} NOT NULL)""",
        ])

        case_list.create_tables(self.db)
        self.fill_case_list()

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
        return ("case_index", "case_access", "case_actions", "research_requests", DOCUMENTS,
                "meetings", "meeting_members", "meeting_cancellations", "agenda",
                *case_list.TABLES)

    # Projection --------------------------------------------------------------------------

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        batch = Batch.of(self.app, self.sealer.keyring, notifications)
        for meeting in batch.meetings:
            self._write_meeting(cur, meeting)
        for case_id in batch.erased:
            self.purge(cur, case_id)
        for case in batch.cases:
            self._write(cur, case)

    def _write_meeting(self, cur: Cursor, meeting: Meeting) -> None:
        """Ids, dates, kinds and agenda flags only; who attended stays in the meeting's
        encrypted events (the read model keeps a count)."""
        mid = str(meeting.id)
        cur.execute("DELETE FROM meetings WHERE meeting_id = %s", (mid,))
        cur.execute("DELETE FROM agenda WHERE meeting_id = %s", (mid,))
        cur.execute("DELETE FROM meeting_members WHERE meeting_id = %s", (mid,))
        cur.execute("DELETE FROM meeting_cancellations WHERE meeting_id = %s", (mid,))
        if meeting.cancelled:
            cur.execute("INSERT INTO meeting_cancellations (meeting_id) VALUES (%s)", (mid,))
        if meeting.members:
            cur.executemany("INSERT INTO meeting_members (meeting_id, ref) VALUES (%s, %s)",
                            [(mid, self.index.person_ref(m)) for m in meeting.members])
        cur.execute("INSERT INTO meetings (meeting_id, area_id, kind, held_on, attendees) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (mid, str(meeting.area_id), meeting.kind, meeting.held_on.isoformat(),
                     len(meeting.attendance)))
        if meeting.agenda:
            cur.executemany(
                "INSERT INTO agenda (meeting_id, case_id, listed, children, hba) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(mid, str(i.case_id), n, int(i.children), int(i.honour_based_abuse))
                 for n, i in enumerate(meeting.agenda)])

    def meetings(self, area_id: UUID, from_day: str | None = None) -> list[dict[str, Any]]:
        columns = ("meeting_id", "area_id", "kind", "held_on", "attendees")
        since = "AND held_on >= %s" if from_day else ""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM meetings "  # noqa: S608
                        f"WHERE area_id = %s {since} ORDER BY held_on, meeting_id",
                        (str(area_id), from_day) if from_day else (str(area_id),))
            return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]

    def cancelled_meetings(self, area_id: UUID) -> frozenset[UUID]:
        """The area's cancelled meetings."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT c.meeting_id FROM meeting_cancellations c JOIN meetings m"
                        " ON m.meeting_id = c.meeting_id WHERE m.area_id = %s", (str(area_id),))
            return frozenset(UUID(r[0]) for r in cur.fetchall())

    def meeting_members(self, meeting_id: UUID) -> frozenset[str]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT ref FROM meeting_members WHERE meeting_id = %s",
                        (str(meeting_id),))
            return frozenset(r[0] for r in cur.fetchall())

    def research_requests(self, agency_id: UUID) -> list[dict[str, Any]]:
        """An agency's research requests (ids and dates only), unanswered first."""
        columns = ("case_id", "meeting_id", "agency_id", "due_on", "answered")
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM research_requests "  # noqa: S608
                        "WHERE agency_id = %s ORDER BY answered, due_on, case_id",
                        (str(agency_id),))
            return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]

    def agenda(self, meeting_id: UUID) -> list[dict[str, Any]]:
        columns = ("case_id", "listed", "children", "hba")
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM agenda "  # noqa: S608
                        "WHERE meeting_id = %s ORDER BY listed", (str(meeting_id),))
            return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]

    def purge_case(self, case_id: UUID) -> None:
        """Erasure: drop every read-model row of the case."""
        with self.db.transaction() as cur:
            self.purge(cur, case_id)

    def actions(self, *, owner: UUID | None = None, area_id: UUID | None = None,
                case_id: UUID | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        """Action routing rows (no content), by owner agency, area or case."""
        clauses, params = ["1 = 1"], []
        if case_id is not None:
            clauses.append("case_id = %s")
            params.append(str(case_id))
        if owner is not None:
            clauses.append("owner_agency_id = %s")
            params.append(str(owner))
        if area_id is not None:
            clauses.append("area_id = %s")
            params.append(str(area_id))
        if open_only:
            clauses.append("outcome IS NULL")
        columns = ("action_id", "case_id", "area_id", "owner_agency_id", "due_on", "outcome",
                   "escalated")
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM case_actions "  # noqa: S608
                        f"WHERE {' AND '.join(clauses)} ORDER BY due_on, action_id",
                        tuple(params))
            return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]

    def closed_cases(self) -> list[tuple[UUID, UUID, str]]:
        """(case, area, closed on) of every closed case: retention's candidates. A linked
        repeat is left out: it is kept, and erased, with the case it was merged into."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT case_id, area_id, closed_on FROM case_index "
                        "WHERE closed_on IS NOT NULL AND repeat_of IS NULL ORDER BY closed_on")
            return [(UUID(r[0]), UUID(r[1]), r[2]) for r in cur.fetchall()]

    def linked_repeats(self, case_id: UUID) -> list[UUID]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT case_id FROM case_index WHERE repeat_of = %s", (str(case_id),))
            return [UUID(r[0]) for r in cur.fetchall()]

    def purge(self, cur: Cursor, case_id: UUID) -> None:
        """Erasure: the case's own rows, and its lines on every agenda; repeats merged into
        it no longer take its facts."""
        cur.execute("SELECT case_id FROM case_index WHERE repeat_of = %s", (str(case_id),))
        repeats = [UUID(r[0]) for r in cur.fetchall()]
        self._clear(cur, case_id)
        cur.execute("DELETE FROM agenda WHERE case_id = %s", (str(case_id),))
        self._write_list(cur, repeats)

    def _clear(self, cur: Cursor, case_id: UUID) -> None:
        for table in CASE_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE case_id = %s", (str(case_id),))  # noqa: S608
        case_list.remove(cur, [case_id])

    def _write(self, cur: Cursor, case: Case) -> None:
        cid = str(case.id)
        self._clear(cur, case.id)
        cur.execute(
            "INSERT INTO case_index (case_id, area_id, status, referring_agency_id, referred_on,"
            " last_referral_on, restricted, repeat_of, closed_on, version)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (cid, str(case.area_id), case.status, str(case.referral.referring_agency_id),
             case.referral.referred_on.isoformat(), case.last_referral_on.isoformat(),
             1 if case.restricted else 0, str(case.repeat_of) if case.repeat_of else None,
             case.closed_on.isoformat() if case.closed_on else None, case.version),
        )
        rows = list(self._access_rows(case))
        if rows:
            cur.executemany(
                "INSERT INTO case_access (case_id, relation, ref, opened_at, expires_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(cid, *row) for row in rows],
            )
        if case.actions:
            # Routing facts only: what the action says stays in the sealed document.
            cur.executemany(
                "INSERT INTO case_actions (action_id, case_id, area_id, owner_agency_id, due_on,"
                " outcome, escalated) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(str(a.action_id), cid, str(case.area_id), str(a.owner_agency),
                  a.due_on.isoformat(), case.action_outcomes.get(a.action_id),
                  1 if a.action_id in case.escalated_actions else 0)
                 for a in case.actions.values()])
        if case.research_requests:
            cur.executemany(
                "INSERT INTO research_requests (case_id, meeting_id, agency_id, due_on, answered)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(cid, str(r.meeting_id), str(r.agency_id), r.due_on.isoformat(),
                  int(case.research_answered(r))) for r in case.research_requests])
        sealed = self.sealer.seal(DOCUMENTS, case.id, case_document(case))
        cur.execute(f"INSERT INTO {DOCUMENTS} (case_id, version, document) "  # noqa: S608
                    "VALUES (%s, %s, %s)", (cid, case.version, sealed))
        cur.execute("SELECT case_id FROM case_index WHERE repeat_of = %s", (cid,))
        self._write_list(cur, [case.id, *(UUID(r[0]) for r in cur.fetchall())])

    def _write_list(self, cur: Cursor, case_ids: Sequence[UUID]) -> None:
        """The case list's rows of these cases, from their access facts as projected (a
        repeat's merged with its case's): the same facts `access` gives the policy."""
        for chunk in chunks(case_ids):
            index, own = _own_access_on(cur, chunk)
            parents = {UUID(r["repeat_of"]) for r in index.values() if r["repeat_of"]}
            parent_access = _own_access_on(cur, sorted(parents, key=str))[1] if parents else {}
            listed = []
            for case_id, access in own.items():
                row = index[case_id]
                parent = parent_access.get(UUID(row["repeat_of"])) if row["repeat_of"] else None
                listed.append(case_list.ListedCase(
                    case_id, inherit(access, parent) if parent else access, row["status"],
                    row["referred_on"]))
            case_list.write(cur, listed)

    def _access_rows(self, case: Case) -> Iterable[tuple[str, str, str | None, str | None]]:
        ref = self.index.person_ref
        for agency in case.involved_agencies:
            yield "involved_agency", str(agency), None, None
        for grant in case.grants.values():
            expiry = grant.expires_at.isoformat() if grant.expires_at else None
            if grant.agency_id is not None:
                yield "agency_grant", str(grant.agency_id), None, expiry
            elif grant.person is not None:
                yield "person_grant", ref(grant.person), None, expiry
        due = case.restriction_review_due
        if due is not None:
            # Whether a coordinator has named its members yet, and when it is next reviewed.
            yield ("restriction", "provisional" if case.restriction_provisional else "named",
                   None, due.isoformat())
        for person in case.members:
            yield "member", ref(person), None, None
        for agency in case.member_agencies:
            yield "member_agency", str(agency), None, None
        for person in case.excluded:
            yield "excluded", ref(person), None, None
        for session in case.break_glass:
            yield ("break_glass", ref(session.person), session.opened_at.isoformat(),
                   session.expires_at.isoformat())
        if case.coordinator is not None:
            # The current case co-ordinator only: a reallocated case is off the old one's load.
            yield "allocated_to", ref(case.coordinator), None, None

    # Queries -----------------------------------------------------------------------------

    def candidates(self, area_id: UUID | None, refs: Sequence[str]) -> list[UUID]:
        """Cases a caller could possibly see: their area's, and any naming their agency or
        them. The policy decides which of these they do see."""
        found: set[str] = set()
        with self.db.transaction(readonly=True) as cur:
            if area_id is not None:
                cur.execute("SELECT case_id FROM case_index WHERE area_id = %s", (str(area_id),))
                found.update(r[0] for r in cur.fetchall())
            if refs:
                marks = ", ".join(["%s"] * len(refs))
                cur.execute(f"SELECT case_id FROM case_access WHERE ref IN ({marks})",  # noqa: S608
                            tuple(refs))
                found.update(r[0] for r in cur.fetchall())
            # A repeat takes its case's membership (see `access`), so it is a candidate
            # wherever its case is, though no access row of its own names the caller.
            for chunk in chunks([UUID(c) for c in sorted(found)]):
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute("SELECT case_id FROM case_index "  # noqa: S608
                            f"WHERE repeat_of IN ({marks})", tuple(str(c) for c in chunk))
                found.update(r[0] for r in cur.fetchall())
        return [UUID(c) for c in found]

    def index_rows(self, case_ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
        rows: dict[UUID, dict[str, Any]] = {}
        columns = ("case_id", "area_id", "status", "referring_agency_id", "referred_on",
                   "last_referral_on", "restricted", "repeat_of", "version")
        for chunk in chunks(case_ids):
            marks = ", ".join(["%s"] * len(chunk))
            with self.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT {', '.join(columns)} FROM case_index "  # noqa: S608
                            f"WHERE case_id IN ({marks})", tuple(str(c) for c in chunk))
                for row in cur.fetchall():
                    rows[UUID(row[0])] = dict(zip(columns, row, strict=True))
        return rows

    def access(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseAccess]:
        """The access facts of each case, for the policy. A repeat referral merged into a
        case carries the same victim's story, so it takes that case's restriction, members
        and exclusions: restricting a case restricts its linked repeats."""
        own, index = self._own_access(case_ids)
        parents = {UUID(r["repeat_of"]) for r in index.values() if r["repeat_of"]}
        parent_access = self._own_access(sorted(parents, key=str))[0] if parents else {}
        merged: dict[UUID, CaseAccess] = {}
        for case_id, access in own.items():
            parent_id = index[case_id]["repeat_of"]
            parent = parent_access.get(UUID(parent_id)) if parent_id else None
            merged[case_id] = inherit(access, parent) if parent else access
        return merged

    def access_of(self, case: Case) -> CaseAccess:
        """A case's own access facts as its aggregate stands (at any version): the feeds
        decide from the case as it was when each event happened."""
        facts: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for relation, ref, opened, expires in self._access_rows(case):
            facts.setdefault(relation, []).append((ref, opened, expires))
        row = {"area_id": str(case.area_id), "restricted": case.restricted}
        return _case_access(case.id, row, facts)

    def _own_access(
        self, case_ids: Sequence[UUID]
    ) -> tuple[dict[UUID, CaseAccess], dict[UUID, dict[str, Any]]]:
        """Each case's own access facts, with the index rows they were read from."""
        own: dict[UUID, CaseAccess] = {}
        index: dict[UUID, dict[str, Any]] = {}
        for chunk in chunks(case_ids):
            with self.db.transaction(readonly=True) as cur:
                rows, facts = _own_access_on(cur, chunk)
            index.update(rows)
            own.update(facts)
        return own, index

    def restrictions_due(self, area_id: UUID, by: datetime) -> list[RestrictionDue]:
        """The area's restrictions due for review by `by` (a case's own: a repeat referral
        merged into it is reviewed with it), earliest first."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT a.case_id, a.ref, a.expires_at FROM case_access a "
                        "JOIN case_index i ON i.case_id = a.case_id "
                        "WHERE a.relation = 'restriction' AND i.area_id = %s", (str(area_id),))
            rows = cur.fetchall()
        due = [RestrictionDue(UUID(c), ref == "provisional", datetime.fromisoformat(at))
               for c, ref, at in rows]
        return sorted((d for d in due if d.review_due <= by),
                      key=lambda d: (d.review_due, str(d.case_id)))

    def allocation_loads(self, area_id: UUID, refs: Sequence[str]) -> dict[str, int]:
        """Open (not closed) cases of the area allocated to each of `refs` (keyed digests of
        case co-ordinators), zero where none: counts only, never which cases."""
        loads = dict.fromkeys(refs, 0)
        if not refs:
            return loads
        marks = ", ".join(["%s"] * len(refs))
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT a.ref, COUNT(*) FROM case_access a "  # noqa: S608
                        "JOIN case_index i ON i.case_id = a.case_id "
                        "WHERE a.relation = 'allocated_to' AND i.area_id = %s "
                        f"AND i.closed_on IS NULL AND a.ref IN ({marks}) GROUP BY a.ref",
                        (str(area_id), *refs))
            loads.update({r[0]: int(r[1]) for r in cur.fetchall()})
        return loads

    def document(self, case_id: UUID) -> dict[str, Any] | None:
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT document FROM {DOCUMENTS} WHERE case_id = %s",  # noqa: S608
                        (str(case_id),))
            row = cur.fetchone()
        if row is None:
            return None
        return self.sealer.open(DOCUMENTS, case_id, bytes(row[0]))


@dataclass(frozen=True)
class Batch:
    """A batch of notifications as views are written from it: each meeting and case at its
    newest version in the batch, and the cases erased meanwhile."""

    meetings: list[Meeting]
    cases: list[Case]
    erased: list[UUID]

    @classmethod
    def of(cls, app: Marac, keyring: Keyring, notifications: Sequence[Notification]) -> Batch:
        meetings: list[Meeting] = [app.repository.get(m, version=v)
                    for m, v in latest_versions(notifications, MEETING_TOPIC).items()]
        cases: list[Case] = []
        erased: list[UUID] = []
        for case_id, version in latest_versions(notifications, CASE_TOPIC).items():
            # A process may still hold an erased case's key in its cache: the ledger decides.
            if keyring.is_shredded(case_id):
                erased.append(case_id)
                continue
            try:
                cases.append(app.repository.get(case_id, version=version))
            except CaseErased:
                erased.append(case_id)
        return cls(meetings, cases, erased)


def latest_versions(notifications: Sequence[Notification], topic_prefix: str) -> dict[UUID, int]:
    """Each aggregate's newest version in the batch: a view is written once per batch."""
    latest: dict[UUID, int] = {}
    for n in notifications:
        if n.topic.startswith(topic_prefix):
            oid = n.originator_id if isinstance(n.originator_id, UUID) else UUID(n.originator_id)
            latest[oid] = max(latest.get(oid, 0), n.originator_version)
    return latest


INDEX_COLUMNS = ("case_id", "area_id", "status", "referring_agency_id", "referred_on",
                 "last_referral_on", "restricted", "repeat_of", "version")


def _own_access_on(
    cur: Cursor, case_ids: Sequence[UUID]
) -> tuple[dict[UUID, dict[str, Any]], dict[UUID, CaseAccess]]:
    """Each case's index row and own access facts, read in the caller's transaction (the
    projector's sees what it has just written)."""
    if not case_ids:
        return {}, {}
    marks = ", ".join(["%s"] * len(case_ids))
    ids = tuple(str(c) for c in case_ids)
    cur.execute(f"SELECT {', '.join(INDEX_COLUMNS)} FROM case_index "  # noqa: S608
                f"WHERE case_id IN ({marks})", ids)
    index = {UUID(r[0]): dict(zip(INDEX_COLUMNS, r, strict=True)) for r in cur.fetchall()}
    facts: dict[UUID, dict[str, list[tuple[str, str | None, str | None]]]] = {
        c: {} for c in index}
    cur.execute("SELECT case_id, relation, ref, opened_at, expires_at "  # noqa: S608
                f"FROM case_access WHERE case_id IN ({marks})", ids)
    for case_id, relation, ref, opened, expires in cur.fetchall():
        if UUID(case_id) in facts:
            facts[UUID(case_id)].setdefault(relation, []).append((ref, opened, expires))
    return index, {c: _case_access(c, index[c], facts[c]) for c in index}


def item_facts(item: dict[str, Any]) -> ItemFacts:
    """The policy's facts of an item of a case document."""
    audience = item["audience"]
    return ItemFacts(Audience(audience["kind"], tuple(UUID(a) for a in audience["agencies"])),
                     item["author"], UUID(item["author_agency"]),
                     bool(item.get("for_agency", False)))


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _case_access(
    case_id: UUID, row: dict[str, Any], facts: dict[str, list[tuple[str, str | None, str | None]]]
) -> CaseAccess:
    def refs(relation: str) -> list[str]:
        return [ref for ref, _, _ in facts.get(relation, [])]

    return CaseAccess(
        case_id=case_id,
        area_id=UUID(row["area_id"]),
        involved_agencies=frozenset(UUID(a) for a in refs("involved_agency")),
        agency_grants=tuple((UUID(a), _when(e)) for a, _, e in facts.get("agency_grant", [])),
        person_grants=tuple((p, _when(e)) for p, _, e in facts.get("person_grant", [])),
        restricted=bool(row["restricted"]),
        restriction_provisional="provisional" in refs("restriction"),
        members=frozenset(refs("member")),
        member_agencies=frozenset(UUID(a) for a in refs("member_agency")),
        excluded=frozenset(refs("excluded")),
        allocated_to=frozenset(refs("allocated_to")),
        break_glass=tuple(
            (p, datetime.fromisoformat(o or ""), datetime.fromisoformat(e or ""))
            for p, o, e in facts.get("break_glass", [])
        ),
    )


def inherit(access: CaseAccess, parent: CaseAccess) -> CaseAccess:
    """A repeat referral merged into a case takes that case's restriction, members and
    exclusions."""
    return dataclasses.replace(
        access,
        restricted=access.restricted or parent.restricted,
        restriction_provisional=(parent.restriction_provisional if parent.restricted
                                 else access.restriction_provisional),
        members=parent.members if parent.restricted else access.members,
        member_agencies=(parent.member_agencies if parent.restricted
                         else access.member_agencies),
        excluded=access.excluded | parent.excluded,
    )


def chunks(items: Sequence[UUID], size: int = 500) -> Iterable[Sequence[UUID]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


