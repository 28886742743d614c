"""The pages' Jinja environment: our templates, then govuk-frontend-jinja's components under
`govuk_frontend_jinja/`. Autoescaped, so nothing a person typed becomes markup."""

from __future__ import annotations

import base64
import hashlib
import re
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


def _template_script_hashes() -> tuple[str, ...]:
    """The CSP hashes of the GOV.UK template's inline scripts (one: it marks JavaScript as on),
    read from the template itself so an upgrade of it cannot leave the policy behind. A hash,
    not a nonce: pages stay the same bytes for the same content (a case someone may not see
    answers exactly the page of one that does not exist)."""
    source, _, _ = environment.loader.get_source(  # type: ignore[union-attr]
        environment, "govuk_frontend_jinja/template.html")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", source, flags=re.DOTALL)
    return tuple("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
                 for s in scripts if s.strip())


# What a page may load and run: its own assets, and of inline script only the template's line.
# No inline styles, no plug-ins, no <base>; forms post only here; no other site may frame a
# page (clickjacking a break-glass or a grant).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self' " + " ".join(_template_script_hashes()),
    "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))

# Every page's headers. Pages are about people and their cases: no copy is kept by the browser
# or anything between (`no-store`), no page's address goes on to another site (`no-referrer`:
# a case id in the Referer), and none is framed or sniffed.
PAGE_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                "X-Content-Type-Options": "nosniff"}


def render(name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None,
           background: BackgroundTask | None = None) -> HTMLResponse:
    """The page `name` as an HTML response, with PAGE_HEADERS."""
    body = environment.get_template(name).render(context or {})
    return HTMLResponse(body, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})},
                        background=background)
