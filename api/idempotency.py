"""`Idempotency-Key` on every POST under /api/v1 (draft-ietf-httpapi-idempotency-key-header).

A retry with the same key and the same request (method, path, body) gets the first answer
again, marked `Idempotent-Replayed: true`; the same key with another request is a 422
`idempotency_key_reused`; while the first is still running, a 409 `idempotency_key_in_flight`.
Keys are the caller's own (two callers' keys never meet) and expire after 24 hours. Only an
answer that did something is kept: after a refusal (4xx) or a failure (5xx) nothing was
written, and the retry is decided, and audited, again. A referral's case id is derived from
the key, so a retry after a crash between the write and the key's answer finds the case it
made instead of making another.
The store is api/idempotency_store.py.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import RequestAudit
from api.bootstrap import Platform
from api.errors import audit_failed, busy, error_body, error_content
from api.idempotency_store import Answer, InFlight, Mismatch, Proceed, Replay
from audit.actions import AuditAction
from audit.trail import AuditUnavailable
from security.identity import InvalidToken, Principal
from security.policy import Viewer
from storage.transient import RETRY_AFTER_SECONDS, is_transient

log = structlog.get_logger("api.idempotency")

HEADER = "Idempotency-Key"
# The draft makes the key a Structured Field string ("…"); a bare token is accepted too.
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')
_KEPT_HEADERS = ("content-type", "location")
_STATE = "idempotency"
_CASE_IDS = uuid.UUID("6d1c3f0e-64f4-4c53-9a4e-8d2f3b1a7c55")  # the namespace of derived ids


def idempotent_case_id(request: Request) -> uuid.UUID | None:
    """The id a referral made under an Idempotency-Key takes: the same for a retry of the
    same request, unguessable to anyone else (the key's ref is a keyed HMAC)."""
    refs: tuple[str, str] | None = request.scope.get("state", {}).get(_STATE)
    return uuid.uuid5(_CASE_IDS, "\x1f".join(refs)) if refs else None


def answer_not_kept(request: Request) -> None:
    """For a route whose answer carries personal data drawn from many cases (a subject access
    export): it is not kept outside its cases' encryption, so a retry under the same key is
    told so (409 `idempotency_answer_not_kept`) rather than given it or run again."""
    request.state.idempotency_keep = False


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ())) if scope["type"] == "http" else {}
        raw_key = headers.get(b"idempotency-key")
        if (raw_key is None or scope["method"] != "POST"
                or not scope["path"].startswith("/api/v1/")):
            await self.app(scope, receive, send)
            return
        platform: Platform = scope["app"].state.platform
        principal = _caller(platform, headers)
        if principal is None:  # the route answers 401; there is no caller to key by
            await self.app(scope, receive, send)
            return
        call = _Call(self.app, scope, send, platform, principal)
        body, more = await _read_body(receive)
        match = _KEY.match(raw_key.decode("latin-1"))
        if match is None:
            await call.refuse(400, "invalid_idempotency_key",
                              "Idempotency-Key must be a string of 1 to 255 visible characters")
            return
        caller = f"{principal.kind}\x1f{principal.subject}".encode()
        ref = platform.blind_index.request_ref("idempotency-key", caller, match.group(1).encode())
        target = scope["path"].encode() + b"?" + scope.get("query_string", b"")
        fingerprint = platform.blind_index.request_ref("request", b"POST", target, body)
        try:
            outcome = await run_in_threadpool(platform.idempotency.begin, ref, fingerprint,
                                              platform.now())
        except Exception as exc:
            if not is_transient(exc):
                raise
            await busy()(scope, receive, send)
            return
        if isinstance(outcome, Mismatch):
            await call.refuse(422, "idempotency_key_reused",
                              "This Idempotency-Key was used for another request")
        elif isinstance(outcome, InFlight):
            await call.refuse(409, "idempotency_key_in_flight",
                              "The first request with this Idempotency-Key is still running",
                              retry=True)
        elif isinstance(outcome, Replay):
            await call.replay(outcome)
        elif isinstance(outcome, Proceed):
            scope.setdefault("state", {})[_STATE] = (ref, fingerprint)
            await call.first(ref, body, more)


