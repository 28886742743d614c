"""The DPO's review of break-glass uses: each use the trail records, with the reason given for
it and its times, read from the case (sealed under the case's key). That reason is the only
case content a DPO reads; the request's audit record names it (purpose `break_glass_review`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from api.bootstrap import Platform

PURPOSE = "break_glass_review"


def with_reasons(platform: Platform, uses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each use with `reason`, `opened_at` and `expires_at`, or None for each where its case
    is gone (erased) or not yet projected."""
    documents: dict[str, dict[str, Any] | None] = {}
    shown = []
    for use in uses:
        case_id = use["case_id"]
        if case_id not in documents:
            documents[case_id] = platform.cases.document(UUID(case_id)) if case_id else None
        session = _session(documents[case_id], use["actor"], use["at"])
        shown.append({**use, "reason": session.get("reason"),
                      "opened_at": session.get("opened_at"),
                      "expires_at": session.get("expires_at")})
    return shown


def _session(document: dict[str, Any] | None, actor: str, at: str) -> dict[str, Any]:
    """The actor's latest session opened by the time of the use's record: the record is
    written once the session is open in memory, just before it is saved."""
    if document is None:
        return {}
    recorded = datetime.fromisoformat(at)
    opened = [s for s in document["access"]["break_glass"]
              if s["person"] == actor and datetime.fromisoformat(s["opened_at"]) <= recorded]
    return max(opened, key=lambda s: datetime.fromisoformat(s["opened_at"]), default={})
