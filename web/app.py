"""The pages mounted on the application (called by api/app.py's `create_app`): their routes,
their static assets, the sign-in client, and their error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from web import (
    access,
    actions,
    administration,
    audit_pages,
    break_glass_reviews,
    case_page,
    case_reviews,
    cases,
    closure,
    decisions,
    failed_notifications,
    feeds,
    marrac,
    meeting_run,
    meetings,
    minutes,
    my_work,
    new_action,
    referral_corrections,
    referrals,
    reports,
    research,
    research_requests,
    restriction_reviews,
    retention_schedule,
    safeguarding,
    sharing,
    sign_in,
    subject_access,
    trail_verification,
    withdrawal,
)
from web.config import WebConfig
from web.errors import install_page_errors

STATIC = Path(__file__).parent / "static"


class PinnedAssets(StaticFiles):
    """The pinned govuk-frontend and MoJ assets (web/static/). Their paths do not change with
    their content, so a browser keeps them but asks again each time (a 304 by their ETag):
    after an upgrade nobody is left with last release's styles."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, no-cache"
        return response


def bind_pages(app: FastAPI, config: WebConfig) -> None:
    """The pages' sign-in (where the identity provider is, this service's client at it)."""
    app.state.web_config = config
    app.state.web_oauth = (sign_in.oauth_client(config.sign_in)
                           if config.sign_in is not None else None)


def install_pages(app: FastAPI) -> None:
    """After the API's routes and error handlers, so that its error mapping is the pages' too.
    Their sign-in is bound with the platform (bind_pages)."""
    app.include_router(sign_in.router)
    app.include_router(cases.router)
    app.include_router(referrals.router)
    app.include_router(decisions.router)
    app.include_router(sharing.router)
    app.include_router(research.router)
    app.include_router(access.router)
    app.include_router(meetings.router)
    app.include_router(research_requests.router)
    app.include_router(case_page.router)
    app.include_router(meeting_run.router)
    app.include_router(marrac.router)
    app.include_router(minutes.router)
    app.include_router(reports.router)
    app.include_router(administration.router)
    app.include_router(feeds.router)
    app.include_router(my_work.router)
    app.include_router(actions.router)
    app.include_router(new_action.router)
    app.include_router(withdrawal.router)
    app.include_router(closure.router)
    app.include_router(referral_corrections.router)
    app.include_router(safeguarding.router)
    app.include_router(case_reviews.router)
    app.include_router(failed_notifications.router)
    app.include_router(audit_pages.router)
    app.include_router(break_glass_reviews.router)
    app.include_router(trail_verification.router)
    app.include_router(retention_schedule.router)
    app.include_router(restriction_reviews.router)
    app.include_router(subject_access.router)
    app.mount("/static", PinnedAssets(directory=STATIC), name="static")
    install_page_errors(app)
