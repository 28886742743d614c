"""`marac keys`: create key material, rotate the KEK, shred a case, show status."""

from __future__ import annotations

import argparse
import json
import sys
from uuid import UUID

from api.bootstrap import build_platform, load_key_material
from api.commands.common import settings_from
from audit.signing_key import SigningKey, SigningKeyFile
from domain.exceptions import CaseNotFound
from security.kek import KeyFile, KeyMaterial
from security.keyring import SHRED_REASONS


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help="key management")
    ks = p.add_subparsers(dest="keys_command", required=True)
    ks.add_parser("init", help="create the KEK document and, in a file of its own, the audit "
                               "checkpoint signing key (refuses to overwrite)")
    ks.add_parser("move-signing-key", help="move an audit signing key out of an older KEK "
                                           "document into its own file")
    ks.add_parser("rotate", help="add a new KEK and re-wrap every data key under it")
    ks.add_parser("status", help="data keys per KEK, and shredded cases")
    shred = ks.add_parser("shred", help="erase a case by destroying its data key")
    shred.add_argument("case_id", type=UUID)
    shred.add_argument("--reason", required=True, choices=SHRED_REASONS,
                       help="why (a code: the ledger is plaintext and outlives the case)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    key_file = KeyFile(settings.key_path)
    signing_file = SigningKeyFile(settings.signing_key_path)
    if args.keys_command == "init":
        if (key_file.exists() or settings.keys_json or signing_file.exists()
                or settings.audit_signing_key_json):
            print("key material already exists; refusing to overwrite", file=sys.stderr)
            return 1
        signing_file.save(SigningKey.generate(demo=settings.demo))
        key_file.save(KeyMaterial.generate(demo=settings.demo))
        print(json.dumps({"created": [str(settings.key_path), str(settings.signing_key_path)]}))
        return 0
    if args.keys_command == "move-signing-key":
        return _move_signing_key(key_file, signing_file)
    if args.keys_command == "rotate":
        if settings.keys_json:
            print("MARAC_KEYS_JSON is managed outside; add the new KEK there and rerun",
                  file=sys.stderr)
            return 1
        material = load_key_material(settings)
        new_kek = material.add_kek()
        # Save first: the new KEK must be durable before anything is wrapped under it.
        key_file.save(material)
    platform = build_platform(settings)
    try:
        if args.keys_command == "rotate":
            count = platform.keyring.rotate()
            print(json.dumps({"current_kek": new_kek, "rewrapped": count}))
        elif args.keys_command == "status":
            print(json.dumps({
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
