"""The reports page over HTTP, without a browser: for the quarter of tests/api/test_reports.py
(42 cases with known counts), the page's figures are the API's JSON for the same period, the
withheld ones are explained in words, its CSV is the API's CSV byte for byte, the charts are
the API's SVGs, and a bad period is the GOV.UK error summary. Who may read a report is the
API's answer: a representative is refused, and the read is audited as the API's is."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Platform
from services.report import WITHHELD, flatten
from tests.api.conftest import World
from tests.api.test_reports import QUARTER, Quarter, lead, officer, quarter
from tests.web.test_case_page import reads, sign_in

pytestmark = pytest.mark.in_memory
__all__ = ["quarter"]  # the fixture, used by name


def page_figures(page: str) -> dict[str, str]:
    """The figures the page's tables show, by their path in the report."""
    return {m[1]: html.unescape(re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "",
                                       m[2])).strip()
            for m in re.finditer(r'data-figure="([^"]+)">\s*<th[^>]*>.*?</th>\s*'
                                 r'<td[^>]*>(.*?)</td>', page, flags=re.DOTALL)}


def shown(value: object) -> str:
    """A figure as the page is to show it: a rate to one decimal place, a count as it is."""
    return ("none to divide by" if value is None else f"{value:.1f}"
            if isinstance(value, float) else str(value))


def api_figures(client: TestClient, headers: dict[str, str], path: str,
                **params: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/reports/{path}", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize(("kind", "path"), [("indicators", "indicators"),
                                            ("safelives_return", "safelives-return")])
def test_the_page_shows_the_apis_figures_for_the_period(
        client: TestClient, world: World, api_platform: Platform, *, quarter: Quarter,
        kind: str, path: str) -> None:
    api = api_figures(client, lead(world), path, period=QUARTER)
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    page = client.get("/reports", params={"report": kind, "period": QUARTER})
    assert page.status_code == 200, page.text
    expected = {".".join(p): shown(v) for p, v in flatten(api["figures"])}
    assert page_figures(page.text) == expected
    assert len(expected) > 20
    # The page reads the report as the API does: the same audit record, but in its form.
    assert reads(api_platform, 1)[0]["items"] == [f"{kind}:{QUARTER}:controlled:json"]
    assert reads(api_platform, 1)[0]["action"] == "report"


def test_withheld_figures_are_explained_and_listed(
        client: TestClient, world: World, api_platform: Platform, quarter: Quarter) -> None:
    api = api_figures(client, lead(world), "indicators", period=QUARTER)
    withheld = [p for p, v in flatten(api["figures"]) if v == WITHHELD]
    assert withheld, "the quarter has small counts"
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    page = client.get("/reports", params={"report": "indicators", "period": QUARTER}).text
    explained = re.search(r'<div class="govuk-inset-text" id="withheld">(.*?)</div>\s*</details>',
                          page, flags=re.DOTALL)
    assert explained is not None
    words = html.unescape(explained[1])
    assert f"{len(withheld)} figures are withheld, shown as {WITHHELD}" in words
    assert api["disclosure"]["withheld_means"] in words
    assert f"Counts below {api['disclosure']['threshold']} are withheld" in words
    assert words.count("<li>") == len(withheld)


def test_exact_figures_withhold_nothing_and_are_for_the_performance_officer(
        client: TestClient, world: World, api_platform: Platform, quarter: Quarter) -> None:
    api = api_figures(client, officer(world), "indicators", period=QUARTER,
                      disclosure="exact")
    sign_in(client, api_platform, world.token("performance-officer-1", "performance_officer"))
    page = client.get("/reports", params={"report": "indicators", "period": QUARTER,
                                          "disclosure": "exact"})
    assert page.status_code == 200
    assert page_figures(page.text) == {".".join(p): shown(v)
                                       for p, v in flatten(api["figures"])}
    assert "No figure is withheld: these are exact figures." in page.text
    # The lead is not offered exact figures, and asking anyway is the API's refusal.
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    assert 'name="disclosure"' not in client.get("/reports").text
    refused = client.get("/reports", params={"report": "indicators", "period": QUARTER,
                                             "disclosure": "exact"})
    assert refused.status_code == 403


@pytest.mark.parametrize(("kind", "path"), [("indicators", "indicators"),
                                            ("safelives_return", "safelives-return")])
def test_the_csv_download_is_the_apis_csv(
        client: TestClient, world: World, api_platform: Platform, *, quarter: Quarter,
        kind: str, path: str) -> None:
    api = client.get(f"/api/v1/reports/{path}", headers=lead(world),
                     params={"period": QUARTER, "format": "csv"})
    assert api.status_code == 200
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    page = client.get("/reports", params={"report": kind, "period": QUARTER}).text
    link = re.search(r'id="download" href="([^"]+)"', page)
    assert link is not None
    download = client.get(html.unescape(link[1]))
    assert download.status_code == 200
    assert download.content == api.content
    assert download.headers["content-type"] == api.headers["content-type"]
    assert download.headers["content-disposition"] == api.headers["content-disposition"]
    assert reads(api_platform, 1)[0]["items"] == [f"{kind}:{QUARTER}:controlled:csv"]


