"""A database too busy for a request is a 503 with Retry-After and a stable code, never a 500,
and the request leaves nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import storage.writers
from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.settings import Settings
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from storage.writers import writer_queue
from tests.api.conftest import referral_body


@pytest.fixture
def sqlite_platform(tmp_path: Path, issuer: LocalIssuer) -> Iterator[Platform]:
    url = f"sqlite:///{(tmp_path / 'busy.sqlite').as_posix()}"
    built = build_platform(Settings(data_dir=tmp_path, database_url=url, demo=True),
                           material=KeyMaterial.generate(demo=True), issuer=issuer)
    yield built
    built.close()


def test_a_referral_that_cannot_have_the_write_lock_in_time_is_a_503_with_retry_after(
        sqlite_platform: Platform, issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    app = sqlite_platform.marac
    area = app.create_area("wexshire", "Wexshire MARAC")
    agency = app.register_agency(area, "police", "Police", "police", core=True)
    sqlite_platform.runner.catch_up()
    token = issuer.issue({"sub": "police-rep", "roles": ["representative"],
                          "area": str(area), "agency": str(agency)})
    audited = sqlite_platform.audit.count()
    monkeypatch.setattr(storage.writers, "WAIT_SECONDS", 0.05)
    path = sqlite_platform.database.url.path
    assert path is not None
    with TestClient(create_app(sqlite_platform)) as client, writer_queue(path).turn():
        # Another writer of the process holds the lock for longer than a request waits.
        response = client.post("/api/v1/cases", json=referral_body(),
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] in {"storage_busy", "audit_unavailable"}
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    assert not [n for n in notifications if n.topic.endswith("Case.Referred")]
    assert sqlite_platform.audit.count() == audited
