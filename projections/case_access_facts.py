"""The access facts the policy decides from: each case's involved agencies, grants,
restriction, members, exclusions, break-glass sessions and co-ordinator, staff as keyed
digests. A repeat referral merged into a case takes that case's facts (`inherit`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from uuid import UUID

from domain.case import Case
from projections import case_index
from projections.case_index import CaseIndexRow
from security.policy import CaseAccess
from storage.database import Cursor, Database, chunks

TABLE = "case_access"

# A person's keyed digest (BlindIndex.person_ref): staff are never stored by name.
PersonRef = Callable[[str], str]
Fact = tuple[str, str | None, str | None]  # ref, opened at, expires at


def rows(case: Case, ref: PersonRef) -> Iterable[tuple[str, str, str | None, str | None]]:
    """The case's facts as (relation, ref, opened at, expires at) rows."""
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
    if case.withdrawn:
        yield "withdrawn", "withdrawn", None, None
    if case.coordinator is not None:
        # The current case co-ordinator only: a reallocated case is off the old one's load.
        yield "allocated_to", ref(case.coordinator), None, None


def write(cur: Cursor, cases: Sequence[Case], ref: PersonRef) -> None:
    facts = [(str(case.id), *row) for case in cases for row in rows(case, ref)]
    if facts:
        cur.executemany(
            "INSERT INTO case_access (case_id, relation, ref, opened_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s)", facts)


def access_of(case: Case, ref: PersonRef) -> CaseAccess:
    """A case's own access facts as its aggregate stands (at any version): the feeds
    decide from the case as it was when each event happened."""
    facts: dict[str, list[Fact]] = {}
    for relation, person, opened, expires in rows(case, ref):
        facts.setdefault(relation, []).append((person, opened, expires))
    return _case_access(case.id, case.area_id, case.restricted,
                        case.referral.referring_agency_id, facts)


def access(db: Database, case_ids: Sequence[UUID]) -> dict[UUID, CaseAccess]:
    """The access facts of each case, for the policy. A repeat referral merged into a
    case carries the same victim's story, so it takes that case's restriction, members
    and exclusions: restricting a case restricts its linked repeats."""
    own, index = _own_access(db, case_ids)
    parents = {r.repeat_of for r in index.values() if r.repeat_of}
    parent_access = _own_access(db, sorted(parents, key=str))[0] if parents else {}
    merged: dict[UUID, CaseAccess] = {}
    for case_id, facts in own.items():
        parent_id = index[case_id].repeat_of
        parent = parent_access.get(parent_id) if parent_id else None
        merged[case_id] = inherit(facts, parent) if parent else facts
    return merged


def _own_access(
    db: Database, case_ids: Sequence[UUID]
) -> tuple[dict[UUID, CaseAccess], dict[UUID, CaseIndexRow]]:
    """Each case's own access facts, with the index rows they were read from."""
    own: dict[UUID, CaseAccess] = {}
    index: dict[UUID, CaseIndexRow] = {}
    for chunk in chunks(case_ids):
        with db.transaction(readonly=True) as cur:
            rows_read, facts = own_access_on(cur, chunk)
        index.update(rows_read)
        own.update(facts)
    return own, index


def own_access_on(
    cur: Cursor, case_ids: Sequence[UUID]
) -> tuple[dict[UUID, CaseIndexRow], dict[UUID, CaseAccess]]:
    """Each case's index row and own access facts, read in the caller's transaction (the
    projector's sees what it has just written)."""
    if not case_ids:
        return {}, {}
    index = case_index.rows_on(cur, case_ids)
    facts: dict[UUID, dict[str, list[Fact]]] = {c: {} for c in index}
    marks = ", ".join(["%s"] * len(case_ids))
    cur.execute("SELECT case_id, relation, ref, opened_at, expires_at "  # noqa: S608
                f"FROM case_access WHERE case_id IN ({marks})", tuple(str(c) for c in case_ids))
    for case_id, relation, ref, opened, expires in cur.fetchall():
        if UUID(case_id) in facts:
            facts[UUID(case_id)].setdefault(relation, []).append((ref, opened, expires))
    return index, {c: _case_access(c, index[c].area_id, index[c].restricted,
                                   index[c].referring_agency_id, facts[c])
                   for c in index}


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _case_access(case_id: UUID, area_id: UUID, restricted: bool,
                 referring_agency_id: UUID | None, facts: dict[str, list[Fact]]) -> CaseAccess:
    def refs(relation: str) -> list[str]:
        return [ref for ref, _, _ in facts.get(relation, [])]

    return CaseAccess(
        case_id=case_id,
        area_id=area_id,
        involved_agencies=frozenset(UUID(a) for a in refs("involved_agency")),
        agency_grants=tuple((UUID(a), _when(e)) for a, _, e in facts.get("agency_grant", [])),
        person_grants=tuple((p, _when(e)) for p, _, e in facts.get("person_grant", [])),
        restricted=restricted,
        restriction_provisional="provisional" in refs("restriction"),
        members=frozenset(refs("member")),
        member_agencies=frozenset(UUID(a) for a in refs("member_agency")),
        excluded=frozenset(refs("excluded")),
        allocated_to=frozenset(refs("allocated_to")),
        referring_agency_id=referring_agency_id,
        withdrawn=bool(refs("withdrawn")),
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
