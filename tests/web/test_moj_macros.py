"""Our MoJ Pattern Library macros (web/templates/macros/moj.html) emit MoJ Frontend's classes,
escape what they are given, and work without JavaScript."""

from datetime import datetime
from typing import Any

from markupsafe import Markup

from tests.web.rendering import render_source

IMPORT = ('{% from "macros/moj.html" import mojTimeline, mojIdentityBar, mojFilter, '
          "mojSortableTableHead, mojAlert %}")


def call(expression: str, **context: Any) -> str:
    return render_source(IMPORT + "{{ " + expression + " }}", **context)


def test_the_timeline_shows_each_event_with_its_machine_readable_time() -> None:
    items = [
        {"title": "Referral accepted", "at": datetime(2026, 3, 3, 14, 5), "byline": "Sam Coord",
         "text": "<b>17</b> answers"},
        {"title": "Shared", "at": datetime(2026, 3, 4, 0, 30), "html": Markup("<ul></ul>")},
    ]
    html = call("mojTimeline(items, heading_level=3)", items=items)
    assert html.count('<div class="moj-timeline__item">') == 2
    assert '<h3 class="moj-timeline__title">Referral accepted</h3>' in html
    assert '<p class="moj-timeline__byline">by Sam Coord</p>' in html
    assert '<time datetime="2026-03-03T14:05:00">3 March 2026 at 2:05pm</time>' in html
    assert "4 March 2026 at 12:30am" in html
    assert "&lt;b&gt;17&lt;/b&gt; answers" in html  # text is escaped…
    assert '<div class="moj-timeline__description"><ul></ul></div>' in html  # …Markup is not
    assert html.count("moj-timeline__byline") == 1


def test_the_identity_bar_names_the_case_its_status_and_its_restriction() -> None:
    html = call('mojIdentityBar("Case M-42", subtitle="opened 3 March 2026", status="Open", '
                "restricted=true)")
    assert '<div class="moj-identity-bar">' in html
    assert '<span class="govuk-!-font-weight-bold">Case M-42</span> opened 3 March 2026' in html
    assert 'class="govuk-tag govuk-tag--blue"><span class="govuk-visually-hidden">Status: ' in html
    assert '<strong class="govuk-tag govuk-tag--red">Restricted</strong>' in html
    assert "moj-identity-bar__actions" not in html


def test_the_identity_bar_shows_no_restriction_unless_restricted_and_holds_the_actions() -> None:
    html = render_source(IMPORT + '{% call mojIdentityBar("Case M-42") %}'
                         '<a class="govuk-button" href="/cases/1/share">Share</a>{% endcall %}')
    assert "Restricted" not in html
    assert "govuk-tag" not in html
    assert ('<div class="moj-identity-bar__menu"><a class="govuk-button" href="/cases/1/share">'
            in html)


def test_the_filter_is_a_get_form_with_the_filters_in_force_as_removable_tags() -> None:
    selected = [{"heading": "Status", "items": [{"text": "Open", "href": "/cases?agency=mine"}]},
                {"heading": "Agency", "items": []}]
    html = render_source(
        IMPORT + '{% call mojFilter("/cases", selected=selected, clear_href="/cases", '
        'keep={"q": "Smith"}) %}<fieldset class="govuk-fieldset">options</fieldset>{% endcall %}',
        selected=selected)
    assert '<form class="app-filter-form" method="get" action="/cases" novalidate>' in html
    assert '<input type="hidden" name="q" value="Smith">' in html
    assert '<div class="moj-filter" data-module="moj-filter">' in html
    assert '<div class="moj-filter__selected">' in html
    assert ('<li><a class="moj-filter__tag" href="/cases?agency=mine"><span '
            'class="govuk-visually-hidden">Remove this filter</span> Open</a></li>') in html
    assert 'href="/cases">Clear filters</a>' in html
    assert "Agency" not in html  # a category with nothing selected is left out
    options = html[html.index('<div class="moj-filter__options">'):]
    assert options.index('<button type="submit"') < options.index("options</fieldset>")


def test_the_filter_without_selections_has_no_selected_panel() -> None:
    html = render_source(IMPORT + '{% call mojFilter("/cases") %}options{% endcall %}')
    assert "moj-filter__selected" not in html
    assert "Apply filters" in html


def test_sortable_headings_are_links_that_sort_on_the_server_and_say_the_order() -> None:
    columns = [{"key": "opened", "text": "Opened"},
               {"key": "score", "text": "Score", "numeric": True},
               {"text": "Actions", "sortable": False}]
    html = call('mojSortableTableHead(columns, "opened", "ascending", "/cases", query)',
                columns=columns, query={"status": "open", "q": "O'Neil & Co"})
    assert '<thead class="govuk-table__head">' in html
    assert 'aria-sort="ascending"' in html
    assert 'aria-sort="none"' in html
    # The sorted column's link reverses it; another column's sorts it ascending; both keep the
    # filters and the search.
    assert ('href="/cases?status=open&amp;q=O%27Neil+%26+Co&amp;sort=opened&amp;'
            'order=descending"') in html
    assert "sort=score&amp;order=ascending" in html
    assert 'class="govuk-table__header govuk-table__header--numeric" aria-sort="none"' in html
    assert '<th scope="col" class="govuk-table__header">Actions</th>' in html
    assert "moj-sortable-table" not in html  # MoJ's script would sort only the page's rows


def test_sortable_headings_reverse_a_descending_column_to_ascending() -> None:
    html = call('mojSortableTableHead([{"key": "opened", "text": "Opened"}], "opened", '
                '"descending", "/cases", sort_param="s", order_param="o")')
    assert 'aria-sort="descending"' in html
    assert 'href="/cases?s=opened&amp;o=ascending"' in html


def test_an_alert_has_its_variant_a_heading_and_a_named_region() -> None:
    html = call('mojAlert("warning", "Break-glass access ends soon", text="At 14:00 <today>")')
    assert 'class="moj-alert moj-alert--warning moj-alert--with-heading"' in html
    assert 'role="region"' in html
    assert 'aria-label="warning: Break-glass access ends soon"' in html
    assert '<h2 class="moj-alert__heading">Break-glass access ends soon</h2>' in html
    assert "At 14:00 &lt;today&gt;" in html
    assert 'class="moj-alert__dismiss" hidden' in html


def test_an_alert_of_unknown_variant_is_information_and_a_title_alone_is_its_text() -> None:
    html = call('mojAlert("shouting", "Saved", role="alert")')
    assert 'class="moj-alert moj-alert--information"' in html
    assert 'role="alert"' in html
    assert "moj-alert__heading" not in html
