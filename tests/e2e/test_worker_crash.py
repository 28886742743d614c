"""Killing `marac worker` mid-delivery and starting it again loses no webhook: every event
arrives, at least once, and once each after de-duplication by `webhook-id`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from api.bootstrap import build_platform
from api.settings import Settings
from feeds.events import EVENT_TYPES
from feeds.webhooks import new_secret, verify
from tests.factories import area_with_agency, referral

CASES = 12


def start_worker(data_dir: Path) -> subprocess.Popen[bytes]:
    marac = Path(sys.executable).with_name("marac")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    return subprocess.Popen(  # noqa: S603 - our own console script
        [str(marac), "worker", "--demo", "--data-dir", str(data_dir), "--feed-poll", "0.05",
         "--poll", "0.2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    secret = new_secret()
    received: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verify(secret, headers, body, int(time.time()))
            time.sleep(0.15)  # slow enough that a kill lands mid-delivery
            with lock:
                received.append((headers["webhook-id"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    worker: subprocess.Popen[bytes] | None = None
    try:
        area, agency = area_with_agency(platform.marac)
        subscription = platform.feeds.subscribe(
            client_id="police-cms", agency_id=agency, area_id=area,
            event_types=frozenset(EVENT_TYPES), secret=new_secret(),
            now=platform.now(), endpoint=f"http://127.0.0.1:{server.server_address[1]}/hook")
        platform.feeds.activate(subscription, secret, 0)
        cases = [platform.marac.refer(referral(area, agency)) for _ in range(CASES)]
        worker = start_worker(tmp_path)
        deadline = time.monotonic() + 30
        while len(received) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # no clean shutdown: as a crash would be
        worker.wait(timeout=10)
        assert 0 < len(received) < CASES
        worker = start_worker(tmp_path)
        # The dead worker's delivery lease (15 s) lapses, then the new one carries on.
        deadline = time.monotonic() + 45
        while len({i for i, _ in received}) < CASES and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=10)
        server.shutdown()
        server.server_close()
        platform.close()
    first: dict[str, dict[str, Any]] = {}
    for webhook_id, event in received:
        first.setdefault(webhook_id, event)
    assert [e["case_id"] for e in first.values()] == [str(c) for c in cases]
    assert all(e["type"] == "case.referred.v1" for e in first.values())
    assert len(received) - len(first) <= 1  # at most the one in flight, sent again
