"""Webhook delivery lag and pull throughput, with their floors measured in the same run.

`webhook_lag_p50_ms` / `webhook_lag_p99_ms`: referrals are committed at a target rate, from
`clients` threads, while the worker's own loops run (the case views and the outbox projector
woken by NOTIFY on PostgreSQL, polling on SQLite, and the webhook deliverer, one thread per
subscription); the lag
is from each referral's commit to its signed webhook arriving at a receiver on loopback.
`achieved_rate_per_s` is what was committed over the wall time it took (a machine that cannot
keep up commits fewer a second than asked, and the lag then says little about the rate asked
for); `delivered_rate_per_s` the webhooks that arrived over the time from the first commit to
the last arrival. With `hanging`, a second subscription's receiver accepts and never answers,
throughout: its lag must not become the others'. The floors: `baseline_post_p50_ms`, a signed
POST of the same size straight to the same receiver, and `baseline_commit_p50_ms`, a referral's
own commit, measured alone before the run; the lag is also given as a ratio to their sum.
`pull_events_per_s`: the whole outbox read through
`GET /api/v1/feeds/{id}/events` served by uvicorn with a real token (each page audited),
against reading the same number of notifications from the bare event log.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.audit import served
from bench.databases import ScratchDatabases
from bench.machine import machine
from bench.read import bench_referral
from feeds.delivery import WebhookDeliverer
from feeds.events import EVENT_TYPES
from feeds.visibility import Gate
from feeds.webhooks import deliver, headers, new_secret
from security.issuer import LocalIssuer
from security.kek import KeyMaterial


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # As receivers are (any current HTTP server): connections kept open between
            # requests, so that a deliverer may carry a batch on one (Python's default is 1.0).
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                receiver.arrived.setdefault(str(body["case_id"]), time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hanging:
    """A receiver that accepts connections and never answers (a dead subscriber)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class FeedsBenchmark:
    def __init__(self, backend: str, database_url: str | None, events: int,
                 rate: float, *, clients: int = 2, hanging: bool = True) -> None:
        self.backend = backend
        self.database_url = database_url
        self.events = events
        self.rate = rate
        self.clients = clients
        self.hanging = hanging

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            issuer = LocalIssuer()
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("feeds"), demo=True),
                material=KeyMaterial.generate(demo=True), issuer=issuer)
            receiver = Receiver()
            try:
                return self._run(platform, issuer, receiver)
            finally:
                receiver.close()
                platform.close()

    def _run(self, platform: Platform, issuer: LocalIssuer,
             receiver: Receiver) -> dict[str, Any]:
        app = platform.marac
        area = app.create_area("benchshire", "Benchshire MARAC")
        agency = app.register_agency(area, "police", "Benchshire Police", "police", core=True)
        commit_floor = self._baseline_commit(platform, area, agency)
        start = app.recorder.max_notification_id() or 0  # the feeds hear of the run only
        secret = new_secret()
        subscription = platform.feeds.subscribe(
            client_id="police-cms", agency_id=agency, area_id=area,
            event_types=frozenset(EVENT_TYPES), endpoint=receiver.url, secret=new_secret(),
            now=platform.now())
        platform.feeds.activate(subscription, secret, start)
        hanging = Hanging() if self.hanging else None
        if hanging is not None:  # subscribed first: a deliverer taking turns would wait on it
            dead = platform.feeds.subscribe(
                client_id="police-archive", agency_id=agency, area_id=area,
                event_types=frozenset(EVENT_TYPES), endpoint=hanging.url, secret=new_secret(),
                now=platform.now())
            platform.feeds.activate(dead, new_secret(), start)
        platform.feed_runner.catch_up()
        floor = self._baseline_post(receiver, secret)
        committed: dict[str, float] = {}
        stop = threading.Event()
        gate = Gate(platform.cases, platform.blind_index, platform.runner.catch_up,
                    platform.now)
        deliverer = WebhookDeliverer(platform.feeds, platform.audit, platform.now, gate,
                                     allow_private=True)
        # As `marac worker` runs them (api/background.py): the case views (which the gate
        # reads), the outbox and the deliverer, each in a loop of its own.
        threads = [threading.Thread(target=platform.runner.run, args=(stop, 1.0), daemon=True),
                   threading.Thread(target=platform.feed_runner.run, args=(stop, 0.05),
                                    daemon=True),
                   threading.Thread(target=deliverer.run, args=(stop, 0.02), daemon=True)]
        for thread in threads:
            thread.start()
        load_before = os.getloadavg()
        try:
            started = time.perf_counter()
            submitters = [threading.Thread(target=self._submit, args=(
                platform, (area, agency), k, started, committed)) for k in range(self.clients)]
            for submitter in submitters:
                submitter.start()
            for submitter in submitters:
                submitter.join()
            submitted = time.perf_counter() - started
            deadline = time.perf_counter() + 60
            while (not all(c in receiver.arrived for c in committed)
                   and time.perf_counter() < deadline):
                time.sleep(0.01)
            drained = max((receiver.arrived[c] for c in committed if c in receiver.arrived),
                          default=started) - started
        finally:
            stop.set()
            if hanging is not None:
                hanging.close()  # its attempt under way fails now, rather than in 10 s
            for thread in threads:
                thread.join(timeout=15)
        load_after = os.getloadavg()
        lags = [(receiver.arrived[c] - t) * 1000 for c, t in committed.items()
                if c in receiver.arrived]
        pull = self._pull(platform, issuer, subscription, agency, area)
        p99 = _percentile(lags, 0.99)
        return {
            "benchmark": "feeds",
            "backend": platform.database.dialect,
            "machine": machine(),
            "load_average_1m": {"before": round(load_before[0], 2),
                                "after": round(load_after[0], 2)},
            "config": {"events": self.events, "rate_per_s_asked": self.rate,
                       "clients": self.clients, "hanging_subscriber": self.hanging,
                       "delivered": len(lags)},
            "achieved_rate_per_s": round(len(committed) / submitted, 1),
            "delivered_rate_per_s": round(len(lags) / drained, 1) if drained else None,
            "webhook_lag_p50_ms": round(statistics.median(lags), 1),
            "webhook_lag_p99_ms": round(p99, 1),
            "webhook_lag_max_ms": round(max(lags), 1),
            "baseline_post_p50_ms": round(floor, 2),
            "baseline_commit_p50_ms": round(commit_floor, 2),
            "webhook_lag_p99_to_baseline": round(p99 / (floor + commit_floor), 1),
            **pull,
        }

    def _submit(self, platform: Platform, place: tuple[UUID, UUID], client: int,
                started: float, committed: dict[str, float]) -> None:
        """Every `clients`-th referral, each at its due time on the shared schedule (at once
        when behind it: the achieved rate says so)."""
        area, agency = place
        for n in range(client, self.events, self.clients):
            due = started + n / self.rate
            time.sleep(max(0.0, due - time.perf_counter()))
            case_id = platform.marac.refer(bench_referral(area, agency, self.events + n))
            committed[str(case_id)] = time.perf_counter()

    def _baseline_commit(self, platform: Platform, area: UUID, agency: UUID) -> float:
        """A referral's commit alone, nothing else running: the write that the lag starts
        from (before any subscription: nobody hears of these)."""
        times = []
        for n in range(20):
            started = time.perf_counter()
            platform.marac.refer(bench_referral(area, agency, n))
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def _baseline_post(self, receiver: Receiver, secret: str) -> float:
        body = json.dumps({"case_id": "baseline", "type": "case.referred.v1"}).encode()
        times = []
        for n in range(50):
            signed = headers([secret], f"msg_{n}", int(time.time()), body)
            started = time.perf_counter()
            deliver(receiver.url, signed, body, allow_private=True)
            times.append((time.perf_counter() - started) * 1000)
        receiver.arrived.pop("baseline", None)
        return statistics.median(times)

    def _pull(self, platform: Platform, issuer: LocalIssuer, subscription: UUID, agency: UUID,
              area: UUID) -> dict[str, Any]:
        token = issuer.issue({"sub": "police-cms", "client_id": "police-cms",
                              "scope": "cases:read", "agency": str(agency), "area": str(area)})
        auth = {"Authorization": f"Bearer {token}"}
        with served(platform) as port:
            client = http.client.HTTPConnection("127.0.0.1", port)
            try:
                pulled, after = 0, 0
                started = time.perf_counter()
                while True:
                    client.request("GET", f"/api/v1/feeds/{subscription}/events"
                                   f"?after={after}&limit=500", headers=auth)
                    response = client.getresponse()
                    page = json.loads(response.read())
                    if response.status != 200:
                        raise RuntimeError(f"pull answered {response.status}")
                    if not page["events"]:
                        break
                    pulled += len(page["events"])
                    after = page["next_after"]
                pull_s = time.perf_counter() - started
            finally:
                client.close()
        started = time.perf_counter()
        read, position = 0, None
        while read < pulled:
            batch = platform.marac.recorder.select_notifications(
                start=position, limit=500, inclusive_of_start=False)
            if not batch:
                break
            read += len(batch)
            position = batch[-1].id
        log_s = time.perf_counter() - started
        return {"pull_events": pulled,
                "pull_events_per_s": round(pulled / pull_s),
                "baseline_log_read_per_s": round(read / log_s) if log_s else None}
