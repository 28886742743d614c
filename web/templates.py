"""The pages' Jinja environment: our templates, then govuk-frontend-jinja's components under
`govuk_frontend_jinja/`. Autoescaped, so nothing a person typed becomes markup."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_NAME = "MARAC case work"

environment = Environment(
    loader=ChoiceLoader([
        FileSystemLoader(TEMPLATES),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ]),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["service_name"] = SERVICE_NAME
# Times are kept in UTC; people read them as the clocks of the MARACs served (England and
# Wales) show them, summer time included: `{{ item.recorded_at | uk_time }}`.
UK = ZoneInfo("Europe/London")


def uk_time(at: datetime) -> datetime:
    return at.astimezone(UK)


environment.filters["uk_time"] = uk_time


def render(name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None,
           background: BackgroundTask | None = None) -> HTMLResponse:
    """The page `name` as an HTML response. Pages are about people and their cases: no copy
    is kept by the browser or anything between (`no-store`)."""
    body = environment.get_template(name).render(context or {})
    return HTMLResponse(body, status_code=status_code,
                        headers={"Cache-Control": "no-store", **(headers or {})},
                        background=background)
