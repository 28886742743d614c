"""HTTP clients that POST referrals as fast as they are answered, in a process of their own.

Kept to the standard library and run in a separate process (spawned), so that the clients do
not share the server's interpreter lock: what is measured is the server, not the clients
competing with it for the same core.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing.queues import Queue
from typing import Any


def referral(n: int) -> dict[str, Any]:
    """An invented referral: every name carries a nonsense suffix."""
    return {
        "referred_on": (date(2026, 1, 1) + timedelta(days=n % 300)).isoformat(),
        "subjects": [
            {"role": "victim", "forenames": "Philippaxq", "surname": f"Loadvictimxq{n:06d}",
             "date_of_birth": "1987-03-14", "address": "17 Larkspurxq Crescent"},
            {"role": "perpetrator", "forenames": "Dorianxq", "surname": f"Loadperpxq{n:06d}",
             "date_of_birth": "1984-11-02"},
        ],
        "incident_summary": "Strangulation disclosed after an argument.",
        "risk_assessment": {"version": "2009", "answers": {}},
        "criteria": {"visible_high_risk": True},
        "consent": {"status": "given"},
        "victim_informed": "yes",
        "idva_referral_made": True,
    }


@dataclass(frozen=True)
class Phase:
    port: int
    tokens: list[str]  # one client per token
    answers: dict[str, dict[str, str]]  # the DASH RIC's
    seconds: float
    index: int  # every referral of every phase is a different one, with a key of its own
    keyed: bool


def clients(phase: Phase, results: Queue[dict[str, Any]]) -> None:
    """One thread per token, each with a kept-alive connection, POSTing referrals until
    `seconds` have passed; puts {"statuses": {...}, "created": [...], "latencies": [...],
    "seconds": s}."""
    port, tokens, answers, seconds = phase.port, phase.tokens, phase.answers, phase.seconds
    statuses: Counter[int] = Counter()
    created: list[str] = []
    latencies: list[float] = []  # seconds, each request's, whatever its answer
    lock = threading.Lock()
    start = threading.Barrier(len(tokens) + 1)
    stop_at = [0.0]

    def client(n: int, token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        sent = 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            body = referral(phase.index * 100_000 + n * 10_000 + sent)
            body["risk_assessment"]["answers"] = answers
            extra = ({"Idempotency-Key": f'"load-{phase.index}-{n}-{sent}"'} if phase.keyed
                     else {})
            sent += 1
            asked = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/cases", body=json.dumps(body),
                             headers={**headers, **extra})
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, data = 0, b""
            else:
                status = response.status
            took = time.perf_counter() - asked
            with lock:
                latencies.append(took)
                statuses[status] += 1
                if status == 201:
                    created.append(json.loads(data)["id"])
        conn.close()

    threads = [threading.Thread(target=client, args=(n, t)) for n, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    results.put({"statuses": dict(statuses), "created": created, "latencies": latencies,
                 "seconds": time.perf_counter() - began})
