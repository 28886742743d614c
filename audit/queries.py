"""Data-protection queries over the audit trail: who accessed a case, what a person accessed,
denials, break-glass uses and their review; exports as CSV or JSON."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from audit.actions import AuditAction, stored_names
from audit.chain import FIELDS
from audit.review_notes import seal_note
from audit.trail import MENTIONS, TABLE, AuditTrail
from security.documents import DocumentSealer

REVIEW_DECISIONS = ("justified", "not_justified", "referred_for_investigation")


@dataclass(frozen=True)
class AuditFilter:
    area_id: UUID | None = None
    case_id: UUID | None = None
    actor: str | None = None
    agency_id: UUID | None = None
    action: AuditAction | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int = 500

    def source(self) -> tuple[str, str, list[object]]:
        """The rows to read and the column that orders them: by case, the case's mentions
        (its own records and those listing it among their items; audit/trail.py) in order,
        each record looked up by its key; otherwise the records themselves."""
        if self.case_id is None:
            return f"{TABLE} t", "t.seq", []
        return (f"{MENTIONS} m JOIN {TABLE} t ON t.seq = m.seq AND m.case_id = %s", "m.seq",
                [str(self.case_id)])

    def where(self, order: str) -> tuple[str, list[object]]:
        """Conditions on the records (alias t); `order` is the column source() orders by."""
        clauses: list[str] = [f"{order} > %s"]
        params: list[object] = [self.after_seq]
        for column, value in (("area_id", self.area_id),
                              ("actor", self.actor), ("agency_id", self.agency_id),
                              ("outcome", self.outcome)):
            if value is not None:
                clauses.append(f"t.{column} = %s")
                params.append(str(value))
        if self.action is not None:
            names = stored_names(self.action)
            clauses.append(f"t.action IN ({', '.join(['%s'] * len(names))})")
            params.extend(names)
        if self.since is not None:
            clauses.append("t.at >= %s")
            params.append(_as_stored(self.since))
        if self.until is not None:
            clauses.append("t.at < %s")
            params.append(_as_stored(self.until))
        return " AND ".join(clauses), params


def _as_stored(at: datetime) -> str:
    """A bound as records store their time (UTC, to the microsecond), so that comparing the
    text compares the times: a time with another offset is converted, one without is UTC."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def search_statement(flt: AuditFilter) -> tuple[str, list[object]]:
    """The query behind search(), with its parameters (also what a plan check explains)."""
    source, order, joined = flt.source()
    where, params = flt.where(order)
    columns = ", ".join(f"t.{f}" for f in ("seq", *FIELDS))
    return (f"SELECT {columns} FROM {source} WHERE {where} "  # noqa: S608
            f"ORDER BY {order} LIMIT %s", [*joined, *params, flt.limit])


@dataclass(frozen=True)
class AuditRecordRow:
    """A record as the trail stores it: its text is what the chain hashes (audit/chain.py), so
    an export shows exactly that, which anyone can check against the hashes."""

    seq: int
    at: str  # UTC, to the microsecond
    request_id: str
    actor: str
    actor_kind: str
    agency_id: str | None
    client_id: str | None
    roles: str  # sorted, comma-separated
    action: str
    purpose: str | None
    case_id: str | None
    outcome: str
    item_ids: str  # a JSON array of the ids of what was returned or touched
    area_id: str | None


def search(trail: AuditTrail, flt: AuditFilter) -> list[AuditRecordRow]:
    sql, params = search_statement(flt)
    with trail.db.transaction(readonly=True) as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    # By name: a column the row does not name, or a field no column fills, fails here.
    return [AuditRecordRow(**dict(zip(("seq", *FIELDS), row, strict=True))) for row in rows]


def to_csv(records: list[AuditRecordRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["seq", *FIELDS])
    for record in records:
        # A cell starting with =, +, -, @, tab or CR is a formula or a trick in a spreadsheet.
        writer.writerow([f"'{v}" if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v
                         for v in astuple(record)])
    return out.getvalue()


def break_glass_uses(trail: AuditTrail, area_id: UUID | None, *,
                     pending_only: bool) -> list[dict[str, Any]]:
    area = "AND t.area_id = %s" if area_id else ""
    pending = "AND r.seq IS NULL" if pending_only else ""
    with trail.db.transaction(readonly=True) as cur:
        cur.execute(
            f"SELECT t.seq, {', '.join('t.' + f for f in FIELDS)}, r.decision, r.reviewer, "  # noqa: S608
            f"r.reviewed_at, r.note_sealed FROM {TABLE} t "
            "LEFT JOIN audit_reviews r ON r.seq = t.seq "
            f"WHERE t.action = 'break_glass' AND t.outcome = 'allowed' {area} {pending} "
            "ORDER BY t.seq", (str(area_id),) if area_id else ())
        rows = cur.fetchall()
    names = ("seq", *FIELDS, "review_decision", "reviewer", "reviewed_at", "note_sealed")
    return [dict(zip(names, row, strict=True)) for row in rows]


class ReviewError(ValueError):
    code = "invalid_review"


def break_glass_use(trail: AuditTrail, seq: int,
                    area_id: UUID | None) -> dict[str, Any] | None:
    """One break-glass use of the area, with its review if any; None if there is no such use."""
    uses = {u["seq"]: u for u in break_glass_uses(trail, area_id, pending_only=False)}
    return uses.get(seq)


def review_break_glass(trail: AuditTrail, seq: int, *, decision: str, note: str,
                       sealer: DocumentSealer, reviewer: str, at: datetime,
                       area_id: UUID | None) -> None:
    """Record the DPO's decision on a break-glass use and their note, sealed under the case's
    key (audit/review_notes.py); once, as the table is append-only."""
    if decision not in REVIEW_DECISIONS:
        raise ReviewError(f"decision must be one of {REVIEW_DECISIONS}")
    if not note.strip():
        raise ReviewError("a review records a note with its decision")
    use = break_glass_use(trail, seq, area_id)
    if use is None:
        raise LookupError(seq)
    if use["review_decision"] is not None:
        raise ReviewError("this use has already been reviewed")
    case_id = use["case_id"]
    sealed = seal_note(sealer, UUID(case_id), seq, note) if case_id else None
    with trail.db.transaction() as cur:
        cur.execute("INSERT INTO audit_reviews (seq, decision, reviewer, reviewed_at, "
                    "note_sealed) VALUES (%s, %s, %s, %s, %s)",
                    (seq, decision, reviewer, at.isoformat(timespec="microseconds"), sealed))
