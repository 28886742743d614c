"""Webhook primitives: signatures cross-checked against the Standard Webhooks reference
library, retry timing, the SSRF guard and delivery against a real local HTTP server."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from feeds.webhooks import (
    Delivery,
    InvalidSignature,
    UnsafeTarget,
    backoff,
    check_target,
    deliver,
    headers,
    new_secret,
    retry_after,
    sign,
    verify,
)

BODY = json.dumps({"type": "referral.received", "data": {"case": "c-1"}}).encode()
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the reference library's own test secret
MSG_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"


# --- signatures -----------------------------------------------------------------------------


def test_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert first != second
    assert len(Webhook(first)._whsecret) == 32


def test_reference_library_accepts_our_signature() -> None:
    now = int(time.time())  # the reference verifies against the wall clock only
    sent = headers([SECRET], MSG_ID, now, BODY)
    assert Webhook(SECRET).verify(BODY, sent) == json.loads(BODY)


def test_reference_library_accepts_either_secret_during_rotation() -> None:
    old, new = new_secret(), new_secret()
    sent = headers([new, old], MSG_ID, int(time.time()), BODY)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, sent, json_parse=False)
        verify(secret, sent, BODY, now=int(time.time()))


def test_we_accept_the_reference_librarys_signature() -> None:
    now = int(time.time())
    theirs = Webhook(SECRET).sign(MSG_ID, datetime.fromtimestamp(now, tz=UTC), BODY.decode())
    assert theirs == sign(SECRET, MSG_ID, now, BODY)
    received = {"Webhook-Id": MSG_ID, "Webhook-Timestamp": str(now), "Webhook-Signature": theirs}
    verify(SECRET, received, BODY, now=now)


def test_both_refuse_a_tampered_body() -> None:
    now = int(time.time())
    sent = headers([SECRET], MSG_ID, now, BODY)
    tampered = BODY.replace(b"c-1", b"c-2")
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(tampered, sent, json_parse=False)
    with pytest.raises(InvalidSignature) as refused:
        verify(SECRET, sent, tampered, now=now)
    assert refused.value.code == "bad_signature"


@pytest.mark.parametrize("age", [-3600, 3600], ids=["future", "past"])
def test_both_refuse_a_timestamp_outside_tolerance(age: int) -> None:
    now = int(time.time())
    sent = headers([SECRET], MSG_ID, now - age, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY, sent, json_parse=False)
    with pytest.raises(InvalidSignature) as refused:
        verify(SECRET, sent, BODY, now=now)
    assert refused.value.code == "stale_timestamp"


def test_both_refuse_a_rotated_out_secret() -> None:
    old, new = new_secret(), new_secret()
    now = int(time.time())
    sent = headers([new], MSG_ID, now, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(BODY, sent, json_parse=False)
    with pytest.raises(InvalidSignature) as refused:
        verify(old, sent, BODY, now=now)
    assert refused.value.code == "bad_signature"


def test_verify_accepts_the_edge_of_tolerance_only() -> None:
    sent = headers([SECRET], MSG_ID, 1_000_000, BODY)
    verify(SECRET, sent, BODY, now=1_000_300)
    with pytest.raises(InvalidSignature):
        verify(SECRET, sent, BODY, now=1_000_301)


@pytest.mark.parametrize("dropped", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_verify_refuses_missing_headers(dropped: str) -> None:
    sent = headers([SECRET], MSG_ID, 1_000_000, BODY)
    del sent[dropped]
    with pytest.raises(InvalidSignature) as refused:
        verify(SECRET, sent, BODY, now=1_000_000)
    assert refused.value.code == "missing_header"


def test_verify_skips_other_schemes_and_garbage_entries() -> None:
    sent = headers([SECRET], MSG_ID, 1_000_000, BODY)
    sent["webhook-signature"] = "v1a,AAAA v1,not-base64!  " + sent["webhook-signature"]
    verify(SECRET, sent, BODY, now=1_000_000)


def test_sign_refuses_an_id_with_a_full_stop() -> None:
    with pytest.raises(ValueError, match="must not contain"):
        sign(SECRET, "msg.1", 1, BODY)


@given(body=st.binary(min_size=1, max_size=256), data=st.data())
def test_any_changed_byte_changes_the_signature(body: bytes, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(body) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    changed = body[:index] + bytes([byte]) + body[index + 1 :]
    assert sign(SECRET, MSG_ID, 1, body) != sign(SECRET, MSG_ID, 1, changed)


# --- retry timing ---------------------------------------------------------------------------


@given(
    attempt=st.integers(1, 200),
    seed=st.integers(),
    base=st.floats(0.01, 60.0),
    cap=st.floats(1.0, 86_400.0),
)
def test_backoff_stays_within_the_exponential_ceiling(
    attempt: int, seed: int, base: float, cap: float
) -> None:
    delay = backoff(attempt, random.Random(seed), base=base, cap=cap)  # noqa: S311 - jitter
    assert 0.0 <= delay <= min(cap, base * 2 ** (attempt - 1))


def test_backoff_survives_absurd_attempt_counts() -> None:
    assert 0.0 <= backoff(100_000, random.Random(1)) <= 3600.0  # noqa: S311 - jitter


def test_backoff_first_attempt_is_at_most_base() -> None:
    rng = random.Random(7)  # noqa: S311 - jitter
    assert all(backoff(1, rng, base=2.0) <= 2.0 for _ in range(100))


NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        ("0", 0.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("9" * 5000, 86_400.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        (format_datetime(NOW + timedelta(days=3), usegmt=True), 86_400.0),
        ("Sun Mar  1 12:01:00 2026", 60.0),  # asctime, which RFC 9110 still requires
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),  # RFC 850
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert retry_after(value, NOW) == expected


# --- SSRF guard -----------------------------------------------------------------------------


def _dns(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return table[host]

    return resolve


DNS = _dns({
    "localhost": ["127.0.0.1", "::1"],
    "hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "split.example.org": ["93.184.215.14", "10.0.0.7"],
    "2130706433": ["127.0.0.1"],  # what getaddrinfo makes of a decimal IPv4
    "0177.0.0.1": ["127.0.0.1"],  # ... and of an octal one
})


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/s3cret-path",
        "https://localhost/s3cret-path",
        "https://10.1.2.3/s3cret-path",
        "https://172.16.0.1/s3cret-path",
        "https://192.168.1.1/s3cret-path",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/s3cret-path",
        "https://224.0.0.1/s3cret-path",
        "https://0.0.0.0/s3cret-path",
        "https://[::1]/s3cret-path",
        "https://[fe80::1]/s3cret-path",
        "https://[::ffff:127.0.0.1]/s3cret-path",
        "https://[2002:7f00:1::]/s3cret-path",  # 6to4 wrapping of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/s3cret-path",  # NAT64 wrapping of 169.254.169.254
        "https://2130706433/s3cret-path",
        "https://0177.0.0.1/s3cret-path",
        "https://split.example.org/s3cret-path",  # one private address is enough
        "https://unknown.example.org/s3cret-path",
        "http://hooks.example.org/s3cret-path",
        "ftp://hooks.example.org/s3cret-path",
        "https://user:pass@hooks.example.org/s3cret-path",
        "https:///s3cret-path",
        "https://hooks.example.org:99999/s3cret-path",
    ],
)
def test_check_target_refuses(url: str) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        check_target(url, allow_private=False, resolve=DNS)
    assert refused.value.code == "unsafe_webhook_target"
    assert "s3cret" not in str(refused.value)  # messages never echo the URL


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.org/hook", "https://HOOKS.example.org:8443/x", "https://93.184.215.14/"],
)
def test_check_target_allows_public_https(url: str) -> None:
    check_target(url, allow_private=False, resolve=DNS)


def test_demo_mode_allows_http_and_private_addresses_but_not_credentials() -> None:
    check_target("http://127.0.0.1:8000/hook", allow_private=True, resolve=DNS)
    check_target("http://localhost/hook", allow_private=True, resolve=DNS)
    with pytest.raises(UnsafeTarget):
        check_target("http://u:p@localhost/hook", allow_private=True, resolve=DNS)
    with pytest.raises(UnsafeTarget):
        check_target("file:///etc/passwd", allow_private=True, resolve=DNS)


# --- delivery -------------------------------------------------------------------------------


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    received: list[tuple[str, bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, body))
            signed = dict(self.headers.items())
            verify(SECRET, signed, body, now=int(time.time()))
            if self.path == "/busy":
                self.send_response(503)
                self.send_header("Retry-After", "120")
            elif self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/ok")
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _signed() -> dict[str, str]:
    return headers([SECRET], MSG_ID, int(time.time()), BODY)


def test_deliver_reports_success(receiver: tuple[str, list[tuple[str, bytes]]]) -> None:
    base, received = receiver
    delivery = deliver(f"{base}/ok", _signed(), BODY)
    assert delivery == Delivery(status=200, retry_after=None, error=None)
    assert delivery.ok
    assert received == [("/ok", BODY)]


def test_deliver_reports_503_with_retry_after(
    receiver: tuple[str, list[tuple[str, bytes]]],
) -> None:
    base, _ = receiver
    delivery = deliver(f"{base}/busy", _signed(), BODY)
    assert delivery == Delivery(status=503, retry_after="120", error=None)
    assert not delivery.ok


def test_deliver_does_not_follow_redirects(
    receiver: tuple[str, list[tuple[str, bytes]]],
) -> None:
    base, received = receiver
    delivery = deliver(f"{base}/moved", _signed(), BODY)
    assert delivery.status == 302
    assert not delivery.ok
    assert [path for path, _ in received] == ["/moved"]


def test_deliver_reports_connection_errors_by_type_only() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = deliver(f"http://127.0.0.1:{port}/secret-token", _signed(), BODY, timeout=2)
    assert delivery == Delivery(status=None, retry_after=None, error="ConnectionRefusedError")


def test_deliver_refuses_non_http_schemes() -> None:
    with pytest.raises(ValueError, match="http"):
        deliver("file:///etc/passwd", _signed(), BODY)
