"""The data protection officer's search of the audit trail (by case, person, agency, action,
outcome and time, a page at a time) and its export as CSV or JSON, through the API's own use
case (services/audit_search.py): the same policy, and each search and export recorded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import get_args
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import QueryParams

from audit.actions import AuditAction
from audit.queries import AuditFilter, AuditRecordRow, to_csv
from services import audit_search
from services.purposes import LABELS
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import PAGE_HEADERS, UK, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# As many as the API answers in one export (api/routes/dpo.py `limit`): more, and the
# DPO narrows the time range.
EXPORT_LIMIT = 10_000
# Rows written to the download at a time.
CHUNK = 500
ACTIONS: tuple[str, ...] = get_args(AuditAction)
MAX_PERSON = 200
MAX_OUTCOME = 40
DATE_PARTS = ("day", "month", "year")


def _day(parts: tuple[str, str, str]) -> date | None:
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day) if year >= 2000 else None
    except ValueError:
        return None


def _uk_midnight(day: date) -> datetime:
    """The start of `day` on UK clocks (summer time included), as the trail's bound."""
    return datetime.combine(day, time(), tzinfo=UK)


@dataclass(frozen=True)
class AuditSearch:
    """The search form, as given, and what is wrong with it (field id -> message)."""

    case: str = ""
    person: str = ""
    agency: str = ""
    action: str = ""
    outcome: str = ""
    since: tuple[str, str, str] = ("", "", "")
    until: tuple[str, str, str] = ("", "", "")
    after: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, q: QueryParams) -> AuditSearch:
        def text(name: str) -> str:
            return q.get(name, "").strip()

        def day(prefix: str) -> tuple[str, str, str]:
            return (text(f"{prefix}-day"), text(f"{prefix}-month"), text(f"{prefix}-year"))

        after = text("after")
        given = cls(text("case"), text("person"), text("agency"), text("action"),
                    text("outcome"), day("since"), day("until"),
                    int(after) if after.isdigit() and len(after) < 19 else 0)
        errors: dict[str, str] = {}
        if given.case and _uuid(given.case) is None:
            errors["case"] = "Enter the case id in full, like 7c1f3b52-0d5e-4a8b-9f0e-2b1c6d9e8a47"
        if len(given.person) > MAX_PERSON:
            errors["person"] = f"The person's id must be {MAX_PERSON} characters or fewer"
        if given.agency and _uuid(given.agency) is None:
            errors["agency"] = "Select an agency from the list"
        if given.action and given.action not in ACTIONS:
            errors["action"] = "Select an action from the list"
        if len(given.outcome) > MAX_OUTCOME:
            errors["outcome"] = f"The outcome must be {MAX_OUTCOME} characters or fewer"
        for prefix, name in (("since", "From"), ("until", "To")):
            parts = getattr(given, prefix)
            if any(parts) and _day(parts) is None:
                errors[f"{prefix}-day"] = f"{name} must be a real date, like 27 3 2026"
        if (given.since_day and given.until_day and not errors
                and given.until_day < given.since_day):
            errors["until-day"] = "To must be the same as or after From"
        return dataclasses.replace(given, errors=errors)

    @property
    def since_day(self) -> date | None:
        return _day(self.since)

    @property
    def until_day(self) -> date | None:
        return _day(self.until)

    def wanted(self, *, after_seq: int, limit: int) -> AuditFilter:
        """The search as the use case takes it; the days are whole days on UK clocks."""
        since, until = self.since_day, self.until_day
        return AuditFilter(
            case_id=_uuid(self.case), actor=self.person or None, agency_id=_uuid(self.agency),
            action=self.action if self.action in ACTIONS else None,  # type: ignore[arg-type]
            outcome=self.outcome or None,
            since=_uk_midnight(since) if since else None,
            until=_uk_midnight(until + timedelta(days=1)) if until else None,
            after_seq=after_seq, limit=limit)

    def query(self, **changes: str) -> str:
        """This search's parameters (without its page), with `changes`."""
        params = {"case": self.case, "person": self.person, "agency": self.agency,
                  "action": self.action, "outcome": self.outcome,
                  **{f"since-{n}": v for n, v in zip(DATE_PARTS, self.since, strict=True)},
                  **{f"until-{n}": v for n, v in zip(DATE_PARTS, self.until, strict=True)},
                  **changes}
        return urlencode({k: v for k, v in params.items() if v})


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ShownRecord:
    """A record as the page shows it: its time on UK clocks, its agency by name."""

    row: AuditRecordRow
    at: datetime
    agency: str | None
    purpose: str | None
    items: int


