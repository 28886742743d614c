"""Scale-out: two `marac serve` and two `marac worker` processes on one PostgreSQL database,
under load from clients calling both APIs at once. Nothing is lost and nothing duplicated:
each case is listed and viewed once, with what was referred; the report counts what was
submitted; each feed event reaches its subscriber once after de-duplication, in order per
case; every write is audited once, and the audit chain verifies.

The processes are the installed console script, configured as in production: keys from the
environment (a secret store's MARAC_KEYS_JSON), tokens checked against an identity provider's
published key set, a database migrated before they start, the partnership applied from its
file, the checkpoint export and shred ledger shared as docker-compose.yml's volumes are. One
exception: the workers run with `--demo`, because outside demo mode a webhook target must be
https on a public address and the receiver here is plain HTTP on loopback. Their keys are
still the production keys the APIs use: given keys, demo mode makes none of its own. The
webhook subscriptions are made by the operator's platform for the same reason (the API, outside
demo mode, refuses a loopback target).

The database is a schema of its own on the test server, as the rest of the suite's are:
dropping a whole database forces a checkpoint of the cluster (about 5 to 12 s measured here
on a busy machine), dropping a schema does not.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from api.bootstrap import Platform, build_platform
from api.heartbeat import heartbeat_path
from api.settings import Settings
from audit.checkpoints import CheckpointSigner
from audit.signing_key import SigningKey
from feeds.events import EVENT_TYPES
from feeds.webhooks import new_secret, verify
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from services.partnership import apply_partnership, operator_listing
from services.partnership_file import read_partnership_file
from services.system import SystemJob, operator
from storage.database import Database
from storage.migrations import upgrade
from tests.api.conftest import referral_body
from tests.conftest import fresh_database
from tests.e2e.test_demo_server import free_port

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
MARAC = Path(sys.executable).with_name("marac")
AREA = "wex-north"
REFERRERS = ("police", "idva")  # each agency's integration has a webhook subscription
CLIENTS = 4  # threads, each referring through both APIs
CASES_PER_CLIENT = 5
WAIT = 180.0  # seconds the processes have to start, and then to catch up (a busy machine)
NOTE = "Checked in by phone."


@pytest.fixture
def scale_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgres", request, tmp_path)


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def key_set(issuer: LocalIssuer) -> type[BaseHTTPRequestHandler]:
    """The identity provider's published key set, as `marac dev-idp serve` publishes it."""
    body = json.dumps(issuer.jwks()).encode()

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    return KeySet


@dataclass
class Receiver:
    """The subscribers' webhook receivers (one path each): what arrived, in order, and how
    many deliveries failed their signature check."""

    secrets: dict[str, str] = field(default_factory=dict)
    arrived: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    verify(receiver.secrets[self.path], dict(self.headers.items()), body,
                           int(time.time()))
                    event = json.loads(body)
                    good = event["id"] == self.headers["webhook-id"]
                except Exception:
                    good = False
                with receiver.lock:
                    if good:
                        receiver.arrived.setdefault(self.path, []).append(event)
                    else:
                        receiver.refused += 1
                self.send_response(204 if good else 400)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        return Hook

    def distinct(self, path: str) -> int:
        with self.lock:
            return len({e["id"] for e in self.arrived.get(path, [])})


