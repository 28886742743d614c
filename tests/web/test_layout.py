"""The base layout every page extends, and the error pages: the classification marking at the top
and the bottom, our assets and nothing from elsewhere, the signed-in person and signing out."""

import re

import pytest

from tests.web.rendering import between, render, render_source

SIGNED_IN = {
    "person_name": "Ada <Lovelace>",
    "agency_name": "Kent Police",
    "csrf_token": "token-123",
    "navigation": [{"href": "/cases", "text": "Cases", "current": True},
                   {"href": "/referrals/new", "text": "Refer a case"}],
}
PAGES = ["layout/base.html", "errors/404.html", "errors/500.html"]


def rendered_pages() -> list[str]:
    return [render(page, **context) for page in PAGES for context in (SIGNED_IN, {})]


def test_every_page_is_marked_official_sensitive_in_its_header_and_its_footer() -> None:
    for html in rendered_pages():
        assert html.count("OFFICIAL-SENSITIVE") == 2
        assert "OFFICIAL-SENSITIVE" in between(html, "<header", "</header>")
        assert "OFFICIAL-SENSITIVE" in between(html, "<footer", "</footer>")


def test_every_page_uses_our_stylesheet_and_script_and_nothing_from_elsewhere() -> None:
    for html in rendered_pages():
        assert '<link rel="stylesheet" href="/static/css/application.css">' in html
        assert '<script type="module" src="/static/js/application.js"></script>' in html
        assert not re.search(r"https?:", html), "an absolute URL: no CDN, no other site"
        for address in re.findall(r'(?:href|src|action)="([^"]*)"', html):
            assert re.match(r"/(?!/)|#", address), f"{address} is not a path of this service"


def test_the_page_is_in_british_english_with_a_skip_link_to_the_main_content() -> None:
    html = render("layout/base.html")
    assert '<html lang="en-GB"' in html
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert '<main class="govuk-main-wrapper" id="main-content"' in html


def test_the_signed_in_person_sees_their_name_their_agency_and_a_sign_out_form() -> None:
    header = between(render("layout/base.html", **SIGNED_IN), "<header", "</header>")
    assert "Ada &lt;Lovelace&gt;" in header
    assert "Kent Police" in header
    form = between(header, "<form", "</form>")
    assert 'method="post" action="/sign-out"' in form
    assert '<input type="hidden" name="csrf_token" value="token-123">' in form
    assert '<button type="submit" class="app-sign-out">Sign out</button>' in form
    assert 'href="/cases" aria-current="page"' in header
    assert 'href="/referrals/new"' in header


def test_no_one_signed_in_gets_no_sign_out_form_and_no_navigation() -> None:
    html = render("layout/base.html", csrf_token="token-123")
    assert "<form" not in html
    assert "token-123" not in html
    assert "govuk-service-navigation" not in html
    assert '<a href="/" class="govuk-generic-header__homepage-link">' in html


def test_the_header_is_the_generic_one_without_the_crown() -> None:
    html = render("layout/base.html", **SIGNED_IN)
    assert "govuk-generic-header" in html
    assert "govuk-header__logotype" not in html
    assert "<svg" not in html  # GOV.UK's logo and the footer's crown are both inline SVG


def test_a_page_fills_the_title_the_space_before_main_and_main() -> None:
    html = render_source(
        '{% extends "layout/base.html" %}'
        "{% block page_title %}Cases{% endblock %}"
        '{% block before_content %}<a class="govuk-back-link" href="/">Back</a>{% endblock %}'
        "{% block content %}<h1>Your cases</h1>{% endblock %}")
    assert "<title>Cases - MARAC platform</title>" in html
    assert html.index("govuk-back-link") < html.index("<main")
    assert "<h1>Your cases</h1>" in between(html, "<main", "</main>")
    assert "<title>MARAC platform</title>" in render("layout/base.html")


def test_page_not_found_says_only_that_whatever_the_reason() -> None:
    """The same page for a missing case and one the person may not see: it must not hint at
    permission."""
    html = render("errors/404.html", **SIGNED_IN)
    assert "<title>Page not found - MARAC platform</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    text = between(html, "<main", "</main>").lower()
    for hint in ("permission", "access", "allowed", "restricted", "authoris"):
        assert hint not in text


@pytest.mark.parametrize("reference", [None, "req-42"])
def test_a_problem_says_sorry_and_gives_the_reference_when_there_is_one(
        reference: str | None) -> None:
    html = render("errors/500.html", reference=reference)
    assert "<title>Sorry, there is a problem with the service - MARAC platform</title>" in html
    assert ("req-42" in html) == (reference is not None)
