"""For every history: a subscriber receives exactly the integration events about cases its
agency could see at that moment, against an independent model of agency visibility, on
SQLite and PostgreSQL. Restricted cases reach member agencies only; after a revocation
nothing more of the case reaches the agency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import count
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Platform
from domain.access import Audience
from feeds.events import EVENT_TYPES
from feeds.webhooks import new_secret
from tests.factories import referral

AGENCIES = ("police", "idva", "health", "housing")
AREAS = count()


@dataclass
class Model:
    """Which agencies may see a case: involved or granted, unless restricted to members."""

    involved: set[str]
    grants: dict[UUID, str] = field(default_factory=dict)
    restricted: bool = False
    members: set[str] = field(default_factory=set)
    status: str = "referred"

    def sees(self, agency: str) -> bool:
        if self.restricted:
            return agency in self.members
        return agency in self.involved or agency in self.grants.values()


OPS = st.tuples(st.sampled_from(["refer", "accept", "grant", "revoke", "restrict", "action",
                                 "share", "close"]),
                st.integers(0, 2), st.sampled_from(AGENCIES),
                st.sets(st.sampled_from(AGENCIES), max_size=2))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=25))
def test_no_subscriber_hears_of_a_case_its_agency_could_not_see(
    platform: Platform, ops: list[tuple[str, int, str, set[str]]]
) -> None:
    app = platform.marac
    area = app.create_area(f"area-{next(AREAS)}", "Feeds")
    agencies = {a: app.register_agency(area, a, a, a, core=True) for a in AGENCIES}
    subscriptions = {a: platform.feeds.subscribe(
        client_id=f"{a}-cms", agency_id=agencies[a], area_id=area,
        event_types=frozenset(EVENT_TYPES), endpoint=None, secret=new_secret(),
        now=platform.now()) for a in AGENCIES}
    for subscription in subscriptions.values():
        platform.feeds.activate(subscription, new_secret(),
                                platform.marac.recorder.max_notification_id() or 0)
    cases: list[tuple[UUID, Model]] = []
    expected: dict[str, list[tuple[str, UUID]]] = {a: [] for a in AGENCIES}

    def happened(kind: str, case_id: UUID, model: Model, only: str | None = None) -> None:
        for agency in AGENCIES:
            # As the event left the case; an access event only to the agency it concerns.
            if model.sees(agency) and only in (None, agency):
                expected[agency].append((kind, case_id))

    for op, n, agency, some in ops:
        if op == "refer" or not cases:
            case_id = app.refer(referral(area, agencies[agency], referred_on=date(2026, 1, 10)))
            cases.append((case_id, Model({agency})))
            happened("case.referred.v1", *cases[-1])
            continue
        case_id, model = cases[n % len(cases)]
        if model.status == "closed":
            continue
        if op == "accept" and model.status == "referred":
            app.accept(case_id, "coordinator-1")
            model.status = "accepted"
            happened("case.accepted.v1", case_id, model)
        elif op == "grant":
            grant = app.grant_access(case_id, by="coordinator-1", reason="Need",
                                     agency_id=agencies[agency])
            model.grants[grant] = agency
            happened("access.granted.v1", case_id, model, only=agency)
        elif op == "revoke" and model.grants:
            grant = sorted(model.grants, key=str)[0]
            app.revoke_access(case_id, grant, by="coordinator-1", reason="Done")
            grantee = model.grants.pop(grant)
            happened("access.revoked.v1", case_id, model, only=grantee)
        elif op == "restrict":
            app.restrict(case_id, by="coordinator-1", reason="Need to know", members=set(),
                         member_agencies={agencies[a] for a in some})
            model.restricted, model.members = True, set(some)
            happened("case.restricted.v1", case_id, model)
        elif op == "action" and model.status == "accepted":
            app.agree_action(case_id, owner_agency=agencies[agency], description="Act",
                             for_whom="victim", due_on=date(2026, 3, 1), by="coordinator-1")
            model.involved.add(agency)
            happened("action.assigned.v1", case_id, model)
        elif op == "share":  # content is fetched from the API: no integration event
            app.share(case_id, kind="note", text="Noted", audience=Audience("whole_case"),
                      author="police-rep", author_agency=agencies["police"], for_agency=True)
        elif op == "close":
            app.close_case(case_id, by="coordinator-1", reason="Done",
                           inform={agencies[a] for a in AGENCIES if model.sees(a)})
            model.status = "closed"
            happened("case.closed.v1", case_id, model)
    platform.feed_runner.catch_up()
    for agency in AGENCIES:
        got = platform.feeds.events(subscriptions[agency], 0, 1000)
        assert [(e.event.type, e.event.case_id) for e in got] == expected[agency], agency
        assert [e.cursor for e in got] == list(range(1, len(got) + 1))
