"""The cases page: the signed-in person's case list (filters, order, pages) and the search by a
person's identifiers, through the API's own use cases (services/case_lists.py), so the same
policy decides what is listed and the same audit records it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams

from services import case_lists
from services.break_glass import asks_emergency_access
from services.purposes import LABELS, Purpose
from web.session import (
    CurrentPerson,
    SignInRequired,
    actor_of,
    home_of,
    layout,
    platform_of,
    remember_purpose,
    signed_in,
)
from web.templates import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
STATUS_LABELS = {"referred": "Referred", "accepted": "Accepted", "declined": "Declined",
                 "linked_as_repeat": "Linked as a repeat", "withdrawn": "Withdrawn",
                 "closed": "Closed"}
Restricted = Literal["", "yes", "no"]


@dataclass(frozen=True)
class Filters:
    """The list's GET form, as given (unknown values fall back to "any")."""

    status: str = ""
    mine: bool = False
    restricted: Restricted = ""
    order: Literal["newest", "oldest"] = "newest"
    cursor: str | None = None

    @classmethod
    def of(cls, q: QueryParams) -> Filters:
        given = q.get("restricted")
        restricted: Restricted = "yes" if given == "yes" else "no" if given == "no" else ""
        return cls(status=q.get("status", "") if q.get("status") in STATUS_LABELS else "",
                   mine=q.get("mine") == "yes", restricted=restricted,
                   order="oldest" if q.get("order") == "oldest" else "newest",
                   cursor=q.get("cursor") or None)

    def query(self, **changes: str | None) -> str:
        """This list's address with `changes` (None drops a parameter)."""
        params: dict[str, str | None] = {
            "status": self.status or None, "mine": "yes" if self.mine else None,
            "restricted": self.restricted or None, "order": self.order, "cursor": None,
            **changes}
        return "/cases?" + urlencode({k: v for k, v in params.items() if v})


@dataclass(frozen=True)
class Search:
    """The search form, as given, and what is wrong with it (field id -> message)."""

    surname: str = ""
    forename: str = ""
    dob: tuple[str, str, str] = ("", "", "")
    reference: str = ""
    purpose: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> bool:
        return any((self.surname, self.forename, self.reference, *self.dob))

    @classmethod
    def of(cls, q: QueryParams, remembered: str | None) -> Search:
        def text(name: str) -> str:
            return q.get(name, "").strip()[:200]

        found = cls(text("surname"), text("forename"),
                    (text("dob-day"), text("dob-month"), text("dob-year")), text("reference"),
                    text("purpose") or (remembered or ""))
        errors: dict[str, str] = {}
        if found.asked:
            if not (found.surname or found.forename or found.reference):
                errors["surname"] = "Enter a surname, a forename or an agency reference"
            if any(found.dob) and found.date_of_birth is None:
                errors["dob-day"] = "Date of birth must be a real date, like 14 3 1987"
            if found.purpose not in Purpose.__members__:
                errors["purpose"] = "Select why you are searching"
        return cls(found.surname, found.forename, found.dob, found.reference, found.purpose,
                   errors)

    def query(self, cursor: str) -> str:
        """The next page of this search."""
        day, month, year = self.dob
        params = {"surname": self.surname, "forename": self.forename, "dob-day": day,
                  "dob-month": month, "dob-year": year, "reference": self.reference,
                  "purpose": self.purpose, "cursor": cursor}
        return "/cases?" + urlencode({k: v for k, v in params.items() if v})

    @property
    def date_of_birth(self) -> date | None:
        try:
            day, month, year = (int(part) for part in self.dob)
            return date(year, month, day) if year >= 1900 else None
        except ValueError:
            return None


@router.get("/")
async def home(request: Request) -> Response:
    """Signed in: the cases; otherwise, sign in."""
    try:
        person = await signed_in(request)
    except SignInRequired:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse(home_of(person.principal), status_code=303)


@router.get("/cases")
def cases(request: Request, person: CurrentPerson) -> Response:
    platform = platform_of(request)
    filters = Filters.of(request.query_params)
    search = Search.of(request.query_params, person.session.data.purpose)
    context = {**layout(person, "cases"), "filters": filters, "search": search,
               "status_labels": STATUS_LABELS, "purposes": LABELS,
               "page": None, "hits": None,
               "asks_emergency_access": asks_emergency_access(person.principal)}
    if search.errors:
        return render("cases/list.html", context, status_code=400)
    if search.asked:
        actor = actor_of(request, person, search.purpose)
        found = case_lists.search(platform, actor, surname=search.surname,
                                  forename=search.forename,
                                  date_of_birth=search.date_of_birth,
                                  reference=search.reference, page_size=PAGE_SIZE,
                                  cursor=filters.cursor)
        remember_purpose(request, person, search.purpose)
        return render("cases/list.html", {**context, "hits": found})
    page = case_lists.list_cases(
        platform, actor_of(request, person), status=filters.status or None, page=1,
        page_size=PAGE_SIZE, cursor=filters.cursor,
        restricted={"yes": True, "no": False}.get(filters.restricted), mine=filters.mine,
        oldest_first=filters.order == "oldest")
    return render("cases/list.html", {**context, "page": page})
