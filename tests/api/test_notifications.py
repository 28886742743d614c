"""/api/v1/notifications/failed: a notification the mail server refused for good is listed for
the area's coordinators, with its SMTP reply code and no address; others are refused."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from api.bootstrap import Platform
from tests.api.conftest import World, accept, refer
from tests.services.test_notifications import MailServer, deliver

SPOC = "referrals@idva.example.org"


def test_coordinators_see_a_refused_notification_and_a_representative_is_refused(
    client: TestClient, world: World, api_platform: Platform
) -> None:
    idva = world.agencies["idva"]
    api_platform.marac.change_agency(idva, spoc_email=SPOC)
    case_id = refer(client, world, "police")
    accept(client, world, case_id)
    api_platform.marac.agree_action(case_id, owner_agency=idva, description="Safety plan",
                                    for_whom="victim", due_on=date(2026, 1, 20),
                                    by="coordinator-1")
    server = MailServer()
    server.inbox.refuse_rcpt = f"550 5.1.1 <{SPOC}>: Recipient address rejected"
    server.start()
    try:
        assert deliver(api_platform, server) == 0
    finally:
        server.stop()

    listed = client.get("/api/v1/notifications/failed", headers=world.coordinator())
    assert listed.status_code == 200, listed.text
    [failed] = listed.json()
    assert (failed["kind"], failed["recipient_agency_id"], failed["case_id"], failed["error"],
            failed["attempts"]) == ("action_assigned", str(idva), str(case_id), "smtp:550", 1)
    assert "@" not in listed.text

    refused = client.get("/api/v1/notifications/failed", headers=world.rep("idva"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
