"""A stateful property test: for random case histories, every persona sees on the pages exactly
what the API gives them, and nothing it withholds.

The histories are the need-to-know model's (tests/api/test_access_model.py, with the meetings,
research and releases of tests/api/test_timeline_need_to_know.py): referrals by several
agencies ('honour'-based abuse restricted at referral among them), threshold decisions and
repeats linked in, items shared for every audience, restrictions with members and their
reviews, exclusions, grants to agencies and people that expire or are revoked, break-glass,
actions, closures and their acknowledgements, time passing; here also withdrawals. Every
history has a person excluded from a case their agency sees, and a restricted case with a
member and non-members. Everything is done through the API on a real SQLite file.

At checks along the way (a rule, for one persona) and at the end of every history (every
persona), a persona signed in to the pages (a real server-side session holding a real signed
token, as the sign-in leaves it, with the purpose remembered) is compared with the same persona
on the API (bearer token, the same purpose):
- `/cases`, every page of it, with filters, lists the cases `GET /api/v1/cases` lists, in order,
  with the same total (and answers as the API does where the API refuses);
- `/cases/{id}` answers 404 exactly where `GET /api/v1/cases/{id}` (and its timeline) does, and
  that 404 is the same bytes as the one for an id that names no case;
- a case page shows what the case view and its timeline hold: the identity bar (label, status,
  restriction), the people, the DASH answers, the items (ids and texts), the actions, the
  coordinators' sections only where the view has them, and the timeline entry for entry;
- nothing the API withholds is in the page's HTML: every text the history wrote (item texts,
  action descriptions, reasons) carries a token of its own, and the page holds no token and no
  id that the API's two answers do not; an item the view leaves out is nowhere in the page.

The model's own checks (its lists and views after each step) are left to its own tests, so that
the time here goes on the pages.
"""

from __future__ import annotations

import re
import sys
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from unittest.mock import patch
from urllib.parse import urlencode
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import URL, Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import consumes, initialize, multiple, rule

import web.cases
from api.settings import Settings
from security.sessions import SessionData
from tests.api.test_access_model import (
    ACTOR,
    PEOPLE,
    REFUSED,
    SURNAMES,
    AccessMachine,
    ModelCase,
    Who,
)
from tests.api.test_timeline_need_to_know import TimelineMachine
from tests.web.page_html import Element, parse
from web import dash
from web.cases import STATUS_LABELS
from web.session import cookie_name

PURPOSE = "research"  # the model's X-Purpose, remembered in every page session
# The cases page's size here: a history has a handful of cases, so that every list walked is
# several pages (the page's own size, 25, would show each on one).
PAGE_SIZE = 2
TOKEN = re.compile(r"tok-[0-9a-f]{16}")
AN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Those who sign in to the pages: the model's people (not its integration, which has no
# pages), and a strategic lead and an administrator, who see no case.
PERSONAS = (*(p for p in PEOPLE if not p.client), Who("lead-1", ("strategic_lead",), None),
            Who("admin-1", ("administrator",), None))
# Per-request headers: the one difference allowed between two 404s.
PER_REQUEST = frozenset({"x-request-id"})
SECTIONS = ("closure", "access", "safeguarding")  # the view's parts for some only
ROLES = {"victim": "Victim", "perpetrator": "Perpetrator", "child": "Child",
         "household_member": "Household member"}


class StampingClient(TestClient):
    """The model's client, but each text a history writes (a shared item's text, an action's
    description, a reason) gets a token of its own, so that a page can be searched for what
    it must not hold: the model writes the same few words every time."""

    def post(self, url: URL | str, *args: Any, **kwargs: Any) -> Response:
        body = kwargs.get("json")
        if isinstance(body, dict):
            kwargs["json"] = {k: f"{v} tok-{uuid.uuid4().hex[:16]}"
                              if k in ("text", "description", "reason") and isinstance(v, str)
                              else v for k, v in body.items()}
        return super().post(url, *args, **kwargs)


@dataclass(frozen=True)
class Filters:
    """The cases page's filters, and the same asked of the API."""

    status: str = ""
    mine: bool = False
    restricted: str = ""  # "", "yes", "no"
    order: str = "newest"

    def page(self) -> str:
        return "/cases?" + urlencode({k: v for k, v in (
            ("status", self.status), ("mine", "yes" if self.mine else ""),
            ("restricted", self.restricted), ("order", self.order)) if v})

    def api(self) -> dict[str, str]:
        asked = {"page_size": "100", "order": self.order}
        if self.status:
            asked["status"] = self.status
        if self.mine:
            asked["mine"] = "true"
        if self.restricted:
            asked["restricted"] = "true" if self.restricted == "yes" else "false"
        return asked


