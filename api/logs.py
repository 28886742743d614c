"""Structured JSON logs with a request id on every line. Log event names and ids, never
case content: nothing here receives request bodies."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response


class _TypeOnly(logging.Filter):
    """Uvicorn logs an unhandled exception with its message and traceback, which may carry
    case content: keep the exception's type, drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"unhandled {record.exc_info[0].__name__}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).addFilter(_TypeOnly())
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
        request.state.request_id = rid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        response = await call_next(request)
        response.headers["x-request-id"] = rid
        log.info("request", method=request.method, route=request.url.path,
                 status=response.status_code)
        return response
