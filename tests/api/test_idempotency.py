"""Idempotency-Key on POSTs (draft-ietf-httpapi-idempotency-key-header), on SQLite and
PostgreSQL: a retry gets the first answer; another request under the same key is a 422; the
first still running is a 409; keys expire after 24 hours on the platform's clock; a 5xx is not
kept; a retry after a crash between the write and the key's answer makes no second case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.idempotency_store import (
    IN_FLIGHT_LEASE,
    KEPT_FOR,
    Answer,
    InFlight,
    Mismatch,
    Proceed,
    Replay,
)
from audit.trail import AuditRecord, AuditTrail, AuditUnavailable
from projections.runner import ProjectionRunner
from storage.transient import StorageBusy
from tests.api.conftest import Clock, World, bearer, referral_body


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": f'"{key}"'}


def stored_cases(platform: Platform) -> list[str]:
    notifications = platform.marac.recorder.select_notifications(start=1, limit=100_000)
    return [str(n.originator_id) for n in notifications if n.topic.endswith("Case.Referred")]


def test_a_retry_with_the_same_key_gets_the_first_answer_and_makes_no_second_case(
        client: TestClient, world: World, api_platform: Platform) -> None:
    headers = keyed(world.rep("police"), "referral-0001")
    first = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    again = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert stored_cases(api_platform) == [first.json()["id"]]
    # The replay is a request of its own, audited against the first one's case.
    last = api_platform.audit.records()[-1]
    assert (last["action"], last["outcome"], last["case_id"]) == (
        "replay_answer", "replayed", first.json()["id"])


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(
        client: TestClient, world: World, api_platform: Platform) -> None:
    headers = keyed(world.rep("police"), "referral-0002")
    assert client.post("/api/v1/cases", json=referral_body(), headers=headers).status_code == 201
    other = client.post("/api/v1/cases", json=referral_body(surname="Otherxq"), headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert len(stored_cases(api_platform)) == 1


def test_keys_are_the_callers_own(client: TestClient, world: World,
                                  api_platform: Platform) -> None:
    a = client.post("/api/v1/cases", json=referral_body(),
                    headers=keyed(world.rep("police"), "shared-key"))
    b = client.post("/api/v1/cases", json=referral_body(),
                    headers=keyed(world.rep("health"), "shared-key"))
    assert a.status_code == b.status_code == 201
    assert a.json() != b.json()
    assert len(stored_cases(api_platform)) == 2


def test_a_key_expires_after_24_hours_of_the_platforms_clock(
        client: TestClient, world: World, clock: Clock, api_platform: Platform) -> None:
    headers = keyed(world.rep("police"), "referral-0003")
    first = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    clock.advance(hours=23, minutes=59)
    other = referral_body(surname="Laterxq")
    assert client.post("/api/v1/cases", json=other, headers=headers).status_code == 422
    clock.advance(minutes=1)
    later = client.post("/api/v1/cases", json=other, headers=headers)
    assert later.status_code == 201
    assert later.json() != first.json()
    assert len(stored_cases(api_platform)) == 2


class FailingTrail(AuditTrail):
    def record(self, rec: AuditRecord) -> int:
        raise AuditUnavailable("the audit trail could not be written")


def test_a_5xx_is_not_kept_and_the_retry_runs_again(
        client: TestClient, world: World, api_platform: Platform) -> None:
    headers = keyed(world.rep("police"), "referral-0004")
    real = api_platform.audit
    api_platform.audit = FailingTrail(api_platform.database)
    try:
        failed = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    finally:
        api_platform.audit = real
    assert failed.status_code == 503
    assert stored_cases(api_platform) == []
    retry = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert stored_cases(api_platform) == [retry.json()["id"]]


def test_a_refusal_is_not_kept_and_its_retry_is_decided_and_audited_again(
        client: TestClient, world: World, api_platform: Platform) -> None:
    """Found in review: a replayed 404 was audited as a replay, so a denied attempt on a case
    the caller may not see never showed among the DPO's denials after the first."""
    created = client.post("/api/v1/cases", json=referral_body(), headers=world.rep("police"))
    case_id = created.json()["id"]
    headers = keyed(world.rep("health"), "grant-0001")
    path = f"/api/v1/cases/{case_id}/grants"
    body = {"agency_id": str(world.agencies["health"]), "reason": "Let us in"}
    for _ in range(2):
        refused = client.post(path, json=body, headers=headers)
        assert refused.status_code == 404
        assert "idempotent-replayed" not in refused.headers
    outcomes = [r["outcome"] for r in api_platform.audit.records(uuid.UUID(case_id))
                if r["action"] == "grant"]
    assert outcomes == ["denied", "denied"]


