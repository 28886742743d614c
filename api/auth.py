"""Bearer tokens to principals, the purpose of a read, and the per-request audit record."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response

from api.bootstrap import Platform
from api.errors import audit_failed
from audit.actions import AuditAction
from audit.trail import AuditRecord, AuditUnavailable
from security.identity import InvalidToken, Principal
from security.policy import Viewer
from services.actor import Actor

log = structlog.get_logger("api.auth")


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


CurrentPlatform = Annotated[Platform, Depends(get_platform)]


class NotAuthenticated(HTTPException):
    code = "not_authenticated"

    def __init__(self) -> None:
        super().__init__(401, "A valid bearer token is required",
                         headers={"WWW-Authenticate": 'Bearer realm="marac"'})


def current_viewer(
    platform: CurrentPlatform, authorization: Annotated[str | None, Header()] = None
) -> Viewer:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated
    try:
        principal: Principal = platform.verifier.verify(token.strip())
    except InvalidToken as exc:
        log.info("token_refused", reason=exc.reason)
        raise NotAuthenticated from None
    return Viewer(principal, platform.blind_index.person_ref(principal.subject))


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


class Purpose(StrEnum):
    """Why case content is read; recorded with every read (DPA 2018 s.62)."""

    meeting_preparation = "meeting_preparation"
    research = "research"
    threshold_decision = "threshold_decision"
    action_follow_up = "action_follow_up"
    safety_planning = "safety_planning"
    supervision = "supervision"
    subject_access = "subject_access"


class PurposeError(HTTPException):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, message)
        self.code = code


def required_purpose(
    _: CurrentViewer,  # authentication first: an anonymous caller learns nothing, not even this
    x_purpose: Annotated[str | None, Header(description="Why the content is read")] = None,
    purpose: Annotated[str | None, Query(description="Alternative to X-Purpose")] = None,
) -> Purpose:
    given = x_purpose or purpose
    if not given:
        raise PurposeError("purpose_required", "Reading case content needs a purpose "
                           "(X-Purpose header or purpose parameter)")
    try:
        return Purpose(given)
    except ValueError:
        raise PurposeError("invalid_purpose",
                           f"purpose must be one of {[p.value for p in Purpose]}") from None


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
        caller's."""
        if self.written:
            raise RuntimeError("one audit record per request")
        self._append(action, outcome, case_id=case_id, purpose=purpose, items=items,
                     area_id=area_id)
        self.written = True
        if self.request is not None:
            self.request.state.audited = True
            # A replay of this request's answer is audited against the same case.
            self.request.state.audited_case_id = str(case_id) if case_id else None

    def record_failed_save(self, action: AuditAction, *, case_id: uuid.UUID | None = None,
                           area_id: uuid.UUID | None = None) -> None:
        """A write recorded as allowed whose save then failed (a busy or lost database): a
        second record of the same request, outcome `failed`, so that the trail never shows a
        write that did not happen as if it had. The one exception to one record a request."""
        if not self.written:
            raise RuntimeError("a failed save follows the record of its write")
        self._append(action, "failed", case_id=case_id, purpose=None, items=(),
                     area_id=area_id)

    def _append(self, action: AuditAction, outcome: str, *, case_id: uuid.UUID | None,
                purpose: str | None, items: tuple[str, ...], area_id: uuid.UUID | None) -> None:
        p = self.viewer.principal
        self.platform.audit.record(AuditRecord(
            request_id=self.request_id, actor=p.subject, actor_kind=p.kind,
            agency_id=p.agency_id, client_id=p.client_id, roles=tuple(sorted(p.roles)),
            action=action, purpose=purpose, case_id=case_id, outcome=outcome, item_ids=items,
            at=self.platform.now(), area_id=area_id or p.area_id,
        ))


def request_audit(platform: CurrentPlatform, viewer: CurrentViewer,
                  request: Request) -> RequestAudit:
    rid = getattr(request.state, "request_id", None) or str(uuid.uuid4())
    return RequestAudit(platform, viewer, rid, request)


Audit = Annotated[RequestAudit, Depends(request_audit)]


def current_actor(viewer: CurrentViewer, audit: Audit) -> Actor:
    """The caller of a use case (services/): a route that reads case content gives it the
    purpose (`dataclasses.replace(actor, purpose=...)`)."""
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
        response = await call_next(request)
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


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
