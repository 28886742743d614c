"""Webhook primitives for the delivery worker: Standard Webhooks signing and verification,
retry timing, the SSRF guard on subscriber URLs and non-redirecting POSTs that connect only
to the addresses the guard checked (no second lookup to rebind)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import re
import secrets as _secrets
import select
import socket
import ssl
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from random import Random
from typing import Final, TypeAlias
from urllib.parse import urlsplit

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the spec's marker, not a secret
MAX_RETRY_AFTER: Final = 86_400.0  # a receiver cannot park a delivery for more than a day

_PRINTABLE_ASCII: Final = re.compile(r"[!-~]*")
# NAT64's well-known prefix embeds an IPv4 address that a translator will reach for us.
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")

IP: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver: TypeAlias = Callable[[str, int], list[str]]


class InvalidSignature(Exception):
    """A delivery a receiver must refuse; `code` is stable, the message is for humans."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UnsafeTarget(Exception):
    """A subscriber URL the platform will not call."""

    code: Final = "unsafe_webhook_target"


@dataclass(frozen=True)
class Delivery:
    status: int | None
    retry_after: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        # Standard Webhooks: only 2xx is success; 3xx is a failure, not a hint to follow.
        return self.status is not None and 200 <= self.status < 300


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    # Only our own serialisation: a bare string silently used as a key would sign with the
    # wrong bytes and fail far from the cause.
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret must start with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("webhook secret is not valid base64") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    return hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    # The spec forbids "." in the id: it would make the id/timestamp boundary ambiguous.
    if "." in msg_id:
        raise ValueError("message id must not contain '.'")
    digest = _digest(_key(secret), msg_id, str(timestamp), body)
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    # Several secrets only during rotation, so receivers holding either one keep verifying.
    if not secrets:
        raise ValueError("at least one secret is needed to sign a webhook")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: int, tolerance: int = 300
) -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "").strip()
    signatures = lowered.get("webhook-signature", "")
    # An unparsable timestamp is as useless as none: both are "missing_header".
    if not (msg_id and signatures and stamp.isascii() and stamp.isdigit()):
        raise InvalidSignature("missing_header", "webhook headers missing or malformed")
    # Both directions: a far-future timestamp would otherwise stay replayable for ages.
    if abs(now - int(stamp)) > tolerance:
        raise InvalidSignature("stale_timestamp", "webhook timestamp outside tolerance")
    expected = _digest(_key(secret), msg_id, stamp, body)
    for entry in signatures.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue  # other schemes (v1a) are for other verifiers
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return
    raise InvalidSignature("bad_signature", "no webhook signature matches")


