"""Webhook primitives: signatures cross-checked against the Standard Webhooks reference
library, retry timing, the SSRF guard and delivery against real local HTTP(S) servers,
including DNS rebinding, environment proxies and TLS name verification."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from uuid import UUID, uuid4

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from audit.trail import AuditRecord, AuditTrail
from feeds.delivery import WebhookDeliverer
from feeds.store import FeedStore, Subscription
from feeds.visibility import Gate
from feeds.webhooks import (
    Delivery,
    InvalidSignature,
    Sender,
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
    "site.example.org": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "fec0::1"],
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
        "https://[fec0::1]/s3cret-path",  # deprecated site-local, which Python calls global
        "https://site.example.org/s3cret-path",
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

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                    "ALL_PROXY")


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    body: bytes


@dataclass(frozen=True)
class Receiver:
    port: int
    requests: list[Request]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(requests: list[Request]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(Request(self.headers.get("Host", ""), self.path, body))
            verify(SECRET, dict(self.headers.items()), body, now=int(time.time()))
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

    return Handler


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _connected(listener: socket.socket) -> bool:
    """Whether anything connected to a bare listener (it waits in the backlog if so)."""
    listener.settimeout(0.3)
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        return False
    connection.close()
    return True


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    requests: list[Request] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(requests))
    with _serving(server):
        yield Receiver(server.server_address[1], requests)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A listener every proxy variable points at, with nothing exempted from it."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        for name in _PROXY_VARIABLES:
            monkeypatch.setenv(name, url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        yield listener


def _signed() -> dict[str, str]:
    return headers([SECRET], MSG_ID, int(time.time()), BODY)


def test_deliver_reports_success(receiver: Receiver) -> None:
    delivery = deliver(f"{receiver.base}/ok", _signed(), BODY, allow_private=True)
    assert delivery == Delivery(status=200, retry_after=None, error=None)
    assert delivery.ok
    assert [(r.path, r.body) for r in receiver.requests] == [("/ok", BODY)]


def test_deliver_reports_503_with_retry_after(receiver: Receiver) -> None:
    delivery = deliver(f"{receiver.base}/busy", _signed(), BODY, allow_private=True)
    assert delivery == Delivery(status=503, retry_after="120", error=None)
    assert not delivery.ok


def test_deliver_does_not_follow_redirects(receiver: Receiver) -> None:
    delivery = deliver(f"{receiver.base}/moved", _signed(), BODY, allow_private=True)
    assert delivery.status == 302
    assert not delivery.ok
    assert [r.path for r in receiver.requests] == ["/moved"]


def test_deliver_reports_connection_errors_by_type_only() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = deliver(
        f"http://127.0.0.1:{port}/secret-token", _signed(), BODY, allow_private=True, timeout=2
    )
    assert delivery == Delivery(status=None, retry_after=None, error="ConnectionRefusedError")


@pytest.mark.parametrize("allow_private", [True, False])
def test_deliver_refuses_non_http_schemes(allow_private: bool) -> None:
    with pytest.raises(UnsafeTarget):
        deliver("file:///etc/passwd", _signed(), BODY, allow_private=allow_private)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/s3cret-path",
        "https://localhost/s3cret-path",
        "https://split.example.org/s3cret-path",
        "https://[fec0::1]/s3cret-path",
        "https://site.example.org/s3cret-path",
        "http://hooks.example.org/s3cret-path",
        "https://user:pass@hooks.example.org/s3cret-path",
    ],
)
def test_deliver_refuses_unsafe_targets_without_connecting(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_connection(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("connected to a refused target")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(UnsafeTarget) as refused:
        deliver(url, _signed(), BODY, allow_private=False, resolve=DNS)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    "resolve",
    [DNS, lambda host, port: []],
    ids=["unknown name", "empty answer"],
)
def test_a_resolution_failure_is_a_retryable_delivery_not_an_unsafe_target(
    resolve: Callable[[str, int], list[str]],
) -> None:
    delivery = deliver(
        "https://unknown.example.org/s3cret-path", _signed(), BODY, allow_private=False,
        resolve=resolve,
    )
    assert delivery == Delivery(status=None, retry_after=None, error="gaierror")


def test_deliver_connects_to_the_checked_address_not_a_rebound_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [["93.184.216.34"], ["127.0.0.1"]]  # public for the check, loopback after

    def rebinding(host: str, port: int) -> list[str]:
        return answers.pop(0)

    real = socket.create_connection
    attempts: list[tuple[str, int]] = []

    def recording(address: tuple[str, int], timeout: float | None = None) -> socket.socket:
        attempts.append(address)
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise TimeoutError  # stands in for the internet: no traffic leaves the test
        return real(address, timeout)

    monkeypatch.setattr(socket, "create_connection", recording)
    with socket.create_server(("127.0.0.1", 0)) as loopback:
        port = loopback.getsockname()[1]
        delivery = deliver(
            f"https://hooks.example.org:{port}/hook", _signed(), BODY, allow_private=False,
            timeout=0.5, resolve=rebinding,
        )
        assert not _connected(loopback)
    assert delivery == Delivery(status=None, retry_after=None, error="TimeoutError")
    assert attempts == [("93.184.216.34", port)]
    assert answers == [["127.0.0.1"]]  # resolved once only


def test_deliver_pins_the_address_and_keeps_the_name_in_host(receiver: Receiver) -> None:
    pinned = _dns({"hooks.test": ["127.0.0.1"]})
    delivery = deliver(
        f"http://hooks.test:{receiver.port}/ok?x=1#frag", _signed(), BODY, allow_private=True,
        resolve=pinned,
    )
    assert delivery.status == 200
    assert receiver.requests == [Request(f"hooks.test:{receiver.port}", "/ok?x=1", BODY)]


def test_deliver_ignores_proxies_from_the_environment(
    receiver: Receiver, proxy: socket.socket
) -> None:
    delivery = deliver(f"{receiver.base}/ok", _signed(), BODY, allow_private=True)
    assert delivery.status == 200
    assert [r.path for r in receiver.requests] == ["/ok"]
    assert not _connected(proxy)


# --- delivery over TLS ----------------------------------------------------------------------


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _issue(directory: Path, name: str) -> tuple[Path, Path]:
    """A test CA (its PEM file) and a server certificate for `name` (key and chain file)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook test CA")])
    usage = dict.fromkeys((
        "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
        "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(**usage | {"key_cert_sign": True, "crl_sign": True}), critical=True
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage | {"digital_signature": True}), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, chain = directory / "ca.pem", directory / "server.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(_pem(key) + leaf.public_bytes(serialization.Encoding.PEM))
    return ca_file, chain


@dataclass(frozen=True)
class TLSReceiver:
    port: int
    requests: list[Request]
    server_names: list[str | None]  # SNI as the server saw it
    ca_file: Path


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TLSReceiver]:
    """An HTTPS receiver on 127.0.0.1 with a certificate for "hooks.test" only."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", *_PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    ca_file, chain = _issue(tmp_path, "hooks.test")
    server_names: list[str | None] = []

    def note_sni(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        server_names.append(name)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    context.sni_callback = note_sni
    requests: list[Request] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(requests))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with _serving(server):
        yield TLSReceiver(server.server_address[1], requests, server_names, ca_file)


TEST_DNS = _dns({"hooks.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})


def test_https_connects_to_the_address_with_the_name_for_sni_and_verification(
    tls_receiver: TLSReceiver, proxy: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_receiver.ca_file))  # trust the test CA
    delivery = deliver(
        f"https://hooks.test:{tls_receiver.port}/ok", _signed(), BODY, allow_private=True,
        resolve=TEST_DNS,
    )
    assert delivery == Delivery(status=200, retry_after=None, error=None)
    assert tls_receiver.server_names == ["hooks.test"]
    assert tls_receiver.requests == [Request(f"hooks.test:{tls_receiver.port}", "/ok", BODY)]
    assert not _connected(proxy)


def test_https_refuses_a_certificate_for_another_name(
    tls_receiver: TLSReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_receiver.ca_file))
    delivery = deliver(
        f"https://other.test:{tls_receiver.port}/ok", _signed(), BODY, allow_private=True,
        resolve=TEST_DNS,
    )
    assert delivery == Delivery(status=None, retry_after=None, error="SSLCertVerificationError")
    assert tls_receiver.server_names == ["other.test"]
    assert tls_receiver.requests == []


def test_https_refuses_an_untrusted_certificate(tls_receiver: TLSReceiver) -> None:
    delivery = deliver(
        f"https://hooks.test:{tls_receiver.port}/ok", _signed(), BODY, allow_private=True,
        resolve=TEST_DNS,
    )
    assert delivery == Delivery(status=None, retry_after=None, error="SSLCertVerificationError")
    assert tls_receiver.requests == []


# --- the deliverer's use of it --------------------------------------------------------------


class _Store:
    """The part of FeedStore the deliverer touches, for one subscription and one event."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.queued: list[tuple[int, str, int]] = [
            (1, json.dumps({"id": "msg_1", "case_id": None}), 0)
        ]
        self.statuses: list[tuple[str, str | None]] = []
        self.settled: list[tuple[str, int | None, str | None]] = []
        self.deferred: list[datetime | None] = []

    def claim(self, holder: str, now: datetime, limit: int,
              skip: frozenset[UUID] = frozenset()) -> list[Subscription]:
        return [] if self.subscription.subscription_id in skip else [self.subscription]

    def pending(self, subscription_id: UUID, limit: int) -> list[tuple[int, str, int]]:
        return self.queued[:limit]

    def secrets(self, subscription_id: UUID, now: datetime) -> list[str]:
        return [SECRET]

    def settle(self, subscription_id: UUID, position: int, state: str, status: int | None,
               error: str | None, *, holder: str | None = None, now: datetime | None = None,
               retry_at: datetime | None = None, deferred: bool = False) -> bool:
        self.settled.append((state, status, error))
        if retry_at is not None or deferred:
            self.deferred.append(retry_at)
        return True

    def defer(self, subscription_id: UUID, until: datetime | None) -> None:
        self.deferred.append(until)

    def set_status(self, subscription_id: UUID, status: str, error: str | None = None) -> None:
        self.statuses.append((status, error))

    def lease(self, subscription_id: UUID, holder: str, now: datetime) -> bool:
        return True

    def release(self, subscription_id: UUID, holder: str) -> None:
        return None


