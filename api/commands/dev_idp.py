"""`marac dev-idp`: development only: a stand-in for the partnership's identity provider, so
that a walk-through (docs/monthly-cycle.md) or a developer can call the API as the
partnership's people would, with tokens naming their area and agency by the partnership's
codes, without `--demo` and its demo data.

`init` makes a signing key in a directory of its own; `token` signs an access token for a
person, putting the area, agency and roles in the claims that MARAC_OIDC_AREA_CLAIM,
MARAC_OIDC_AGENCY_CLAIM and MARAC_OIDC_ROLES_CLAIM name (as the real identity provider would be
configured to); `serve` publishes the public key set on loopback for MARAC_OIDC_JWKS_URL.

Why it cannot stand in for a real one: it serves plain HTTP on 127.0.0.1 only, and the platform
fetches a key set over plain HTTP only from 127.0.0.1 (security/identity.py, HttpJwks); its
key id says what it is (`dev-idp-…`). A partnership's tokens come from its own identity
provider (Keycloak, Entra ID), which authenticates the person first: this signs whatever it
is asked.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from joserfc.jwk import RSAKey

from api.settings import Settings
from security.identity import ROLES, ClaimNames
from security.issuer import DEMO_AUDIENCE, LocalIssuer

STATE_FILE = "dev-idp.json"
PURPOSE = ("a stand-in for the partnership's identity provider: development and "
           "walk-throughs only, never production")
# An access token for a walk-through: long enough for a meeting's day, not for a month.
MAX_TTL_SECONDS = 12 * 3600


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("dev-idp", help="development only: a stand-in identity provider that "
                       "signs tokens naming the partnership's area and agency codes")
    c = p.add_subparsers(dest="idp_command", required=True)
    init = c.add_parser("init", help="make the stand-in's signing key in DIR (refuses to "
                        "overwrite); prints the MARAC_OIDC_* settings that trust it")
    init.add_argument("--dir", type=Path, required=True)
    init.add_argument("--port", type=int, default=8081,
                      help="the loopback port `serve` publishes the key set on")
    init.add_argument("--audience", default=DEMO_AUDIENCE)
    serve = c.add_parser("serve", help="publish the public key set at "
                         "http://127.0.0.1:PORT/jwks.json until stopped")
    serve.add_argument("--dir", type=Path, required=True)
    token = c.add_parser("token", help="print a signed access token for a person, in the "
                         "claims MARAC_OIDC_*_CLAIM name")
    token.add_argument("--dir", type=Path, required=True)
    token.add_argument("--sub", required=True, help="the person's stable identifier")
    token.add_argument("--area", help="the area's code (or id)")
    token.add_argument("--agency", help="the agency's code in that area (or its id)")
    token.add_argument("--role", action="append", default=[], choices=ROLES,
                       help="a role; give it again for several")
    token.add_argument("--ttl", type=int, default=3600,
                       help=f"seconds the token lasts (at most {MAX_TTL_SECONDS})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.idp_command == "init":
        return _init(args.dir, args.port, args.audience)
    state = _load(args.dir)
    if state is None:
        print(f"marac: no stand-in identity provider in {args.dir}: run `marac dev-idp init`",
              file=sys.stderr)
        return 2
    issuer = LocalIssuer(state["issuer"], state["audience"], RSAKey.import_key(state["key"]))
    if args.idp_command == "serve":
        return _serve(issuer, int(state["port"]))
    if not 1 <= args.ttl <= MAX_TTL_SECONDS:
        print(f"marac: --ttl is 1 to {MAX_TTL_SECONDS} seconds", file=sys.stderr)
        return 2
    claims = person_claims(Settings().claim_names, args.sub, area=args.area,
                           agency=args.agency, roles=args.role)
    print(issuer.issue(claims, args.ttl))
    return 0


def person_claims(names: ClaimNames, sub: str, *, area: str | None, agency: str | None,
                  roles: list[str]) -> dict[str, Any]:
    """A person's claims, each where the platform is configured to read it; a dotted name
    (Keycloak's `realm_access.roles`) nests."""
    claims: dict[str, Any] = {"sub": sub}
    for name, value in ((names.area, area), (names.agency, agency), (names.roles, roles)):
        if value is None:
            continue
        *outer, last = name.split(".")
        place = claims
        for part in outer:
            place = place.setdefault(part, {})
        place[last] = value
    return claims


def _init(directory: Path, port: int, audience: str) -> int:
    path = directory / STATE_FILE
    if path.exists():
        print(f"marac: {path} exists; refusing to overwrite", file=sys.stderr)
        return 1
    base = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256",
                                                "kid": f"dev-idp-{uuid.uuid4().hex[:12]}"})
    state = {"purpose": PURPOSE, "issuer": f"{base}/dev-idp", "audience": audience,
             "port": port, "key": key.as_dict(private=True)}
    directory.mkdir(parents=True, exist_ok=True)
    # The private key: readable by its owner only, written whole or not at all.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(state, out, indent=2)
    print(json.dumps({"created": str(path), "purpose": PURPOSE, "settings": {
        "MARAC_OIDC_ISSUER": state["issuer"], "MARAC_OIDC_AUDIENCE": audience,
        "MARAC_OIDC_JWKS_URL": f"{base}/jwks.json"}}, indent=2))
    return 0


def _load(directory: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((directory / STATE_FILE).read_text())
    except FileNotFoundError:
        return None
    return state


def _serve(issuer: LocalIssuer, port: int) -> int:
    body = json.dumps(issuer.jwks()).encode()

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/jwks.json"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass  # nothing to log but key-set fetches

    server = ThreadingHTTPServer(("127.0.0.1", port), KeySet)
    signal.signal(signal.SIGTERM, _terminated)
    print(f"marac dev-idp: key set at http://127.0.0.1:{port}/jwks.json ({PURPOSE})",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


def _terminated(signum: int, _: FrameType | None) -> None:
    raise SystemExit(0)
