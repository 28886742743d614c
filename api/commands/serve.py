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
from dataclasses import dataclass
from types import FrameType

import structlog
import uvicorn

from api.app import API_PREFIX, create_app
from api.background import Background, keep_kek_roster
from api.bootstrap import Platform, build_platform
from api.commands.common import settings_from
from api.demo import seed_demo
from api.logs import configure_logging
from api.metrics import MetricsServer, serve_metrics
from api.settings import Settings
from api.supervisor import Supervised
from audit import witness as witnesses

log = structlog.get_logger("serve")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (with --demo: the whole platform)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = settings_from(args, host=args.host, port=args.port)
    platform = build_platform(settings)
    background: Background | None = None
    witness: Supervised | None = None
    metrics: MetricsServer | None = None
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
        # The demo's one process runs the worker's loops too, so it serves their metrics.
        metrics = serve_metrics(platform, api=True, worker=settings.demo)
        server = uvicorn.Server(uvicorn.Config(
            create_app(platform), host=settings.host, port=settings.port, log_config=None,
            access_log=False))
        # Said once the port is listening, so that whoever reads it can use it at once.
        started = Started(settings, background, witness, metrics)
        threading.Thread(target=announce_when_listening, args=(server, stop, started),
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
        if metrics is not None:
            metrics.stop()
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


@dataclass(frozen=True)
class Started:
    """What is running, for the start-up line."""

    settings: Settings
    background: Background | None
    witness: Supervised | None
    metrics: MetricsServer | None


def announce_when_listening(server: uvicorn.Server, stop: threading.Event,
                            started: Started) -> None:
    while not server.started:
        if stop.wait(0.05):
            return
    announce(started)


def announce(started: Started) -> None:
    """What is running and where: one log line, and one line for the person who started it."""
    settings, background, witness = started.settings, started.background, started.witness
    # Where people reach it: MARAC_PUBLIC_BASE_URL, else the address it listens on.
    base = settings.base_url
    metrics = started.metrics.url if started.metrics else None
    log.info("marac_started", api=f"{base}{API_PREFIX}", demo=settings.demo,
             worker="/".join(background.loops) if background else None,
             witness_pid=witness.pid if witness else None,
             witness_dir=str(settings.data_dir / "witness") if witness else None,
             metrics=metrics, database=settings.database_url.split(":", 1)[0])
    print(start_line(started, base), file=sys.stderr, flush=True)


def start_line(started: Started, base: str) -> str:
    settings, background, witness = started.settings, started.background, started.witness
    metrics = (f"metrics {started.metrics.url}" if started.metrics
               else "metrics off (MARAC_METRICS_PORT)")
    probes = f"health {base}/livez, {base}/readyz"
    if settings.demo and background and witness:
        return (f"marac demo running: pages {base}/ — sign in as a demo persona: try "
                f"coordinator, then hospital-employee, who is excluded from the 'honour'-based "
                f"abuse case (all of them: {base}/dev/personas); API {base}{API_PREFIX} (docs "
                f"{base}{API_PREFIX}/docs); worker in this process "
                f"({', '.join(background.loops)}); audit witness pid {witness.pid} "
                f"({settings.data_dir / 'witness'}); {probes}; {metrics}; data in "
                f"{settings.data_dir}. Ctrl-C stops everything.")
    return (f"marac running: pages {base}/, API {base}{API_PREFIX} (docs "
            f"{base}{API_PREFIX}/docs); {probes}; {metrics}; database "
            f"{settings.database_url.split(':', 1)[0]}; run `marac worker` beside it. "
            "Ctrl-C stops.")
