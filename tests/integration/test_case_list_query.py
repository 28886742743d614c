"""The case list read model's query (security.policy.list_filter, answered in SQL by
projections/case_list.py) lists exactly the cases `security.policy.case_visibility` shows,
with exact totals, on SQLite and PostgreSQL.

The histories are the access model's (tests/api/test_access_model.py): referrals ('honour'-based
abuse restricted at referral among them), repeats linked into cases, grants to agencies and
people that expire or are revoked, restrictions with members and member agencies and their
reviews, exclusions and readmissions, break-glass sessions, actions, closures, and time passing.
After every step, every principal of the model (representatives, coordinators and a chair, a
coordinator of another area, a DPO, an integration) walks their list page by page, by cursor
and by page number, with and without a status; and searches, through the API, page by page.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from api.settings import Settings
from projections.case_list import Position
from security.case_filter import CaseFilter, Fact, case_facts
from security.policy import Viewer, case_visibility, list_filter
from tests.api.test_access_model import PEOPLE, SURNAMES, AccessMachine, Who
from tests.conftest import POSTGRES_URL

STATUSES = ("referred", "accepted", "linked_as_repeat", "closed")
PAGE = 2  # small, so that every list is several pages


class ListQueryMachine(AccessMachine):
    def settings(self) -> Settings:
        """A SQLite file (the access model's machine runs in memory)."""
        return Settings(data_dir=self.tmp, demo=True)

    def viewer(self, who: Who) -> Viewer:
        self.headers(who)  # issues the principal's token
        principal = self.platform.verifier.verify(self.tokens[who.sub])
        return Viewer(principal, self.platform.blind_index.person_ref(principal.subject))

    def policy_shows(self, viewer: Viewer) -> set[UUID]:
        accesses = self.platform.cases.access(sorted(self.model, key=str))
        return {c for c, access in accesses.items()
                if case_visibility(viewer, access, self.clock.at) is not None}

    def walk(self, case_filter: CaseFilter, expected: set[UUID],
             status: str | None = None, **narrowing: Any) -> None:
        """Every page by cursor, then by page number: the same cases, each once, newest
        referral first (or oldest), and on every page the exact total."""
        rows = self.platform.cases.index_rows(sorted(expected, key=str))
        order = sorted(expected, key=lambda c: (rows[c].referred_on, str(c)),
                       reverse=not narrowing.get("oldest_first", False))
        by_cursor: list[UUID] = []
        after: Position | None = None
        while True:
            page = self.platform.cases.list.page(case_filter, size=PAGE, after=after,
                                                 status=status, **narrowing)
            assert page.total == len(expected)
            by_cursor += page.case_ids
            if page.next is None:
                break
            after = page.next
        assert by_cursor == order
        by_number: list[UUID] = []
        for offset in range(0, len(order) + PAGE, PAGE):
            page = self.platform.cases.list.page(case_filter, size=PAGE, offset=offset,
                                                 status=status, **narrowing)
            assert page.total == len(expected)
            by_number += page.case_ids
        assert by_number == order

    @invariant()
    def every_principals_list_matches_the_model(self) -> None:
        """Here: the list query against the policy, case by case (the HTTP list against the
        reference model is the access model's own test)."""
        for who in PEOPLE:
            viewer = self.viewer(who)
            shown = self.policy_shows(viewer)
            case_filter = list_filter(viewer, self.clock.at)
            self.walk(case_filter, shown)
            statuses = {c: r.status for c, r in self.platform.cases.index_rows(
                sorted(shown, key=str)).items()}
            for status in STATUSES:
                self.walk(case_filter, {c for c in shown if statuses[c] == status}, status)
            # The cases page's filters and order (web/cases.py): restricted or not, those
            # the person's agency is involved in, oldest first.
            facts = {c: case_facts(a) for c, a in self.platform.cases.access(
                sorted(shown, key=str)).items()}
            for restricted in (True, False):
                self.walk(case_filter, {c for c in shown if facts[c].restricted == restricted},
                          restricted=restricted)
            agency = viewer.principal.agency_id
            if agency is not None:
                involved = Fact("involved_agency", str(agency))
                self.walk(case_filter, {c for c in shown
                                        if any(h.fact == involved for h in facts[c].held)},
                          involving=agency)
            self.walk(case_filter, shown, oldest_first=True)

    @rule(who=st.sampled_from(PEOPLE), surname=st.sampled_from(SURNAMES))
    def search_matches_the_policy(self, who: Who, surname: str) -> None:
        """A search through the API, a case per page: the cases the policy shows of those
        naming the person searched for, each once, with the exact total on every page."""
        headers = self.headers(who)
        expected = {c for c in self.policy_shows(self.viewer(who))
                    if self.model[c].surname == surname}
        found: list[str] = []
        cursor: str | None = None
        while True:
            params = {"surname": surname, "date_of_birth": date(1987, 3, 14).isoformat(),
                      "page_size": "1", **({"cursor": cursor} if cursor else {})}
            response = self.client.get("/api/v1/search", params=params, headers=headers)
            if not (who.client or set(who.roles) & {"representative", "coordinator", "chair"}):
                assert response.status_code == 403
                return
            body = response.json()
            assert body["total"] == len(expected)
            found += [h["summary"]["case_id"] for h in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sorted(found) == sorted(str(c) for c in expected)
        assert len(found) == len(set(found))


class PostgresListQueryMachine(ListQueryMachine):
    def settings(self) -> Settings:
        self.schema = f"t_{uuid.uuid4().hex[:16]}"
        return Settings(data_dir=self.tmp, demo=True,
                        database_url=f"{POSTGRES_URL}?schema={self.schema}")

    def teardown(self) -> None:
        super().teardown()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


HISTORIES = settings(max_examples=8, stateful_step_count=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
# PostgreSQL answers the same filter through the same code with its own SQL: fewer histories
# there (each costs three times SQLite's, 73 s of CI at 8), the rules' breadth stays on SQLite's.
POSTGRES_HISTORIES = settings(HISTORIES, max_examples=4)


def test_the_list_query_shows_what_the_policy_shows_on_sqlite() -> None:
    run_state_machine_as_test(ListQueryMachine, settings=HISTORIES)


@pytest.mark.postgres
def test_the_list_query_shows_what_the_policy_shows_on_postgres(postgres_server: str) -> None:
    run_state_machine_as_test(PostgresListQueryMachine, settings=POSTGRES_HISTORIES)
