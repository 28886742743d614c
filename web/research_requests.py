"""Research requests across agencies, for the area's coordinators and chairs: every agency's
research for the hearings that stand, with its status (requested, answered, overdue), filtered
by agency and status (and by meeting, from a meeting's page). Through the API's own use case
(services/research.py `area_research`, behind `GET /api/v1/research-requests/outstanding`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from domain.case import ResearchStatus
from services.agenda_builder import research_overview
from web.session import CurrentPerson, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)

STATUSES: dict[ResearchStatus, str] = {"requested": "Requested", "overdue": "Overdue",
                                       "answered": "Answered"}
STATUS_COLOURS: dict[ResearchStatus, str] = {"requested": "blue", "overdue": "red",
                                             "answered": "green"}
# As the API: by default what is outstanding.
OUTSTANDING: tuple[ResearchStatus, ...] = ("requested", "overdue")


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value or "")
    except ValueError:
        return None


@dataclass(frozen=True)
class ResearchFilters:
    """The list's filters as the query gives them; anything that is not one is ignored (a
    filter is a link: a stale or mistyped one shows the default list, never an error)."""

    statuses: tuple[ResearchStatus, ...] = OUTSTANDING
    agency: UUID | None = None
    meeting: UUID | None = None

    @classmethod
    def of(cls, query: QueryParams) -> ResearchFilters:
        given = set(query.getlist("status"))
        statuses = tuple(s for s in STATUSES if s in given) or OUTSTANDING
        return cls(statuses, _uuid(query.get("agency")), _uuid(query.get("meeting")))

    def query(self, **without: object) -> list[tuple[str, str]]:
        """The filters as query pairs, less those named (status=one to drop one status)."""
        pairs: list[tuple[str, str]] = [("status", s) for s in self.statuses
                                        if s != without.get("status")]
        if self.agency and not without.get("agency"):
            pairs.append(("agency", str(self.agency)))
        if self.meeting and not without.get("meeting"):
            pairs.append(("meeting", str(self.meeting)))
        return pairs


@router.get("/research-requests")
def research_requests(request: Request, person: CurrentPerson) -> Response:
    filters = ResearchFilters.of(request.query_params)
    overview = research_overview(platform_of(request), actor_of(request, person),
                                 statuses=filters.statuses, agency_id=filters.agency,
                                 meeting_id=filters.meeting)
    return render("research_requests/list.html", {
        **layout(person, "meetings"), "overview": overview, "filters": filters,
        "statuses": STATUSES, "colours": STATUS_COLOURS,
        "agency_names": {a.id: a.name for a in overview.agencies}})
