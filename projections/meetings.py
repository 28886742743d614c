"""Meetings as their read model lists them: ids, dates, kinds, attendance counts and which were
cancelled; each agenda's lines and flags; a closed hearing's named members (keyed digests); and
the research requested of each agency on a listed case. Who attended stays in the meeting's
encrypted events, what was said in the case's sealed document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.case import Case
from domain.meeting import Meeting
from projections.case_access_facts import PersonRef
from storage.database import Cursor, Database

# Research requests are written with their case (they are a case's facts); the rest with the
# meeting.
MEETING_TABLES = ("meetings", "meeting_members", "meeting_cancellations", "agenda")
RESEARCH = "research_requests"


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the read model lists it."""

    meeting_id: UUID
    area_id: UUID
    kind: str
    held_on: date
    attendees: int


@dataclass(frozen=True)
class AgendaLine:
    """A case on a meeting's agenda, in the order it was listed (not yet hearing order)."""

    case_id: UUID
    listed: int
    children: bool
    honour_based_abuse: bool


@dataclass(frozen=True)
class ResearchRequestRow:
    """Research asked of an agency on a listed case: ids and dates only (`held_on`: the
    meeting's day; `requested_on`: None for a row projected before it was kept, until
    `undated_research` finds it)."""

    case_id: UUID
    meeting_id: UUID
    agency_id: UUID
    due_on: date
    answered: bool
    held_on: date
    requested_on: date | None


def write_meeting(cur: Cursor, meeting: Meeting, ref: PersonRef) -> None:
    """Ids, dates, kinds and agenda flags only; who attended stays in the meeting's
    encrypted events (the read model keeps a count)."""
    mid = str(meeting.id)
    for table in MEETING_TABLES:
        cur.execute(f"DELETE FROM {table} WHERE meeting_id = %s", (mid,))  # noqa: S608
    if meeting.cancelled:
        cur.execute("INSERT INTO meeting_cancellations (meeting_id) VALUES (%s)", (mid,))
    if meeting.members:
        cur.executemany("INSERT INTO meeting_members (meeting_id, ref) VALUES (%s, %s)",
                        [(mid, ref(m)) for m in meeting.members])
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


def write_research(cur: Cursor, cases: Sequence[Case]) -> None:
    rows = []
    for case in cases:
        asked = case.research_requested_at
        rows += [(str(case.id), str(r.meeting_id), str(r.agency_id), r.due_on.isoformat(),
                  int(case.research_answered(r)),
                  asked[r.meeting_id, r.agency_id].date().isoformat())
                 for r in case.research_requests]
    if rows:
        cur.executemany(
            "INSERT INTO research_requests (case_id, meeting_id, agency_id, due_on, answered,"
            " requested_on) VALUES (%s, %s, %s, %s, %s, %s)", rows)


def undated_research(db: Database) -> list[UUID]:
    """The cases whose research rows were projected before research kept its request date
    (the column is migration 0001's), for the projector to write again."""
    with db.transaction(readonly=True) as cur:
        cur.execute(f"SELECT DISTINCT case_id FROM {RESEARCH} "  # noqa: S608
                    "WHERE requested_on IS NULL ORDER BY case_id")
        return [UUID(r[0]) for r in cur.fetchall()]


def delist(cur: Cursor, case_id: UUID) -> None:
    """Erasure: the case's lines on every agenda."""
    cur.execute("DELETE FROM agenda WHERE case_id = %s", (str(case_id),))


def meetings(db: Database, area_id: UUID, from_day: date | None = None) -> list[MeetingRow]:
    """The area's meetings (from a day on, if given), earliest first."""
    since = "AND held_on >= %s" if from_day else ""
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT meeting_id, area_id, kind, held_on, attendees FROM meetings "  # noqa: S608
                    f"WHERE area_id = %s {since} ORDER BY held_on, meeting_id",
                    (str(area_id), from_day.isoformat()) if from_day else (str(area_id),))
        return [MeetingRow(UUID(m), UUID(a), kind, date.fromisoformat(held), int(n))
                for m, a, kind, held, n in cur.fetchall()]


def cancelled_meetings(db: Database, area_id: UUID) -> frozenset[UUID]:
    """The area's cancelled meetings."""
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT c.meeting_id FROM meeting_cancellations c JOIN meetings m"
                    " ON m.meeting_id = c.meeting_id WHERE m.area_id = %s", (str(area_id),))
        return frozenset(UUID(r[0]) for r in cur.fetchall())


def meeting_members(db: Database, meeting_id: UUID) -> frozenset[str]:
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT ref FROM meeting_members WHERE meeting_id = %s", (str(meeting_id),))
        return frozenset(r[0] for r in cur.fetchall())


def agenda(db: Database, meeting_id: UUID) -> list[AgendaLine]:
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT case_id, listed, children, hba FROM agenda "
                    "WHERE meeting_id = %s ORDER BY listed", (str(meeting_id),))
        return [AgendaLine(UUID(c), int(n), bool(children), bool(hba))
                for c, n, children, hba in cur.fetchall()]


def listings(db: Database, case_id: UUID) -> list[UUID]:
    """The meetings whose agendas list the case now, held or not."""
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT meeting_id FROM agenda WHERE case_id = %s ORDER BY meeting_id",
                    (str(case_id),))
        return [UUID(r[0]) for r in cur.fetchall()]


_RESEARCH_ROW = ("SELECT r.case_id, r.meeting_id, r.agency_id, r.due_on, r.answered, "
                 "m.held_on, r.requested_on FROM research_requests r "
                 "JOIN meetings m ON m.meeting_id = r.meeting_id")


def _research_rows(cur: Cursor) -> list[ResearchRequestRow]:
    return [ResearchRequestRow(UUID(c), UUID(m), UUID(a), date.fromisoformat(due),
                               bool(answered), date.fromisoformat(held),
                               date.fromisoformat(asked) if asked else None)
            for c, m, a, due, answered, held, asked in cur.fetchall()]


def research_requests(db: Database, agency_id: UUID) -> list[ResearchRequestRow]:
    """An agency's research requests (ids and dates only), unanswered first."""
    with db.transaction(readonly=True) as cur:
        cur.execute(f"{_RESEARCH_ROW} WHERE r.agency_id = %s "
                    "ORDER BY r.answered, r.due_on, r.case_id", (str(agency_id),))
        return _research_rows(cur)


def standing_research(db: Database, area_id: UUID, *, agency_id: UUID | None = None,
                      meeting_id: UUID | None = None,
                      answered: bool | None = None) -> list[ResearchRequestRow]:
    """The area's research requests for hearings that stand: the case still on the meeting's
    agenda, the meeting not cancelled (`answered`: only those answered, or not). By due
    date, unanswered first."""
    where, params = ["m.area_id = %s"], [str(area_id)]
    if answered is not None:
        where.append(f"r.answered = {int(answered)}")
    if agency_id is not None:
        where.append("r.agency_id = %s")
        params.append(str(agency_id))
    if meeting_id is not None:
        where.append("r.meeting_id = %s")
        params.append(str(meeting_id))
    with db.transaction(readonly=True) as cur:
        cur.execute(
            f"{_RESEARCH_ROW} JOIN agenda g ON g.meeting_id = r.meeting_id "  # noqa: S608
            "AND g.case_id = r.case_id WHERE NOT EXISTS (SELECT 1 FROM meeting_cancellations c"
            f" WHERE c.meeting_id = r.meeting_id) AND {' AND '.join(where)} "
            "ORDER BY r.answered, r.due_on, m.held_on, r.case_id, r.agency_id", params)
        return _research_rows(cur)
