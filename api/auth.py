"""Bearer tokens to principals, the purpose of a read, and the per-request audit record."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import JsonValue

from api.bootstrap import Platform
from api.errors import audit_failed
from audit.actions import AuditAction
from audit.append_queue import PendingAppend
from audit.sink import record_of
from audit.trail import AuditRecord, AuditUnavailable
from security.identity import InvalidToken, Principal, UnknownCode
from security.policy import Viewer
from services.actor import Actor
from services.purposes import Purpose  # the one list, named here for the routes

log = structlog.get_logger("api.auth")


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


CurrentPlatform = Annotated[Platform, Depends(get_platform)]


class NotAuthenticated(HTTPException):
    code = "not_authenticated"

    def __init__(self, code: str | None = None) -> None:
        super().__init__(401, "A valid bearer token is required" if code is None else
                         "The token names an area or agency the partnership does not have",
                         headers={"WWW-Authenticate": 'Bearer realm="marac"'})
        if code is not None:
            self.code = code


# The OpenAPI document's security scheme, on every operation that takes a token. It reads the
# header only: the answer to a missing or malformed one is ours (401, `not_authenticated`).
BEARER = HTTPBearer(scheme_name="bearer", bearerFormat="JWT", auto_error=False,
                    description="An access token (a JWT) from the area's identity provider")


def current_viewer(
    platform: CurrentPlatform,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Viewer:
    if credentials is None:
        raise NotAuthenticated
    try:
        principal: Principal = platform.verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        log.info("token_refused", reason=exc.reason)
        raise NotAuthenticated(exc.code if isinstance(exc, UnknownCode) else None) from None
    return Viewer(principal, platform.blind_index.person_ref(principal.subject))


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def _purposes(schema: dict[str, JsonValue]) -> None:
    """The purposes as an enum in the document. The parameters are read as text, so that a
    purpose not in it is answered `invalid_purpose` (400) like a missing one, not as a
    malformed request."""
    schema.pop("anyOf", None)  # optional, so absent when not given; never null
    schema.update(type="string", enum=[p.value for p in Purpose])


class PurposeError(HTTPException):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, message)
        self.code = code


def required_purpose(
    _: CurrentViewer,  # authentication first: an anonymous caller learns nothing, not even this
    x_purpose: Annotated[str | None, Header(description="Why the content is read",
                                            json_schema_extra=_purposes)] = None,
    purpose: Annotated[str | None, Query(description="Alternative to X-Purpose",
                                         json_schema_extra=_purposes)] = None,
) -> Purpose:
    # Each one given must be a purpose, even beside the other: what the schema documents.
    given = [value for value in (x_purpose, purpose) if value is not None]
    if not given:
        raise PurposeError("purpose_required", "Reading case content needs a purpose "
                           "(X-Purpose header or purpose parameter)")
    try:
        purposes = [Purpose(value) for value in given]
    except ValueError:
        raise PurposeError("invalid_purpose",
                           f"purpose must be one of {[p.value for p in Purpose]}") from None
    return purposes[0]  # the header's, when both are given


RequiredPurpose = Annotated[Purpose, Depends(required_purpose)]


@dataclass
class RequestAudit:
    """Exactly one audit record per request to case data, written before the response."""

    platform: Platform
    viewer: Viewer
    request_id: str
    request: Request | None = None  # None outside HTTP (benchmarks)
    written: bool = False

    def record(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None = None,
               purpose: str | None = None, items: tuple[str, ...] = (),
               area_id: uuid.UUID | None = None) -> None:
        """`area_id`: the case's area where known, so that its DPO sees the record; else the
        caller's. Returns once the record is committed: a write records before it saves."""
        self.platform.audit.record(self._claim(action, outcome, case_id=case_id,
                                               purpose=purpose, items=items, area_id=area_id))

    def record_before_response(self, action: AuditAction, outcome: str, *,
                               case_id: uuid.UUID | None = None, purpose: str | None = None,
                               items: tuple[str, ...] = (),
                               area_id: uuid.UUID | None = None) -> None:
        """For a read, whose only effect left is its response: the append starts now and the
        audit guard holds the response until it is committed (and flushed), so the flush
        overlaps building the response; if it fails the response is a 503. Outside HTTP
        there is no response to hold, and it returns once the record is committed."""
        rec = self._claim(action, outcome, case_id=case_id, purpose=purpose, items=items,
                          area_id=area_id)
        if self.request is None:
            self.platform.audit.record(rec)
            return
        self.request.state.pending_audit = self.platform.audit.submit(rec)

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None:
        """A write recorded as allowed whose save then failed (a busy or lost database): a
        second record of the same request, outcome `failed`, so that the trail never shows a
        write that did not happen as if it had. The one exception to one record a request."""
        if not self.written:
            raise RuntimeError("a failed save follows the record of its write")
        self.platform.audit.record(self._make(action, "failed", case_id=case_id, purpose=None,
                                              items=(), area_id=area_id))

    def _claim(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None,
               purpose: str | None, items: tuple[str, ...],
               area_id: uuid.UUID | None) -> AuditRecord:
        """This request's one record."""
        if self.written:
            raise RuntimeError("one audit record per request")
        rec = self._make(action, outcome, case_id=case_id, purpose=purpose, items=items,
                         area_id=area_id)
        self.written = True
        if self.request is not None:
            self.request.state.audited = True
            # A replay of this request's answer is audited against the same case.
            self.request.state.audited_case_id = str(case_id) if case_id else None
        return rec

    def _make(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None,
              purpose: str | None, items: tuple[str, ...],
              area_id: uuid.UUID | None) -> AuditRecord:
        return record_of(self.viewer.principal, self.request_id, action, outcome,
                         at=self.platform.now(), case_id=case_id, purpose=purpose, items=items,
                         area_id=area_id)