def test_a_retry_after_a_crash_between_the_write_and_the_keys_answer_finds_the_case(
        client: TestClient, world: World, clock: Clock, api_platform: Platform) -> None:
    headers = keyed(world.rep("police"), "referral-0005")
    first = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    assert first.status_code == 201
    # What a crash after the case's commit and before the key's answer leaves behind.
    with api_platform.database.transaction() as cur:
        cur.execute("UPDATE idempotency_keys SET status = NULL, kek_id = NULL, answer = NULL")
    running = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    assert running.status_code == 409
    assert running.json()["code"] == "idempotency_key_in_flight"
    assert running.headers["retry-after"] == "1"
    clock.advance(seconds=IN_FLIGHT_LEASE.total_seconds())  # the dead request's lease lapses
    retry = client.post("/api/v1/cases", json=referral_body(), headers=headers)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert stored_cases(api_platform) == [first.json()["id"]]


class DeferredRunner(ProjectionRunner):
    """A read-model catch-up that fails once: the database too busy just after a commit."""

    failures = 1

    def catch_up(self) -> int:
        if self.failures:
            self.failures -= 1
            raise StorageBusy("timed out waiting for the database's write lock")
        return super().catch_up()


def test_a_committed_referral_is_answered_201_though_its_catch_up_fails(
        client: TestClient, world: World, api_platform: Platform) -> None:
    api_platform.runner = DeferredRunner(api_platform.marac, api_platform.database,
                                         api_platform.cases)
    response = client.post("/api/v1/cases", json=referral_body(), headers=world.rep("police"))
    assert response.status_code == 201
    case_id = response.json()["id"]
    assert stored_cases(api_platform) == [case_id]
    api_platform.runner.catch_up()  # the worker's next pass, or the next write's
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).status_code == 200


def test_an_answer_carrying_personal_data_is_not_kept(
        client: TestClient, world: World, api_platform: Platform) -> None:
    headers = keyed(bearer(world.token("dpo-1", "dpo"), purpose=None), "sar-0001")
    body = {"forenames": "Philippaxq", "surname": "Quennevillexq", "date_of_birth": "1987-03-14"}
    first = client.post("/api/v1/subject-access-requests", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/subject-access-requests", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency_answer_not_kept"
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT answer FROM idempotency_keys")
        assert cur.fetchall() == [(None,)]


def test_kept_answers_and_keys_are_not_stored_in_the_clear(
        client: TestClient, world: World, api_platform: Platform) -> None:
    response = client.post("/api/v1/cases", json=referral_body(),
                           headers=keyed(world.rep("police"), "visible-key-0006"))
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT * FROM idempotency_keys")
        rows = cur.fetchall()
    raw = repr(rows).encode() + b"".join(bytes(v) for r in rows for v in r
                                        if isinstance(v, bytes | memoryview))
    for clear in (response.json()["id"], "visible-key-0006", "Quennevillexq"):
        assert clear.encode() not in raw


def test_an_invalid_key_is_a_400(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/cases", json=referral_body(),
                           headers={**world.rep("police"), "Idempotency-Key": '"a b"'})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"


def test_every_post_documents_the_header_and_its_answers(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    posts = [(path, op["post"]) for path, op in doc["paths"].items()
             if "post" in op and path.startswith("/api/v1/")]
    assert posts
    for path, op in posts:
        names = [p["name"] for p in op.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(op["responses"]), path


def test_the_store_answers_in_flight_replay_mismatch_and_expiry(
        api_platform: Platform) -> None:
    store, now = api_platform.idempotency, datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert store.begin("ref-1", "fp-1", now) == Proceed()
    assert store.begin("ref-1", "fp-1", now) == InFlight()
    assert store.begin("ref-1", "fp-2", now) == Mismatch()
    answer = Answer(201, (("content-type", "application/json"),), b'{"id": "x"}', None)
    store.complete("ref-1", answer, keep=True)
    assert store.begin("ref-1", "fp-1", now + timedelta(hours=1)) == Replay(answer, 201)
    assert store.purge(now + KEPT_FOR - timedelta(microseconds=1)) == 0
    assert store.begin("ref-1", "fp-2", now + KEPT_FOR) == Proceed()
    assert store.purge(now + 2 * KEPT_FOR) == 1
