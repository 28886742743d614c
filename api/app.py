"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import health
from api.auth import install_audit_guard
from api.bootstrap import Platform
from api.errors import install_error_handlers
from api.idempotency import IdempotencyMiddleware, document_idempotency
from api.logs import install_request_ids
from api.readiness import ReadinessChecks
from api.request_metrics import RequestMetrics
from api.routes import (
    areas,
    cases,
    dev,
    dev_sign_in,
    dpo,
    feeds,
    marrac,
    meetings,
    notifications,
    partnership,
    reports,
    subject_access,
)
from security.errors import KeyConfigurationError
from web.app import bind_pages, install_pages
from web.config import SignInClient, WebConfig

API_PREFIX = health.API_PREFIX
# The pages' client at the demo issuer (its secret is made at run time).
DEMO_WEB_CLIENT = "marac-web"


def operation_id(route: APIRoute) -> str:
    """The operation's name in generated clients: the route function's, in camelCase
    (`submit_referral` is `submitReferral`). The functions are named for that, uniquely."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def create_app(platform: Platform) -> FastAPI:
    """The API and the pages, serving `platform`."""
    app = application(demo=platform.settings.demo)
    bind(app, platform)
    return app


def bind(app: FastAPI, platform: Platform) -> None:
    """What the routes ask for at each request (app.state): the platform, its readiness
    checks and the pages' sign-in. Binding another platform of the same mode to an existing
    app serves that one from then on: the tests do, instead of paying for FastAPI to build
    every route's parameters and models again (about half a second an app)."""
    app.state.platform = platform
    app.state.readiness = ReadinessChecks(platform)
    bind_pages(app, web_config(platform))


def application(*, demo: bool) -> FastAPI:
    """The routes and middleware, bound to no platform yet. `demo`: the demo's own routes
    (its token endpoint, its stand-in sign-in) are added, as they are nowhere else."""
    app = FastAPI(
        title="marac-platform",
        version="0.1.0",
        description="Need-to-know information sharing for MARAC partnerships.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    # Registered first, so it runs inside the request-id middleware and sees the id.
    install_audit_guard(app)
    # Inside the request ids (its answers carry one), outside the guard (it audits its own).
    app.add_middleware(IdempotencyMiddleware)
    install_request_ids(app)
    install_error_handlers(app)
    app.include_router(health.probes)
    app.include_router(health.router)
    app.include_router(meetings.router)
    app.include_router(meetings.research_router)
    app.include_router(marrac.router)
    app.include_router(feeds.router)
    app.include_router(cases.router)
    app.include_router(dpo.router)
    app.include_router(dpo.processing_router)
    app.include_router(subject_access.router)
    app.include_router(reports.router)
    app.include_router(areas.router)
    app.include_router(partnership.areas_router)
    app.include_router(partnership.agencies_router)
    app.include_router(notifications.router)
    if demo:
        app.include_router(dev.router)
        app.include_router(dev_sign_in.router)
    document_idempotency(app)
    # The pages (web/), after the API's error handlers: they show the same answers as pages.
    install_pages(app)
    # Outermost, so that a request's time includes every middleware; served on the metrics
    # port (api/metrics.py), never here.
    app.add_middleware(RequestMetrics)
    return app


def web_config(platform: Platform) -> WebConfig:
    """The pages' sign-in: the identity provider set in MARAC_WEB_OIDC_*, or in the demo the
    local issuer, with this service registered as its client."""
    s = platform.settings
    redirect = s.web_oidc_redirect_uri or f"{s.base_url}/sign-in/callback"
    client = None
    if s.web_oidc_issuer:
        if not (s.web_oidc_client_id and s.web_oidc_client_secret):
            raise KeyConfigurationError("set MARAC_WEB_OIDC_CLIENT_ID and "
                                        "MARAC_WEB_OIDC_CLIENT_SECRET with MARAC_WEB_OIDC_ISSUER")
        client = SignInClient(
            f"{s.web_oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
            s.web_oidc_client_id, s.web_oidc_client_secret, redirect)
    elif s.demo and platform.issuer is not None:
        secret = platform.issuer.register_web_client(DEMO_WEB_CLIENT, redirect)
        client = SignInClient(f"{s.base_url}{dev.router.prefix}/.well-known/openid-configuration",
                              DEMO_WEB_CLIENT, secret, redirect)
    return WebConfig(client, s.base_url, secure_cookies=not s.demo, demo=s.demo)
