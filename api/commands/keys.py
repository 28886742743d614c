"""`marac keys`: create key material, roll out a new KEK in two phases, shred a case, show
status."""

from __future__ import annotations

import argparse
import json
import sys
import time
from uuid import UUID

from api.bootstrap import Platform, build_platform
from api.commands.common import settings_from
from api.key_sources import kek_token, signing_token
from api.settings import Settings
from audit.checkpoints import CheckpointSigner
from audit.hsm_signing_key import create_signing_key
from audit.signing_key import SigningKey, SigningKeyFile
from domain.exceptions import CaseNotFound
from security.errors import KekNotReady, KeyConfigurationError
from security.hsm_kek import HsmKekStore
from security.kek import KeyFile, KeyMaterial
from security.kek_roster import KekRoster
from security.keyring import SHRED_REASONS


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help="key management")
    ks = p.add_subparsers(dest="keys_command", required=True)
    ks.add_parser("init", help="create the KEK document (or the first KEK in the token) and, "
                               "apart, the audit checkpoint signing key (refuses to overwrite)")
    ks.add_parser("move-signing-key", help="move an audit signing key out of an older KEK "
                                           "document into its own file")
    rotate = ks.add_parser(
        "rotate", help="a new KEK, in two phases across running processes: --stage (every "
        "process can unwrap under it), then --promote (made current, data keys re-wrapped "
        "under it); both in one go without either")
    phase = rotate.add_mutually_exclusive_group()
    phase.add_argument("--stage", action="store_true",
                       help="phase 1: create the new KEK; running processes prove they can "
                            "unwrap under it at their next heartbeat")
    phase.add_argument("--promote", action="store_true",
                       help="phase 2: make the staged KEK current once every running process "
                            "can unwrap under it, then re-wrap every data key under it")
    phase.add_argument("--rewrap", action="store_true",
                       help="re-wrap the data keys not under the current KEK (again)")
    rotate.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for every running process (default 60)")
    ks.add_parser("status", help="the KEK roster, data keys per KEK, and shredded cases")
    shred = ks.add_parser("shred", help="erase a case by destroying its data key")
    shred.add_argument("case_id", type=UUID)
    shred.add_argument("--reason", required=True, choices=SHRED_REASONS,
                       help="why (a code: the ledger is plaintext and outlives the case)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.keys_command == "init":
        return _init(settings)
    if args.keys_command == "move-signing-key":
        return _move_signing_key(KeyFile(settings.key_path),
                                 SigningKeyFile(settings.signing_key_path))
    platform = build_platform(settings)
    try:
        if args.keys_command == "rotate":
            return _rotate(platform, args)
        if args.keys_command == "status":
            roster = platform.kek_roster
            staged = roster.staged()
            readiness = roster.readiness(staged or roster.current_kek_id())
            print(json.dumps({
                "current_kek": roster.current_kek_id(),
                "staged_kek": staged,
                # Running processes, and those not yet able to unwrap under the staged KEK.
                "processes": len(readiness.ready) + len(readiness.not_ready),
                "processes_not_ready": len(readiness.not_ready) if staged else 0,
                "data_keys_by_kek": platform.keyring.keys_by_kek(),
                "shredded": len(platform.keyring.shred_ledger()),
            }))
        elif args.keys_command == "shred":
            try:
                records = platform.eraser.erase(args.case_id, args.reason)
            except CaseNotFound:
                print(json.dumps({"code": "case_not_found"}), file=sys.stderr)
                return 2
            print(json.dumps({"shredded": [str(r.scope_id) for r in records]}))
    finally:
        platform.close()
    return 0


def _init(settings: Settings) -> int:
    key_file = KeyFile(settings.key_path)
    signing_file = SigningKeyFile(settings.signing_key_path)
    in_token = settings.kek_provider == "pkcs11"
    signs_in_token = settings.audit_signing_provider == "pkcs11"
    exists = key_file.exists() or bool(settings.keys_json)
    if in_token:
        exists = exists or HsmKekStore(kek_token(settings), settings.pkcs11_kek_label
                                       ).initial_kek_id() is not None
    if signs_in_token:
        exists = exists or signing_token(settings).holds(settings.pkcs11_signing_key_label)
    else:
        exists = exists or signing_file.exists() or bool(settings.audit_signing_key_json)
    if exists:
        print("key material already exists; refusing to overwrite", file=sys.stderr)
        return 1
    created: list[str] = []
    if signs_in_token:
        public = create_signing_key(signing_token(settings), settings.pkcs11_signing_key_label)
        created.append(f"pkcs11:{settings.pkcs11_signing_token}/"
                       f"{settings.pkcs11_signing_key_label}")
    else:
        signing_key = SigningKey.generate(demo=settings.demo)
        signing_file.save(signing_key)
        public = CheckpointSigner.from_private_key(signing_key.private_key).public_key
        created.append(str(settings.signing_key_path))
    if in_token:
        kek_id = HsmKekStore(kek_token(settings), settings.pkcs11_kek_label).create_kek()
        created.append(f"pkcs11:{settings.pkcs11_kek_token}/{kek_id}")
    key_file.save(KeyMaterial.generate(demo=settings.demo, with_kek=not in_token))
    created.append(str(settings.key_path))
    # What the witness is told to trust (MARAC_AUDIT_CHECKPOINT_PUBLIC_KEY): known now,
    # before any process is up to answer GET /api/v1/audit/keys.
    print(json.dumps({"created": created, "audit_checkpoint_public_key": public.hex()}))
    return 0


def _rotate(platform: Platform, args: argparse.Namespace) -> int:
    roster, settings = platform.kek_roster, platform.settings
    if args.rewrap:
        print(json.dumps({"current_kek": roster.current_kek_id(),
                          "rewrapped": platform.keyring.rotate()}))
        return 0
    if not args.promote:
        staged = roster.stage(_outside_kek(settings, roster))
        if args.stage:
            print(json.dumps({"staged_kek": staged}))
            return 0
    deadline = time.monotonic() + args.wait
    while True:
        try:
            current = roster.promote()
            break
        except KekNotReady as exc:
            if time.monotonic() >= deadline:
                print(json.dumps({"code": exc.code, "staged_kek": roster.staged(),
                                  "not_ready": len(roster.readiness(roster.staged() or "")
                                                   .not_ready)}), file=sys.stderr)
                return 1
            time.sleep(min(0.2, settings.key_roster_seconds))
    # Each process takes the new KEK up at its next look at the roster; re-wrapping after
    # that leaves no data key behind under the previous one.
    while roster.not_yet_using(current) and time.monotonic() < deadline:
        time.sleep(min(0.2, settings.key_roster_seconds))
    print(json.dumps({"current_kek": current, "rewrapped": platform.keyring.rotate(),
                      "processes_not_yet_using_it": len(roster.not_yet_using(current))}))
    return 0


def _outside_kek(settings: Settings, roster: KekRoster) -> str | None:
    """MARAC_KEYS_JSON is managed outside: its new KEK (current_kek, added to every process's
    document first) is the one to stage; the platform cannot write it one."""
    if not settings.keys_json or settings.kek_provider != "file":
        return None
    kek_id = KeyMaterial.from_json(settings.keys_json).current
    if kek_id in {e.kek_id for e in roster.entries()}:
        raise KeyConfigurationError(
            "MARAC_KEYS_JSON is managed outside: add a new KEK to it as current_kek, on every "
            "process, and rerun")
    return kek_id


def _move_signing_key(key_file: KeyFile, signing_file: SigningKeyFile) -> int:
    material = key_file.load()
    if material.audit_signing_key is None:
        print("the KEK document holds no audit signing key", file=sys.stderr)
        return 1
    if signing_file.exists():
        print(f"{signing_file.path} already exists; refusing to overwrite", file=sys.stderr)
        return 1
    # The new file is durable before the key leaves the KEK document: never neither.
    signing_file.save(SigningKey(material.audit_signing_key, material.demo))
    material.audit_signing_key = None
    key_file.save(material)
    print(json.dumps({"moved_to": str(signing_file.path)}))
    return 0
