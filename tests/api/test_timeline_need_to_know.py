"""A stateful property test: for the need-to-know model's random histories (its referrals,
grants, revocations, expiries, restrictions, exclusions, break-glass, items for every
audience, repeats, actions, closures; and here also listings with invitations, research asked
for, shared and released), every entry of every principal's case timeline corresponds to
something that principal's case view gives them, and nothing more: an item it shows, an action
it lists, the coordinators' parts only to those whose view has them, an agency's part only to
that agency or the coordinators, a repeat or a meeting they may see. The timeline answers
exactly as the case view does (200 or the same 404), and names every item the view shows.

The histories are the reference model's (tests/api/test_access_model.py), whose own checks
still run: a slip there shows up here too.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from tests.api.conftest import AGENCIES
from tests.api.test_access_model import (
    ACTOR,
    PEOPLE,
    REFUSED,
    SHARERS,
    AccessMachine,
    ModelItem,
    Who,
    effective,
    sees,
    sees_every_item,
)

# What only those who see the case's management have in their view (its access part).
MANAGEMENT = {"restricted", "restriction_kept", "restriction_lifted", "access_granted",
              "access_revoked", "person_excluded", "exclusion_removed", "break_glass_opened",
              "referred_onward", "social_care_recorded", "allocated", "step_completed",
              "needs_recorded", "contact_recorded", "plan_agreed", "plan_reviewed",
              "feedback_recorded"}
# An agency's own part: that agency's, and the coordinators'.
AGENCY_PARTS = {"agency_invited", "research_requested", "closure_acknowledged"}
SHARED = {"information_shared", "research_answered"}


class TimelineMachine(AccessMachine):
    """The access model's histories, with a meeting to list cases on, research and releases."""

    @initialize(target=AccessMachine.cases)
    def a_repeat_linked_into_an_accepted_case(self) -> Any:
        """The model's first history, then a meeting that lists its accepted case with the
        IDVA invited and asked for research, which the IDVA shares with the coordinators; and
        the coordinators' own note: every history starts with something for some and not
        for others."""
        linked = super().a_repeat_linked_into_an_accepted_case()
        first = linked.values[0]
        response = self.client.post("/api/v1/meetings", headers=self.headers(ACTOR), json={
            "kind": "standard", "held_on": self.clock.at.date().isoformat()})
        assert response.status_code == 201, response.text
        self.meeting = response.json()["id"]
        self.listed: set[UUID] = set()
        self.list_for_hearing(first, {"idva"})
        self.ask_for_research(first, "idva")
        self.share_research(first, next(p for p in SHARERS if p.agency == "idva"))
        self.share(first, ACTOR, "coordinators", "police")
        return linked

    @rule(case_id=AccessMachine.cases, invite=st.sets(st.sampled_from(AGENCIES), max_size=2))
    def list_for_hearing(self, case_id: UUID, invite: set[str]) -> None:
        case = self.model[case_id]
        response = self.client.post(
            f"/api/v1/meetings/{self.meeting}/agenda", headers=self.headers(ACTOR),
            json={"case_id": str(case_id), "invite": [str(self.agencies[a]) for a in invite]})
        if not self.may_manage(case):
            assert response.status_code == 404
        elif response.status_code == 204:  # else refused: not accepted, listed, 'honour'-based
            case.involved |= invite  # an agency invited to the hearing is involved
            self.listed.add(case_id)
            self.check_every_timeline(case_id)
        else:
            assert response.status_code in REFUSED, response.text

    @rule(case_id=AccessMachine.cases, agency=st.sampled_from(AGENCIES))
    def ask_for_research(self, case_id: UUID, agency: str) -> None:
        response = self.client.post(
            f"/api/v1/meetings/{self.meeting}/research-requests", headers=self.headers(ACTOR),
            json={"case_id": str(case_id), "agencies": [str(self.agencies[agency])],
                  "due_on": self.clock.at.date().isoformat()})
        if not self.may_manage(self.model[case_id]):
            assert response.status_code == 404
        else:  # refused unless listed, accepted and the agency invited
            assert response.status_code in (204, *REFUSED), response.text
            if response.status_code == 204:
                self.check_every_timeline(case_id)

    @rule(case_id=AccessMachine.cases, who=st.sampled_from(SHARERS))
    def share_research(self, case_id: UUID, who: Who) -> None:
        case = effective(self.model[case_id], self.model)
        body: dict[str, Any] = {"kind": "research_note", "text": "Known since 2024",
                                "audience": {"kind": "coordinators"}}
        if case_id in self.listed:
            body["meeting_id"] = self.meeting
        response = self.client.post(f"/api/v1/cases/{case_id}/information", json=body,
                                    headers=self.headers(who))
        if not sees(who, case, self.clock.at):
            assert response.status_code == 404
            return
        assert response.status_code == 201, response.text
        assert who.agency is not None
        self.model[case_id].items[response.json()["id"]] = ModelItem(
            who.sub, who.agency, not sees_every_item(who, case), "coordinators")
        self.check_every_timeline(case_id)

    @rule(case_id=AccessMachine.cases, data=st.data())
    def release(self, case_id: UUID, data: st.DataObject) -> None:
        items = self.model[case_id].items
        if not items:
            return
        item_id = data.draw(st.sampled_from(sorted(items)))
        response = self.client.post(
            f"/api/v1/cases/{case_id}/information/{item_id}/release",
            json={"audience": {"kind": "whole_case"}}, headers=self.headers(ACTOR))
        if not self.may_manage(self.model[case_id]):
            assert response.status_code == 404
            return
        assert response.status_code == 204, response.text
        item = items[item_id]
        items[item_id] = ModelItem(item.author, item.author_agency, item.for_agency,
                                   "whole_case")
        self.check_every_timeline(case_id)

    # The property ---------------------------------------------------------------------------

    def check_items(self, who: Who, case_id: UUID) -> None:
        """Wherever the model checks a case view (after each share, closure and
        acknowledgement, and at every read), the timeline beside it."""
        super().check_items(who, case_id)
        self.check_timeline(who, case_id)

    def check_every_timeline(self, case_id: UUID) -> None:
        for who in PEOPLE:
            self.check_timeline(who, case_id)

    def check_timeline(self, who: Who, case_id: UUID) -> None:
        headers = self.headers(who)
        view = self.client.get(f"/api/v1/cases/{case_id}", headers=headers)
        timeline = self.client.get(f"/api/v1/cases/{case_id}/timeline", headers=headers)
        assert timeline.status_code == view.status_code, (who, case_id)
        if view.status_code == 404:
            assert timeline.content == view.content
            return
        v, entries = view.json(), timeline.json()["entries"]
        items = {i["item_id"]: i for i in v["items"]}
        actions = {a["action_id"] for a in v["actions"]}
        coordinators = v["access"] is not None
        informed = v["closure"]["informed"] if v["closure"] else {}
        own = str(self.agencies[who.agency]) if who.agency else None
        for e in entries:
            kind = e["kind"]
            if e["item_id"] is not None:
                assert e["item_id"] in items, (who, e)
                assert e["text"] in (None, items[e["item_id"]]["text"])
            if e["action_id"] is not None:
                assert e["action_id"] in actions, (who, e)
            if kind in MANAGEMENT:
                assert coordinators, (who, e)
            if kind in AGENCY_PARTS:
                assert coordinators or e["agency_id"] == own, (who, e)
            if kind == "closure_acknowledged":
                assert informed[e["agency_id"]]["told_at"] is not None
            if e["linked_case_id"] is not None:
                assert e["linked_case_id"] in v["repeat_referrals"], (who, e)
            if kind == "decided":
                assert v["decision"] is not None
            if kind == "closed":
                assert v["closure"] is not None
            if e["meeting_id"] is not None:
                meeting = self.client.get(f"/api/v1/meetings/{e['meeting_id']}",
                                          headers=headers)
                assert meeting.status_code == 200, (who, e)
        # Nothing more, and nothing less of what the view shares.
        assert {e["item_id"] for e in entries if e["kind"] in SHARED} == set(items), who


TimelineMachine.TestCase.settings = settings(
    max_examples=8, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_every_timeline_entry_is_in_the_case_view = TimelineMachine.TestCase
