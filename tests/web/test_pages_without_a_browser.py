"""What the pages answer before anyone signs in, over HTTP: the API keeps its JSON errors while
a page that does not exist is a GOV.UK "Page not found"; a page needs a session; and the session
cookie outside the demo is Secure and `__Host-` named."""

from __future__ import annotations

import pytest
from fastapi.responses import Response
from fastapi.testclient import TestClient

from security.sessions import Session, SessionData
from tests.api.conftest import Clock
from web.config import WebConfig
from web.session import set_session_cookie

pytestmark = pytest.mark.in_memory


def test_a_page_that_does_not_exist_is_a_page_and_the_apis_stay_json(
        client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"code": "not_found", "message": "Not found"}


def test_the_cases_page_sends_a_stranger_to_sign_in(client: TestClient) -> None:
    for path in ("/", "/cases"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in"


def test_sign_out_posted_without_a_session_ends_nothing_and_says_so(
        client: TestClient) -> None:
    answer = client.post("/sign-out", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signed-out"


def test_outside_the_demo_the_cookie_is_secure_and_host_only(clock: Clock) -> None:
    response = Response()
    config = WebConfig(sign_in=None, base_url="https://marac.example", secure_cookies=True)
    set_session_cookie(response, config, Session("an-id", clock(), SessionData("csrf")))
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-marac_session=an-id;")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert attribute in cookie
    assert "Domain" not in cookie