def request_audit(platform: CurrentPlatform, viewer: CurrentViewer,
                  request: Request) -> RequestAudit:
    rid = getattr(request.state, "request_id", None) or str(uuid.uuid4())
    return RequestAudit(platform, viewer, rid, request)


Audit = Annotated[RequestAudit, Depends(request_audit)]


def current_actor(viewer: CurrentViewer, audit: Audit) -> Actor:
    """The caller of a use case (services/): who, and their request's audit. A route that
    reads case content gives the purpose itself."""
    return Actor(viewer, audit)


CurrentActor = Annotated[Actor, Depends(current_actor)]


UNAUDITED = ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/docs")


def install_audit_guard(app: FastAPI) -> None:
    """The safety net under "one audit record per request": an authenticated request to the
    API that ended before its handler recorded anything (a missing purpose, a body that did
    not validate) is recorded here, before the response leaves; if that write fails, the
    response becomes a 503. Requests without valid credentials have no actor to record."""

    @app.middleware("http")
    async def audit_guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        try:
            response = await call_next(request)
        except BaseException:
            await _committed(request)  # a 500 too leaves only after the record; it shows nothing
            raise
        failed = await _committed(request)
        if failed is not None:
            return audit_failed(failed)
        path = request.url.path
        if (getattr(request.state, "audited", False) or not path.startswith("/api/v1/")
                or path.startswith(UNAUDITED)):
            return response
        platform: Platform = request.app.state.platform
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return response
        try:
            principal = platform.verifier.verify(token.strip())
        except InvalidToken:
            return response
        route = getattr(request.scope.get("route"), "path", "unmatched")
        case_id = request.path_params.get("case_id")
        try:
            viewer = Viewer(principal, "")
            RequestAudit(platform, viewer, getattr(request.state, "request_id", ""),
                         request).record(
                "request", "rejected", case_id=_uuid_or_none(case_id),
                items=(str(response.status_code), f"{request.method} {route}"[:200]))
        except AuditUnavailable as exc:
            return audit_failed(exc)
        return response


async def _committed(request: Request) -> AuditUnavailable | None:
    """Waits for a read's record (record_before_response): nothing of the response has
    reached the client yet. The error if it could not be written."""
    pending: PendingAppend | None = getattr(request.state, "pending_audit", None)
    if pending is None:
        return None
    request.state.pending_audit = None
    try:
        await pending.wait_async()
    except AuditUnavailable as exc:
        return exc
    return None


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