class _Gate:
    """Every case is still visible: these tests are about the network, not need-to-know."""

    def visible(self, subscription: Subscription, case_ids: Sequence[UUID]) -> set[UUID]:
        return set(case_ids)


class _Audit:
    def record(self, record: AuditRecord) -> None:
        pass


def _run_deliverer(monkeypatch: pytest.MonkeyPatch, answer: Callable[[], list[str]]) -> _Store:
    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answer()]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    store = _Store(Subscription(
        uuid4(), "police-cms", uuid4(), uuid4(), frozenset(), "https://hooks.example.org/hook",
        "active", 0, 0, None, None, None, 0, NOW))
    worker = WebhookDeliverer(cast(FeedStore, store), cast(AuditTrail, _Audit()), lambda: NOW,
                              cast(Gate, _Gate()), allow_private=False)
    worker.run_once()
    return store


def test_deliverer_retries_when_the_name_does_not_resolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing() -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "temporary failure in name resolution")

    store = _run_deliverer(monkeypatch, failing)
    assert store.statuses == []  # not disabled
    assert store.settled == [("pending", None, "gaierror")]
    retry_at = store.deferred[-1]
    assert retry_at is not None
    assert retry_at >= NOW


def test_deliverer_disables_a_subscription_whose_name_now_points_inside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _run_deliverer(monkeypatch, lambda: ["127.0.0.1"])
    assert store.statuses == [("disabled", "unsafe_webhook_target")]
    assert store.settled == []


