"""`marac audit`: verify the trail and its checkpoints, sign a checkpoint now, or run the
independent witness that co-signs them."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

import structlog

from api.bootstrap import build_platform
from api.commands.common import settings_from
from api.heartbeat import age, beat
from api.logs import configure_logging
from api.progress import Progress
from audit import witness as witnesses
from audit.checkpoints import CheckpointLog, key_id, parse_public_key
from audit.proofs import TrailTree
from audit.trail import AuditTrail
from audit.verify import verify
from storage.database import Database

log = structlog.get_logger("witness")
# Touched after each look that raised no alarm (`marac audit witness status` reads it).
WITNESS_HEARTBEAT = "witness-heartbeat"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit trail")
    a = p.add_subparsers(dest="audit_command", required=True)
    v = a.add_parser("verify", help="check every record and checkpoint; non-zero on any fault "
                                    "(needs no key: only public keys)")
    v.add_argument("--checkpoints", type=Path, default=None,
                   help="exported checkpoints to check against (default: the configured dir)")
    v.add_argument("--public-key", action="append", default=[], metavar="HEX_OR_FILE",
                   help="a checkpoint public key you trust (64 hex digits, or a file holding "
                        "them; repeatable); default: the keys the export carries")
    v.add_argument("--witness", type=Path, default=None, metavar="DIR",
                   help="an independent witness's directory: check its co-signatures too")
    v.add_argument("--witness-public-key", default=None, metavar="HEX_OR_FILE",
                   help="the witness's public key as you know it (default: the directory's)")
    a.add_parser("checkpoint", help="sign a checkpoint of the trail as it stands")
    w = a.add_parser("witness", help="the independent witness: its own process, key and "
                                     "directory; co-signs consistent checkpoints")
    ws = w.add_subparsers(dest="witness_command", required=True)
    wi = ws.add_parser("init", help="create a witness key and directory")
    wt = ws.add_parser("trust", help="trust another application checkpoint key (rotation)")
    for q in (wi, wt):
        q.add_argument("--dir", type=Path, required=True, help="the witness's own directory")
        q.add_argument("--checkpoint-public-key", action="append", required=True,
                       metavar="HEX_OR_FILE", help="the application's public checkpoint key "
                       "(GET /api/v1/audit/keys); repeatable")
    wr = ws.add_parser("run", help="check and co-sign new checkpoints, every --interval s")
    wr.add_argument("--dir", type=Path, required=True, help="the witness's own directory")
    wr.add_argument("--interval", type=float, default=5.0, help="seconds between looks")
    wr.add_argument("--once", action="store_true",
                    help="one look, then exit: 0 if all co-signed, 1 on an alarm")
    st = ws.add_parser("status", help="a healthcheck: 0 when the witness looked within "
                                      "--max-age seconds and has raised no alarm, 1 otherwise")
    st.add_argument("--dir", type=Path, required=True, help="the witness's own directory")
    st.add_argument("--max-age", type=float, default=60.0,
                    help="seconds since its last look still counted alive")
    p.set_defaults(run=run)


def _public_key(value: str) -> bytes:
    path = Path(value)
    return parse_public_key(path.read_text(encoding="utf-8") if path.is_file() else value)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.audit_command == "witness":
        return _witness(args, settings.database_url)
    if args.audit_command == "checkpoint":
        platform = build_platform(settings)
        try:
            checkpoint = platform.checkpoints.issue()
            print(json.dumps({"size": checkpoint.size if checkpoint else None}))
            return 0
        finally:
            platform.close()
    try:
        keys = [_public_key(v) for v in args.public_key]
        witness_key = (_public_key(args.witness_public_key) if args.witness_public_key
                       else None)
    except (ValueError, OSError):
        print(json.dumps({"code": "invalid_public_key"}))
        return 2
    try:
        evidence = witnesses.evidence(args.witness, witness_key) if args.witness else None
    except witnesses.WitnessError as exc:
        print(json.dumps({"code": exc.code, "detail": str(exc)}))
        return 2
    # Verification reads the records and the checkpoints only: no key material is loaded.
    database = Database(settings.database_url)
    try:
        trail = AuditTrail(database)
        progress = Progress("audit verify", "records")
        report = verify(trail, CheckpointLog(trail),
                        args.checkpoints or settings.audit_checkpoint_dir,
                        {key_id(k): k for k in keys} or None, evidence, progress=progress)
        progress.finish()
        print(json.dumps(report.to_dict(), indent=2))
        return 0 if report.ok else 1
    finally:
        database.close()


def _witness(args: argparse.Namespace, database_url: str) -> int:
    if args.witness_command in ("init", "trust"):
        return _witness_keys(args)
    if args.witness_command == "status":
        return _witness_status(args.dir, args.max_age)
    return _witness_run(args, database_url)


def _witness_keys(args: argparse.Namespace) -> int:
    try:
        keys = [_public_key(v) for v in args.checkpoint_public_key]
    except (ValueError, OSError):
        print(json.dumps({"code": "invalid_public_key"}))
        return 2
    try:
        if args.witness_command == "trust":
            witnesses.trust(args.dir, keys)
            print(json.dumps({"trusted": [key_id(k) for k in keys]}))
            return 0
        public = witnesses.init(args.dir, keys)
    except witnesses.WitnessError as exc:
        print(json.dumps({"code": exc.code, "detail": str(exc)}))
        return 2
    print(json.dumps({"witness_public_key": public.hex(), "key_id": key_id(public)}))
    return 0


def _witness_run(args: argparse.Namespace, database_url: str) -> int:
    configure_logging()
    try:
        witness = witnesses.Witness(args.dir)
    except witnesses.WitnessError as exc:
        print(json.dumps({"code": exc.code, "detail": str(exc)}))
        return 2
    # Reads the trail and its checkpoints; writes only to its own directory.
    database = Database(database_url)
    trail = AuditTrail(database)
    checkpoints, tree = CheckpointLog(trail), TrailTree(trail)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while True:
            seen = witness.observe(checkpoints, tree)
            if seen.cosigned:
                log.info("witness_cosigned", checkpoints=len(seen.cosigned),
                         witnessed_size=seen.witnessed_size)
            if seen.alarm is None:
                # A look that found nothing wrong: the healthcheck's evidence of life.
                beat(args.dir / WITNESS_HEARTBEAT)
            else:
                # An alarm is raised again at every look until someone resolves it.
                log.error("witness_alarm", kind=seen.alarm.kind, size=seen.alarm.size,
                          witnessed_size=seen.witnessed_size)
            if args.once:
                print(json.dumps({"witnessed_size": seen.witnessed_size,
                                  "cosigned": list(seen.cosigned),
                                  "alarm": seen.alarm.kind if seen.alarm else None}))
                return 1 if seen.alarm else 0
            if stop.wait(args.interval):
                return 0
    finally:
        witness.close()
        database.close()


def _witness_status(directory: Path, max_age: float) -> int:
    """Reads only the directory's heartbeat and alarms: no key, no database."""
    seconds = age(directory / WITNESS_HEARTBEAT)
    alarms = witnesses.alarms(directory)
    print(json.dumps({"seconds_since_look": None if seconds is None else round(seconds, 1),
                      "alarms": alarms}))
    return 0 if seconds is not None and seconds <= max_age and not alarms else 1
