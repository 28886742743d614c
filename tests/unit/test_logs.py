import json

import structlog

from api.logs import keep_personal_data_out


def render(**event: object) -> dict[str, object]:
    processed = keep_personal_data_out(None, "info", dict(event))
    return dict(json.loads(structlog.processors.JSONRenderer()(None, "info", processed)))


def test_known_keys_with_id_shaped_values_pass() -> None:
    assert render(event="request", method="GET", route="/api/v1/cases/{case_id}", status=200,
                  request_id="0b6f5b3e-8c1a-4a52-9d43-3b2f3c1e5a10") == {
        "event": "request", "method": "GET", "route": "/api/v1/cases/{case_id}", "status": 200,
        "request_id": "0b6f5b3e-8c1a-4a52-9d43-3b2f3c1e5a10"}


def test_unknown_keys_and_sentence_values_are_redacted() -> None:
    line = render(event="token_refused", surname="Quennevillexq", reason="Jane Doe 1987-03-14")
    assert line == {"event": "token_refused", "surname": "[redacted]", "reason": "[redacted]"}


def test_an_event_that_is_a_sentence_is_redacted() -> None:
    assert render(event="Referral for Philippa Quenneville")["event"] == "redacted_event"


def test_the_start_line_says_where_the_metrics_are() -> None:
    # An operator reads the start-up line to find the scrape address (api/commands/serve.py).
    line = render(event="marac_started", metrics="http://127.0.0.1:9464/metrics")
    assert line["metrics"] == "http://127.0.0.1:9464/metrics"
