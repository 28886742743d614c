"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.auth import CurrentPlatform, install_audit_guard
from api.bootstrap import Platform
from api.errors import documented, install_error_handlers
from api.idempotency import IdempotencyMiddleware, document_idempotency
from api.logs import install_request_ids
from api.routes import (
    areas,
    cases,
    dev,
    dpo,
    feeds,
    marrac,
    meetings,
    notifications,
    partnership,
    reports,
)

API_PREFIX = "/api/v1"


class Health(BaseModel):
    status: str
    database: str
    demo: bool


# No token and no case data; a database too busy to answer is a 503.
health_router = APIRouter(prefix=API_PREFIX, tags=["health"], responses=documented(503))


@health_router.get("/health", response_model=Health)
def health(platform: CurrentPlatform) -> Health:
    """Liveness and database reachability. No case data."""
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT 1")
    return Health(status="ok", database=platform.database.dialect, demo=platform.settings.demo)


def operation_id(route: APIRoute) -> str:
    """The operation's name in generated clients: the route function's, in camelCase
    (`submit_referral` is `submitReferral`). The functions are named for that, uniquely."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title="marac-platform",
        version="0.1.0",
        description="Need-to-know information sharing for MARAC partnerships.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.platform = platform
    # Registered first, so it runs inside the request-id middleware and sees the id.
    install_audit_guard(app)
    # Inside the request ids (its answers carry one), outside the guard (it audits its own).
    app.add_middleware(IdempotencyMiddleware)
    install_request_ids(app)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(meetings.router)
    app.include_router(meetings.research_router)
    app.include_router(marrac.router)
    app.include_router(feeds.router)
    app.include_router(cases.router)
    app.include_router(dpo.router)
    app.include_router(dpo.processing_router)
    app.include_router(reports.router)
    app.include_router(areas.router)
    app.include_router(partnership.areas_router)
    app.include_router(partnership.agencies_router)
    app.include_router(notifications.router)
    if platform.settings.demo:
        app.include_router(dev.router)
    document_idempotency(app)
    return app
