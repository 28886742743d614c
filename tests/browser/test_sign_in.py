"""Signing in to the demo by OIDC authorization code with PKCE, as a person does it, and out
again; the session cookie; CSRF refusals; a session that idles out. With JavaScript on and off."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from audit.trail import AuditTrail, AuditUnavailable
from tests.browser.conftest import Accessibility, Demo


def sign_in(page: Page, demo: Demo, persona: str) -> None:
    page.goto(demo.url + "/")
    expect(page.get_by_role("heading", name="Sign in to the demo as")).to_be_visible()
    page.get_by_label(persona, exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def test_a_person_signs_in_with_pkce_and_sees_their_cases(page: Page, demo: Demo,
                                                           accessible: Accessibility) -> None:
    page.goto(demo.url + "/")
    assert page.url.startswith(demo.url + "/dev/authorize?")
    assert "code_challenge_method=S256" in page.url
    expect(page.get_by_text("MARAC coordinator (Demoshire MARAC)")).to_be_visible()
    accessible()
    page.get_by_label("coordinator", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    assert page.url == demo.url + "/cases"
    expect(page.get_by_text("Signed in as MARAC coordinator, Demoshire Police")).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("5 cases")
    accessible()


def test_the_pages_own_script_runs_under_their_content_security_policy(
        page: Page, demo: Demo, javascript: bool) -> None:
    """The GOV.UK template's inline line (which turns the components' JavaScript on) is the
    one inline script the policy allows, by its hash; the page fixture fails on any refusal."""
    response = page.goto(demo.url + "/sign-in")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    sign_in(page, demo, "coordinator")
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1 if javascript else 0)


def test_choosing_no_persona_is_an_error_to_correct(page: Page, demo: Demo,
                                                    accessible: Accessibility) -> None:
    page.goto(demo.url + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Sign in to the demo\b"))
    accessible()
    page.get_by_label("idva", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def test_the_session_cookie_holds_only_an_id_and_is_http_only_and_lax(
        page: Page, context: BrowserContext, demo: Demo) -> None:
    sign_in(page, demo, "idva")
    cookies = {c["name"]: c for c in context.cookies(demo.url)}
    assert set(cookies) == {"marac_session"}
    session = cookies["marac_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["secure"] is False  # the demo is plain HTTP on loopback; Secure elsewhere
    assert session["path"] == "/"
    assert session["expires"] == -1  # gone with the browser; the server ends it sooner
    assert len(session["value"]) == 43  # 256 random bits, and nothing else
    assert "." not in session["value"]  # not a signed document: a bare id


def test_signing_out_ends_the_session(page: Page, context: BrowserContext, demo: Demo,
                                      accessible: Accessibility) -> None:
    sign_in(page, demo, "police-officer")
    old = context.cookies(demo.url)[0]["value"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    accessible()
    assert context.cookies(demo.url) == []
    # The old id, sent again, opens nothing: the session was ended on the server.
    context.add_cookies([{"name": "marac_session", "value": old, "url": demo.url}])
    page.goto(demo.url + "/cases")
    assert page.url.startswith(demo.url + "/dev/authorize?")


def test_signing_in_and_out_is_recorded_in_the_audit_trail(page: Page, demo: Demo) -> None:
    def mine(action: str) -> int:
        return sum(1 for r in demo.platform.audit.records()
                   if r["action"] == action and r["actor"] == "demo-probation-officer")

    before_in, before_out = mine("sign_in"), mine("sign_out")
    sign_in(page, demo, "probation-officer")
    assert (mine("sign_in"), mine("sign_out")) == (before_in + 1, before_out)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    assert (mine("sign_in"), mine("sign_out")) == (before_in + 1, before_out + 1)


def test_a_sign_in_the_audit_trail_cannot_record_does_not_begin(
        page: Page, context: BrowserContext, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: AuditTrail, batch: object) -> list[int]:
        raise AuditUnavailable("disk full")

    page.goto(demo.url + "/")
    page.get_by_label("chair", exact=True).check()
    with monkeypatch.context() as patch:  # the demo server runs in this process's thread
        patch.setattr(AuditTrail, "_append", broken)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading",
                                name="Sorry, the service is unavailable")).to_be_visible()
    page.goto(demo.url + "/cases")  # the trail works again, and no session was begun
    assert page.url.startswith(demo.url + "/dev/authorize?")


def test_a_representative_is_offered_emergency_access_and_a_coordinator_is_not(
        page: Page, demo: Demo, accessible: Accessibility) -> None:
    sign_in(page, demo, "housing-officer")
    page.get_by_role("link", name="Ask for emergency access").click()
    expect(page).to_have_url(demo.url + "/break-glass")
    accessible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo, "coordinator")
    expect(page.get_by_role("link", name="Ask for emergency access")).to_have_count(0)


def test_a_form_posted_without_its_csrf_token_is_refused(
        page: Page, context: BrowserContext, demo: Demo) -> None:
    sign_in(page, demo, "chair")
    refused = context.request.post(demo.url + "/sign-out", form={"other": "x"},
                                   max_redirects=0)
    assert refused.status == 403
    assert "Sorry, that form could not be sent" in refused.text()
    # Still signed in: the refused post changed nothing.
    page.goto(demo.url + "/cases")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def test_a_form_posted_with_another_sessions_token_is_refused(
        page: Page, context: BrowserContext, demo: Demo) -> None:
    sign_in(page, demo, "chair")
    other = context.browser.new_context()  # type: ignore[union-attr]
    try:
        theirs = other.new_page()
        sign_in(theirs, demo, "idva")
        their_token = theirs.locator("input[name=csrf_token]").first.get_attribute("value")
    finally:
        other.close()
    assert their_token
    refused = context.request.post(demo.url + "/sign-out", form={"csrf_token": their_token},
                                   max_redirects=0)
    assert refused.status == 403
    assert "Sorry, that form could not be sent" in refused.text()
    page.goto(demo.url + "/cases")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def test_an_idle_session_ends(page: Page, demo: Demo) -> None:
    """The demo's clock moved on a day (MARAC_WEB_SESSION_IDLE_MINUTES is 30): the next page
    asks the person to sign in again."""
    sign_in(page, demo, "housing-officer")
    request = urllib.request.Request(  # noqa: S310 - loopback
        demo.url + "/dev/clock", data=json.dumps({"days": 1}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
    page.goto(demo.url + "/cases")
    assert page.url.startswith(demo.url + "/dev/authorize?")
