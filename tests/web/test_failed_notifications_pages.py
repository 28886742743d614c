"""The failed notifications page, without a browser: the area's coordinators see the e-mails
given up on, the ones the API lists (about cases and meetings they may see), in its order,
each with its kind, recipient, times, reply code and what to do next, and never an address; a
coordinator outside a restricted case does not see its notice; representatives and
administrators are refused, and not offered the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from domain.area import COORDINATORS
from notifications.notices import notice
from tests.api.conftest import World, accept, bearer, refer
from tests.web.test_case_page import reads, sign_in
from tests.web.test_safeguarding_pages import restrict_to_coordinator_1

pytestmark = pytest.mark.in_memory


def shown(html: str) -> list[str]:
    return re.findall(r'data-message="([0-9a-f-]{36})"', html)


def api_ids(client: TestClient, token: str) -> list[str]:
    answer = client.get("/api/v1/notifications/failed", headers=bearer(token, None))
    assert answer.status_code == 200, answer.text
    return [f["message_id"] for f in answer.json()]


def test_coordinators_see_the_failures_the_api_lists_with_what_to_do_next(
        client: TestClient, world: World, api_platform: Platform) -> None:
    seen, restricted = refer(client, world), refer(client, world)
    for case_id in (seen, restricted):
        accept(client, world, case_id)
    restrict_to_coordinator_1(client, world, restricted)
    token = world.token("coordinator-1", "coordinator", agency="police")
    sign_in(client, api_platform, token)
    nothing = client.get("/failed-notifications")
    assert nothing.status_code == 200, nothing.text
    assert "No notification has failed." in nothing.text

    now, outbox, area = api_platform.now(), api_platform.notices, world.area_id
    refused = notice("t1", "action_assigned", area, world.agencies["idva"], case_id=seen)
    unreachable = notice("t2", "case_closed", area, COORDINATORS, case_id=seen)
    hidden = notice("t3", "action_assigned", area, world.agencies["idva"], case_id=restricted)
    for n, error, later in ((refused, "smtp:550", 1), (unreachable, "ConnectionRefusedError", 2),
                            (hidden, "smtp:550", 3)):
        outbox.add(n, now)
        outbox.failed([n.message_id], now + timedelta(hours=later), error)

    page = client.get("/failed-notifications")
    assert page.status_code == 200, page.text
    assert shown(page.text) == api_ids(client, token) == [
        str(hidden.message_id), str(unreachable.message_id), str(refused.message_id)]
    # The page's read is recorded as the API's: the cases its notices are about.
    page_read, api_read = reads(api_platform, 2)
    assert page_read == api_read
    assert page_read["items"] == ["notifications", str(restricted), str(seen)]
    text = page.text
    assert "Action assigned: to Idva" in text
    assert "Case closed: please acknowledge: to The coordinators&#39; mailbox" in text
    assert "Refused for good (reply code 550)" in text
    assert "check the agency&#39;s single point of contact address" in text
    assert "could not be reached for three days (ConnectionRefusedError)" in text
    assert "check its mail server settings" in text
    assert f'href="/cases/{seen}"' in text
    assert "@" not in re.sub(r"<script.*?</script>", "", text, flags=re.DOTALL)

    # A coordinator who is not a member is not told of the restricted case's notice.
    other = world.token("coordinator-2", "coordinator", agency="police")
    sign_in(client, api_platform, other)
    assert shown(client.get("/failed-notifications").text) == api_ids(client, other) == [
        str(unreachable.message_id), str(refused.message_id)]


def test_representatives_and_administrators_are_refused(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    assert 'href="/failed-notifications"' in client.get("/cases").text
    for token, home in ((world.token("police-rep", "representative", agency="police"),
                         "/cases"), (world.token("admin-1", "administrator"), "/admin/areas")):
        sign_in(client, api_platform, token)
        assert 'href="/failed-notifications"' not in client.get(home).text
        assert client.get("/failed-notifications").status_code == 403
        assert client.get("/api/v1/notifications/failed",
                          headers=bearer(token, None)).status_code == 403
