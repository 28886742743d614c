"""The Quick start's demo server, started as a user would and asked for its health."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_marac_serve_demo_answers_on_a_fresh_data_dir(tmp_path: Path) -> None:
    port = free_port()
    marac = Path(sys.executable).with_name("marac")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [str(marac), "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=1
                ) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the demo server never answered its health"
        assert body["status"] == "ready", body
        assert set(body["checks"].values()) == {"ok"}, body
        base = f"http://127.0.0.1:{port}"
        token_request = urllib.request.Request(  # noqa: S310 - loopback
            f"{base}/dev/token", data=json.dumps({"persona": "coordinator"}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(token_request, timeout=5) as response:  # noqa: S310
            token = json.loads(response.read())["access_token"]
        cases_request = urllib.request.Request(  # noqa: S310 - loopback
            f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(cases_request, timeout=5) as response:  # noqa: S310
            assert json.loads(response.read())["total"] == 5
        keys = json.loads((tmp_path / "keys.json").read_text())
        assert keys["demo"] is True
        assert "DEMO KEYS" in keys["warning"]
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    # Logs are JSON lines with request ids.
    request_lines = [json.loads(line) for line in output.splitlines()
                     if line.startswith("{") and '"request"' in line]
    assert request_lines
    assert all("request_id" in line for line in request_lines)
