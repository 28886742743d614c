"""The demo issuer's sign-in page (`/dev/authorize`, OAuth's authorization endpoint): instead of
a password, a person picks a demo persona; the issuer then sends the browser back to the
client with a one-time code bound to the client, its redirect and its PKCE challenge (redeemed
at /dev/oauth/token, api/routes/dev.py). Mounted only with `--demo`.

The form carries a CSRF token checked against a cookie of this page's own (double submit): the
issuer keeps no session of its own, and the client's session is none of its business.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import CurrentPlatform
from api.demo import PERSONAS, Persona, demo_ids
from security.issuer import LocalIssuer
from web.errors import error_page
from web.session import layout
from web.templates import render

router = APIRouter(prefix="/dev", tags=["demo"], include_in_schema=False)
CSRF_COOKIE = "marac_demo_authorize"
PEOPLE = tuple(p for p in PERSONAS if not p.client)
AREA_NAMES = {"demo": "Demoshire MARAC", "demomarrac": "Demoshire MARRAC"}


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request's parameters (RFC 6749 section 4.1.1, RFC 7636 section 4.3,
    OpenID Connect's nonce), carried through the page's form."""

    response_type: str
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    scope: str

    @classmethod
    def of(cls, values: dict[str, str]) -> AuthorizationRequest:
        return cls(*(values.get(name, "")[:512] for name in cls.__dataclass_fields__))

    def client_known(self, issuer: LocalIssuer) -> bool:
        """Only a registered client, and only to its registered redirect: anything else is
        answered here, never by a redirect to an address nobody vouched for."""
        registered = issuer.redirect_uris.get(self.client_id)
        return registered is not None and hmac.compare_digest(registered, self.redirect_uri)

    def problem(self) -> str | None:
        """What OAuth calls the request's error, if any: this issuer signs in by code with
        PKCE (S256) only."""
        if self.response_type != "code":
            return "unsupported_response_type"
        if self.code_challenge_method != "S256" or len(self.code_challenge) != 43:
            return "invalid_request"
        return None

    def back(self, **params: str) -> RedirectResponse:
        query = urlencode({**params, **({"state": self.state} if self.state else {})})
        return RedirectResponse(f"{self.redirect_uri}?{query}", status_code=303)


def _page(request: AuthorizationRequest, csrf: str, *, error: str | None = None,
          status_code: int = 200) -> Response:
    response = render("dev/authorize.html", {
        **layout(None), "request": request, "csrf_token": csrf, "error": error,
        "personas": [_choice(p) for p in PEOPLE]}, status_code=status_code)
    response.set_cookie(CSRF_COOKIE, csrf, path="/dev/authorize", httponly=True,
                        samesite="lax")
    return response


def _choice(persona: Persona) -> dict[str, object]:
    return {"value": persona.name, "text": persona.name,
            "hint": {"text": f"{persona.description} "
                              f"({AREA_NAMES.get(persona.area, persona.area)})"}}


@router.get("/authorize")
def authorize(request: Request, platform: CurrentPlatform) -> Response:
    asked = AuthorizationRequest.of(dict(request.query_params))
    issuer = platform.issuer
    if issuer is None or not asked.client_known(issuer):
        return error_page(400)
    problem = asked.problem()
    if problem is not None:
        return asked.back(error=problem)
    return _page(asked, secrets.token_urlsafe(32))


@router.post("/authorize")
async def choose_persona(request: Request, platform: CurrentPlatform) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    asked = AuthorizationRequest.of(form)
    issuer = platform.issuer
    if issuer is None or not asked.client_known(issuer):
        return error_page(400)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(),
                                               form.get("csrf_token", "").encode()):
        return render("sign_in/form_refused.html", layout(None), status_code=403)
    problem = asked.problem()
    if problem is not None:
        return asked.back(error=problem)
    persona = next((p for p in PEOPLE if p.name == form.get("persona")), None)
    if persona is None:
        return _page(asked, expected, error="Select who you are signing in as",
                     status_code=400)
    claims = {**demo_ids().claims(persona), "name": persona.description}
    code = issuer.codes.issue(client_id=asked.client_id, redirect_uri=asked.redirect_uri,
                              code_challenge=asked.code_challenge, claims=claims,
                              nonce=asked.nonce or None)
    response = asked.back(code=code)
    response.delete_cookie(CSRF_COOKIE, path="/dev/authorize")
    return response