def _shown(page: audit_search.AuditSearchPage) -> list[ShownRecord]:
    names = {str(a.agency_id): a.name for a in page.agencies}
    purposes = {str(k): v for k, v in LABELS.items()}
    return [ShownRecord(r, datetime.fromisoformat(r.at).astimezone(UK),
                        names.get(r.agency_id or "", r.agency_id),
                        purposes.get(r.purpose or "", r.purpose), len(json.loads(r.item_ids)))
            for r in page.records]


@router.get("/audit")
def audit_trail(request: Request, person: CurrentPerson) -> Response:
    """The search form and a page of the records it finds, oldest first."""
    given = AuditSearch.of(request.query_params)
    context: dict[str, object] = {**layout(person, "audit"), "search": given,
                                  "actions": ACTIONS, "page": None, "shown": []}
    if given.errors:
        agencies = audit_search.area_agencies(platform_of(request), actor_of(request, person))
        return render("audit/search.html", {**context, "agencies": agencies},
                      status_code=400)
    page = audit_search.search_page(platform_of(request), actor_of(request, person),
                                    given.wanted(after_seq=given.after, limit=PAGE_SIZE))
    return render("audit/search.html", {**context, "page": page, "agencies": page.agencies,
                                        "shown": _shown(page)})


def _export(request: Request, person: CurrentPerson) -> list[AuditRecordRow]:
    """The whole search from its first record (not the page shown), as far as EXPORT_LIMIT;
    the use case records the export, naming every record it holds, before any is sent."""
    given = AuditSearch.of(request.query_params)
    if given.errors:
        raise _BadSearch
    return audit_search.search_records(platform_of(request), actor_of(request, person),
                                       given.wanted(after_seq=0, limit=EXPORT_LIMIT),
                                       export=True)


class _BadSearch(Exception):
    pass


def _download(body: Iterator[str], media_type: str, filename: str) -> Response:
    return StreamingResponse(body, media_type=media_type, headers={
        **PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})


def _bad_search(request: Request, person: CurrentPerson) -> Response:
    return render("errors/400.html", {**layout(person, "audit"), "status": 400},
                  status_code=400)


@router.get("/audit/export.csv")
def export_csv(request: Request, person: CurrentPerson) -> Response:
    try:
        found = _export(request, person)
    except _BadSearch:
        return _bad_search(request, person)

    def rows() -> Iterator[str]:
        yield to_csv(found[:CHUNK])
        for start in range(CHUNK, len(found), CHUNK):
            yield to_csv(found[start:start + CHUNK]).split("\n", 1)[1]  # no second header

    return _download(rows(), "text/csv; charset=utf-8", "audit-export.csv")


@router.get("/audit/export.json")
def export_json(request: Request, person: CurrentPerson) -> Response:
    """The API's export (`GET /api/v1/audit/records?format=json`): the records as stored."""
    try:
        found = _export(request, person)
    except _BadSearch:
        return _bad_search(request, person)
    more = found[-1].seq if len(found) == EXPORT_LIMIT else None

    def body() -> Iterator[str]:
        yield '{"items": ['
        for start in range(0, len(found), CHUNK):
            yield ("," if start else "") + ",".join(
                json.dumps(dataclasses.asdict(r)) for r in found[start:start + CHUNK])
        yield f'], "next_after_seq": {json.dumps(more)}}}'

    return _download(body(), "application/json", "audit-export.json")
