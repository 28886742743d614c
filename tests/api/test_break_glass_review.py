"""The DPO's review of a break-glass use: who may review it (security/policy.py), and the
decision with its note, sealed under the case's key, read back by the DPO while the case
exists and never kept in plaintext."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from audit.review_notes import open_note
from security.documents import DocumentSealer
from security.errors import TamperedCiphertext
from tests.api.conftest import Clock, World, bearer, refer

NOTE = "Spoke to Philippaxq's housing officer, Jo Quillfeatherxq: the visit was expected"


def dpo(world: World, sub: str = "dpo-1") -> dict[str, str]:
    return bearer(world.token(sub, "dpo"), purpose=None)


def broken_glass(client: TestClient, world: World,
                 headers: dict[str, str] | None = None) -> tuple[UUID, int]:
    case_id = refer(client, world, "police")
    opened = client.post(f"/api/v1/cases/{case_id}/break-glass",
                         headers=headers or world.rep("housing"),
                         json={"reason": "Victim at the housing office now"})
    assert opened.status_code == 201, opened.text
    uses = client.get("/api/v1/audit/break-glass", headers=dpo(world)).json()
    return case_id, uses[-1]["seq"]


def review(client: TestClient, world: World, seq: int, headers: dict[str, str] | None = None,
           **body: Any) -> Any:
    return client.post(f"/api/v1/audit/break-glass/{seq}/review", headers=headers or dpo(world),
                       json={"decision": "justified", "note": NOTE, **body})


def test_a_review_records_a_decision_and_a_note_that_the_dpo_reads_back(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    _, seq = broken_glass(client, world)
    no_note = client.post(f"/api/v1/audit/break-glass/{seq}/review", headers=dpo(world),
                          json={"decision": "justified"})
    assert (no_note.status_code, no_note.json()["fields"]) == (422, ["body.note"])
    blank = review(client, world, seq, note="   ")
    assert (blank.status_code, blank.json()["code"]) == (422, "invalid_review")
    assert review(client, world, seq).status_code == 204
    every = client.get("/api/v1/audit/break-glass?status=all", headers=dpo(world)).json()
    assert [(u["seq"], u["review_decision"], u["reviewer"], u["note"], u["note_status"],
             u["reviewable"]) for u in every] == [
        (seq, "justified", "dpo-1", NOTE, "readable", True)]
    assert "note_sealed" not in every[0]
    records = api_platform.audit.records()
    assert [(r["action"], r["outcome"]) for r in records[-2:]] == [
        ("review", "allowed"), ("audit_query", "allowed")]


def test_the_note_is_sealed_in_the_database_never_in_plaintext(
    client: TestClient, world: World, api_platform: Platform, settings: Any
) -> None:
    case_id, seq = broken_glass(client, world)
    assert review(client, world, seq).status_code == 204
    db = api_platform.database
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT seq, decision, reviewer, reviewed_at, note_sealed "
                    "FROM audit_reviews")
        rows = cur.fetchall()
    assert len(rows) == 1
    needles = [NOTE.encode(), b"Quillfeatherxq"]
    stored = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                      for v in rows[0])
    assert not any(n in stored for n in needles)
    assert open_note(DocumentSealer(api_platform.keyring), case_id, seq,
                     bytes(rows[0][4])) == NOTE
    if db.dialect == "sqlite":  # and nowhere else in the file (nor its write-ahead log)
        assert db.url.path is not None
        path = Path(db.url.path)
        assert path.exists()
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert b"Quillfeatherxq" not in file.read_bytes()
    else:
        with db.transaction(readonly=True) as cur:
            cur.execute("SELECT count(*) FROM audit_reviews r "
                        "WHERE r::text LIKE '%%Quillfeatherxq%%'")
            assert cur.fetchone() == (0,)


def test_a_note_copied_to_another_review_of_the_same_case_is_refused(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id, seq = broken_glass(client, world)
    sealed = DocumentSealer(api_platform.keyring)
    note = sealed.seal("audit_reviews", case_id, {"seq": seq, "note": NOTE})
    assert open_note(sealed, case_id, seq, note) == NOTE
    with pytest.raises(TamperedCiphertext):
        open_note(sealed, case_id, seq + 1, note)


def test_erasing_the_case_makes_its_review_note_unreadable_and_keeps_the_decision(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id, seq = broken_glass(client, world)
    assert review(client, world, seq).status_code == 204
    api_platform.eraser.erase(case_id, "lawful_erasure_decision")
    every = client.get("/api/v1/audit/break-glass?status=all", headers=dpo(world)).json()
    assert [(u["review_decision"], u["note"], u["note_status"], u["reason"]) for u in every] == [
        ("justified", None, "erased", None)]


def test_a_use_on_an_erased_case_is_still_reviewed_and_its_note_not_kept(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id, seq = broken_glass(client, world)
    api_platform.eraser.erase(case_id, "lawful_erasure_decision")
    assert review(client, world, seq).status_code == 204
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT decision, note_sealed FROM audit_reviews WHERE seq = %s", (seq,))
        assert cur.fetchone() == ("justified", None)


def test_no_one_reviews_their_own_break_glass_use(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    both = bearer(world.token("housing-dpo", "representative", "dpo", agency="housing"))
    _, seq = broken_glass(client, world, headers=both)
    own = review(client, world, seq, headers=bearer(
        world.token("housing-dpo", "representative", "dpo", agency="housing"), purpose=None))
    assert (own.status_code, own.json()["code"]) == (403, "forbidden")
    last = api_platform.audit.records()[-1]
    assert (last["actor"], last["action"], last["outcome"]) == ("housing-dpo", "review", "denied")
    mine = client.get("/api/v1/audit/break-glass", headers=bearer(
        world.token("housing-dpo", "representative", "dpo", agency="housing"), purpose=None))
    assert [(u["seq"], u["reviewable"], u["reason"]) for u in mine.json()] == [
        (seq, False, None)]
    assert review(client, world, seq).status_code == 204  # another DPO may


def test_a_dpo_excluded_from_the_case_neither_reviews_its_use_nor_reads_its_reason(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    case_id, seq = broken_glass(client, world)
    excluded = client.post(f"/api/v1/cases/{case_id}/exclusions", headers=world.coordinator(),
                           json={"person": "dpo-1", "reason": "Related to the victim"})
    assert excluded.status_code == 204, excluded.text
    uses = client.get("/api/v1/audit/break-glass", headers=dpo(world)).json()
    assert [(u["reviewable"], u["reason"]) for u in uses] == [(False, None)]
    refused = review(client, world, seq)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    other = client.get("/api/v1/audit/break-glass", headers=dpo(world, "dpo-2")).json()
    assert [(u["reviewable"], u["reason"]) for u in other] == [
        (True, "Victim at the housing office now")]
    assert review(client, world, seq, headers=dpo(world, "dpo-2")).status_code == 204


def test_a_note_copied_into_another_review_shows_as_tampered_and_the_list_still_answers(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    """The application's role may insert reviews: an insider copying one review's sealed note
    into another's row of the same case is shown to the DPO, not turned into a 500."""
    case_id, first = broken_glass(client, world)
    clock.advance(hours=2)
    again = client.post(f"/api/v1/cases/{case_id}/break-glass", headers=world.rep("housing"),
                        json={"reason": "Back again"})
    assert again.status_code == 201, again.text
    second = client.get("/api/v1/audit/break-glass", headers=dpo(world)).json()[-1]["seq"]
    assert review(client, world, first).status_code == 204
    with api_platform.database.transaction() as cur:
        cur.execute("SELECT note_sealed FROM audit_reviews WHERE seq = %s", (first,))
        copied = cur.fetchone()
        assert copied is not None
        cur.execute("INSERT INTO audit_reviews (seq, decision, reviewer, reviewed_at, "
                    "note_sealed) VALUES (%s, 'justified', 'dpo-1', %s, %s)",
                    (second, clock.at.isoformat(), copied[0]))
    every = client.get("/api/v1/audit/break-glass?status=all", headers=dpo(world))
    assert every.status_code == 200, every.text
    assert [(u["seq"], u["note"], u["note_status"]) for u in every.json()] == [
        (first, NOTE, "readable"), (second, None, "tampered")]