# --- one connection a batch -------------------------------------------------------------------


def _keep_alive_handler(ports: list[int], *, drop_first: bool = False
                        ) -> type[BaseHTTPRequestHandler]:
    """An HTTP/1.1 receiver, as real ones are: it keeps the connection open between requests.
    It notes the client's port for each request (one port, one connection); `drop_first`
    closes the first connection without answering."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            ports.append(self.client_address[1])
            if drop_first and len(ports) == 1:
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def _keep_alive_receiver(ports: list[int], *, drop_first: bool = False,
                         context: ssl.SSLContext | None = None) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _keep_alive_handler(ports,
                                                                        drop_first=drop_first))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with _serving(server):
        yield server.server_address[1]


def test_a_sender_carries_a_batch_on_one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    ports: list[int] = []
    with _keep_alive_receiver(ports) as port:
        sender = Sender(f"http://127.0.0.1:{port}/hook", allow_private=True)
        try:
            answers = [sender.send(_signed(), BODY) for _ in range(3)]
        finally:
            sender.close()
    assert answers == [Delivery(200, None, None)] * 3
    assert len(ports) == 3
    assert len(set(ports)) == 1
    assert sender.connections == 1


def test_a_sender_connects_again_when_the_receiver_will_close(receiver: Receiver) -> None:
    # The plain receiver answers HTTP/1.0: each answer closes its connection.
    sender = Sender(f"{receiver.base}/ok", allow_private=True)
    try:
        answers = [sender.send(_signed(), BODY) for _ in range(3)]
    finally:
        sender.close()
    assert answers == [Delivery(200, None, None)] * 3
    assert sender.connections == 3


def test_after_a_failure_a_sender_resolves_and_checks_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    ports: list[int] = []
    with _keep_alive_receiver(ports, drop_first=True) as port:
        sender = Sender(f"http://hooks.test:{port}/hook", allow_private=True, resolve=resolve)
        try:
            first = sender.send(_signed(), BODY)
            second, third = sender.send(_signed(), BODY), sender.send(_signed(), BODY)
        finally:
            sender.close()
    assert first == Delivery(None, None, "RemoteDisconnected")
    assert (second, third) == (Delivery(200, None, None), Delivery(200, None, None))
    assert asked == ["hooks.test", "hooks.test"]  # the failure dropped the connection
    assert len(set(ports)) == 2


def test_an_https_batch_makes_one_handshake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_DIR", *_PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    ca_file, chain = _issue(tmp_path, "hooks.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    handshakes: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    context.sni_callback = lambda sock, name, ctx: handshakes.append(name)
    ports: list[int] = []
    with _keep_alive_receiver(ports, context=context) as port:
        sender = Sender(f"https://hooks.test:{port}/hook", allow_private=True, resolve=TEST_DNS)
        try:
            answers = [sender.send(_signed(), BODY) for _ in range(4)]
        finally:
            sender.close()
    assert answers == [Delivery(200, None, None)] * 4
    assert handshakes == ["hooks.test"]


def test_the_deliverer_sends_a_batch_on_one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    ports: list[int] = []
    with _keep_alive_receiver(ports) as port:
        store = _Store(Subscription(
            uuid4(), "police-cms", uuid4(), uuid4(), frozenset(),
            f"http://127.0.0.1:{port}/hook", "active", 0, 0, None, None, None, 0, NOW))
        store.queued = [(n, json.dumps({"id": f"msg_{n}", "case_id": None}), 0)
                        for n in range(1, 6)]
        worker = WebhookDeliverer(cast(FeedStore, store), cast(AuditTrail, _Audit()),
                                  lambda: NOW, cast(Gate, _Gate()), allow_private=True)
        assert worker.run_once() == 5
    assert [s[0] for s in store.settled] == ["delivered"] * 5
    assert len(ports) == 5
    assert len(set(ports)) == 1


@contextmanager
def _raw_receiver(answer: Callable[[socket.socket, int], None]) -> Iterator[int]:
    """A receiver written byte by byte: `answer(connection, n)` for the n-th connection, after
    its first request has been read. For answers no well-behaved server gives."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        n = 0
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            _read_request(connection)
            threading.Thread(target=answer, args=(connection, n), daemon=True).start()
            n += 1

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(rest) < length:
        rest += connection.recv(4096)


