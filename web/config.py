"""What the pages need to know of their deployment, given by the composition root (api/app.py)
from the settings: the pages stand below api/ and read no environment themselves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignInClient:
    """This service as an OpenID Connect client of the identity provider."""

    metadata_url: str  # the provider's discovery document
    client_id: str
    client_secret: str
    redirect_uri: str  # registered with the provider: <base>/sign-in/callback


@dataclass(frozen=True)
class WebConfig:
    # None: no identity provider is configured; the sign-in page says so.
    sign_in: SignInClient | None
    # Where people reach the service; a sign-in started elsewhere is sent here first, so that
    # its cookie and the provider's answer meet at one origin.
    base_url: str
    # Cookies are Secure (and `__Host-` named) everywhere but the demo, served over plain HTTP
    # on loopback.
    secure_cookies: bool
    demo: bool = False
