"""Error mapping in one place: every error is JSON with a stable `code`, never a stack trace."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from audit.trail import AuditUnavailable
from domain.exceptions import (
    ActionNotFound,
    AgencyNotFound,
    AlreadyRecorded,
    AreaNotFound,
    CaseErased,
    CaseNotFound,
    DomainError,
)
from security.identity import InvalidToken
from services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from storage.transient import RETRY_AFTER_SECONDS, StorageBusy, is_transient

log = structlog.get_logger(__name__)

_NOT_FOUND = {"code": "not_found", "message": "Not found"}


class Error(BaseModel):
    """Every error answer, whatever its status: a stable code to act on, and a message for
    people. The codes each status answers with are listed in its description; `code` is not
    an enum, so that a client generated today still reads a code added later."""

    code: str = Field(description="Stable, and one meaning each: the rule or check that "
                                  "answered")
    message: str = Field(description="For people; may change")
    fields: list[str] = Field(
        default=[], description="Where a request did not validate (`invalid_request`), such as "
                                "`body.held_on`; absent otherwise")


def _codes(*codes: str) -> str:
    return ", ".join(f"`{code}`" for code in codes)


# The codes each status answers with, from the checks around every operation and from the
# domain's rules (the DomainError classes; a test keeps this list complete). The
# Idempotency-Key's own codes are added to the POSTs by api/idempotency.py.
CODES: dict[int, tuple[str, ...]] = {
    400: ("purpose_required", "invalid_purpose"),
    401: ("not_authenticated", "unknown_area_code", "unknown_agency_code"),
    403: ("forbidden", "not_team_leader", "exact_figures_forbidden"),
    404: ("not_found",),
    # Already recorded: the request was valid, and would have been before.
    409: ("already_visible", "already_recorded", "decision_already_recorded", "already_exists",
          "closure_already_acknowledged", "action_already_recorded", "meeting_cancelled",
          "meeting_already_held", "confidentiality_statement_outdated",
          "minutes_already_acknowledged"),
    422: ("invalid_request",
          # A rule of the domain refused a valid request.
          "invalid_referral", "professional_judgement_reason_required", "criterion_required",
          "consent_basis_required", "subject_name_required", "threshold_not_met",
          "cannot_lower_mandatory_criterion", "case_closed", "decline_reason_required",
          "unknown_subject", "invalid_closure", "invalid_action", "case_not_accepted",
          "not_a_repeat", "invalid_settings", "invalid_access_change",
          "not_told_of_closure", "invalid_hearing_change", "invalid_meeting_change",
          "invalid_safeguarding_link", "invalid_subject_access_request",
          "invalid_marrac_change", "not_a_marrac_area", "marrac_not_allocated",
          "marrac_step_out_of_order", "marrac_time_out_of_bounds", "marrac_completed_by_closing",
          "invalid_subscription", "unsafe_webhook_target",
          "invalid_report_period", "invalid_review", "invalid_cursor",
          "meeting_not_yet_held", "invalid_agenda_order", "minutes_not_distributed",
          "minutes_not_sent_to_agency",
          "referral_withdrawn", "invalid_correction", "open_actions_unaccounted"),
    503: ("audit_unavailable", "storage_busy"),
}

_MEANINGS = {
    400: f"Reading case content needs a purpose: {_codes(*CODES[400])}",
    401: f"No valid bearer token: {_codes(*CODES[401])}",
    403: f"Not for the caller's role, agency or area: {_codes(*CODES[403])}",
    404: "No such thing, or not one the caller may see; both answer alike: "
         f"{_codes(*CODES[404])}",
    409: f"In conflict with what is already recorded: {_codes(*CODES[409])}",
    422: f"The request is not valid ({_codes(CODES[422][0])}, naming the `fields`) or a rule "
         f"refuses it: {_codes(*CODES[422][1:])}",
    503: f"The access could not be audited ({_codes(CODES[503][0])}), or the database was too "
         f"busy ({_codes(CODES[503][1])}, with Retry-After): nothing was done or shown",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` for error statuses, each with the one error body."""
    return {status: {"model": Error, "description": _MEANINGS[status]} for status in statuses}


