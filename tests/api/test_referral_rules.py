"""A referral over HTTP: who each person is to the victim is kept and shown, and the rules a
referral form asks about field by field are refused with their own codes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, refer, referral_body


def test_who_each_person_is_to_the_victim_is_kept_and_shown(
        client: TestClient, world: World) -> None:
    body = referral_body()
    body["subjects"][1]["relationship"] = "Ex-partner"
    case_id = refer(client, world, subjects=body["subjects"])
    view = client.get(f"/api/v1/cases/{case_id}", headers=world.rep("police")).json()
    relationships = {s["role"]: s["relationship"] for s in view["referral"]["subjects"]}
    assert relationships == {"victim": None, "perpetrator": "Ex-partner"}


@pytest.mark.parametrize(("changes", "code"), [
    ({"criteria": {}}, "criterion_required"),
    ({"criteria": {"professional_judgement_reason": " "}},
     "professional_judgement_reason_required"),
    ({"consent": {"status": "refused", "reason_without_consent": "Risk to life"}},
     "consent_basis_required"),
    ({"subjects": [{"role": "victim", "forenames": " "},
                   {"role": "perpetrator", "surname": "Marchbankxq"}]},
     "subject_name_required"),
])
def test_each_rule_of_a_referral_form_has_its_own_code(
        client: TestClient, world: World, changes: dict[str, Any], code: str) -> None:
    response = client.post("/api/v1/cases", json=referral_body(**changes),
                           headers=world.rep("police"))
    assert (response.status_code, response.json()["code"]) == (422, code)
