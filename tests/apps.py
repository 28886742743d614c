"""One FastAPI app per test process and mode, bound to each test's platform in turn.

Building an app costs FastAPI about half a second (every route's parameters and response
models, made on its first request), which a suite of a thousand HTTP tests would pay a
thousand times. The routes are the same for every platform of one mode (demo or not), and
what they serve is whatever platform is bound (api/app.py `bind`), so a test binds its own
to the process's app. One platform at a time: a test serving two at once builds its second
with `create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import application, bind
from api.bootstrap import Platform

_APPS: dict[bool, FastAPI] = {}


def app_for(platform: Platform) -> FastAPI:
    demo = platform.settings.demo
    if demo not in _APPS:
        _APPS[demo] = application(demo=demo)
    app = _APPS[demo]
    bind(app, platform)
    return app