@dataclass
class _Call:
    """One keyed POST: the app behind, the ASGI scope and send, and who is calling."""

    app: ASGIApp
    scope: Scope
    send: Send
    platform: Platform
    principal: Principal

    async def first(self, ref: str, body: bytes, more: list[Message]) -> None:
        """Run the request, and keep its answer before it leaves."""
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return more.pop(0) if more else {"type": "http.disconnect"}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await self.send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self.settle(ref, start, b"".join(chunks))
            await self.send(start)
            await self.send({"type": "http.response.body", "body": b"".join(chunks)})

        try:
            await self.app(self.scope, receive, capture)
        except BaseException:
            await run_in_threadpool(self.platform.idempotency.abandon, ref)
            raise

    async def settle(self, ref: str, start: Message, body: bytes) -> None:
        """Kept before the answer leaves, so a retry that races the response finds it. If
        keeping fails, the answer still leaves: the write it reports happened, and the key's
        lease lapses into a safe re-run (a referral finds its case)."""
        status = int(start["status"])
        state = self.scope.get("state", {})
        store = self.platform.idempotency
        try:
            if status >= 400:
                # Nothing was written: a retry is decided, and audited, afresh (a kept
                # refusal would replay without ever reaching the DPO's denials again).
                await run_in_threadpool(store.abandon, ref)
                return
            kept = tuple((k.decode("latin-1"), v.decode("latin-1"))
                         for k, v in start.get("headers", ())
                         if k.decode("latin-1").lower() in _KEPT_HEADERS)
            answer = Answer(status, kept, body, state.get("audited_case_id"))
            await run_in_threadpool(lambda: store.complete(
                ref, answer, keep=state.get("idempotency_keep", True)))
        except Exception as exc:
            log.error("idempotency_not_recorded", error_type=type(exc).__name__)

    async def replay(self, replay: Replay) -> None:
        answer = replay.answer
        if answer is None:
            await self.refuse(409, "idempotency_answer_not_kept",
                              "This request was answered; its answer is not kept. Send it "
                              "with a new Idempotency-Key to make it again")
            return
        # The replay is a request of its own: audited as such, against the first one's case.
        case_id = uuid.UUID(answer.case_id) if answer.case_id else None
        if not await self.audit("replay_answer", "replayed", case_id, (str(answer.status),)):
            return
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
        headers.append((b"idempotent-replayed", b"true"))
        await self.answer(answer.status, headers, answer.body)

    async def refuse(self, status: int, code: str, message: str, *,
                     retry: bool = False) -> None:
        if not await self.audit("request", "rejected", None, (str(status), code)):
            return
        headers = [(b"content-type", b"application/json")]
        if retry:
            headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        await self.answer(status, headers, json.dumps(error_body(code, message)).encode())

    async def audit(self, action: AuditAction, outcome: str, case_id: uuid.UUID | None,
                    items: tuple[str, ...]) -> bool:
        """One audit record for an answer the route never saw; if it cannot be written, the
        answer is a 503 instead (fail closed). Returns whether the answer may go."""
        request_id = self.scope.get("state", {}).get("request_id", "")
        audit = RequestAudit(self.platform, Viewer(self.principal, ""), request_id)
        try:
            await run_in_threadpool(lambda: audit.record(action, outcome, case_id=case_id,
                                                         items=items))
        except AuditUnavailable as exc:
            await audit_failed(exc)(self.scope, _no_body, self.send)
            return False
        return True

    async def answer(self, status: int, headers: list[tuple[bytes, bytes]],
                     body: bytes) -> None:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _caller(platform: Platform, headers: dict[bytes, bytes]) -> Principal | None:
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return platform.verifier.verify(token.strip())
    except InvalidToken:
        return None


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body (the fingerprint needs it), and anything after it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


OPENAPI: dict[str, Any] = {
    "parameters": [{
        "name": HEADER, "in": "header", "required": False,
        "description": "Makes a retry safe (draft-ietf-httpapi-idempotency-key-header): the "
                       "same key and request within 24 h get the first answer again "
                       "(`Idempotent-Replayed: true`). The key is the caller's own.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 257},
    }],
    "responses": {
        "400": "`invalid_idempotency_key`: the Idempotency-Key is not 1 to 255 visible "
               "characters",
        "409": "`idempotency_key_in_flight`: the first request with this Idempotency-Key is "
               "still running (Retry-After); `idempotency_answer_not_kept`: it was answered, "
               "and its answer is not kept",
        "422": "`idempotency_key_reused`: the Idempotency-Key was used for another request",
    },
}


def document_idempotency(app: FastAPI) -> None:
    """The header and its answers in every POST's OpenAPI operation under /api/v1."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, item in schema.get("paths", {}).items():
            operation = item.get("post")
            if not path.startswith("/api/v1/") or operation is None:
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == HEADER for p in parameters):
                parameters.extend(json.loads(json.dumps(OPENAPI["parameters"])))
            for status, text in OPENAPI["responses"].items():
                answer = operation.setdefault("responses", {}).setdefault(status, {})
                answer.setdefault("content", error_content())
                described = answer.get("description", "")
                if text not in described:  # beside what the route says of the status
                    answer["description"] = f"{described}; {text}" if described else text
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