def backoff(attempt: int, rng: Random, base: float = 1.0, cap: float = 3600.0) -> float:
    """Full jitter: spreads retries of a failed burst instead of re-synchronising them."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    # 2.0**1024 overflows; long before that the cap has won anyway.
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 1023))
    return rng.uniform(0.0, ceiling)


def retry_after(value: str | None, now: datetime) -> float | None:
    if value is None or not (value := value.strip()):
        return None
    if value.isascii() and value.isdigit():
        # Over ~17 digits is beyond the cap anyway; int() refuses >4300 digits.
        seconds = float(value) if len(value) < 18 else MAX_RETRY_AFTER
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        # HTTP-dates are always GMT; asctime and "-0000" forms parse as naive.
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _getaddrinfo(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _embedded_ipv4(ip: IP) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(ip: IP) -> bool:
    embedded = _embedded_ipv4(ip)
    if embedded is not None and not _is_public(embedded):
        return False
    # fec0::/10, the deprecated site-local range, is still routed inside some networks while
    # Python calls it global.
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return False
    # is_global alone is not enough: multicast is "global", and Python 3.11 still calls
    # 6to4 and NAT64 forms of 127.0.0.1 global (hence the embedded check above).
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower-case, IDNA-encoded, without IPv6 brackets: what SNI and Host carry
    port: int
    path: str  # path and query; the fragment never leaves the client


def _parse(url: str, *, allow_private: bool) -> _Target:
    """The rules that need no DNS; raises UnsafeTarget, whose messages never quote the URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeTarget("webhook URL must use https")
    if parts.username is not None or parts.password is not None:
        # Credentials would be sent to the host and end up in logs of the URL.
        raise UnsafeTarget("webhook URL must not carry credentials")
    host = parts.hostname
    if not host:
        raise UnsafeTarget("webhook URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("webhook URL has an invalid port") from None
    if not _literal(host):
        try:
            # http.client sends Host as ASCII; the resolver and SNI get the same A-labels.
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeTarget("webhook URL has an invalid host name") from None
    path = parts.path or "/"
    if not _PRINTABLE_ASCII.fullmatch(f"{path}?{parts.query}"):
        # http.client sends the request line as ASCII: anything else must be percent-encoded.
        raise UnsafeTarget("webhook URL path must be ASCII, percent-encoded")
    return _Target(scheme, host, port, f"{path}?{parts.query}" if parts.query else path)


def _resolve(target: _Target, resolve: Resolver) -> list[IP]:
    """Every address the name has; raises OSError/ValueError when resolution fails."""
    if _literal(target.host):
        return [ipaddress.ip_address(target.host)]
    ips = [ipaddress.ip_address(address) for address in resolve(target.host, target.port)]
    if not ips:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return ips


def _check(ips: Sequence[IP], *, allow_private: bool) -> None:
    # Every address, not the first: the connection may use any of them.
    if not allow_private and not all(_is_public(ip) for ip in ips):
        raise UnsafeTarget("webhook host is not a public address")


def check_target(url: str, *, allow_private: bool, resolve: Resolver = _getaddrinfo) -> None:
    """Refuse URLs that would point the worker at ourselves or our network (SSRF).

    For registration: a name can resolve elsewhere later, so deliver() checks again, on the
    very addresses it then connects to. Here an unresolvable name is refused too.
    """
    target = _parse(url, allow_private=allow_private)
    if allow_private:
        return  # demo mode: receivers run beside the platform
    try:
        ips = _resolve(target, resolve)
    except (OSError, ValueError):  # UnicodeError is a ValueError
        raise UnsafeTarget("webhook host cannot be resolved") from None
    _check(ips, allow_private=allow_private)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _connect(addresses: Sequence[IP], port: int, timeout: float | None) -> socket.socket:
    # Only the addresses that were checked, in the resolver's order, as create_connection
    # would try them; never the name, which could be answered differently a second time.
    error: OSError = ConnectionError("no address")
    for ip in addresses:
        try:
            sock = socket.create_connection((str(ip), port), timeout)
        except OSError as exc:
            error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to checked addresses; Host still carries the name from the URL."""

    def __init__(self, target: _Target, addresses: Sequence[IP], timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses = tuple(addresses)

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS: SNI and certificate verification use the name, not the address."""

    def __init__(self, target: _Target, addresses: Sequence[IP], timeout: float) -> None:
        self._tls = ssl.create_default_context()  # verifies the chain and the host name
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._addresses = tuple(addresses)

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


# An answer is read (so that its connection can carry the next event) only when it says it
# is this short; any other answer's connection is closed unread, as every one used to be.
KEPT_ANSWER_BODY: Final = 4096


class Sender:
    """POSTs to one receiver, keeping its connection open from one event to the next: a
    subscription's deliverer uses one for a batch (feeds/delivery.py), so that a receiver is
    resolved, checked and connected to (over TLS: a handshake) once a batch, not once an event.

    Each new connection is made as one POST's always was: the name resolved once, the target
    refused by rule (UnsafeTarget), a connection only to the addresses checked. A connection is
    kept only while nothing about it is in doubt: it is dropped after any failure, when the
    receiver will close it, when its answer is not a short body of stated length (read whole),
    and when it has anything to say before the next request (stray bytes, or a close while
    idle: the next event gets a new, checked connection rather than a stale answer). Each send
    has a deadline of `timeout` seconds in all, not only per read: a receiver that drips its
    answer, or never ends its headers, holds a delivery thread no longer than that. No proxies
    from the environment and no redirects.
    """

    def __init__(self, url: str, *, allow_private: bool, timeout: float = 10.0,
                 resolve: Resolver = _getaddrinfo) -> None:
        self.url = url
        self.allow_private = allow_private
        self.timeout = timeout
        self.resolve = resolve
        self._open: tuple[_Target, http.client.HTTPConnection] | None = None
        self.connections = 0  # opened so far (tests, and what a batch cost)

    def send(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Raises UnsafeTarget only for targets refused by rule. A name that does not resolve
        now, or a connection that fails, is a Delivery without a status, to be retried."""
        if self._open is not None and not _quiet(self._open[1]):
            self.close()
        if self._open is None:
            target = _parse(self.url, allow_private=self.allow_private)
            try:
                ips = _resolve(target, self.resolve)
            except (OSError, ValueError) as exc:
                return Delivery(None, None, type(exc).__name__)
            _check(ips, allow_private=self.allow_private)
            self._open = (target, _PinnedHTTPSConnection(target, ips, self.timeout)
                          if target.scheme == "https"
                          else _PinnedHTTPConnection(target, ips, self.timeout))
            self.connections += 1
        target, connection = self._open
        deadline = _Deadline(connection, self.timeout)
        try:
            return self._post(target, connection, headers, body, deadline)
        finally:
            deadline.cancel()

    def _post(self, target: _Target, connection: http.client.HTTPConnection,
              headers: Mapping[str, str], body: bytes, deadline: _Deadline) -> Delivery:
        try:
            connection.request("POST", target.path, body=body, headers=dict(headers))
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            # Type names only: messages can quote the URL, which may carry a subscriber token.
            return Delivery(None, None, "TimeoutError" if deadline.passed else type(exc).__name__)
        if deadline.passed:  # its headers were cut off by the deadline: no answer at all
            response.close()
            self.close()
            return Delivery(None, None, "TimeoutError")
        # The answer is what the status and headers say, whatever becomes of its body.
        delivered = Delivery(response.status, response.getheader("Retry-After"), None)
        try:
            if (response.will_close or response.chunked or response.length is None
                    or response.length > KEPT_ANSWER_BODY):
                self.close()  # unread, as every answer used to be
            else:
                response.read()
        except (OSError, http.client.HTTPException):
            self.close()
        finally:
            response.close()
        return delivered

    def close(self) -> None:
        if self._open is not None:
            self._open[1].close()
            self._open = None


class _Deadline:
    """Shuts a connection's socket down once `seconds` have passed, so that whatever read or
    write is waiting on it ends then (socket timeouts bound each read, not their sum)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.passed = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.passed = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _quiet(connection: http.client.HTTPConnection) -> bool:
    """Whether a kept connection has nothing to say before we speak: anything readable now
    is bytes no request asked for, or the receiver's close."""
    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    readable, _, _ = select.select([sock], [], [], 0)
    return not readable


def deliver(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    allow_private: bool,
    timeout: float = 10.0,
    resolve: Resolver = _getaddrinfo,
) -> Delivery:
    """POST once, on a connection of its own (a Sender used for one event)."""
    sender = Sender(url, allow_private=allow_private, timeout=timeout, resolve=resolve)
    try:
        return sender.send(headers, body)
    finally:
        sender.close()
