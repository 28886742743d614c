"""A case with a known victim name, date of birth and address is pushed through referral,
views, export and erasure; then the audit trail, the logs and every stored byte are searched
for them. After erasure the case is unreadable, its read models and blind indexes are gone,
and the trail verifies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from api.logs import configure_logging
from audit.verify import verify
from domain.exceptions import CaseErased
from tests.api.conftest import World, accept, bearer, refer
from tests.integration.raw import raw_contents

NAME, FORENAME, DOB, ADDRESS = "Quennevillexq", "Philippaxq", "1987-03-14", "Larkspurxq"


def test_personal_data_never_leaves_the_ciphertext(
    client: TestClient, world: World, api_platform: Platform,
    capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging()
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    for headers in (world.rep("police"), world.coordinator(), world.rep("health")):
        client.get(f"/api/v1/cases/{case_id}", headers=headers)
    client.get(f"/api/v1/search?surname={NAME}&date_of_birth={DOB}", headers=world.rep("police"))
    dpo = bearer(world.token("dpo-1", "dpo"), purpose=None)
    export = client.get(f"/api/v1/audit/records?case_id={case_id}&format=csv", headers=dpo)
    assert export.status_code == 200
    sar = client.post("/api/v1/subject-access-requests", headers=dpo,
                      json={"surname": NAME, "date_of_birth": DOB})
    assert NAME in sar.text  # the subject's own data goes to the DPO, and only there
    api_platform.checkpoints.issue()

    api_platform.eraser.erase(case_id, "lawful_erasure_decision")
    api_platform.keyring.forget_cached()
    with pytest.raises(CaseErased):
        api_platform.marac.get_case(case_id)
    assert api_platform.cases.access([case_id]) == {}
    assert api_platform.cases.document(case_id) is None
    with api_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT COUNT(*) FROM blind_index WHERE case_id = %s", (str(case_id),))
        assert cur.fetchone() == (0,)
    assert client.get(f"/api/v1/cases/{case_id}", headers=world.coordinator()).status_code == 404
    # Nor is it counted: lists' totals come from counts the erasure kept exact.
    listing = client.get("/api/v1/cases", headers=world.coordinator()).json()
    assert (listing["items"], listing["total"]) == ([], 0)

    report = verify(api_platform.audit, api_platform.checkpoints,
                    api_platform.settings.audit_checkpoint_dir)
    assert report.ok, report
    assert report.checkpoints_checked == 1

    audit_text = str(api_platform.audit.records()) + export.text
    # Both streams: the served app is shared by the tests of a process, and its request
    # logger keeps the stream it was first used with (a benchmark's tests log to stderr).
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert '"request_id"' in logs  # the logs were captured
    api_platform.close()  # SQLite: every byte, WAL included, is on disk to be read
    stored = raw_contents(api_platform)
    for secret in (NAME, FORENAME, DOB, ADDRESS, "Strangulation"):
        assert secret.lower() not in audit_text.lower(), secret
        assert secret.lower() not in logs.lower(), secret
        assert secret.lower().encode() not in stored.lower(), secret
