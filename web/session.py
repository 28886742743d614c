"""The page session as a request sees it: the cookie (a session id, nothing else), the signed-in
person it opens, and the CSRF check every form post passes.

The session itself is server-side (security/sessions.py). Its cookie is HttpOnly, SameSite=Lax,
and outside the demo Secure with the `__Host-` prefix (so no other host or path can set it).
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, cast

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from audit.sink import TrailAudit
from security.identity import InvalidToken, Principal
from security.policy import Viewer
from security.sessions import Session
from services.actor import Actor
from services.administration import opens_administration
from services.agenda_builder import runs_meetings
from services.audit_search import reads_audit
from services.case_lists import lists_cases
from services.case_reviews import reviews_cases
from services.failed_notifications import sees_failed_notifications
from services.feeds import manages_feeds
from services.marrac import leads_marrac_team
from services.my_work import has_work
from services.referrals import decides_thresholds, refers
from services.reports import reads_reports
from services.subject_access_requests import handles_subject_access
from web.config import WebConfig
from web.platform import WebPlatform

COOKIE = "marac_session"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No live signed-in session: a page sends the person to sign in (web/errors.py)."""


class CsrfRefused(Exception):
    """A form post without its session's CSRF token: refused, 403 (web/errors.py)."""


def platform_of(request: Request) -> WebPlatform:
    return cast(WebPlatform, request.app.state.platform)


def config_of(request: Request) -> WebConfig:
    return cast(WebConfig, request.app.state.web_config)


def cookie_name(config: WebConfig) -> str:
    return f"__Host-{COOKIE}" if config.secure_cookies else COOKIE


def set_session_cookie(response: Response, config: WebConfig, session: Session) -> None:
    # No Max-Age: the cookie goes when the browser closes; the server ends the session
    # itself when idle or too old, whatever the browser keeps.
    response.set_cookie(cookie_name(config), session.session_id, path="/", httponly=True,
                        secure=config.secure_cookies, samesite="lax")


def clear_session_cookie(response: Response, config: WebConfig) -> None:
    response.delete_cookie(cookie_name(config), path="/", httponly=True,
                           secure=config.secure_cookies, samesite="lax")


def find_session(request: Request) -> Session | None:
    """The live session the cookie names, if any (seen now: it does not idle out)."""
    session_id = request.cookies.get(cookie_name(config_of(request)))
    if not session_id:
        return None
    platform = platform_of(request)
    return platform.web_sessions.find(session_id, platform.now())


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person: their session, and the principal their access token gives (checked
    on every request by the API's verifier, so an expired token ends the session)."""

    session: Session
    principal: Principal

    @property
    def csrf_token(self) -> str:
        return self.session.data.csrf_token


def _signed_in(request: Request) -> SignedIn:
    session = find_session(request)
    if session is None or session.data.access_token is None:
        raise SignInRequired
    platform = platform_of(request)
    try:
        principal = platform.verifier.verify(session.data.access_token)
    except InvalidToken:
        platform.web_sessions.end(session.session_id)
        raise SignInRequired from None
    return SignedIn(session, principal)


async def signed_in(request: Request) -> SignedIn:
    return await run_in_threadpool(_signed_in, request)


CurrentPerson = Annotated[SignedIn, Depends(signed_in)]


async def check_csrf(request: Request, session: Session) -> None:
    """The synchronizer token pattern: a form post carries the CSRF token its session holds.
    A post from another site, or with another session's token, is refused."""
    given = (await request.form()).get(CSRF_FIELD)
    if not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), session.data.csrf_token.encode()):
        raise CsrfRefused


async def form_checked(request: Request, person: CurrentPerson) -> SignedIn:
    """A form post's signed-in person, once its CSRF token is checked."""
    await check_csrf(request, person.session)
    return person


FormPerson = Annotated[SignedIn, Depends(form_checked)]


def actor_of(request: Request, person: SignedIn, purpose: str | None = None) -> Actor:
    """The person as the use cases' caller: their viewer, and this request's audit record
    written to the trail (synchronously: it is committed before the page is made)."""
    platform = platform_of(request)
    principal = person.principal
    viewer = Viewer(principal, platform.blind_index.person_ref(principal.subject))
    audit = TrailAudit(platform.audit, principal, platform.now,
                       request_id=getattr(request.state, "request_id", None) or str(uuid.uuid4()))
    return Actor(viewer, audit, purpose)


def remember_purpose(request: Request, person: SignedIn, purpose: str) -> None:
    """The purpose given for reading case content is the session's: offered again next time,
    and always changeable (DESIGN.md: every read of case content names one)."""
    if person.session.data.purpose != purpose:
        platform_of(request).web_sessions.save(
            person.session, replace(person.session.data, purpose=purpose))


def home_of(principal: Principal) -> str:
    """Where a person's pages start: their cases; for those who read no case content, their
    own first page (a data protection officer's audit trail, a strategic lead's reports, an
    administrator's set-up); by the policy's answers, in that order."""
    if lists_cases(principal):
        return "/cases"
    for offered, home in ((reads_audit, "/audit"), (reads_reports, "/reports"),
                          (opens_administration, "/admin/areas")):
        if offered(principal):
            return home
    return "/cases"  # nothing of theirs: the page says so


def navigation_entries() -> tuple[tuple[Callable[[Principal], bool], str, str, str], ...]:
    """The navigation in its order: whom the policy offers each (its answer, not the page's),
    the `current` key that marks it, its address and its text."""
    return (
        (lists_cases, "cases", "/cases", "Cases"),
        (has_work, "my-work", "/my-work", "My work"),
        (refers, "referral", "/referrals/new", "New referral"),
        (decides_thresholds, "decisions", "/decisions", "Decisions"),
        (leads_marrac_team, "allocation", "/marrac/allocation", "Allocation"),
        (runs_meetings, "meetings", "/meetings", "Meetings"),
        (reviews_cases, "case-reviews", "/case-reviews", "Case reviews"),
        (sees_failed_notifications, "failed-notifications", "/failed-notifications",
         "Failed notifications"),
        (reads_reports, "reports", "/reports", "Reports"),
        (opens_administration, "admin", "/admin/areas", "Administration"),
        (manages_feeds, "feeds", "/feeds", "Feeds"),
        *((reads_audit, key, href, text) for key, href, text in DPO_PAGES),
        (handles_subject_access, "subject_access", "/subject-access", "Subject access"),
    )


def layout(person: SignedIn | None, current: str = "") -> dict[str, object]:
    """What the base layout shows: who is signed in, where they work, the navigation (with
    `current` marked) and the sign-out form's CSRF token."""
    if person is None:
        return {"person_name": None, "agency_name": None, "navigation": [], "csrf_token": None}
    data = person.session.data
    # Each entry by the policy's answer, not the page's.
    navigation = [{"href": href, "text": text, "active": current == key}
                  for offered, key, href, text in navigation_entries()
                  if offered(person.principal)]
    return {"person_name": data.person_name, "agency_name": data.agency_name,
            "navigation": navigation, "csrf_token": data.csrf_token}


# The data protection officer's pages: (the `current` that marks each, its address, its name).
DPO_PAGES = (("audit", "/audit", "Audit trail"),
             ("break-glass", "/audit/break-glass", "Break-glass reviews"),
             ("verification", "/audit/verification", "Trail verification"),
             ("retention", "/retention", "Retention"),
             ("restriction-reviews", "/restriction-reviews", "Restriction reviews"))
