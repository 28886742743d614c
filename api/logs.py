"""Structured JSON logs with a request id on every line. Log event names and ids, never
case content: nothing here receives request bodies."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response


def configure_logging(level: int = logging.INFO) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


def install_request_ids(app: FastAPI) -> None:
    log = structlog.get_logger("api.request")

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # A caller's id is accepted only if it is a UUID: it lands in logs and audit records.
        given = request.headers.get("x-request-id", "")
        try:
            rid = str(uuid.UUID(given))
        except ValueError:
            rid = str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        response = await call_next(request)
        response.headers["x-request-id"] = rid
        log.info("request", method=request.method, route=request.url.path,
                 status=response.status_code)
        return response
