"""The subject access pages over HTTP, without a browser: the DPO records a request, verifies,
assembles, withholds more, confirms, releases and downloads; forms refuse what is wrong with
the GOV.UK error summary, posts need the CSRF token, and others are refused."""

from __future__ import annotations

import io
import re
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pypdf import PdfReader

from api.bootstrap import Platform
from domain.access import Audience
from tests.api.conftest import World, accept, refer
from tests.web.test_case_page import CSRF, sign_in

pytestmark = pytest.mark.in_memory
REQUESTER = {"forenames": "Philippaxq", "surname": "Quennevillexq", "dob-day": "14",
             "dob-month": "3", "dob-year": "1987"}


def post(client: TestClient, path: str, **fields: str) -> Response:
    return client.post(path, data={"csrf_token": CSRF, **fields}, follow_redirects=False)


def a_case(client: TestClient, world: World, platform: Platform) -> UUID:
    case_id = refer(client, world)
    accept(client, world, case_id)
    platform.marac.share(case_id, kind="disclosure", audience=Audience("whole_case"),
                         author="idva-Tamsinxq", author_agency=world.agencies["police"],
                         for_agency=False,
                         text="Dorianxq Marchbankxq threatened Philippaxq near Crownxq Street")
    platform.runner.catch_up()
    return case_id


def test_the_dpo_takes_a_request_from_the_form_to_the_released_pdf(
    client: TestClient, world: World, api_platform: Platform,
) -> None:
    a_case(client, world, api_platform)
    sign_in(client, api_platform, world.token("dpo-1", "dpo"))
    listing = client.get("/subject-access")
    assert listing.status_code == 200
    assert '<a class="govuk-service-navigation__link" href="/subject-access"' in listing.text
    recorded = post(client, "/subject-access", **REQUESTER, identity="")
    assert recorded.status_code == 303
    where = recorded.headers["location"]
    assert re.fullmatch(r"/subject-access/[0-9a-f-]{36}\?done=recorded", where)
    assert "Quennevillexq" not in where
    page = where.split("?")[0]
    assert "Identity not verified" in client.get(where).text
    refused = post(client, f"{page}/identity", **{"identity-how": ""})
    assert refused.status_code == 400
    assert "<title>Error: Subject access request" in refused.text
    assert post(client, f"{page}/identity",
                **{"identity-how": "Passport seen"}).status_code == 303
    assert post(client, f"{page}/assemble", **{"redact-staff": "yes"}
                ).status_code == 303
    review = client.get(page).text
    assert '<strong class="govuk-tag govuk-tag--grey app-redaction">[redacted]</strong>' in review
    assert 'id="redactions"' in review
    assert "dorianxq" in review  # what is withheld is listed for the DPO
    bad = post(client, f"{page}/redactions", **{"redaction-text": "Crownxq Street",
                                                 "redaction-reason": "because"})
    assert bad.status_code == 400
    assert 'href="#redaction-reason"' in bad.text
    assert post(client, f"{page}/redactions", **{
        "redaction-text": "Crownxq Street", "redaction-reason": "serious_harm",
        "redaction-note": "Where she lives now"}).status_code == 303
    stale = post(client, f"{page}/confirm", version="1")
    assert stale.status_code == 409
    assert "The draft has changed" in stale.text
    assert post(client, f"{page}/confirm", version="2").status_code == 303
    assert post(client, f"{page}/release").status_code == 303
    released = client.get(page).text
    assert "Disclosure released" in client.get(f"{page}?done=released").text
    assert 'id="download"' in released
    pdf = client.get(f"{page}/disclosure.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "OFFICIAL-SENSITIVE" in text
    for other in ("Dorianxq", "Marchbankxq", "Crownxq", "Tamsinxq", "officer-4471"):
        assert other not in text


def test_the_new_request_form_says_what_is_wrong(
    client: TestClient, world: World, api_platform: Platform,
) -> None:
    sign_in(client, api_platform, world.token("dpo-1", "dpo"))
    empty = post(client, "/subject-access")
    assert empty.status_code == 400
    assert "<title>Error: Subject access requests" in empty.text
    for field in ("#surname", "#dob-day"):
        assert f'href="{field}"' in empty.text
    future = post(client, "/subject-access", **REQUESTER, **{
        "received-day": "1", "received-month": "1", "received-year": "2099"})
    assert 'href="#received-day"' in future.text
    unreal = post(client, "/subject-access", **{**REQUESTER, "dob-month": "13"})
    assert "Date of birth must be a real date" in unreal.text


def test_posts_need_the_csrf_token_and_others_are_refused(
    client: TestClient, world: World, api_platform: Platform,
) -> None:
    sign_in(client, api_platform, world.token("dpo-1", "dpo"))
    forged = client.post("/subject-access", data={**REQUESTER, "csrf_token": "forged"},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert not [r for r in api_platform.audit.records() if r["action"] == "subject_access"]
    assert client.get(f"/subject-access/{uuid4()}").status_code == 404
    client.cookies.clear()
    sign_in(client, api_platform, world.token("coordinator-1", "coordinator", agency="police"))
    assert client.get("/subject-access").status_code == 403
    assert "/subject-access" not in client.get("/cases").text


def test_a_step_out_of_order_or_a_wrong_extension_is_shown_beside_its_form(
    client: TestClient, world: World, api_platform: Platform,
) -> None:
    sign_in(client, api_platform, world.token("dpo-1", "dpo"))
    page = post(client, "/subject-access", **REQUESTER).headers["location"].split("?")[0]
    early = post(client, f"{page}/assemble", **{"redact-staff": "yes"})
    assert early.status_code == 422
    assert 'href="#identity-how"' in early.text
    assert "Verify the requester&#39;s identity before assembling" in early.text
    unconfirmed = post(client, f"{page}/release")
    assert unconfirmed.status_code == 422
    empty = post(client, f"{page}/extension")
    assert empty.status_code == 400
    for field in ("#due-day", "#extension-reason"):
        assert f'href="{field}"' in empty.text
    too_far = post(client, f"{page}/extension", **{
        "due-day": "1", "due-month": "1", "due-year": "2030", "extension-reason": "Complex"})
    assert too_far.status_code == 422
    assert "at most three months after the request was received" in too_far.text
    assert "Complex" in too_far.text  # what was typed is kept
