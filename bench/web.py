"""The pages' server time against the API's JSON for the same data, in one run.

`GET /cases` (the cases page, first page, no filters) against `GET /api/v1/cases` (the same
page size, no filters), and `GET /cases/{id}` (the case page, with the purpose remembered in
the page session) against `GET /api/v1/cases/{id}` (with `X-Purpose`), for a coordinator of
the area and a police representative (whose agency referred half the cases). The case page
shows the case and its timeline, which the API serves as two reads: both together are
reported too (`case_and_timeline_api`).

Both sides are served by the one ASGI app `marac serve` runs (api/app.py's `create_app`, the
pages installed), called in-process through Starlette's TestClient: no network, no browser, but
every middleware, the request-id and audit guard, the page session and the template. The page
session is a real one: made by the session store as sign-in makes it (`web_sessions.start`
then `signed_in`, holding an access token from the demo issuer), so each page request finds
the session by its cookie and verifies its token as any page request does. The API side sends
the same token as a bearer token.

Cases are made through the real domain, encrypted store and projections (bench/read.py's
referrals, so each has a real sealed case document). Rounds alternate which side goes first,
so drift in the machine's speed falls on both. Every answer must be 200.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.lists import Quantiles
from bench.machine import machine
from bench.read import bench_referral
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from security.sessions import SessionData
from web.session import cookie_name

ROUNDS = 10
PAGE_SIZE = 25  # web/cases.py's page
PURPOSE = "meeting_preparation"
PERSONAS = ("coordinator", "police_representative")
TOKEN_TTL = 8 * 3600  # the run outlives the default hour at 10,000 cases on a loaded machine


@dataclass(frozen=True)
class Persona:
    name: str
    token: str
    session_id: str
    case_ids: Sequence[UUID]  # cases the persona may see, to open


class WebBenchmark:
    def __init__(self, backend: str, database_url: str | None, cases: int,
                 requests: int) -> None:
        self.backend = backend
        self.database_url = database_url
        self.n_cases = cases
        self.requests = requests
        self.random = random.Random(16)  # picks cases to open, not secrets

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            issuer = LocalIssuer()
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("web"), demo=True),
                material=KeyMaterial.generate(demo=True), issuer=issuer)
            try:
                return self._run(platform, issuer)
            finally:
                platform.close()

    def _run(self, platform: Platform, issuer: LocalIssuer) -> dict[str, Any]:
        started = time.perf_counter()
        area, police, case_ids = self._populate(platform)
        built = round(time.perf_counter() - started, 1)
        personas = [
            self._persona(platform, issuer, "coordinator", subject="coordinator-bench",
                          claims={"roles": ["coordinator"], "area": str(area)},
                          case_ids=case_ids),
            # bench_referral's cases alternate between the police and the IDVA service.
            self._persona(platform, issuer, "police_representative",
                          subject="police-rep-bench",
                          claims={"roles": ["representative"], "area": str(area),
                                  "agency": str(police)}, case_ids=case_ids[::2]),
        ]
        app = create_app(platform)
        cookie = cookie_name(app.state.web_config)
        with TestClient(app, base_url=platform.settings.base_url,
                        follow_redirects=False) as client:
            results = {p.name: self._measure(client, cookie, p) for p in personas}
        return {
            "benchmark": "web",
            "backend": platform.database.dialect,
            "machine": machine(),
            "config": {"cases": self.n_cases, "requests_per_side": self.requests,
                       "rounds": ROUNDS, "page_size": PAGE_SIZE, "purpose": PURPOSE,
                       "personas": list(PERSONAS), "build_cases_s": built,
                       "transport": "in-process ASGI (Starlette TestClient)",
                       "goal_page_p99_ms": 50},
            "personas": results,
        }

    # Data ----------------------------------------------------------------------------------

    def _populate(self, platform: Platform) -> tuple[UUID, UUID, list[UUID]]:
        app = platform.marac
        area = app.create_area("benchshire", "Benchshire MARAC")
        agencies = [app.register_agency(area, code, name, kind, core=True)
                    for code, name, kind in (("police", "Benchshire Police", "police"),
                                             ("idva", "Benchshire IDVA Service", "idva"))]
        case_ids = [app.refer(bench_referral(area, agencies[n % len(agencies)], n))
                    for n in range(self.n_cases)]
        platform.runner.catch_up()
        return area, agencies[0], case_ids

    @staticmethod
    def _persona(platform: Platform, issuer: LocalIssuer, name: str, *, subject: str,
                 claims: dict[str, Any], case_ids: Sequence[UUID]) -> Persona:
        """A signed-in page session, made as web/sign_in.py makes one once the provider has
        answered: the page checks it (cookie, liveness, token) on every request."""
        token = issuer.issue({"sub": subject, **claims}, ttl=TOKEN_TTL)
        now = platform.now()
        pending = platform.web_sessions.start(now)
        session = platform.web_sessions.signed_in(pending, now, SessionData(
            csrf_token="", access_token=token, person_name=subject,
            agency_name="Benchshire MARAC", purpose=PURPOSE))
        return Persona(name, token, session.session_id, case_ids)

    # Measurement ---------------------------------------------------------------------------

    def _measure(self, client: TestClient, cookie: str, persona: Persona) -> dict[str, Any]:
        cookies = {cookie: persona.session_id}
        bearer = {"Authorization": f"Bearer {persona.token}"}
        with_purpose = {**bearer, "X-Purpose": PURPOSE}
        probe = persona.case_ids[0]
        # side -> (paths, cookies, headers): a side's request is all its paths, for one case.
        sides: dict[str, tuple[tuple[str, ...], dict[str, str], dict[str, str]]] = {
            "list_page": (("/cases",), cookies, {}),
            "list_api": ((f"/api/v1/cases?page_size={PAGE_SIZE}",), {}, bearer),
            "case_page": (("/cases/{id}",), cookies, {}),
            "case_api": (("/api/v1/cases/{id}",), {}, with_purpose),
            # The page shows the case and its timeline, which the API serves apart.
            "case_and_timeline_api": (
                ("/api/v1/cases/{id}", "/api/v1/cases/{id}/timeline"), {}, with_purpose),
        }
        timings: dict[str, list[float]] = {side: [] for side in sides}
        per_round = max(self.requests // ROUNDS, 1)
        order = list(sides)
        for side in order:  # untimed: each side's first request compiles its template, etc.
            paths, side_cookies, headers = sides[side]
            for path in paths:
                self._get(client, path.format(id=probe), side_cookies, headers)
        for round_no in range(ROUNDS):
            for side in (order if round_no % 2 == 0 else order[::-1]):
                paths, side_cookies, headers = sides[side]
                for _ in range(per_round):
                    case_id = self.random.choice(persona.case_ids)
                    timings[side].append(sum(
                        self._get(client, path.format(id=case_id), side_cookies, headers)
                        for path in paths))
        found: dict[str, Any] = {side: Quantiles.of(t).__dict__ for side, t in timings.items()}
        result: dict[str, Any] = {"list_page": found["list_page"], "list_api": found["list_api"],
                                  "list_page_over_api": self._ratio(found, "list_page", "list_api")}
        result.update(case_page=found["case_page"], case_api=found["case_api"],
                      case_page_over_api=self._ratio(found, "case_page", "case_api"),
                      case_and_timeline_api=found["case_and_timeline_api"],
                      case_page_over_case_and_timeline_api=self._ratio(
                          found, "case_page", "case_and_timeline_api"))
        return result

    @staticmethod
    def _get(client: TestClient, url: str, cookies: dict[str, str],
             headers: dict[str, str]) -> float:
        client.cookies.clear()  # each side sends only its own credentials
        for name, value in cookies.items():
            client.cookies.set(name, value)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url.split('?', maxsplit=1)[0]} answered {response.status_code}")
        return elapsed

    @staticmethod
    def _ratio(found: dict[str, Any], page_side: str, api_side: str) -> dict[str, float]:
        page, api = found[page_side], found[api_side]
        return {"p50": round(page["p50_ms"] / api["p50_ms"], 2),
                "p99": round(page["p99_ms"] / api["p99_ms"], 2)}
