"""The pages over HTTP with the API tests' platform and client (tests/api/conftest.py)."""

from tests.api.conftest import api_platform, client, clock, world

__all__ = ["api_platform", "client", "clock", "world"]
