"""Request latency for the metrics port: each request timed under its route's template
(`/api/v1/cases/{case_id}`), never its path, so that no id reaches a label and the number
of series stays that of the routes."""

from __future__ import annotations

import time

from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A path no route matched (a 404 at any address): one label for all of them.
UNMATCHED = "unmatched"


class RequestMetrics:
    """Outermost ASGI middleware: the time includes every other middleware (audit guard,
    idempotency, error pages)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception that escaped everything

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            # The platform bound to the app (api/app.py bind) keeps the histogram.
            histogram: Histogram = scope["app"].state.platform.metrics.requests
            histogram.labels(method=_method(scope), route=route_template(scope),
                             status=str(status)).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route's path format; the router leaves the route in the scope."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _method(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in METHODS else "other"