@dataclass
class Deployment:
    """The four processes, each with a data directory of its own, and a token issuer."""

    env: dict[str, str]
    base: Path
    issuer: LocalIssuer
    api_ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, *args: str) -> None:
        data = self.base / name
        data.mkdir()
        with (data / "process.log").open("wb") as out:
            self.processes.append((name, subprocess.Popen(  # noqa: S603 - our console script
                [str(MARAC), *args, "--data-dir", str(data)], env=self.env, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)))

    def stop(self) -> None:
        for _, process in self.processes:
            process.terminate()
        for _, process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            if process.poll() is None:
                process.kill()
                process.wait()

    def log_lines(self) -> dict[str, list[str]]:
        return {name: (self.base / name / "process.log").read_text(errors="replace")
                .splitlines() for name, _ in self.processes}

    def tails(self) -> str:
        return "\n".join(f"== {name}\n" + "\n".join(lines[-15:])
                         for name, lines in self.log_lines().items())

    def token(self, sub: str, role: str, agency: str | None = None) -> str:
        claims: dict[str, Any] = {"sub": sub, "area": AREA, "roles": [role]}
        if agency is not None:
            claims["agency"] = agency
        return self.issuer.issue(claims, 3600)

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Until `condition`, failing at once if a process ends (or after WAIT)."""
        deadline = time.monotonic() + WAIT
        while not condition():
            for name, process in self.processes:
                assert process.poll() is None, f"{name} ended\n{self.tails()}"
            assert time.monotonic() < deadline, f"{what}: not within {WAIT} s\n{self.tails()}"
            time.sleep(0.1)


Answer = tuple[int, Any]


def call(port: int, method: str, path: str, token: str, body: Any = None, *,
         headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health",
                                    timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Submitted:
    """What the clients were told was done: case id -> (referring agency, victim's surname);
    and any answer that was not what the API promises."""

    cases: dict[str, tuple[str, str]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expect(self, what: str, answer: Answer, *statuses: int) -> None:
        if answer[0] not in statuses:
            with self.lock:
                self.wrong.append(f"{what}: {answer}")


def both_at_once(ports: tuple[int, int], send: Callable[[int], Answer]) -> list[Answer]:
    answers: list[Answer] = []
    other = threading.Thread(target=lambda: answers.append(send(ports[1])))
    other.start()
    answers.append(send(ports[0]))
    other.join()
    return answers


def client(deployment: Deployment, n: int, today: date, submitted: Submitted) -> None:
    """One client's referrals, each sent to both APIs at once under one Idempotency-Key (a
    client retrying through the load balancer), sent again once answered, then followed up
    through both: a note shared by the referrer, and the coordinator's acceptance."""
    agency = REFERRERS[n % len(REFERRERS)]
    rep = deployment.token(f"rep-{n}", "representative", agency)
    coordinator = deployment.token(f"coordinator-{n}", "coordinator", "police")
    for i in range(CASES_PER_CLIENT):
        here, there = deployment.api_ports[(n + i) % 2], deployment.api_ports[(n + i + 1) % 2]
        surname = f"Scaleoutxq{n:02d}{i:02d}"
        body = referral_body(surname=surname, referred_on=today)
        key = {"Idempotency-Key": f'"client-{n}-referral-{i}"'}

        def refer(port: int, body: Any = body, key: dict[str, str] = key) -> Answer:
            return call(port, "POST", "/cases", rep, body, headers=key)

        answers = both_at_once((here, there), refer)
        made = {a[1]["id"] for a in answers if a[0] == 201}
        for answer in answers:  # the other is the first answer again, or still in flight
            submitted.expect("referral", answer, 201, 409)
        if len(made) != 1:
            submitted.wrong.append(f"referral {n}/{i}: {answers}")
            continue
        (case_id,) = made
        with submitted.lock:
            submitted.cases[case_id] = (agency, surname)
        again = refer(there)
        submitted.expect("referral again", again, 201)
        if again[0] == 201 and again[1]["id"] != case_id:
            submitted.wrong.append(f"referral again made {again[1]['id']}, not {case_id}")
        note = {"kind": "note", "text": NOTE, "audience": {"kind": "whole_case"}}
        submitted.expect("note", call(there, "POST", f"/cases/{case_id}/information", rep,
                                      note, headers={"X-Purpose": "research"}), 201)
        submitted.expect("decision", call(here if i % 2 else there, "POST",
                                          f"/cases/{case_id}/decision", coordinator,
                                          {"outcome": "accept"}), 204)


def caught_up(platform: Platform) -> bool:
    return all(runner.lag() == 0 for runner in (
        platform.runner, platform.feed_runner, platform.report_runner, platform.notice_runner))


