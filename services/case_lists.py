"""The lists of cases a caller may see: a page of them, newest referral first, and a search by
a person's identifiers through the blind index. The policy's `list_filter`, answered by the
read model, decides which cases are in them; their totals count only those."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID, uuid4

from domain.subjects import Subject
from projections.case_list import CasePage, Position, UnknownCursor
from projections.cases import CaseIndexRow
from security.identity import Principal
from security.policy import list_filter, reads_case_content
from services.actor import Actor
from services.agency_names import agency_names
from services.case_access import Stores, visible_cases
from services.errors import Invalid


@dataclass(frozen=True)
class CaseSummary:
    case_id: UUID
    area_id: UUID
    status: str
    referred_on: date
    last_referral_on: date
    referring_agency_id: UUID
    # The case this one is a repeat referral of, where the caller may see it.
    repeat_of: UUID | None
    # What coordinators call the case (domain.subjects.case_label): personal data, in a
    # summary only because the caller may see the case. None if erased meanwhile.
    label: str | None
    referring_agency_name: str | None
    referring_agency_code: str | None
    # Need-to-know only (DESIGN.md, rule 2): whoever sees a restricted case is one of the
    # few who may, and is told so (the list's filter tells it already).
    restricted: bool = False


@dataclass(frozen=True)
class CasesPage:
    items: tuple[CaseSummary, ...]
    total: int
    page: int
    page_size: int
    next_cursor: str | None


@dataclass(frozen=True)
class SearchHit:
    summary: CaseSummary
    matched_on: tuple[str, ...]


@dataclass(frozen=True)
class SearchResults:
    items: tuple[SearchHit, ...]
    total: int
    next_cursor: str | None


class Summarised(Protocol):
    """What a summary is made of: an index row (`CaseIndexRow`) or a case document
    (`CaseDocument`)."""

    @property
    def case_id(self) -> UUID: ...
    @property
    def area_id(self) -> UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def referred_on(self) -> date: ...
    @property
    def last_referral_on(self) -> date | None: ...
    @property
    def referring_agency_id(self) -> UUID: ...
    @property
    def repeat_of(self) -> UUID | None: ...
    @property
    def restricted(self) -> bool: ...


def lists_cases(principal: Principal) -> bool:
    """Whether the person has a case list (their pages offer it to those only): a DPO, an
    administrator or a strategic lead reads no case content by their role."""
    return reads_case_content(principal)


def summaries(stores: Stores, actor: Actor, rows: Sequence[Summarised]) -> list[CaseSummary]:
    """Index rows (or case documents) of cases the caller may see (the caller asked the
    policy) as summaries, with their labels. A link to a case the caller may not see would
    tell them it exists: it is dropped."""
    if not rows:
        return []
    targets = {r.repeat_of for r in rows if r.repeat_of}
    seen = set(visible_cases(stores, actor, sorted(targets, key=str))) if targets else set()
    labels = stores.cases.labels([r.case_id for r in rows])
    names = agency_names(stores, (r.referring_agency_id for r in rows))
    return [CaseSummary(
        case_id=r.case_id, area_id=r.area_id, status=r.status, referred_on=r.referred_on,
        # Every document has it; one from before it was kept, if any, was referred once.
        last_referral_on=r.last_referral_on or r.referred_on,
        referring_agency_id=r.referring_agency_id,
        repeat_of=r.repeat_of if r.repeat_of in seen else None,
        label=labels.get(r.case_id),
        referring_agency_name=names(r.referring_agency_id).name,
        referring_agency_code=names(r.referring_agency_id).code,
        restricted=r.restricted) for r in rows]


def list_cases(stores: Stores, actor: Actor, *, status: str | None, page: int, page_size: int,
               cursor: str | None = None, restricted: bool | None = None,
               mine: bool = False, oldest_first: bool = False) -> CasesPage:
    """A page of the cases the caller may see, and their exact total. `cursor` (the last
    page's `next_cursor`, in the same order) continues the list; `page` still counts pages
    from the start. `restricted`: only restricted cases, or only others; `mine`: only those
    the caller's agency is involved in; `oldest_first`: by referral date, oldest first."""
    actor.require(reads_case_content(actor.principal), "list", "This role does not read cases")
    after = _position(cursor, page)
    agency = actor.principal.agency_id
    if mine and agency is None:
        found = CasePage((), 0, None)  # no agency: none is theirs
    else:
        found = stores.cases.list.page(
            list_filter(actor.viewer, stores.now()), size=page_size, after=after,
            offset=0 if after else (page - 1) * page_size, status=status,
            restricted=restricted, involving=agency if mine else None,
            oldest_first=oldest_first)
    shown = summaries(stores, actor, _rows(stores, found.case_ids))
    actor.audit.record_before_response("list", "allowed",
                                       items=tuple(str(s.case_id) for s in shown))
    return CasesPage(items=tuple(shown), total=found.total, page=page, page_size=page_size,
                     next_cursor=found.next.token() if found.next else None)


def search(stores: Stores, actor: Actor, *, surname: str, forename: str,
           date_of_birth: date | None, reference: str, page_size: int = 100,
           cursor: str | None = None) -> SearchResults:
    """The cases the caller may see whose people match the identifiers given (for the actor's
    purpose); nothing is stored or logged in plaintext."""
    purpose = actor.purpose
    actor.require(reads_case_content(actor.principal), "search",
                  "This role does not read cases", purpose=purpose)
    after = _position(cursor, 1)
    probe = Subject(uuid4(), "victim", forename, surname, date_of_birth=date_of_birth,
                    references=(reference,) if reference else ())
    case_filter = list_filter(actor.viewer, stores.now())
    matches: dict[UUID, set[str]] = {}
    if surname or forename or reference:
        # Every area (the blind index is keyed per area): a member of a restricted case
        # elsewhere finds it as the list shows it; the filter decides what is shown.
        for area in sorted(stores.cases.list.areas(), key=str):
            for case_id, kinds in stores.blind_index.matches(area, probe, None).items():
                matches.setdefault(case_id, set()).update(kinds)
    found = stores.cases.list.page(case_filter, size=page_size, after=after,
                                   within=sorted(matches, key=str))
    hits = summaries(stores, actor, _rows(stores, found.case_ids))
    actor.audit.record_before_response("search", "allowed", purpose=purpose,
                                       items=tuple(str(h.case_id) for h in hits))
    return SearchResults(
        items=tuple(SearchHit(h, tuple(sorted(matches[h.case_id]))) for h in hits),
        total=found.total, next_cursor=found.next.token() if found.next else None)


def _position(cursor: str | None, page: int) -> Position | None:
    if cursor is None:
        return None
    if page != 1:
        raise Invalid("Give a cursor or a page number, not both", code="invalid_cursor")
    try:
        return Position.of(cursor)
    except UnknownCursor:
        raise Invalid("Not a cursor this service gave out", code="invalid_cursor") from None


def _rows(stores: Stores, case_ids: Sequence[UUID]) -> list[CaseIndexRow]:
    """Index rows in the order given; one erased meanwhile is left out."""
    rows = stores.cases.index_rows(case_ids)
    return [rows[c] for c in case_ids if c in rows]
