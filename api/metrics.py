"""Prometheus metrics, served on a port of their own (MARAC_METRICS_PORT), never by the public
app: each process serves what it measures — the API its requests, the worker its loops (the
demo's one process both). No label holds an id or a raw path: routes are their templates."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from audit import witness

if TYPE_CHECKING:
    from api.bootstrap import Platform

log = structlog.get_logger("metrics")

# Seconds. Requests: from a cached read (ms) to a PDF (seconds). Webhooks: the goal is a
# p99 under 1 s from an event to its receipt; retries with backoff take minutes.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class Metrics:
    """One process's instruments. Made with no registry: a process registers those it
    serves (`registry`), so two platforms in one test process never collide."""

    def __init__(self) -> None:
        self.requests = Histogram(
            "marac_http_request_duration_seconds",
            "Time to answer a request, by method, route template and status",
            ["method", "route", "status"], buckets=REQUEST_BUCKETS, registry=None)
        self.webhook_latency = Histogram(
            "marac_webhook_delivery_latency_seconds",
            "From an integration event's time to its webhook delivery",
            buckets=DELIVERY_BUCKETS, registry=None)

    def registry(self, platform: Platform, *, api: bool, worker: bool) -> CollectorRegistry:
        registry = CollectorRegistry()
        registry.register(AuditCollector(platform))
        if api:
            registry.register(self.requests)
        if worker:
            registry.register(self.webhook_latency)
            registry.register(WorkerCollector(platform))
        return registry


class AuditCollector(Collector):
    """Audit records this process could not write (each failed its request, fail closed)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self) -> Iterable[Metric]:
        failures = CounterMetricFamily(
            "marac_audit_append_failures", "Audit records this process could not write")
        failures.add_metric([], self.platform.audit.append_failures)
        yield failures


class WorkerCollector(Collector):
    """What the worker's loops keep up with, read from the database at each scrape: a gauge
    that cannot be read (the database is down) is left out, and the scrape goes on."""

    def __init__(self, platform: Platform, now: Callable[[], datetime] | None = None) -> None:
        self.platform = platform
        # Wall-clock time: checkpoints and co-signatures are stamped with it, even in the demo
        # whose platform clock may be moved on.
        self.now = now or (lambda: datetime.now(UTC))

    def collect(self) -> Iterable[Metric]:
        for part in (self._projections, self._webhooks, self._checkpoints, self._witness):
            try:
                yield from part()
            except Exception as exc:  # one gauge unread is no reason to fail the scrape
                log.warning("metric_unavailable", metric=part.__name__.strip("_"),
                            error_type=type(exc).__name__)

    def _projections(self) -> Iterator[Metric]:
        p = self.platform
        lag = GaugeMetricFamily("marac_projection_lag_events",
                                "Events recorded that a read model or outbox has not taken in",
                                labels=["projection"])
        for runner in (p.runner, p.feed_runner, p.report_runner, p.notice_runner):
            lag.add_metric([runner.projector.name], runner.lag())
        yield lag

    def _webhooks(self) -> Iterator[Metric]:
        backlog = self.platform.feeds.backlog()
        yield _gauge("marac_webhook_undelivered_events",
                     "Events active webhook subscriptions have still to deliver",
                     backlog.undelivered)
        oldest = ((self.platform.now() - backlog.oldest).total_seconds()
                  if backlog.oldest else 0.0)
        yield _gauge("marac_webhook_oldest_undelivered_seconds",
                     "Age of the oldest event not yet delivered by webhook (outbox lag)",
                     max(oldest, 0.0))
        yield _gauge("marac_webhook_dead_letters",
                     "Events whose webhook retry budget ran out, until replayed",
                     backlog.dead_letters)

    def _checkpoints(self) -> Iterator[Metric]:
        size, _ = self.platform.audit.head()
        latest = self.platform.checkpoints.latest()
        signed = latest[0] if latest else 0
        yield _gauge("marac_audit_unsigned_records",
                     "Audit records after the newest signed checkpoint", max(size - signed, 0))
        if latest is not None:
            yield _gauge("marac_audit_checkpoint_age_seconds",
                         "Seconds since the newest audit checkpoint was signed",
                         (self.now() - latest[1]).total_seconds())

    def _witness(self) -> Iterator[Metric]:
        directory = self.platform.audit_witness_dir
        seen = witness.progress(directory) if directory is not None else None
        if seen is None:
            return  # no witness this process may read
        latest = self.platform.checkpoints.latest()
        yield _gauge("marac_audit_unwitnessed_records",
                     "Audit records signed but not yet co-signed by the witness",
                     max((latest[0] if latest else 0) - seen.witnessed_size, 0))
        yield _gauge("marac_audit_witness_age_seconds",
                     "Seconds since the witness last co-signed a checkpoint",
                     (self.now() - seen.changed_at).total_seconds())


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


@dataclass
class MetricsServer:
    """The metrics port: `stop()` closes it."""

    server: WSGIServer
    thread: threading.Thread
    host: str

    @property
    def url(self) -> str:
        """Where a scraper finds them (the port as bound: MARAC_METRICS_PORT=0 takes any)."""
        return f"http://{self.host}:{self.server.server_port}/metrics"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(platform: Platform, *, api: bool, worker: bool) -> MetricsServer | None:
    """Start the metrics port if MARAC_METRICS_PORT is set; None if it is not (the default)."""
    settings = platform.settings
    if settings.metrics_port is None:
        return None
    server, thread = start_http_server(
        settings.metrics_port, settings.metrics_host,
        registry=platform.metrics.registry(platform, api=api, worker=worker))
    found = MetricsServer(server, thread, settings.metrics_host)
    log.info("metrics_serving", url=found.url)
    return found
