"""Signing in to the demo by OIDC authorization code with PKCE, as a person does it: the sign-in
page, the persona, the cases; and signing out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

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
    assert "/dev/authorize" in page.url
    assert "code_challenge_method=S256" in page.url
    accessible()
    page.get_by_label("coordinator", exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    assert page.url == demo.url + "/cases"
    expect(page.get_by_text("5 cases")).to_be_visible()
    accessible()
