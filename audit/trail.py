"""The audit trail: one record for every request that touches case data, allowed or denied.

Written before the response goes out; a failed write fails the request (fail closed). Records
hold ids, roles, purposes and outcomes: never names or free text of case content. (The hash
chain, signed checkpoints and DPO queries build on this table.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from storage.database import Database

COLUMNS = ("at", "request_id", "actor", "actor_kind", "agency_id", "client_id", "roles",
           "action", "purpose", "case_id", "outcome", "item_ids")


class AuditUnavailable(Exception):
    code = "audit_unavailable"


@dataclass(frozen=True)
class AuditRecord:
    request_id: str
    actor: str
    actor_kind: str
    agency_id: UUID | None
    client_id: str | None
    roles: tuple[str, ...]
    action: str
    purpose: str | None
    case_id: UUID | None
    outcome: str
    item_ids: tuple[str, ...] = ()
    at: datetime | None = None


class AuditTrail:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_tables(self) -> None:
        seq = ("seq INTEGER PRIMARY KEY AUTOINCREMENT" if self.db.dialect == "sqlite"
               else "seq BIGSERIAL PRIMARY KEY")
        self.db.execute_script([
            f"""CREATE TABLE IF NOT EXISTS audit_log (
                {seq},
                at TEXT NOT NULL,
                request_id TEXT NOT NULL,
                actor TEXT NOT NULL,
                actor_kind TEXT NOT NULL,
                agency_id TEXT,
                client_id TEXT,
                roles TEXT NOT NULL,
                action TEXT NOT NULL,
                purpose TEXT,
                case_id TEXT,
                outcome TEXT NOT NULL,
                item_ids TEXT NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS audit_log_case ON audit_log (case_id, seq)",
            "CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor, seq)",
        ])

    def record(self, rec: AuditRecord) -> None:
        at = (rec.at or datetime.now(UTC)).isoformat(timespec="microseconds")
        try:
            with self.db.transaction() as cur:
                cur.execute(
                    f"INSERT INTO audit_log ({', '.join(COLUMNS)}) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                    (at, rec.request_id, rec.actor, rec.actor_kind,
                     str(rec.agency_id) if rec.agency_id else None, rec.client_id,
                     ",".join(sorted(rec.roles)), rec.action, rec.purpose,
                     str(rec.case_id) if rec.case_id else None, rec.outcome,
                     json.dumps(list(rec.item_ids))),
                )
        except Exception as exc:
            raise AuditUnavailable("the audit trail could not be written") from exc

    def records(self, case_id: UUID | None = None) -> list[dict[str, object]]:
        where, params = ("WHERE case_id = %s", (str(case_id),)) if case_id else ("", ())
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT seq, {', '.join(COLUMNS)} FROM audit_log {where} "  # noqa: S608
                        "ORDER BY seq", params)
            rows = cur.fetchall()
        return [dict(zip(("seq", *COLUMNS), row, strict=True)) for row in rows]

    def count(self) -> int:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT COUNT(*) FROM audit_log")
            row = cur.fetchone()
        return int(row[0]) if row else 0