def test_the_charts_are_the_apis_svgs_with_a_text_alternative(
        client: TestClient, world: World, api_platform: Platform, quarter: Quarter) -> None:
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    page = client.get("/reports", params={"report": "indicators", "period": QUARTER}).text
    images = re.findall(r'<img src="([^"]+)"\s+alt="([^"]+)"', page)
    assert [src.split("?")[0] for src, _ in images] == [
        "/reports/charts/monthly_trend.svg", "/reports/charts/referrals_by_agency.svg"]
    for src, alt in images:
        assert "figures are in the table below" in alt
        chart = src.split("/")[-1].split(".")[0]
        api = client.get(f"/api/v1/reports/indicators/charts/{chart}.svg",
                         headers=lead(world), params={"period": QUARTER})
        served = client.get(html.unescape(src))
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/svg+xml"
        assert served.content == api.content
        assert b"<title" in served.content
    # The SafeLives return has no charts: its table is the return's own lines.
    ret = client.get("/reports", params={"report": "safelives_return", "period": QUARTER}).text
    assert "<img" not in ret
    assert 'id="return-table"' in ret
    assert client.get("/reports/charts/pie.svg", params={"period": QUARTER}).status_code == 404


@pytest.mark.parametrize(("params", "field", "status"), [
    ({"report": "indicators", "period": ""}, "period", 400),
    ({"report": "pie", "period": QUARTER}, "report", 400),
    ({"report": "indicators", "period": "2026-Q5"}, "period", 422),
    ({"report": "indicators", "period": "2026-05"}, "period", 422),  # not yet released
    ({"report": "safelives_return", "period": "2026-01"}, "period", 422),  # quarterly
])
def test_a_bad_choice_is_the_error_summary(
        client: TestClient, world: World, api_platform: Platform, *,
        params: dict[str, str], field: str, status: int) -> None:
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    page = client.get("/reports", params=params)
    assert page.status_code == status
    assert "<title>Error: " in page.text
    assert "govuk-error-summary" in page.text
    assert f'href="#{field}"' in page.text


def test_a_representative_is_refused_and_not_offered_reports(
        client: TestClient, world: World, api_platform: Platform) -> None:
    sign_in(client, api_platform, world.token("police-rep", "representative", agency="police"))
    assert 'href="/reports"' not in client.get("/cases").text
    assert client.get("/reports").status_code == 403  # not even the choice of period
    assert reads(api_platform, 1)[0]["outcome"] == "denied"
    for path in ("/reports", "/reports/download", "/reports/charts/monthly_trend.svg"):
        answer = client.get(path, params={"report": "indicators", "period": "2025-Q4"})
        assert answer.status_code == 403, path
    assert reads(api_platform, 1)[0]["outcome"] == "denied"
    # The lead is offered them.
    sign_in(client, api_platform, world.token("strategic-lead-1", "strategic_lead"))
    assert 'href="/reports"' in client.get("/reports").text


def test_the_performance_officer_asks_for_a_range_of_days(
        client: TestClient, world: World, api_platform: Platform, quarter: Quarter) -> None:
    """A custom range (never released: exact figures only), by GOV.UK date inputs."""
    api = api_figures(client, officer(world), "indicators", start="2026-01-15",
                      end="2026-03-10", disclosure="exact")
    sign_in(client, api_platform, world.token("performance-officer-1", "performance_officer"))
    asked = {"report": "indicators", "period": "", "disclosure": "exact",
             "start-day": "15", "start-month": "1", "start-year": "2026",
             "end-day": "10", "end-month": "3", "end-year": "2026"}
    page = client.get("/reports", params=asked)
    assert page.status_code == 200, page.text
    assert page_figures(page.text) == {".".join(p): shown(v)
                                       for p, v in flatten(api["figures"])}
    link = re.search(r'id="download" href="([^"]+)"', page.text)
    assert link is not None
    assert client.get(html.unescape(link[1])).content == client.get(
        "/api/v1/reports/indicators", headers=officer(world),
        params={"start": "2026-01-15", "end": "2026-03-10", "disclosure": "exact",
                "format": "csv"}).content
    # Not a real date; a range with disclosure control (never released): at the range.
    wrong = client.get("/reports", params={**asked, "end-day": "31", "end-month": "2"})
    assert wrong.status_code == 400
    assert 'href="#end-day"' in wrong.text
    assert 'id="end-day"' in wrong.text
    controlled = client.get("/reports", params={**asked, "disclosure": "controlled"})
    assert controlled.status_code == 422
    assert 'href="#start-day"' in controlled.text
