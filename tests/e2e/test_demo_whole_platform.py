"""The one-command demo runs the whole platform: started as `./dev demo` starts it, on a fresh
data directory, with nothing else started, a referral is followed by a webhook at a loopback
receiver, a signed and witnessed checkpoint that `marac audit verify` checks, and (the demo's
clock moved on) an overdue action escalated. Stopped with Ctrl-C, it leaves no process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from feeds.events import EVENT_TYPES
from tests.api.conftest import referral_body
from tests.e2e.test_demo_server import free_port

T = TypeVar("T")
MARAC = Path(sys.executable).with_name("marac")


def eventually(check: Callable[[], T | None], seconds: float = 60.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s")


class Receiver:
    """A webhook receiver on loopback: keeps each delivery's body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def processes_naming(marker: str) -> list[str]:
    """Live processes whose command line names `marker` (zombies, already ended, are not)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_the_demo_runs_worker_and_witness_and_stops_cleanly(tmp_path: Path,
                                                           receiver: Receiver) -> None:
    data_dir = tmp_path / "demo-data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    # The demo's default is 10 s; a second keeps the test short.
    env["MARAC_AUDIT_CHECKPOINT_SECONDS"] = "1"
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [str(MARAC), "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    lines: list[str] = []
    assert server.stderr is not None
    stderr = server.stderr
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")),
                              daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, timeout=10)
    try:
        started = eventually(lambda: next((line for line in lines
                                           if line.startswith("marac demo running")), None))
        # The start-up line says what runs, and where.
        assert f"API {base}/api/v1" in started
        for loop in ("projections", "feeds", "webhooks", "housekeeping"):
            assert loop in started
        witness = re.search(r"audit witness pid (\d+)", started)
        assert witness is not None
        assert processes_naming(str(data_dir / "witness"))

        def token(persona: str) -> dict[str, str]:
            answer = http.post("/dev/token", json={"persona": persona})
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        coordinator = token("coordinator")
        personas = {p["name"]: p for p in http.get("/dev/personas").json()}
        client = personas["police-integration"]
        police = client["agency_id"]
        granted = http.post("/dev/oauth/token", data={
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"]})
        integration = {"Authorization": f"Bearer {granted.json()['access_token']}"}

        # A webhook subscription for the police's case system, pointed at the receiver.
        subscribed = http.post("/api/v1/subscriptions", headers=coordinator, json={
            "client_id": client["client_id"], "agency_id": police,
            "event_types": list(EVENT_TYPES), "endpoint": receiver.url})
        assert subscribed.status_code == 201, subscribed.text
        activated = http.post(f"/api/v1/feeds/{subscribed.json()['id']}/activation",
                              headers=integration)
        assert activated.status_code == 201, activated.text

        today = date.fromisoformat(http.get("/dev/clock").json()["now"][:10])
        referred = http.post("/api/v1/cases", headers=token("police-officer"),
                             json=referral_body(referred_on=today))
        assert referred.status_code == 201, referred.text
        case_id = referred.json()["id"]

        # Delivered by the demo's own worker loops.
        eventually(lambda: any(b.get("case_id") == case_id for b in receiver.bodies))

        # An action due in three days, overdue once the demo's clock has moved on a week.
        assert http.post(f"/api/v1/cases/{case_id}/decision", headers=coordinator,
                         json={"outcome": "accept"}).status_code == 204
        agreed = http.post(f"/api/v1/cases/{case_id}/actions", headers=coordinator, json={
            "owner_agency_id": police, "for_whom": "victim", "description": "Door alarm",
            "due_on": (today + timedelta(days=3)).isoformat()})
        assert agreed.status_code == 201, agreed.text
        action_id = agreed.json()["id"]
        assert http.post("/dev/clock", json={"days": 7}).status_code == 200

        def escalated() -> bool:
            rows = http.get("/api/v1/actions", params={"scope": "overdue"},
                            headers=coordinator).json()
            return any(r["action_id"] == action_id and r["escalated"] for r in rows)

        eventually(escalated)

        # The trail signed and co-signed by the demo's own loops and witness.
        def verified() -> dict[str, Any] | None:
            done = subprocess.run(  # noqa: S603 - our own console script
                [str(MARAC), "audit", "--data-dir", str(data_dir), "verify", "--witness",
                 str(data_dir / "witness")], capture_output=True, text=True, env=env,
                check=False)
            report: dict[str, Any] = json.loads(done.stdout)
            return report if done.returncode == 0 and report["witnessed_size"] > 0 else None

        report = eventually(verified)
        assert report["ok"]
        assert report["checkpoints_checked"] > 0
        assert report["cosignatures_checked"] > 0
    finally:
        http.close()
        server.send_signal(signal.SIGINT)  # Ctrl-C
        code = server.wait(timeout=30)
        reader.join(timeout=10)
        stderr.close()
    assert code == 0
    assert processes_naming(str(data_dir)) == []