def listed(port: int, token: str) -> tuple[list[str], int]:
    """Every page of the case list (small pages, so that the cursor is followed)."""
    ids: list[str] = []
    cursor = ""
    while True:
        status, page = call(port, "GET", f"/cases?page_size=7{cursor}", token)
        assert status == 200, page
        ids += [item["case_id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids, page["total"]
        cursor = f"&cursor={page['next_cursor']}"


def set_up(platform: Platform, receiver: Receiver, endpoint: str) -> None:
    """The partnership from its file, and a webhook subscription for each referring agency's
    integration, taken on before any referral (as an operator and the agencies would)."""
    job = SystemJob.named(platform.audit, platform.now, operator("scale-out-test"))
    apply_partnership(platform, job, read_partnership_file(
        (ROOT / "examples" / "partnership.yaml").read_text()))
    _, agencies = operator_listing(platform, job)
    ours = {a.code: a for a in agencies if a.area_code == AREA}
    for code in REFERRERS:
        secret = new_secret()
        receiver.secrets[f"/{code}"] = secret
        subscription = platform.feeds.subscribe(
            client_id=f"{code}-cms", agency_id=ours[code].id, area_id=ours[code].area_id,
            event_types=frozenset(EVENT_TYPES), secret=secret, now=platform.now(),
            endpoint=f"{endpoint}/{code}")
        platform.feeds.activate(subscription, secret,
                                platform.marac.recorder.max_notification_id() or 0)


Cases = dict[str, tuple[str, str]]


def check_cases(deployment: Deployment, platform: Platform, cases: Cases) -> None:
    """The case list and each case's view, through both APIs; the event store holds one
    referral of each, and no other."""
    coordinator = deployment.token("coordinator-check", "coordinator", "police")
    for port in deployment.api_ports:
        ids, total = listed(port, coordinator)
        assert Counter(ids) == Counter(list(cases)), ids
        assert total == len(cases)
    for n, (case_id, (agency, surname)) in enumerate(sorted(cases.items())):
        status, view = call(deployment.api_ports[n % 2], "GET", f"/cases/{case_id}",
                            coordinator, headers={"X-Purpose": "supervision"})
        assert status == 200, view
        assert view["summary"]["status"] == "accepted"
        assert view["summary"]["referring_agency_code"] == agency
        assert [s["surname"] for s in view["referral"]["subjects"]
                if s["role"] == "victim"] == [surname]
        assert [item["text"] for item in view["items"]] == [NOTE]
    referred = Counter(str(n.originator_id) for n in platform.marac.recorder
                       .select_notifications(start=1, limit=100_000)
                       if n.topic.endswith("Case.Referred"))
    assert referred == Counter(list(cases))


def check_report(deployment: Deployment, cases: Cases, today: date) -> None:
    """The report counts what was referred, by whom, and what was accepted."""
    officer = deployment.token("officer-check", "performance_officer")
    status, report = call(deployment.api_ports[1], "GET",
                          f"/reports/indicators?start={today}&end={today}&disclosure=exact",
                          officer)
    assert status == 200, report
    referrals = report["figures"]["referrals"]
    assert referrals["total"] == referrals["meeting_threshold"] == len(cases)
    by_agency = Counter(agency for agency, _ in cases.values())
    assert {a: n for a, n in referrals["by_agency"].items() if n} == by_agency


def check_feeds(platform: Platform, receiver: Receiver, expected: dict[str, set[str]]) -> None:
    """Each event queued once per subscriber; delivered at least once, and after
    de-duplication by its id exactly once, in order for each case."""
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT subscription_id, event_id, COUNT(*) FROM feed_outbox"
                    " GROUP BY subscription_id, event_id HAVING COUNT(*) > 1")
        assert cur.fetchall() == []
    assert receiver.refused == 0
    for path, ids in expected.items():
        first: dict[str, dict[str, Any]] = {}
        for event in receiver.arrived[path]:
            first.setdefault(event["id"], event)
        by_case: dict[str, list[str]] = {}
        for event in first.values():
            by_case.setdefault(event["case_id"], []).append(event["type"])
        assert by_case == {c: ["case.referred.v1", "case.accepted.v1"] for c in ids}


def check_audit(deployment: Deployment, platform: Platform, cases: Cases,
                signing_key: SigningKey) -> None:
    """Each write recorded once, and the chain verifies: through an API, as its data
    protection officer asks (the same check as `marac audit verify`)."""
    records = platform.audit.records()
    for action in ("create", "decide"):
        allowed = Counter(r["case_id"] for r in records
                          if r["action"] == action and r["outcome"] == "allowed")
        assert allowed == Counter(list(cases)), action
    dpo = deployment.token("dpo-check", "dpo")
    status, verified = call(deployment.api_ports[0], "GET", "/audit/verification", dpo)
    assert status == 200, verified
    assert verified["ok"], verified
    assert verified["records"] >= len(records)
    assert verified["checkpoints_checked"] >= 1
    signer = CheckpointSigner.from_private_key(signing_key.private_key)
    assert verified["last_checkpoint"]["key_id"] == signer.key_id


def test_two_apis_and_two_workers_lose_and_duplicate_nothing(
        scale_database: str, tmp_path: Path) -> None:
    idp_port = free_port()
    issuer = LocalIssuer(f"http://127.0.0.1:{idp_port}/dev-idp", "marac-api")
    idp = ThreadingHTTPServer(("127.0.0.1", idp_port), key_set(issuer))
    threading.Thread(target=idp.serve_forever, daemon=True).start()
    receiver = Receiver()
    hooks = serve(receiver.handler())
    signing_key = SigningKey.generate(demo=False)
    settings = {
        "database_url": scale_database,
        "keys_json": KeyMaterial.generate(demo=False).to_json(),
        "audit_signing_key_json": signing_key.to_json(),
        # Shared by every process, as docker-compose.yml's volumes are.
        "audit_checkpoint_dir": str(tmp_path / "checkpoints"),
        "shred_ledger_file": str(tmp_path / "ledger" / "shred-ledger.jsonl"),
        # Often, so that both workers sign checkpoints while the trail grows.
        "audit_checkpoint_seconds": "1",
        "oidc_issuer": issuer.issuer, "oidc_audience": issuer.audience,
        "oidc_jwks_url": f"http://127.0.0.1:{idp_port}/jwks.json",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    env.update({f"MARAC_{k.upper()}": v for k, v in settings.items()})
    # This checkout's code, as the test's own (an editable install may point elsewhere).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    database = Database(scale_database, pool_size=1)
    try:
        upgrade(database)  # `marac db upgrade`: before any process starts
    finally:
        database.close()
    deployment = Deployment(env, tmp_path, issuer)
    platform: Platform | None = None
    try:
        # All five start at once (the test's own platform is the operator's): seeding the
        # KEK roster and registering the read models' tracking rows race, as in a roll-out.
        for n, port in enumerate(deployment.api_ports):
            deployment.start(f"api-{n}", "serve", "--port", str(port))
        for n in range(2):
            deployment.start(f"worker-{n}", "worker", "--demo", "--feed-poll", "0.05",
                             "--poll", "0.2")
        platform = build_platform(Settings(data_dir=tmp_path / "operator", **settings))  # type: ignore[arg-type]
        set_up(platform, receiver, f"http://127.0.0.1:{hooks.server_address[1]}")
        deployment.wait_for(lambda: all(healthy(p) for p in deployment.api_ports),
                            "the APIs answer")
        deployment.wait_for(lambda: all(heartbeat_path(tmp_path / f"worker-{n}").exists()
                                        for n in range(2)), "the workers beat")

        today = datetime.now(UTC).date()
        submitted = Submitted()
        clients = [threading.Thread(target=client, args=(deployment, n, today, submitted))
                   for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        assert not submitted.wrong, submitted.wrong
        cases = submitted.cases
        assert len(cases) == CLIENTS * CASES_PER_CLIENT
        # Each referring agency's integration hears of its own cases: referred, accepted.
        expected = {f"/{code}": {c for c, (a, _) in cases.items() if a == code}
                    for code in REFERRERS}
        deployment.wait_for(lambda: caught_up(platform) and all(
            receiver.distinct(path) >= 2 * len(ids) for path, ids in expected.items()),
            "the workers catch up")

        check_cases(deployment, platform, cases)
        check_report(deployment, cases, today)
        check_feeds(platform, receiver, expected)
        check_audit(deployment, platform, cases, signing_key)
    finally:
        deployment.stop()
        if platform is not None:
            platform.close()
        for server in (idp, hooks):
            server.shutdown()
            server.server_close()
    # Nothing failed in any process, not even a pass that a later one would have mended.
    errors = {name: [line for line in lines if '"level": "error"' in line]
              for name, lines in deployment.log_lines().items()}
    assert not any(errors.values()), errors
