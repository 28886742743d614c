"""The few ways a use case refuses, each with a stable code; each entrypoint maps them once
(api/errors.py for HTTP). One class per meaning: the code says which rule refused."""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every refusal a use case makes. `code` is stable: clients act on it."""

    code: ClassVar[str] = "service_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance's own, more precise code


class NotFound(ServiceError):
    """Missing, erased or not the caller's to see: all answer alike, so that none tells the
    caller that something exists."""

    code: ClassVar[str] = "not_found"


class Forbidden(ServiceError):
    """The policy refused an operation the caller may know of (their own area's, say)."""

    code: ClassVar[str] = "forbidden"


class Conflict(ServiceError):
    """In conflict with what is already recorded: already reviewed, already decided."""

    code: ClassVar[str] = "conflict"


class Invalid(ServiceError):
    """A well-formed request that the rules refuse; `code` names the rule."""

    code: ClassVar[str] = "invalid_request"