# At the end of a history each persona walks the whole list and one filtered, chosen so that
# every filter is walked by someone it narrows (the rule below walks random ones along the way).
ENDING_FILTERS = {
    "police-rep": Filters(mine=True), "police-rep-2": Filters(restricted="yes"),
    "health-rep": Filters(status="accepted", order="oldest"),
    "housing-rep": Filters(mine=True, restricted="no"), "hpx-rep": Filters(status="referred"),
    "idva-rep": Filters(status="linked_as_repeat", order="oldest"),
    "coordinator-1": Filters(status="withdrawn"),
    "chair-1": Filters(status="closed"), "coordinator-x": Filters(status="accepted"),
    "dpo-1": Filters(mine=True), "lead-1": Filters(order="oldest"),
    "admin-1": Filters(status="referred")}
FILTERS = st.builds(Filters, status=st.sampled_from(("", *STATUS_LABELS)), mine=st.booleans(),
                    restricted=st.sampled_from(("", "yes", "no")),
                    order=st.sampled_from(("newest", "oldest")))


@dataclass(frozen=True)
class Shown:
    """What a case page shows, as compared with the API's answers."""

    title: str
    status: str
    restricted: bool
    subjects: list[tuple[str, str | None]]  # card title, address
    dash_score: str
    dash: list[tuple[str, ...]]  # the answered-yes table's rows, then the others'
    items: list[tuple[str, str]]  # id, text
    actions: list[str]
    sections: frozenset[str]
    timeline: list[tuple[str, str | None, datetime, str | None]]  # title, by, at, text


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def on_the_page(page: Element) -> Shown:
    bar = page.one(cls="moj-identity-bar__title")
    tags = [t.text for t in bar.all("strong", cls="govuk-tag")]
    cards = page.all(cls="govuk-summary-card")

    def row(card: Element, key: str) -> str | None:
        for r in card.all(cls="govuk-summary-list__row"):
            if r.one(cls="govuk-summary-list__key").text == key:
                return r.one(cls="govuk-summary-list__value").text
        return None

    def rows(table: Element | None) -> list[tuple[str, ...]]:
        if table is None:
            return []
        body = table.one("tbody")
        return [tuple(c.text for c in r.children if isinstance(c, Element))
                for r in body.all("tr")]

    timeline = []
    for entry in page.all(cls="moj-timeline__item"):
        by, text = entry.first(cls="moj-timeline__byline"), entry.first(
            cls="moj-timeline__description")
        timeline.append((entry.one(cls="moj-timeline__title").text,
                         by.text.removeprefix("by ") if by else None,
                         datetime.fromisoformat(entry.one("time").attrs["datetime"]),
                         text.text if text else None))
    return Shown(
        title=bar.one("span", cls="govuk-!-font-weight-bold").text,
        status=next(t for t in tags if t.startswith("Status: ")),
        restricted="Restricted" in tags,
        subjects=[(c.one(cls="govuk-summary-card__title").text, row(c, "Address"))
                  for c in cards if "data-item" not in c.attrs],
        dash_score=page.one(id="dash-score").text,
        dash=rows(page.first("table", id="dash-yes")) + rows(page.first("table",
                                                                       id="dash-others")),
        items=[(c.attrs["data-item"], row(c, "Information") or "") for c in cards
               if "data-item" in c.attrs],
        actions=[r[0] for r in rows(page.first("table", id="action-list"))],
        sections=frozenset(s for s in SECTIONS if page.first("h2", id=s)),
        timeline=timeline)


def by_the_api(view: dict[str, Any], entries: list[dict[str, Any]]) -> Shown:
    summary, referral = view["summary"], view["referral"]
    answers = referral["risk_assessment"]["answers"]

    def answer(a: dict[str, Any]) -> tuple[str, ...]:
        return (dash.TOPICS.get(a["question"], a["question"]),
                dash.ANSWERS.get(a["value"], a["value"]), a["source"] or "")

    subjects = [(f"{ROLES[role]}: " + " ".join(n for n in (s["forenames"], s["surname"]) if n),
                 _words(s["address"]) or None)
                for role in ROLES for s in referral["subjects"] if s["role"] == role]
    actions = {a["action_id"]: a["description"] for a in view["actions"]}
    return Shown(
        title=summary["label"] or f"Case {summary['case_id'][:8]}",
        status="Status: " + STATUS_LABELS.get(summary["status"], summary["status"]),
        restricted=summary["restricted"],
        subjects=subjects,
        dash_score=f"{referral['dash_score']} of {len(answers)} questions answered yes",
        dash=[answer(a) for a in answers if a["value"] == "yes"]
        + [answer(a) for a in answers if a["value"] != "yes"],
        items=[(i["item_id"], _words(i["text"]) or "") for i in view["items"]],
        actions=[_words(a["description"]) or "" for a in view["actions"]],
        sections=frozenset(s for s in SECTIONS if view[s] is not None),
        timeline=[(_words(e["summary"]) or "", e["agency_name"],
                   datetime.fromisoformat(e["at"]),
                   _words(e["text"] or (actions.get(e["action_id"]) if e["action_id"]
                                        else None)))
                  for e in reversed(entries)])


