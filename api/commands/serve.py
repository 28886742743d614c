"""`marac serve`: the HTTP API. With --demo: embedded storage and demo data, and the whole
platform in one command — the worker's loops in this process (api/background.py) and the
audit witness as a supervised child process with its own key and directory."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from types import FrameType

import structlog
import uvicorn

from api.app import API_PREFIX, create_app
from api.background import Background, keep_kek_roster
from api.bootstrap import Platform, build_platform
from api.commands.common import platform_options, settings_from
from api.demo import seed_demo
from api.logs import configure_logging
from api.settings import Settings
from api.supervisor import Supervised
from audit import witness as witnesses

log = structlog.get_logger("serve")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (with --demo: the whole platform)")
    platform_options(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = settings_from(args, host=args.host, port=args.port)
    platform = build_platform(settings)
    background: Background | None = None
    witness: Supervised | None = None
    stop = threading.Event()
    try:
        if settings.demo:
            seed_demo(platform.marac)
        platform.runner.catch_up()
        if settings.demo:
            background = Background(platform)
            background.start()
            witness = demo_witness(platform, settings)
            witness.start()
        else:
            # Keeps this process's read models current with writes made elsewhere (the
            # command line, other instances); runners in several processes take turns, so
            # the worker (a process of its own outside the demo) may run too.
            threading.Thread(target=platform.runner.run, args=(stop,), name="projections",
                             daemon=True).start()
            # Its heartbeat on the KEK roster, for `marac keys rotate`'s two phases.
            threading.Thread(target=keep_kek_roster, args=(platform, stop), name="keys",
                             daemon=True).start()
        server = uvicorn.Server(uvicorn.Config(
            create_app(platform), host=settings.host, port=settings.port, log_config=None,
            access_log=False))
        # Said once the port is listening, so that whoever reads it can use it at once.
        threading.Thread(target=announce_when_listening,
                         args=(server, stop, settings, background, witness),
                         name="announce", daemon=True).start()
        # uvicorn stops gracefully on SIGTERM, then raises it again with the handler it found:
        # this one, so that the cleanup below runs (the default would end the process first,
        # leaving the witness behind).
        signal.signal(signal.SIGTERM, _terminated)
        # Ctrl-C: raised again by uvicorn once it has stopped; the cleanup below follows.
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        stop.set()
        if witness is not None:
            witness.stop()
        if background is not None:
            background.stop()
        platform.close()
    return 0


def _terminated(signum: int, _: FrameType | None) -> None:
    raise SystemExit(0)


def demo_witness(platform: Platform, settings: Settings) -> Supervised:
    """The demo's witness: made on first use in the data directory, trusting this platform's
    checkpoint key; run as `marac audit witness run`, reading the same database."""
    directory = settings.audit_witness_dir or settings.data_dir / "witness"
    public_key = platform.checkpoints.signer.public_key
    if (directory / witnesses.KEY_FILE).exists():
        witnesses.trust(directory, [public_key])
    else:
        witnesses.init(directory, [public_key])
    env = {**os.environ, "MARAC_DATABASE_URL": settings.database_url}
    return Supervised("witness", [sys.executable, "-m", "api.cli", "audit", "witness", "run",
                                  "--dir", str(directory), "--interval", "2"], env)


def announce_when_listening(server: uvicorn.Server, stop: threading.Event, settings: Settings,
                            background: Background | None, witness: Supervised | None) -> None:
    while not server.started:
        if stop.wait(0.05):
            return
    announce(settings, background, witness)


def announce(settings: Settings, background: Background | None,
             witness: Supervised | None) -> None:
    """What is running and where: one log line, and in the demo a line for people."""
    base = f"http://{settings.host}:{settings.port}"
    log.info("marac_started", api=f"{base}{API_PREFIX}", demo=settings.demo,
             worker="/".join(background.loops) if background else None,
             witness_pid=witness.pid if witness else None,
             witness_dir=str(settings.data_dir / "witness") if witness else None,
             database=settings.database_url.split(":", 1)[0])
    if settings.demo and background and witness:
        print(f"marac demo running: pages {base}/ (sign in as a demo persona); "
              f"API {base}{API_PREFIX} (docs {base}{API_PREFIX}/docs, "
              f"personas {base}/dev/personas); worker in this process "
              f"({', '.join(background.loops)}); audit witness pid {witness.pid} "
              f"({settings.data_dir / 'witness'}); data in {settings.data_dir}. "
              "Ctrl-C stops everything.", file=sys.stderr, flush=True)
