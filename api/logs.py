"""Structured JSON logs with a request id on every line. Log event names and ids, never
case content: nothing here receives request bodies."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Literal

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


# Keys whose values may be logged: ids, counts, codes. Anything else is replaced, so a
# careless `log.info("x", surname=...)` cannot put personal data in the logs.
SAFE_KEYS = frozenset({
    "event", "level", "timestamp", "request_id", "method", "route", "status", "reason",
    "error_type", "projection", "notifications", "keys_destroyed", "cases_erased", "size",
    "signal", "logger", "subject_access_requests_erased", "witnessed_size",
    # What is running and where (api/commands/serve.py, api/supervisor.py).
    "api", "demo", "worker", "database", "child", "pid", "exit_code", "restart_in",
    "witness_pid", "witness_dir", "kind", "checkpoints", "metrics",
})
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/{}\-]{0,200}$")


def keep_personal_data_out(
    _: object, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Allow-list processor: only known keys keep their values, and only values shaped like
    ids, codes, numbers or route templates; event names are identifiers, not sentences."""
    cleaned: dict[str, object] = {}
    for key, value in event_dict.items():
        if key == "event":
            cleaned[key] = value if isinstance(value, str) and _EVENT_NAME.match(value) \
                else "redacted_event"
        elif key not in SAFE_KEYS:
            cleaned[key] = "[redacted]"
        elif isinstance(value, (int, float, bool)) or value is None:
            cleaned[key] = value
        else:
            cleaned[key] = value if _SAFE_VALUE.match(str(value)) else "[redacted]"
    return cleaned


class _CurrentStream:
    """The process's stdout or stderr as it is at each write, not as it was when logging was
    configured: a stream swapped and closed since (a test's captured output, a benchmark run
    in-process) must not take every later log line, and its request, down with it."""

    def __init__(self, name: Literal["stdout", "stderr"]) -> None:
        self.name = name

    def write(self, text: str) -> int:
        return int(getattr(sys, self.name).write(text))

    def flush(self) -> None:
        getattr(sys, self.name).flush()


def configure_logging(level: int = logging.INFO,
                      to: Literal["stdout", "stderr"] = "stdout") -> None:
    """JSON lines on stdout (`to="stderr"`: as for a benchmark whose stdout is its result)."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).addFilter(_TypeOnly())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            keep_personal_data_out,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStream(to)),  # type: ignore[arg-type]
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
        # The route template, not the path: a path could carry a staff id or a search term.
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.info("request", method=request.method, route=route, status=response.status_code)
        return response
