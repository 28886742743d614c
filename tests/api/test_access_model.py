"""A stateful property test: random histories of referrals ('honour'-based abuse among them,
restricted at referral), grants, revocations, expiries, restrictions and their reviews,
exclusions, break-glass and items shared by representatives and coordinators for every
audience, with reads by random principals through the HTTP API, compared at every check with an
independent reference model of DESIGN.md's rules.

The model below is written from the design's rules, not from security/policy.py, so that a
slip in either shows up as a disagreement.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from api.bootstrap import build_platform
from api.settings import Settings
from domain.identifiers import soundex
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.url import MEMORY_URL
from tests.api.conftest import AGENCIES, AGENCY_TYPES, Clock, referral_body
from tests.apps import app_for

SURNAMES = ("Quennevillexq", "Okaforbb", "Lindqvistzz")
assert len({soundex(s) for s in SURNAMES}) == len(SURNAMES)


@dataclass(frozen=True)
class Who:
    sub: str
    roles: tuple[str, ...]
    agency: str | None
    area: str = "main"
    client: bool = False
    scope: str = ""


PEOPLE = (
    Who("police-rep", ("representative",), "police"),
    Who("police-rep-2", ("representative",), "police"),
    Who("health-rep", ("representative",), "health"),
    Who("housing-rep", ("representative",), "housing"),
    Who("hpx-rep", ("representative",), "hpx"),
    Who("idva-rep", ("representative",), "idva"),
    Who("coordinator-1", ("coordinator",), "police"),
    Who("chair-1", ("chair",), "idva"),
    Who("coordinator-x", ("coordinator",), None, area="other"),
    Who("dpo-1", ("dpo",), None),
    Who("police-system", (), "police", client=True, scope="cases:read"),
)
ACTOR = PEOPLE[6]  # coordinator-1 manages access
REPS = [p for p in PEOPLE if p.roles == ("representative",)]
STAFF = [p.sub for p in PEOPLE if not p.client and p is not ACTOR]
# Who shares items: representatives for their agency, and a coordinator and a chair (each
# employed by an agency) in that role.
SHARERS = [p for p in PEOPLE if not p.client and p.agency and p.area == "main"]
AUDIENCES = ("whole_case", "agencies", "coordinators", "authoring_agency")
REVIEW_EVERY = timedelta(days=90)
# A rule's refusal (422) or a conflict with what is recorded (409, already decided, already
# acknowledged): the model checks who may ask, not which rule answers.
REFUSED = (409, 422)
INFORM_WITHIN = timedelta(hours=24)  # Lancashire: every agency told of a closure in 24 hours


@dataclass(frozen=True)
class ModelItem:
    author: str
    author_agency: str
    for_agency: bool  # shared by a representative for their agency, not in a coordinator's role
    audience: str
    agencies: frozenset[str] = frozenset()


@dataclass
class ModelCase:
    agency: str
    surname: str
    status: str = "referred"
    # Agencies involved: the referrer, and every agency that owns an action on the case.
    involved: set[str] = field(default_factory=set)
    parent: UUID | None = None  # the case a repeat referral was merged into
    restricted: bool = False
    # Restricted at referral ('honour'-based abuse) with no members named yet.
    provisional: bool = False
    # When the restriction was set or last reviewed: it is due 90 days later.
    reviewed_at: datetime | None = None
    members: set[str] = field(default_factory=set)
    member_agencies: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    items: dict[str, ModelItem] = field(default_factory=dict)
    closed_at: datetime | None = None
    # Closure: the agencies told (those that may see the case then), and when each said so.
    told: dict[str, datetime | None] = field(default_factory=dict)
    agency_grants: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    person_grants: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    break_glass: list[tuple[str, datetime, datetime]] = field(default_factory=list)


def effective(case: ModelCase, cases: dict[UUID, ModelCase]) -> ModelCase:
    """A repeat merged into a case carries the same victim's story: it takes that case's
    restriction, members and exclusions."""
    parent = cases.get(case.parent) if case.parent else None
    if parent is None:
        return case
    merged = ModelCase(case.agency, case.surname, case.status, set(case.involved),
                       case.parent, case.restricted or parent.restricted,
                       parent.provisional if parent.restricted else case.provisional,
                       case.reviewed_at,
                       set(parent.members if parent.restricted else case.members),
                       set(parent.member_agencies if parent.restricted
                           else case.member_agencies),
                       case.excluded | parent.excluded)
    merged.agency_grants, merged.person_grants = case.agency_grants, case.person_grants
    merged.break_glass, merged.items = case.break_glass, case.items
    merged.closed_at, merged.told = case.closed_at, case.told
    return merged


def sees(who: Who, case: ModelCase, now: datetime) -> bool:  # noqa: PLR0911 - rule list
    """DESIGN.md, 'Need-to-know access', rules 1-8, for cases of the main area."""
    if not (who.client and "cases:read" in who.scope) and not set(who.roles) & {
            "representative", "coordinator", "chair"}:
        return False  # DPOs, administrators, unscoped clients: no content
    if not who.client and who.sub in case.excluded:
        return False
    coordinator = bool(set(who.roles) & {"coordinator", "chair"}) and who.area == "main"
    if case.restricted:
        if not who.client and who.sub in case.members:
            return True
        if case.provisional and coordinator:
            return True  # until members are named
        acting = who.client or "representative" in who.roles or coordinator
        return who.agency in case.member_agencies and acting
    if coordinator:
        return True
    if not (who.client or "representative" in who.roles) or who.agency is None:
        return False
    live = [a for a, exp in case.agency_grants.values() if exp is None or now < exp]
    if who.agency == case.agency or who.agency in case.involved or who.agency in live:
        return True
    if who.client:
        return False
    if any(p == who.sub and (exp is None or now < exp) for p, exp in case.person_grants.values()):
        return True
    return any(p == who.sub and start <= now < end for p, start, end in case.break_glass)


def sees_every_item(who: Who, case: ModelCase) -> bool:
    """The area's coordinators and chairs on a case they see as such: any unrestricted case, a
    restricted one they are named on, or one restricted at referral."""
    coordinator = bool(set(who.roles) & {"coordinator", "chair"}) and who.area == "main"
    return coordinator and (not case.restricted or case.provisional or who.sub in case.members)


def sees_item(who: Who, case: ModelCase, item: ModelItem) -> bool:
    """Rule 4, for someone who sees the case: the item's audience, its author, and the
    agency it was shared for; never the agency that employs a coordinator who wrote it."""
    if sees_every_item(who, case) or (not who.client and who.sub == item.author):
        return True
    if item.for_agency and who.agency == item.author_agency:
        return True
    return {"whole_case": True, "agencies": who.agency in item.agencies,
            "authoring_agency": who.agency == item.author_agency,
            "coordinators": False}[item.audience]


def agencies_told(case: ModelCase, now: datetime) -> set[str]:
    """Who is told of a closure: the agencies that may see the case as agencies (rules 2, 4)."""
    if case.restricted:
        return set(case.member_agencies)
    live = {a for a, exp in case.agency_grants.values() if exp is None or now < exp}
    return {case.agency} | case.involved | live


class AccessMachine(RuleBasedStateMachine):
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="marac-model-"))
        self.clock = Clock(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
        self.issuer = ISSUER
        self.platform = build_platform(
            self.settings(), material=KeyMaterial.generate(demo=True),
            issuer=self.issuer, now=self.clock)
        app = self.platform.marac
        self.area = app.create_area("main", "Main MARAC")
        self.other_area = app.create_area("other", "Other MARAC")
        self.agencies = {c: app.register_agency(self.area, c, c, AGENCY_TYPES[c], core=True)
                         for c in AGENCIES}
        self.client = TestClient(app_for(self.platform))
        self.model: dict[UUID, ModelCase] = {}
        self.tokens: dict[str, str] = {}

    def settings(self) -> Settings:
        """The in-memory platform: the rules are the question here, through the real HTTP
        surface, policy, encryption and audit; the list query's machine
        (tests/integration/test_case_list_query.py) runs these histories on a SQLite file and
        PostgreSQL."""
        return Settings(data_dir=self.tmp, demo=True, database_url=MEMORY_URL)

    def teardown(self) -> None:
        self.client.close()
        self.platform.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def headers(self, who: Who) -> dict[str, str]:
        if who.sub not in self.tokens:
            claims: dict[str, Any] = {
                "sub": who.sub, "roles": list(who.roles),
                "area": str(self.area if who.area == "main" else self.other_area)}
            if who.agency:
                claims["agency"] = str(self.agencies[who.agency])
            if who.client:
                claims |= {"client_id": who.sub, "scope": who.scope}
            self.tokens[who.sub] = self.issuer.issue(claims)
        return {"Authorization": f"Bearer {self.tokens[who.sub]}", "X-Purpose": "research"}

    def sees(self, who: Who, case_id: UUID) -> bool:
        return sees(who, effective(self.model[case_id], self.model), self.clock.at)

    def may_manage(self, case: ModelCase) -> bool:
        case_id = next(c for c, m in self.model.items() if m is case)
        return self.sees(ACTOR, case_id)

    def manage(self, case_id: UUID, path: str, body: dict[str, Any]) -> int:
        response = self.client.post(f"/api/v1/cases/{case_id}/{path}", json=body,
                                    headers=self.headers(ACTOR))
        expected = (201, 204) if self.may_manage(self.model[case_id]) else (404,)
        assert response.status_code in expected, (path, response.text)
        return response.status_code

    # Histories -----------------------------------------------------------------------------

    @initialize(target=cases)
    def a_repeat_linked_into_an_accepted_case(self) -> Any:
        """Every history starts with a linked pair, so that what is done to the case later
        (restriction, exclusion) is checked against its repeat too."""
        first = self.refer(PEOPLE[0], SURNAMES[0])
        self.accept(first)
        repeat = self.refer(PEOPLE[5], SURNAMES[0])  # the IDVA refers the same victim
        self.link_repeat(repeat, first)
        return multiple(first, repeat)

    @rule(target=cases, rep=st.sampled_from(REPS), surname=st.sampled_from(SURNAMES),
          hba=st.booleans())
    def refer(self, rep: Who, surname: str, hba: bool = False) -> UUID:
        criteria = {"visible_high_risk": True, "honour_based_abuse": hba}
        response = self.client.post("/api/v1/cases", headers=self.headers(rep),
                                    json=referral_body(surname=surname, criteria=criteria))
        assert response.status_code == 201, response.text
        case_id = UUID(response.json()["id"])
        assert rep.agency is not None
        self.model[case_id] = ModelCase(rep.agency, surname)
        if hba:  # restricted at referral, to the referrer (and the coordinators)
            self.model[case_id] = ModelCase(rep.agency, surname, restricted=True,
                                            provisional=True, reviewed_at=self.clock.at,
                                            members={rep.sub})
        return case_id

    @rule(case_id=cases, agency=st.sampled_from(AGENCIES),
          minutes=st.sampled_from([None, 30, 120]))
    def grant_agency(self, case_id: UUID, agency: str, minutes: int | None) -> None:
        expires = self.clock.at + timedelta(minutes=minutes) if minutes else None
        body = {"agency_id": str(self.agencies[agency]), "reason": "Invited",
                "expires_at": expires.isoformat() if expires else None}
        response = self.client.post(f"/api/v1/cases/{case_id}/grants", json=body,
                                    headers=self.headers(ACTOR))
        if self.may_manage(self.model[case_id]):
            assert response.status_code == 201, response.text
            self.model[case_id].agency_grants[response.json()["id"]] = (agency, expires)
        else:
            assert response.status_code == 404

    @rule(case_id=cases, person=st.sampled_from(STAFF), minutes=st.sampled_from([None, 30]))
    def grant_person(self, case_id: UUID, person: str, minutes: int | None) -> None:
        expires = self.clock.at + timedelta(minutes=minutes) if minutes else None
        body = {"person": person, "reason": "Named worker",
                "expires_at": expires.isoformat() if expires else None}
        response = self.client.post(f"/api/v1/cases/{case_id}/grants", json=body,
                                    headers=self.headers(ACTOR))
        if self.may_manage(self.model[case_id]):
            assert response.status_code == 201, response.text
            self.model[case_id].person_grants[response.json()["id"]] = (person, expires)
        else:
            assert response.status_code == 404

    @rule(case_id=cases, data=st.data())
    def revoke(self, case_id: UUID, data: st.DataObject) -> None:
        case = self.model[case_id]
        grants = sorted([*case.agency_grants, *case.person_grants])
        if not grants:
            return
        grant_id = data.draw(st.sampled_from(grants))
        if self.manage(case_id, f"grants/{grant_id}/revoke", {"reason": "Done"}) == 204:
            case.agency_grants.pop(grant_id, None)
            case.person_grants.pop(grant_id, None)

    @rule(case_id=cases, members=st.sets(st.sampled_from(STAFF), max_size=3),
          agencies=st.sets(st.sampled_from(AGENCIES), max_size=2))
    def restrict(self, case_id: UUID, members: set[str], agencies: set[str]) -> None:
        body = {"members": sorted(members), "reason": "Need to know",
                "member_agencies": [str(self.agencies[a]) for a in sorted(agencies)]}
        if self.manage(case_id, "restriction", body) == 204:
            case = self.model[case_id]
            case.restricted, case.provisional, case.reviewed_at = True, False, self.clock.at
            case.members = (members | {ACTOR.sub}) - case.excluded
            case.member_agencies = agencies

    @rule(case_id=cases, decision=st.sampled_from(["keep", "lift"]))
    def review_restriction(self, case_id: UUID, decision: str) -> None:
        case = self.model[case_id]
        response = self.client.post(f"/api/v1/cases/{case_id}/restriction/review",
                                    json={"decision": decision, "reason": "Reviewed"},
                                    headers=self.headers(ACTOR))
        if not self.may_manage(case):
            assert response.status_code == 404
        elif not case.restricted:  # its own: a repeat is reviewed with its case
            assert response.status_code in REFUSED
        else:
            assert response.status_code == 204, response.text
            if decision == "keep":
                case.reviewed_at = self.clock.at
            else:
                case.restricted, case.provisional, case.reviewed_at = False, False, None
                case.members, case.member_agencies = set(), set()

    @rule(case_id=cases, who=st.sampled_from(SHARERS), audience=st.sampled_from(AUDIENCES),
          named=st.sampled_from(AGENCIES))
    def share(self, case_id: UUID, who: Who, audience: str, named: str) -> None:
        case = effective(self.model[case_id], self.model)
        agencies = [named] if audience == "agencies" else []
        response = self.client.post(
            f"/api/v1/cases/{case_id}/information", headers=self.headers(who),
            json={"kind": "disclosure", "text": "Shared", "audience": {
                "kind": audience, "agencies": [str(self.agencies[a]) for a in agencies]}})
        if not sees(who, case, self.clock.at):
            assert response.status_code == 404
            return
        assert response.status_code == 201, response.text
        assert who.agency is not None
        self.model[case_id].items[response.json()["id"]] = ModelItem(
            who.sub, who.agency, not sees_every_item(who, case), audience, frozenset(agencies))
        for reader in PEOPLE:  # who sees the new item, at once
            self.check_items(reader, case_id)

    @rule(case_id=cases, person=st.sampled_from(STAFF))
    def exclude(self, case_id: UUID, person: str) -> None:
        if self.manage(case_id, "exclusions", {"person": person, "reason": "Conflict"}) == 204:
            self.model[case_id].excluded.add(person)
            self.model[case_id].members.discard(person)

    @rule(case_id=cases, person=st.sampled_from(STAFF))
    def readmit(self, case_id: UUID, person: str) -> None:
        case = self.model[case_id]
        response = self.client.delete(f"/api/v1/cases/{case_id}/exclusions/{person}",
                                      headers=self.headers(ACTOR))
        if not self.may_manage(case):
            assert response.status_code == 404
        elif person in case.excluded:
            assert response.status_code == 204, response.text
            case.excluded.discard(person)
        else:
            assert response.status_code in REFUSED

    @rule(case_id=cases, rep=st.sampled_from(REPS))
    def break_glass(self, case_id: UUID, rep: Who) -> None:
        case, now = effective(self.model[case_id], self.model), self.clock.at
        response = self.client.post(f"/api/v1/cases/{case_id}/break-glass",
                                    json={"reason": "Emergency"}, headers=self.headers(rep))
        if sees(rep, case, now):
            assert response.status_code == 409
        elif case.restricted or rep.sub in case.excluded:
            assert response.status_code == 404
        else:
            assert response.status_code == 201, response.text
            self.model[case_id].break_glass.append((rep.sub, now, now + timedelta(minutes=60)))

    @rule(case_id=cases)
    def accept(self, case_id: UUID) -> None:
        case = self.model[case_id]
        response = self.client.post(f"/api/v1/cases/{case_id}/decision",
                                    json={"outcome": "accept"}, headers=self.headers(ACTOR))
        if not self.may_manage(case):
            assert response.status_code == 404
        elif case.status == "referred":
            assert response.status_code == 204, response.text
            case.status = "accepted"
        else:  # decided already (a conflict with the record), or closed
            assert (response.status_code, response.json()["code"]) in {
                (409, "decision_already_recorded"), (422, "case_closed")}

    @rule(case_id=cases, owner=st.sampled_from(AGENCIES))
    def agree_action(self, case_id: UUID, owner: str) -> None:
        case = self.model[case_id]
        response = self.client.post(
            f"/api/v1/cases/{case_id}/actions", headers=self.headers(ACTOR),
            json={"owner_agency_id": str(self.agencies[owner]), "description": "Safety plan",
                  "for_whom": "victim", "due_on": self.clock.at.date().isoformat()})
        if not self.may_manage(case):
            assert response.status_code == 404
        elif case.status == "accepted":
            assert response.status_code == 201, response.text
            case.involved.add(owner)
        else:
            assert response.status_code in REFUSED

    @rule(case_id=cases, existing_id=cases)
    def link_repeat(self, case_id: UUID, existing_id: UUID) -> None:
        case, existing = self.model[case_id], self.model[existing_id]
        response = self.client.post(
            f"/api/v1/cases/{case_id}/decision", headers=self.headers(ACTOR),
            json={"outcome": "link_repeat", "existing_case_id": str(existing_id)})
        if not (self.may_manage(case) and self.may_manage(existing)):
            assert response.status_code == 404
        elif (case.status == "referred" and existing.status == "accepted"
              and case_id != existing_id):
            assert response.status_code == 204, response.text
            case.status, case.parent = "linked_as_repeat", existing_id
        else:
            assert response.status_code in REFUSED

    @rule(case_id=cases)
    def close(self, case_id: UUID) -> None:
        case = self.model[case_id]
        # Every open action closed with the case (closures naming them: test_referral_corrections).
        open_actions = [{"action_id": str(a), "fate": "closed_with_case"}
                        for a in self.platform.marac.get_case(case_id).open_actions]
        response = self.client.post(f"/api/v1/cases/{case_id}/closure",
                                    json={"reason": "Safety plan in place",
                                          "open_actions": open_actions},
                                    headers=self.headers(ACTOR))
        if not self.may_manage(case):
            assert response.status_code == 404
        elif case.closed_at is not None:
            assert response.status_code in REFUSED
        else:
            assert response.status_code == 204, response.text
            told = agencies_told(effective(case, self.model), self.clock.at)
            case.status, case.closed_at = "closed", self.clock.at
            case.told = dict.fromkeys(told)
            self.check_items(ACTOR, case_id)  # who is to be told, at once

    @rule(case_id=cases, rep=st.sampled_from(REPS))
    def acknowledge_closure(self, case_id: UUID, rep: Who) -> None:
        case = self.model[case_id]
        response = self.client.post(f"/api/v1/cases/{case_id}/closure/acknowledgement",
                                    headers=self.headers(rep))
        assert rep.agency is not None
        if not self.sees(rep, case_id):
            assert response.status_code == 404
        elif case.told.get(rep.agency, self.clock.at) is not None:
            assert response.status_code in REFUSED  # not closed, not told, or told already
        else:
            assert response.status_code == 204, response.text
            case.told[rep.agency] = self.clock.at
            self.check_items(ACTOR, case_id)

    @rule(minutes=st.sampled_from([10, 31, 61, 60 * 23, 60 * 24 * 46]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # Reads ---------------------------------------------------------------------------------

    @rule(who=st.sampled_from(PEOPLE))
    def reads_match_the_model(self, who: Who) -> None:
        self.check(who)

    @invariant()
    def every_principals_list_matches_the_model(self) -> None:
        for who in PEOPLE:
            self.check(who, views=False)

    def check(self, who: Who, views: bool = True) -> None:
        expected = {c for c in self.model if self.sees(who, c)}
        listing = self.client.get("/api/v1/cases?page_size=100", headers=self.headers(who))
        if not (who.client or set(who.roles) & {"representative", "coordinator", "chair"}):
            assert listing.status_code == 403
        else:
            body = listing.json()
            assert {UUID(i["case_id"]) for i in body["items"]} == expected, who
            assert body["total"] == len(expected)
            for surname in SURNAMES if views else ():
                found = self.client.get(
                    f"/api/v1/search?surname={surname}&date_of_birth=1987-03-14",
                    headers=self.headers(who)).json()
                want = {c for c in expected if self.model[c].surname == surname}
                assert {UUID(h["summary"]["case_id"]) for h in found["items"]} == want, who
                assert found["total"] == len(want)
        for case_id in self.model if views else ():
            self.check_items(who, case_id)
        self.check_reviews_due(who)

    def check_items(self, who: Who, case_id: UUID) -> None:
        """The case answers 200 or 404 as the model says, and shows the items it says."""
        response = self.client.get(f"/api/v1/cases/{case_id}", headers=self.headers(who))
        visible = self.sees(who, case_id)
        assert response.status_code == (200 if visible else 404), (who, case_id)
        if visible:
            case = effective(self.model[case_id], self.model)
            shown = {i for i, item in case.items.items() if sees_item(who, case, item)}
            assert {i["item_id"] for i in response.json()["items"]} == shown, (who, case_id)
            if who is ACTOR:
                self.check_closure(case, response.json()["closure"])

    def check_closure(self, case: ModelCase, closure: dict[str, Any] | None) -> None:
        """Who was told of a closure, when, and whether late: in hours from its time."""
        if case.closed_at is None:
            assert closure is None
            return
        assert closure is not None
        deadline, now = case.closed_at + INFORM_WITHIN, self.clock.at
        want = {str(self.agencies[a]): (at, (at or now) > deadline)
                for a, at in case.told.items()}
        got = {a: (datetime.fromisoformat(t["told_at"]) if t["told_at"] else None, t["late"])
               for a, t in closure["informed"].items()}
        assert got == want
        assert closure["late"] == any(late for _, late in want.values())
        assert set(closure["outstanding"]) == {a for a, (at, _) in want.items() if at is None}

    def check_reviews_due(self, who: Who) -> None:
        """Restrictions due for review: only to coordinators, only of cases they may manage."""
        response = self.client.get("/api/v1/case-reviews/restrictions",
                                   headers=self.headers(who))
        if not set(who.roles) & {"coordinator", "chair"}:
            assert response.status_code == 403
            return
        want = {str(c) for c, m in self.model.items()
                if who.area == "main" and m.restricted and m.reviewed_at is not None
                and m.reviewed_at + REVIEW_EVERY <= self.clock.at
                and sees_every_item(who, effective(m, self.model))
                and sees(who, effective(m, self.model), self.clock.at)}
        assert {d["case_id"] for d in response.json()} == want, who


ISSUER = LocalIssuer()
AccessMachine.TestCase.settings = settings(
    max_examples=20, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_access_matches_the_reference_model = AccessMachine.TestCase
