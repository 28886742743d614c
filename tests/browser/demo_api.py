"""The running demo's JSON API, as a partner's system calls it (bearer tokens from the demo
issuer): to set a scene up for a page, and to check what a page did through the API's own
answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date
from typing import Any
from uuid import UUID

from domain.risk import DASH_RIC_QUESTIONS
from tests.browser.conftest import Demo


class DemoApi:
    def __init__(self, demo: Demo) -> None:
        self.url = demo.url
        self._tokens: dict[str, str] = {}

    def token(self, persona: str) -> str:
        if persona not in self._tokens:
            _, body = self._send("POST", "/dev/token", {"persona": persona}, {})
            self._tokens[persona] = body["access_token"]
        return self._tokens[persona]

    def call(self, persona: str, method: str, path: str, body: dict[str, Any] | None = None,
             purpose: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token(persona)}"}
        if purpose:
            headers["X-Purpose"] = purpose
        return self._send(method, "/api/v1" + path, body, headers)

    def ok(self, persona: str, method: str, path: str,
           body: dict[str, Any] | None = None) -> Any:
        status, answer = self.call(persona, method, path, body)
        assert status in (200, 201, 204), (status, answer)
        return answer

    def refer(self, persona: str, *, forename: str, surname: str, born: date, yes: int,
              criteria: dict[str, Any] | None = None) -> UUID:
        answer = self.ok(persona, "POST", "/cases", {
            "referred_on": date.today().isoformat(),
            "subjects": [
                {"role": "victim", "forenames": forename, "surname": surname,
                 "date_of_birth": born.isoformat()},
                {"role": "perpetrator", "forenames": "Demo", "surname": "Perpetrator",
                 "date_of_birth": "1980-01-01"}],
            "incident_summary": "Fictional incident for a browser test.",
            "risk_assessment": {"version": "2009", "answers": {
                q: {"value": "yes" if i < yes else "no"}
                for i, q in enumerate(DASH_RIC_QUESTIONS)}},
            "criteria": criteria or {"visible_high_risk": True},
            "consent": {"status": "given"},
            "victim_informed": "yes",
            "idva_referral_made": True})
        return UUID(answer["id"])

    def _send(self, method: str, path: str, body: dict[str, Any] | None,
              headers: dict[str, str]) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the demo on loopback
            self.url + path, data=data, method=method,
            headers={**headers, **({"Content-Type": "application/json"} if data else {})})
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as refused:
            raw = refused.read()
            return refused.code, json.loads(raw) if raw else None
