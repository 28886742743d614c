"""`marac serve`: the HTTP API (with --demo: embedded storage and demo data)."""

from __future__ import annotations

import argparse
import threading

import uvicorn

from api.app import create_app
from api.bootstrap import build_platform
from api.commands.common import platform_options, settings_from
from api.demo import seed_demo
from api.logs import configure_logging


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP API")
    platform_options(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = settings_from(args, host=args.host,
                             port=args.port)
    platform = build_platform(settings)
    if settings.demo:
        seed_demo(platform.marac)
    platform.runner.catch_up()
    # Keeps this process's read models current with writes made elsewhere (the command line,
    # other instances); runners in several processes take turns, so a worker may run too.
    stop = threading.Event()
    projections = threading.Thread(target=platform.runner.run, args=(stop,),
                                   name="projections", daemon=True)
    projections.start()
    try:
        uvicorn.run(create_app(platform), host=settings.host, port=settings.port,
                    log_config=None, access_log=False)
    finally:
        stop.set()
        projections.join(timeout=5)
        platform.close()
    return 0
