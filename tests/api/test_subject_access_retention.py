"""Subject access requests keep the requester's identifiers (under the request's own key) for
SUBJECT_ACCESS_RETENTION_MONTHS after the answer, whatever happens to the cases; then the key
is destroyed and only the audit trail's record of the request and its answer remains."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.retention import erase_expired_subject_access
from audit.verify import verify
from domain.exceptions import CaseErased
from domain.retention import subject_access_retention_ends
from domain.subject_access import SubjectAccessRequest
from domain.subjects import Subject
from tests.api.conftest import Clock, World, bearer, refer


def dpo(world: World) -> dict[str, str]:
    return bearer(world.token("dpo-1", "dpo"), purpose=None)


def on(clock: Clock, day: date) -> date:
    clock.at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    return day


def ask(client: TestClient, world: World) -> UUID:
    response = client.post("/api/v1/subject-access-requests", headers=dpo(world), json={
        "forenames": "Philippaxq", "surname": "Quennevillexq", "date_of_birth": "1987-03-14"})
    assert response.status_code == 201, response.text
    return UUID(response.json()["request_id"])


def test_an_answered_request_keeps_its_identifiers_a_year_after_the_answer_then_only_the_fact(
    client: TestClient, world: World, api_platform: Platform, clock: Clock
) -> None:
    case_id = refer(client, world, "police")
    request_id = ask(client, world)
    # The case's erasure does not end the request's retention: it runs from the answer.
    api_platform.eraser.erase(case_id, "lawful_erasure_decision")
    request: SubjectAccessRequest = api_platform.marac.repository.get(request_id)
    assert request.subject.surname == "Quennevillexq"
    assert erase_expired_subject_access(api_platform, on(clock, date(2027, 1, 11))) == []
    assert api_platform.marac.repository.get(request_id).disclosed_on == date(2026, 1, 12)
    assert erase_expired_subject_access(api_platform, on(clock, date(2027, 1, 12)),
                                        dry_run=True) == [request_id]
    assert not api_platform.keyring.is_shredded(request_id)
    assert erase_expired_subject_access(api_platform, date(2027, 1, 12)) == [request_id]
    with pytest.raises(CaseErased):
        api_platform.marac.repository.get(request_id)
    assert api_platform.keyring.is_shredded(request_id)
    records = api_platform.audit.records()
    answered = [r for r in records if r["action"] == "subject_access"]
    assert [(r["outcome"], json.loads(r["item_ids"])[0]) for r in answered] == [
        ("allowed", str(request_id))]
    erased = records[-1]
    assert (erased["actor"], erased["action"], json.loads(erased["item_ids"])) == (
        "system:retention", "erase_subject_access", [str(request_id)])
    assert erase_expired_subject_access(api_platform, date(2030, 1, 1)) == []
    assert verify(api_platform.audit, api_platform.checkpoints, None).ok


def test_a_request_never_answered_is_kept_as_if_answered_on_its_last_lawful_day(
    api_platform: Platform, world: World, clock: Clock
) -> None:
    probe = Subject(UUID(int=1), "victim", "Ann", "Quennevillexq",
                    date_of_birth=date(1987, 3, 14))
    request_id = api_platform.marac.receive_subject_access_request(world.area_id, probe,
                                                                   "dpo-1")
    assert erase_expired_subject_access(api_platform, date(2027, 4, 11)) == []
    assert erase_expired_subject_access(api_platform, date(2027, 4, 12)) == [request_id]


def test_the_retention_of_a_request_runs_from_its_answer() -> None:
    assert subject_access_retention_ends(date(2026, 1, 12), date(2026, 2, 3)) == date(2027, 2, 3)
    assert subject_access_retention_ends(date(2026, 1, 31), None) == date(2027, 4, 30)