def error_content() -> dict[str, Any]:
    """The error body as an OpenAPI `content`, for an answer added to the document afterwards
    (the Idempotency-Key's, api/idempotency.py)."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{Error.__name__}"}}}


# What any operation that takes a bearer token may answer: no valid token; a refusal by the
# policy, which decides for every operation (security/policy.py); an invalid request, or one
# the domain refuses; and a request whose audit record could not be written (the audit guard
# records every authenticated request that its handler did not).
AUTHENTICATED = documented(401, 403, 422, 503)
NOT_FOUND = documented(404)
NEEDS_PURPOSE = documented(400)
CONFLICT = documented(409)


def error_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _invalid_request(fields: list[str]) -> JSONResponse:
    # Field locations only: echoing the input could echo personal data.
    body = {**error_body("invalid_request", "The request is not valid"), "fields": fields}
    return JSONResponse(body, status_code=422)


async def not_found(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse(_NOT_FOUND, status_code=404)


def busy() -> JSONResponse:
    """The database was too busy for the request, which wrote nothing: ask again shortly."""
    return JSONResponse(error_body(StorageBusy.code, "The service is busy; try again shortly"),
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def audit_failed(exc: AuditUnavailable) -> JSONResponse:
    """Fail closed: nothing leaves when the access could not be recorded. Retry-After when
    only a busy database stood in the way."""
    transient = {"Retry-After": str(RETRY_AFTER_SECONDS)} if is_transient(exc) else None
    return JSONResponse(error_body(exc.code, "The request could not be audited"),
                        status_code=503, headers=transient)


def _not_authenticated() -> JSONResponse:
    return JSONResponse(error_body("not_authenticated", "A valid bearer token is required"),
                        status_code=401, headers={"WWW-Authenticate": 'Bearer realm="marac"'})


def authenticated(request: Request) -> bool:
    """FastAPI parses a request's body before any dependency runs, so an error about the body
    may come before authentication: callers without valid credentials are told only that,
    not that their body was malformed (which would also tell them the route exists)."""
    if not request.url.path.startswith("/api/"):
        return True  # the demo identity routes take no bearer token
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        request.app.state.platform.verifier.verify(token.strip())
    except InvalidToken:
        return False
    return True


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return JSONResponse(_NOT_FOUND, status_code=404)
        if exc.status_code in (400, 415, 422) and not authenticated(request):
            return _not_authenticated()
        if exc.status_code == 400 and not hasattr(exc, "code"):
            # FastAPI's answer to a body it could not read (not UTF-8, nested deeper than the
            # parser goes): the same error as a body that is not JSON. Our own 400s have codes.
            return _invalid_request(["body"])
        default = "method_not_allowed" if exc.status_code == 405 else f"http_{exc.status_code}"
        code = getattr(exc, "code", default)
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if not authenticated(request):
            return _not_authenticated()
        return _invalid_request([".".join(str(p) for p in e.get("loc", ()))
                                 for e in exc.errors()])

    # Missing, erased and invisible answer alike: a different status or body for an erased
    # case would tell a caller that it once existed.
    for missing in (CaseNotFound, CaseErased, AreaNotFound, AgencyNotFound, ActionNotFound):
        app.add_exception_handler(missing, not_found)

    @app.exception_handler(AuditUnavailable)
    async def audit_unavailable(_: Request, exc: AuditUnavailable) -> JSONResponse:
        # Fail closed: nothing of the case leaves when its access could not be recorded.
        log.error("audit_unavailable")
        return audit_failed(exc)

    # Errors of the databases and their pools: a lock or a connection not had in time is
    # transient (503, Retry-After); anything else is the unexpected error it is.
    @app.exception_handler(StorageBusy)
    @app.exception_handler(PersistenceError)
    @app.exception_handler(psycopg.Error)
    @app.exception_handler(sqlite3.Error)
    async def storage_error(_: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            log.warning("storage_busy", error_type=type(exc).__name__)
            return busy()
        log.error("unhandled_error", error_type=type(exc).__name__)
        return JSONResponse(error_body("internal_error", "Internal error"), status_code=500)

    # The use cases' refusals (services/errors.py), each base one status; NotFound is the
    # uniform 404, whatever its message.
    app.add_exception_handler(NotFound, not_found)
    statuses: dict[type[ServiceError], int] = {Forbidden: 403, Conflict: 409, Invalid: 422}

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        status = next((s for base, s in statuses.items() if isinstance(exc, base)), 500)
        if status == 500:
            log.error("unmapped_service_error", error_type=type(exc).__name__)
            return JSONResponse(error_body("internal_error", "Internal error"), status_code=500)
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        # Already recorded is a conflict with the record (409); any other rule, 422.
        status = 409 if isinstance(exc, AlreadyRecorded) else 422
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(exc).__name__)
        return JSONResponse(error_body("internal_error", "Internal error"), status_code=500)
