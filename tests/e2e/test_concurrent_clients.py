"""Eight clients at once against uvicorn on loopback, on a SQLite file and on PostgreSQL:
referrals (some with an Idempotency-Key, retried on purpose), case views, lists and shares.
No answer is a 5xx; every 201 is stored exactly once; nothing is stored without a 201, unless
its Idempotency-Key's replay returns it."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.audit import served
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from tests.api.conftest import referral_body

CLIENTS = 8
SECONDS = 4.0  # each client stops at this, or after OPERATIONS, whichever is first,
OPERATIONS = 60
AT_LEAST = 8  # but not before this many, so even a slow machine retries a keyed referral


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    created: list[str] = field(default_factory=list)  # ids of 201 answers, replays included
    unanswered: list[tuple[str, bytes]] = field(default_factory=list)  # (key, body) to replay
    # Each Idempotency-Key's answers: one case id however often it was sent.
    by_key: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def served_platform(settings: Settings, key_material: KeyMaterial
                    ) -> Iterator[tuple[Platform, LocalIssuer, int]]:
    issuer = LocalIssuer()
    platform = build_platform(settings, material=key_material, issuer=issuer)
    try:
        with served(platform) as port:
            yield platform, issuer, port
    finally:
        platform.close()


def _client(port: int, headers: dict[str, str], n: int, tally: Tally) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    mine: list[str] = []
    deadline = time.monotonic() + SECONDS

    def call(method: str, path: str, body: bytes | None = None,
             extra: dict[str, str] | None = None) -> tuple[int, Any]:
        nonlocal conn
        try:
            conn.request(method, path, body=body, headers={**headers, **(extra or {})})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with tally.lock:
                tally.statuses[0] += 1  # no answer at all
            return 0, None
        with tally.lock:
            tally.statuses[response.status] += 1
        return response.status, json.loads(data) if data else None

    for op in range(OPERATIONS):
        if op >= AT_LEAST and time.monotonic() > deadline:
            break
        kind = op % 4
        if kind == 0 or not mine:
            key = f"client-{n}-op-{op}" if op % 3 else None
            body = json.dumps(referral_body(surname=f"Concurrentxq{n:02d}{op:03d}")).encode()
            extra = {"Idempotency-Key": f'"{key}"'} if key else {}
            tries = 2 if key else 1  # a keyed referral is sent twice: a client's retry
            for _ in range(tries):
                status, answer = call("POST", "/api/v1/cases", body, extra)
                if status == 201:
                    with tally.lock:
                        tally.created.append(answer["id"])
                        if key:
                            tally.by_key.setdefault(key, set()).add(answer["id"])
                    mine.append(answer["id"])
                elif key:
                    with tally.lock:
                        tally.unanswered.append((key, body))
        elif kind == 1:
            call("GET", f"/api/v1/cases/{mine[op % len(mine)]}")
        elif kind == 2:
            call("GET", "/api/v1/cases?page_size=10")
        else:
            share = {"kind": "note", "text": "Checked in by phone.",
                     "audience": {"kind": "whole_case"}}
            call("POST", f"/api/v1/cases/{mine[-1]}/information", json.dumps(share).encode())
    conn.close()


def _stored_cases(platform: Platform) -> Counter[str]:
    """Case ids as the event store has them: one `Referred` event per case created."""
    notifications = platform.marac.recorder.select_notifications(start=1, limit=1_000_000)
    return Counter(str(n.originator_id) for n in notifications
                   if n.topic.endswith("Case.Referred"))


def test_eight_clients_get_no_5xx_and_nothing_is_stored_twice_or_unanswered(
        served_platform: tuple[Platform, LocalIssuer, int]) -> None:
    platform, issuer, port = served_platform
    area = platform.marac.create_area("wexshire", "Wexshire MARAC")
    agencies = [platform.marac.register_agency(area, code, code.title(), code, core=True)
                for code in ("police", "health")]
    platform.runner.catch_up()
    tally = Tally()
    threads = []
    for n in range(CLIENTS):
        token = issuer.issue({"sub": f"rep-{n}", "roles": ["representative"],
                              "area": str(area), "agency": str(agencies[n % 2])})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "X-Purpose": "research"}
        threads.append(threading.Thread(target=_client, args=(port, headers, n, tally)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not [s for s in tally.statuses if s >= 500 or s == 0], tally.statuses
    assert tally.statuses[201] >= CLIENTS  # the run did work
    stored = _stored_cases(platform)
    # A keyed referral without an answer: its key's replay returns what was stored.
    replayed = []
    for key, body in tally.unanswered:
        who = int(key.split("-")[1])
        token = issuer.issue({"sub": f"rep-{who}", "roles": ["representative"],
                              "area": str(area), "agency": str(agencies[who % 2])})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/v1/cases", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Idempotency-Key": f'"{key}"'})
        response = conn.getresponse()
        assert response.status == 201
        replayed.append(json.loads(response.read())["id"])
        tally.by_key.setdefault(key, set()).add(replayed[-1])
        conn.close()
    assert set(stored) == set(tally.created) | set(replayed)
    # Every referral sent is one case: a keyed one however often it was sent (its retry was
    # given the first answer), an unkeyed one once it was answered 201.
    assert all(len(ids) == 1 for ids in tally.by_key.values()), tally.by_key
    platform.runner.catch_up()
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT case_id FROM case_index")
        projected = [row[0] for row in cur.fetchall()]
    assert sorted(projected) == sorted(stored)
    # The keyed retries were answered with the first answer, not a second case.
    assert len(set(tally.created)) < len(tally.created)
