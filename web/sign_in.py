"""Signing in and out: OpenID Connect's authorization code flow with PKCE (S256), through
Authlib's Starlette client, against the area's identity provider (the local issuer's /dev/
pages in the demo).

The OAuth client's state for a sign-in under way (state, nonce, PKCE verifier) is kept in the
pending server-side session, not in a cookie. The access token the provider returns is checked
by the API's own verifier, which makes the principal; a new session (new id, new CSRF token)
then begins, so an id planted before sign-in opens nothing.
"""

from __future__ import annotations

import uuid
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool

from audit.sink import TrailAudit
from security.identity import InvalidToken, Principal
from security.sessions import Session, SessionData
from services.names import workplace
from web.config import SignInClient, WebConfig
from web.session import (
    check_csrf,
    clear_session_cookie,
    config_of,
    find_session,
    home_of,
    layout,
    platform_of,
    set_session_cookie,
)
from web.templates import render

log = structlog.get_logger("web.sign_in")
router = APIRouter(include_in_schema=False)
# The home page ("/") sends each person on to their own start (web/session.py `home_of`).
HOME = "/"
# What can go wrong between the provider's answer and a token we accept: its error, a state
# that is not this browser's, an unreachable or refusing token endpoint, an ID token that
# does not verify.
_REFUSED = (AuthlibBaseError, JoseError, httpx.HTTPError, KeyError, ValueError, TypeError)


def oauth_client(config: SignInClient) -> StarletteOAuth2App:
    oauth = OAuth()
    # PKCE by Authlib: a verifier per sign-in, its S256 challenge sent with the request.
    oauth.register("marac", client_id=config.client_id, client_secret=config.client_secret,
                   server_metadata_url=config.metadata_url,
                   client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"})
    return cast(StarletteOAuth2App, oauth.create_client("marac"))


def _client(request: Request) -> StarletteOAuth2App:
    return cast(StarletteOAuth2App, request.app.state.web_oauth)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@router.get("/sign-in")
async def sign_in(request: Request) -> Response:
    config = config_of(request)
    if config.sign_in is None:
        return render("sign_in/unavailable.html", layout(None), status_code=503)
    if _origin(str(request.base_url)) != _origin(config.base_url):
        # The provider answers at the registered address: start there, so that the
        # session cookie set now is sent with its answer.
        return RedirectResponse(f"{config.base_url}/sign-in", status_code=303)
    current = await run_in_threadpool(find_session, request)
    if current is not None and current.data.signed_in:
        return RedirectResponse(HOME, status_code=303)
    platform = platform_of(request)
    pending = await run_in_threadpool(platform.web_sessions.start, platform.now())
    request.scope["session"] = {}
    response: Response = await _client(request).authorize_redirect(
        request, config.sign_in.redirect_uri)
    state = dict(request.scope["session"])
    await run_in_threadpool(platform.web_sessions.save, pending,
                            SessionData(csrf_token=pending.data.csrf_token, sign_in=state))
    set_session_cookie(response, config, pending)
    return response


@router.get("/sign-in/callback")
async def sign_in_callback(request: Request) -> Response:
    config = config_of(request)
    pending = await run_in_threadpool(find_session, request)
    if config.sign_in is None or pending is None or pending.data.signed_in:
        return _not_signed_in(config)
    request.scope["session"] = dict(pending.data.sign_in)
    try:
        token: dict[str, Any] = await _client(request).authorize_access_token(request)
        access_token = str(token["access_token"])
    except _REFUSED as exc:
        log.info("sign_in_refused", error_type=type(exc).__name__)
        await run_in_threadpool(platform_of(request).web_sessions.end, pending.session_id)
        return _not_signed_in(config)
    return await run_in_threadpool(_begin, request, config, pending, access_token,
                                   token.get("userinfo") or {})


def _begin(request: Request, config: WebConfig, pending: Session, access_token: str,
           userinfo: dict[str, Any]) -> Response:
    """The provider's token, checked as the API checks a bearer token: the session begins."""
    platform = platform_of(request)
    try:
        principal = platform.verifier.verify(access_token)
    except InvalidToken as exc:
        log.info("sign_in_refused", reason=exc.reason)
        platform.web_sessions.end(pending.session_id)
        return _not_signed_in(config)
    try:  # recorded before the session begins: a sign-in the trail cannot hold does not happen
        _audit(request, principal).record("sign_in", "allowed")
    except Exception:
        platform.web_sessions.end(pending.session_id)
        raise
    place = workplace(platform, principal)
    session = platform.web_sessions.signed_in(pending, platform.now(), SessionData(
        csrf_token="", access_token=access_token,
        person_name=str(userinfo.get("name") or principal.subject),
        agency_name=place.agency_name or place.area_name))
    response = RedirectResponse(home_of(principal), status_code=303)
    set_session_cookie(response, config, session)
    return response


def _not_signed_in(config: WebConfig) -> Response:
    """The sign-in did not complete (refused, expired, or begun in another browser): the
    person may start again."""
    response = render("sign_in/problem.html", layout(None), status_code=400)
    clear_session_cookie(response, config)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """Ends the session (a form post with its CSRF token); a session already over has
    nothing to end."""
    config = config_of(request)
    session = await run_in_threadpool(find_session, request)
    if session is not None:
        await check_csrf(request, session)
        await run_in_threadpool(_end, request, session)
    response = RedirectResponse("/signed-out", status_code=303)
    clear_session_cookie(response, config)
    return response


def _audit(request: Request, principal: Principal) -> TrailAudit:
    platform = platform_of(request)
    return TrailAudit(platform.audit, principal, platform.now,
                      request_id=getattr(request.state, "request_id", None) or str(uuid.uuid4()))


def _end(request: Request, session: Session) -> None:
    """The session ends; the trail says who ended it while their token still names them (an
    expired one names nobody the platform can check, and the session ends all the same)."""
    platform = platform_of(request)
    token = session.data.access_token
    if token is not None:
        try:
            principal: Principal | None = platform.verifier.verify(token)
        except InvalidToken:
            principal = None
        if principal is not None:
            _audit(request, principal).record("sign_out", "allowed")
    platform.web_sessions.end(session.session_id)


@router.get("/signed-out")
def signed_out() -> Response:
    return render("sign_in/signed_out.html", layout(None))