def _drip(connection: socket.socket, start: bytes, then: bytes) -> None:
    with contextlib.suppress(OSError):
        connection.sendall(start)
        for byte in then:
            time.sleep(0.2)
            connection.sendall(bytes([byte]))


def test_a_receiver_dripping_its_answer_holds_a_send_no_longer_than_its_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    body = partial(_drip, start=b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", then=b"x" * 100)
    headers_never_end = partial(_drip, start=b"HTTP/1.1 200 OK\r\n", then=b"X-Slow: 1\r\n" * 50)
    with _raw_receiver(lambda c, n: body(c)) as slow_body, \
            _raw_receiver(lambda c, n: headers_never_end(c)) as slow_headers:
        started = time.monotonic()
        # The status came: the event was accepted, whatever becomes of the body.
        assert deliver(f"http://127.0.0.1:{slow_body}/hook", _signed(), BODY,
                       allow_private=True, timeout=1) == Delivery(200, None, None)
        assert deliver(f"http://127.0.0.1:{slow_headers}/hook", _signed(), BODY,
                       allow_private=True, timeout=1) == Delivery(None, None, "TimeoutError")
        assert time.monotonic() - started < 6  # not the 20 s and 110 s the drips would take


def test_a_kept_connection_with_bytes_nobody_asked_for_is_not_used_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    def answer(connection: socket.socket, n: int) -> None:
        if n == 0:  # an answer, then, once it has been read, a second nobody asked for
            connection.sendall(ok)
            time.sleep(0.05)
            connection.sendall(ok)
        else:
            connection.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n")

    with _raw_receiver(answer) as port:
        sender = Sender(f"http://127.0.0.1:{port}/hook", allow_private=True, timeout=2)
        try:
            first = sender.send(_signed(), BODY)
            time.sleep(0.3)  # the stray answer has arrived
            second = sender.send(_signed(), BODY)
        finally:
            sender.close()
    assert first == Delivery(200, None, None)
    assert second == Delivery(503, None, None)  # the receiver's own answer, not the stray one
    assert sender.connections == 2


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
])
def test_a_connection_is_kept_only_after_a_short_answer_of_stated_length(
    answer: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with _raw_receiver(lambda c, n: c.sendall(answer)) as port:
        sender = Sender(f"http://127.0.0.1:{port}/hook", allow_private=True, timeout=2)
        try:
            answers = [sender.send(_signed(), BODY) for _ in range(2)]
        finally:
            sender.close()
    assert answers == [Delivery(200, None, None)] * 2
    assert sender.connections == 2


def test_a_gone_with_a_body_that_breaks_off_is_still_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def answer(connection: socket.socket, n: int) -> None:
        connection.sendall(b"HTTP/1.1 410 Gone\r\nContent-Length: 100\r\n\r\nshort")
        connection.close()

    with _raw_receiver(answer) as port:
        assert deliver(f"http://127.0.0.1:{port}/hook", _signed(), BODY,
                       allow_private=True, timeout=2) == Delivery(410, None, None)


@pytest.mark.parametrize("url", ["https://hooks.example.org/hook/é?token=1",
                                 "https://hooks.example.org/a b"])
def test_a_url_that_is_not_plain_ascii_is_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_target(url, allow_private=True)
