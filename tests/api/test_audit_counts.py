"""Exactly one audit record per authenticated request to the API, whatever the request and
whatever its outcome: a property over random request sequences."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.bootstrap import build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from tests.api.conftest import Clock, referral_body

ISSUER = LocalIssuer()
WHO = st.sampled_from([
    ("police-rep", ["representative"], "police"), ("health-rep", ["representative"], "health"),
    ("coordinator-1", ["coordinator"], "police"), ("dpo-1", ["dpo"], None),
    ("admin-1", ["administrator"], None)])
MISSING = "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a11"


def requests(case: str) -> st.SearchStrategy[tuple[str, str, Any, bool]]:
    """(method, path, json body, with purpose)."""
    return st.sampled_from([
        ("GET", f"/api/v1/cases/{case}", None, True),
        ("GET", f"/api/v1/cases/{case}", None, False),  # no purpose: 400
        ("GET", f"/api/v1/cases/{MISSING}", None, True),
        ("GET", "/api/v1/cases", None, False),
        ("GET", "/api/v1/search?surname=Quennevillexq&date_of_birth=1987-03-14", None, True),
        ("POST", "/api/v1/cases", referral_body(), False),
        ("POST", "/api/v1/cases", {"subjects": "nonsense"}, False),  # 422
        ("POST", f"/api/v1/cases/{case}/decision", {"outcome": "accept"}, False),
        ("POST", f"/api/v1/cases/{case}/break-glass", {"reason": "Emergency"}, False),
        ("POST", f"/api/v1/cases/{case}/grants", {"person": "x", "reason": "r"}, False),
        ("GET", f"/api/v1/cases/{case}/possible-repeats", None, True),
        ("GET", "/api/v1/audit/records", None, False),
        ("GET", "/api/v1/audit/break-glass", None, False),
        ("GET", "/api/v1/record-of-processing", None, False),
    ])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_audit_record_per_authenticated_request(data: st.DataObject) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="marac-count-"))
    platform = build_platform(Settings(data_dir=tmp, demo=True),
                              material=KeyMaterial.generate(demo=True), issuer=ISSUER,
                              now=Clock(datetime(2026, 1, 12, 9, tzinfo=UTC)))
    try:
        app = platform.marac
        area = app.create_area("main", "Main")
        agencies = {c: app.register_agency(area, c, c, c, core=True)
                    for c in ("police", "health")}
        with TestClient(create_app(platform)) as client:
            def headers(who: tuple[str, list[str], str | None], purpose: bool) -> dict[str, str]:
                claims: dict[str, Any] = {"sub": who[0], "roles": who[1], "area": str(area)}
                if who[2]:
                    claims["agency"] = str(agencies[who[2]])
                h = {"Authorization": f"Bearer {ISSUER.issue(claims)}"}
                return {**h, "X-Purpose": "research"} if purpose else h

            seed = client.post("/api/v1/cases", json=referral_body(),
                               headers=headers(("police-rep", ["representative"], "police"),
                                               False))
            case = seed.json()["id"]
            before = platform.audit.count()
            sent = data.draw(st.lists(st.tuples(requests(case), WHO), min_size=1, max_size=25))
            anonymous = data.draw(st.integers(0, 3))
            for (method, path, body, purpose), who in sent:
                response = client.request(method, path, json=body, headers=headers(who, purpose))
                assert response.status_code < 500, response.text
            for _ in range(anonymous):  # no actor to record: not audited, and refused
                assert client.get(f"/api/v1/cases/{case}").status_code == 401
            assert platform.audit.count() - before == len(sent)
    finally:
        platform.close()
        shutil.rmtree(tmp, ignore_errors=True)