class PagesMachine(TimelineMachine):
    """The timeline model's histories, with withdrawals, and the pages compared with the
    API."""

    def __init__(self) -> None:
        super().__init__()
        app = cast(FastAPI, self.client.app)  # the model's app (api/app.py's create_app)
        self.client.close()
        # Each client open for the history (one event loop thread each), not one per request.
        self.open = ExitStack()
        self.client = self.open.enter_context(StampingClient(app))
        self.pages = self.open.enter_context(TestClient(app, follow_redirects=False))
        self.cookie = cookie_name(app.state.web_config)
        self.withdrawn: dict[UUID, ModelCase] = {}
        self.page_size = patch.object(web.cases, "PAGE_SIZE", PAGE_SIZE)
        self.page_size.start()

    def settings(self) -> Settings:
        """A SQLite file, as the pages are served from."""
        return Settings(data_dir=self.tmp, demo=True)

    def teardown(self) -> None:
        try:
            # At the end of a history (not when a step has failed already): every persona.
            if sys.exc_info()[0] is None:
                for who in PERSONAS:
                    self.check_pages(who, ENDING_FILTERS[who.sub])
        finally:
            self.page_size.stop()
            self.open.close()
            super().teardown()

    # The model's own checks run in its tests (test_access_model, test_timeline_need_to_know).

    def check_items(self, who: Who, case_id: UUID) -> None:
        pass

    def check_every_timeline(self, case_id: UUID) -> None:
        pass

    def reads_match_the_model(self, who: Who) -> None:  # not a rule here
        raise NotImplementedError

    def every_principals_list_matches_the_model(self) -> None:  # not an invariant here
        raise NotImplementedError

    # Histories -----------------------------------------------------------------------------

    @initialize(target=AccessMachine.cases)
    def an_exclusion_a_restriction_a_closure_and_a_withdrawal(self) -> Any:
        """Every history has: a case its referrer is excluded from while a colleague still
        sees it, with an item for every audience and an action, closed, one agency told; a
        restricted case whose member beside the coordinator is a police representative (its
        referrer not); and a referral withdrawn."""
        by = {p.sub: p for p in PEOPLE}
        excluding = self.refer(by["police-rep"], SURNAMES[1])
        self.accept(excluding)
        self.agree_action(excluding, "housing")
        for sharer, audience, named in (("police-rep", "whole_case", "police"),
                                        ("police-rep-2", "authoring_agency", "police"),
                                        ("housing-rep", "agencies", "housing"),
                                        ("coordinator-1", "coordinators", "police"),
                                        ("chair-1", "agencies", "police")):
            self.share(excluding, by[sharer], audience, named)
        self.exclude(excluding, "police-rep")
        self.close(excluding)
        self.acknowledge_closure(excluding, by["housing-rep"])
        restricted = self.refer(by["health-rep"], SURNAMES[2])
        self.accept(restricted)
        self.share(restricted, by["health-rep"], "whole_case", "health")
        self.restrict(restricted, {"police-rep-2"}, set())
        withdrawn = self.refer(by["housing-rep"], SURNAMES[0])
        self.share(withdrawn, by["housing-rep"], "whole_case", "housing")
        self.withdraw(withdrawn)
        assert withdrawn in self.withdrawn
        return multiple(excluding, restricted)

    @rule(case_id=consumes(AccessMachine.cases))
    def withdraw(self, case_id: UUID) -> None:
        """A referral entered in error, withdrawn: only the coordinators see it after. It
        leaves the model (whose rules know nothing of withdrawals) and its bundle, and stays
        on the pages' checks."""
        case = self.model[case_id]
        response = self.client.post(f"/api/v1/cases/{case_id}/withdrawal",
                                    json={"reason": "Entered in error"},
                                    headers=self.headers(ACTOR))
        linked = case.parent is not None or any(m.parent == case_id
                                                for m in self.model.values())
        if not self.may_manage(case):
            assert response.status_code == 404
        elif linked or case.closed_at is not None:
            assert response.status_code in REFUSED, response.text
        else:
            assert response.status_code == 204, response.text
            self.withdrawn[case_id] = self.model.pop(case_id)

    @rule(who=st.sampled_from(PERSONAS), filters=FILTERS)
    def pages_match_the_api(self, who: Who, filters: Filters) -> None:
        self.check_pages(who, filters)

    # The property ---------------------------------------------------------------------------

    def sign_in(self, who: Who) -> None:
        """A page session as the sign-in leaves it (security/sessions.py), made now: the
        history's clock may have passed its idle limit since the last."""
        self.headers(who)  # issues the persona's token
        session = self.platform.web_sessions.start(self.clock.at, SessionData(
            csrf_token="csrf", access_token=self.tokens[who.sub], person_name="A person",
            purpose=PURPOSE))
        self.pages.cookies.set(self.cookie, session.session_id)

    def check_pages(self, who: Who, filters: Filters) -> None:
        self.sign_in(who)
        self.check_list(who, Filters())
        if filters != Filters():
            self.check_list(who, filters)
        missing = self.pages.get(f"/cases/{uuid.uuid4()}")
        assert missing.status_code == 404
        for case_id in sorted([*self.model, *self.withdrawn], key=str):
            self.check_case(who, case_id, missing)

    def check_list(self, who: Who, filters: Filters) -> None:
        api = self.client.get("/api/v1/cases", params=filters.api(), headers=self.headers(who))
        address: str | None = filters.page()
        if api.status_code != 200:  # refused: a person who sees no case list
            assert self.pages.get(filters.page()).status_code == api.status_code, (who, api.text)
            return
        expected = api.json()
        assert expected["next_cursor"] is None  # all of it on one page of the API's
        listed: list[str] = []
        walked: set[str] = set()
        while address is not None:
            assert address not in walked, address
            walked.add(address)
            answer = self.pages.get(address)
            assert answer.status_code == 200, (who, address)
            page = parse(answer.text)
            count = expected["total"]
            assert page.one(id="result-count").text == (
                f"{count} {'case' if count == 1 else 'cases'}"), (who, address)
            listed += [a.attrs["href"].removeprefix("/cases/") for a in page.all("a", has="href")
                       if re.fullmatch("/cases/" + AN_ID.pattern, a.attrs["href"])]
            # Nothing the list does not give: no id but its cases' (and their agencies'),
            # no text a history wrote.
            assert set(AN_ID.findall(answer.text)) <= set(AN_ID.findall(api.text)), who
            assert not TOKEN.search(answer.text), who
            following = page.first("a", rel="next")
            address = following.attrs["href"] if following else None
        assert listed == [c["case_id"] for c in expected["items"]], (who, filters)
        assert len(walked) == max(1, -(-len(listed) // PAGE_SIZE)), (who, filters)

    def check_case(self, who: Who, case_id: UUID, missing: Response) -> None:
        headers = self.headers(who)
        view = self.client.get(f"/api/v1/cases/{case_id}", headers=headers)
        answer = self.pages.get(f"/cases/{case_id}")
        assert answer.status_code == view.status_code, (who, case_id)
        if view.status_code == 404:
            # The same page, byte for byte, as for an id that names no case. Nothing is
            # normalised: the error page is made without the person (no name, no CSRF token:
            # web/errors.py) and the pages carry no nonce (web/templates.py); of the
            # headers, only the request's own id differs.
            assert answer.content == missing.content, (who, case_id)
            assert ({k: v for k, v in answer.headers.items() if k not in PER_REQUEST}
                    == {k: v for k, v in missing.headers.items() if k not in PER_REQUEST})
            return
        assert view.status_code == 200, view.text
        # (That the timeline answers as the view does: tests/api/test_timeline_need_to_know.)
        timeline = self.client.get(f"/api/v1/cases/{case_id}/timeline", headers=headers)
        assert timeline.status_code == 200, timeline.text
        shown, entries = view.json(), timeline.json()["entries"]
        assert on_the_page(parse(answer.text)) == by_the_api(shown, entries), (who, case_id)
        # Nothing withheld: no token or id but those in the API's answers (and the case's
        # own, in its links), and no item the view leaves out.
        answered = view.text + timeline.text
        assert set(TOKEN.findall(answer.text)) <= set(TOKEN.findall(answered)), (who, case_id)
        assert set(AN_ID.findall(answer.text)) <= set(AN_ID.findall(answered)) | {
            str(case_id)}, (who, case_id)
        case = self.model.get(case_id) or self.withdrawn[case_id]
        for item_id in set(case.items) - {i["item_id"] for i in shown["items"]}:
            assert item_id not in answer.text, (who, case_id, item_id)


# Few, short histories: each ends with every persona (12) walking their list and opening every
# case (some 300 requests, about 2 s of CPU), so that 6 histories of up to 12 steps beside the
# fixed cases take about 15 s of CPU (measured: 32 s in all at a load average of 13 on the 2
# cores). The model's own tests run its histories at length; here the pages are the question.
PagesMachine.TestCase.settings = settings(
    max_examples=6, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_the_pages_show_each_persona_what_the_api_does = PagesMachine.TestCase
