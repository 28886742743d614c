"""Readiness: whether this process can serve now (/readyz, /api/v1/health). Each dependency
is checked and named with one word for its state; no secret, no personal data and no error
text (which could carry either) leaves it. Failures are logged once, as they begin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from security.identity import HttpJwks, TokenVerifier

if TYPE_CHECKING:
    from api.bootstrap import Platform

log = structlog.get_logger("readiness")

OK = "ok"
# Checks that read the database cannot tell anything while it is unreachable.
UNKNOWN = "unknown"
# A readiness probe must answer within a second or two: no check may wait longer.
TIMEOUT = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # "ok", or one word for what is wrong

    @property
    def ok(self) -> bool:
        return self.state == OK


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def states(self) -> dict[str, str]:
        return {check.name: check.state for check in self.checks}


class JwksProbe:
    """The identity provider's key set fetched at most once per `ttl` seconds: readiness
    probes come every few seconds from every load balancer, and the IdP is not theirs to
    load. A key set with no key is as useless as none."""

    def __init__(self, fetch: Callable[[], Mapping[str, Any]], ttl: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.ttl = ttl
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._state: str | None = None
        self._at = float("-inf")

    def state(self) -> str:
        with self._lock:
            if self._state is not None and self.monotonic() - self._at < self.ttl:
                return self._state
            try:
                keys = self.fetch().get("keys")
                self._state = OK if isinstance(keys, list) and keys else "invalid"
            except Exception:  # unreachable, refused, timed out, not JSON: all the same here
                self._state = "unreachable"
            self._at = self.monotonic()
            return self._state


def jwks_fetch(verifier: TokenVerifier, timeout: float = TIMEOUT) -> Callable[[],
                                                                             Mapping[str, Any]]:
    """The verifier's key set source, with a probe's short timeout where it is fetched."""
    source = verifier.jwks
    if isinstance(source, HttpJwks):
        return HttpJwks(source.url, timeout=timeout).fetch
    return source.fetch  # the demo's local issuer: in memory


class ReadinessChecks:
    """One per process (the JWKS answer is cached for it)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.jwks = JwksProbe(jwks_fetch(platform.verifier),
                              platform.settings.ready_jwks_cache_seconds)
        self._seen: dict[str, str] = {}

    def run(self) -> Readiness:
        database = self._database()
        reachable = database.ok
        checks = (
            database,
            self._kek() if reachable else Check("kek", UNKNOWN),
            self._shred_ledger(),
            Check("jwks", self.jwks.state()),
            self._projections() if reachable else Check("projections", UNKNOWN),
        )
        self._log_changes(checks)
        return Readiness(checks)

    def _database(self) -> Check:
        try:
            self.platform.database.ping(TIMEOUT)
        except Exception:
            return Check("database", "unreachable")
        return Check("database", OK)

    def _kek(self) -> Check:
        try:
            self.platform.keyring.check_unwrap()
        except Exception:
            return Check("kek", "unwrap_failed")
        return Check("kek", OK)

    def _shred_ledger(self) -> Check:
        ledger = self.platform.keyring.ledger_file
        if ledger is not None and not ledger.exists():
            return Check("shred_ledger", "missing")
        try:
            self.platform.keyring.check_ledger_file()
        except OSError:
            return Check("shred_ledger", "unreadable")
        return Check("shred_ledger", OK)

    def _projections(self) -> Check:
        try:
            lag = self.platform.runner.lag()
        except Exception:
            return Check("projections", UNKNOWN)
        bound = self.platform.settings.ready_max_projection_lag
        return Check("projections", OK if lag <= bound else "behind")

    def _log_changes(self, checks: tuple[Check, ...]) -> None:
        for check in checks:
            before = self._seen.get(check.name, OK)
            if check.state != before:
                (log.info if check.ok else log.warning)(
                    "readiness_changed", check=check.name, state=check.state, was=before)
            self._seen[check.name] = check.state
