"""The metrics port (api/metrics.py): requests labelled by route template, never by id;
audit append failures; the worker's lags, backlog, dead letters, delivery latency, checkpoint
and witness ages. Scraped over HTTP from the port it binds, never from the public app."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.background import deliverer
from api.bootstrap import Platform
from api.metrics import MetricsServer, serve_metrics
from audit import witness
from audit.trail import AuditTrail, AuditUnavailable
from tests.api.conftest import Clock, World, refer
from tests.api.test_feeds import Receiver, subscribe


def scrape(server: MetricsServer) -> str:
    with urllib.request.urlopen(server.url, timeout=5) as response:  # noqa: S310 - loopback
        text: str = response.read().decode()
    return text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series; fails if it is not exposed."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found is not None, f"{name} {labels} not exposed"
    return float(found.group(1))


@pytest.fixture
def metrics(api_platform: Platform) -> Iterator[MetricsServer]:
    api_platform.settings.metrics_port = 0  # any free port on loopback
    server = serve_metrics(api_platform, api=True, worker=True)
    assert server is not None
    yield server
    server.stop()


def test_the_metrics_port_is_off_unless_set(api_platform: Platform) -> None:
    assert api_platform.settings.metrics_port is None
    assert serve_metrics(api_platform, api=True, worker=True) is None


def test_requests_are_labelled_by_route_template_and_never_by_id(
    client: TestClient, world: World, metrics: MetricsServer
) -> None:
    case_id = refer(client, world)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).status_code == 200
    # A page, signed out: sent to sign in.
    assert client.get(f"/cases/{case_id}", follow_redirects=False).status_code == 303
    assert client.get(f"/api/v1/no-such-thing/{case_id}").status_code == 404
    # Not on the public app: only on its own port.
    assert client.get("/metrics").status_code == 404
    text = scrape(metrics)
    assert sample(text, "marac_http_request_duration_seconds_count", method="GET",
                  route="/api/v1/cases/{case_id}", status="200") == 1
    assert sample(text, "marac_http_request_duration_seconds_count", method="POST",
                  route="/api/v1/cases", status="201") == 1
    assert sample(text, "marac_http_request_duration_seconds_count", method="GET",
                  route="/cases/{case_id}", status="303") == 1
    assert sample(text, "marac_http_request_duration_seconds_count", method="GET",
                  route="unmatched", status="404") >= 1
    assert str(case_id) not in text
    assert "no-such-thing" not in text


def test_audit_records_that_could_not_be_written_are_counted(
    client: TestClient, world: World, metrics: MetricsServer,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = refer(client, world)
    assert sample(scrape(metrics), "marac_audit_append_failures_total") == 0

    def broken(self: AuditTrail, batch: object) -> list[int]:
        raise AuditUnavailable("disk full")

    monkeypatch.setattr(AuditTrail, "_append", broken)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).status_code == 503
    monkeypatch.undo()
    assert sample(scrape(metrics), "marac_audit_append_failures_total") == 1


@pytest.mark.usefixtures("events_on_the_clock")
def test_the_workers_lags_backlog_latency_and_audit_ages(
    client: TestClient, world: World, api_platform: Platform, metrics: MetricsServer,
    clock: Clock
) -> None:
    receiver = Receiver(clock)
    try:
        created = subscribe(client, world, "police", endpoint=receiver.url)
        receiver.secrets = [created["secret"]]
        refer(client, world)
        text = scrape(metrics)
        assert sample(text, "marac_projection_lag_events", projection="feeds") >= 1
        assert sample(text, "marac_projection_lag_events", projection="cases") == 0
        api_platform.feed_runner.catch_up()
        clock.advance(seconds=90)  # delivered a minute and a half after it happened
        text = scrape(metrics)
        assert sample(text, "marac_webhook_undelivered_events") == 1
        assert sample(text, "marac_webhook_oldest_undelivered_seconds") == 90
        assert deliverer(api_platform).run_once() == 1
        text = scrape(metrics)
        assert sample(text, "marac_webhook_undelivered_events") == 0
        assert sample(text, "marac_webhook_dead_letters") == 0
        assert sample(text, "marac_webhook_delivery_latency_seconds_count") == 1
        assert sample(text, "marac_webhook_delivery_latency_seconds_bucket", le="60.0") == 0
        assert sample(text, "marac_webhook_delivery_latency_seconds_bucket", le="300.0") == 1
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    assert sample(text, "marac_audit_unsigned_records") > 0
    assert "marac_audit_checkpoint_age_seconds" not in text  # none signed yet
    assert "marac_audit_witness_age_seconds" not in text  # no witness to read
    api_platform.checkpoints.issue()
    directory = api_platform.audit_witness_dir
    assert directory is not None
    witness.init(directory, [api_platform.checkpoints.signer.public_key])
    text = scrape(metrics)
    assert sample(text, "marac_audit_unsigned_records") == 0
    assert sample(text, "marac_audit_checkpoint_age_seconds") >= 0
    assert sample(text, "marac_audit_witness_age_seconds") >= 0
    assert sample(text, "marac_audit_unwitnessed_records") > 0
