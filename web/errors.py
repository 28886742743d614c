"""Errors on the pages: the same answer as the API's (one mapping, api/errors.py: a case the
person may not see is the same 404 as a missing one), shown as a GOV.UK error page instead of
JSON. A page that needs a signed-in person sends the others to sign in; a form post without its
CSRF token is refused (403)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from web.session import CsrfRefused, SignInRequired, layout
from web.templates import render

Handler = Callable[[Request, Any], Awaitable[Response] | Response]

# The error pages by status; any other status is the service's problem page.
PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html",
         503: "errors/503.html"}
PROBLEM = "errors/500.html"
# JSON lives under these; /dev/authorize is the demo issuer's page.
NOT_PAGES = ("/api/", "/dev/")
DEV_PAGES = ("/dev/authorize",)


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES) or path in DEV_PAGES


def error_page(status: int, headers: dict[str, str] | None = None) -> Response:
    # Nothing of the error itself is shown: its message could name what the person may not see.
    return render(PAGES.get(status, PROBLEM), {**layout(None), "status": status},
                  status_code=status, headers=headers)


def _for_pages(handler: Handler) -> Handler:
    """The API's handler decides the status (and Retry-After); a page shows it as HTML."""

    async def handle(request: Request, exc: Any) -> Response:
        answer = handler(request, exc)
        response = await answer if isinstance(answer, Awaitable) else answer
        if not is_page(request.url.path):
            return response
        keep = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
        return error_page(response.status_code, keep)

    return handle


def install_page_errors(app: FastAPI) -> None:
    """After the API's handlers (api/errors.py): each is wrapped for the pages."""
    for exc_class, handler in list(app.exception_handlers.items()):
        app.add_exception_handler(exc_class, _for_pages(handler))

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _: SignInRequired) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return render("sign_in/form_refused.html", layout(None), status_code=403)
