"""`marac doctor`: checks the configuration before a start, and says in words what is wrong:
the settings, the data directory, the database, the keys (the KEK opens what is stored), the
audit signing key, the identity provider and the mail settings. Reads only: it writes nothing
but a probe file in the data directory, which it removes (a SQLite file that does not exist yet
is not made). Exits 1 if anything is wrong."""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from api.bootstrap import smtp_config
from api.commands.common import settings_from
from api.key_sources import checkpoint_signer, kek_store, load_key_material
from api.settings import Settings
from audit.signing_key import SigningKeyFile
from security.errors import SecurityError
from security.identity import HttpJwks
from security.kek import KeyFile, KeyMaterial, LocalKekProvider
from security.kek_roster import KekRoster
from security.keyring import Keyring
from storage.database import Database
from storage.migrations import SchemaOutOfDate
from storage.migrations import status as schema_status
from storage.url import DatabaseUrlError, parse_database_url

TIMEOUT = 5.0


class Problem(Exception):
    """What is wrong, in words for the operator (never a secret)."""


@dataclass(frozen=True)
class Finding:
    name: str
    state: str  # "ok", "FAILED" or "skipped"
    words: str


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check the configuration and say what is wrong "
                                      "(non-zero exit if anything is)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
    except ValidationError as exc:
        for error in exc.errors():
            field = "MARAC_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"FAILED  settings: {field or 'MARAC_*'}: {error['msg']}")
        print("marac doctor: the settings do not parse; nothing else was checked")
        return 1
    findings = Doctor(settings).run()
    for finding in findings:
        print(f"{finding.state:<7} {finding.name}: {finding.words}")
    failed = [f for f in findings if f.state == "FAILED"]
    print(f"marac doctor: {len(failed)} of {len(findings)} checks failed" if failed
          else f"marac doctor: all {len(findings)} checks passed")
    return 1 if failed else 0


class Doctor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database: Database | None = None
        self.material: KeyMaterial | None = None

    def run(self) -> list[Finding]:
        s = self.settings
        try:
            return [
                Finding("settings", "ok", f"parsed ({'demo' if s.demo else 'production'} mode, "
                        f"data directory {s.data_dir})"),
                self._check("data directory", self._data_dir),
                self._check("database", self._database),
                self._check("schema", self._schema, needs=(self.database,)),
                self._check("keys", self._keys),
                self._check("kek", self._kek, needs=(self.material,)),
                self._check("audit signing key", self._signing_key, needs=(self.material,)),
                self._check("identity provider", self._identity),
                self._check("mail", self._mail),
            ]
        finally:
            if self.database is not None:
                self.database.close()

    def _check(self, name: str, check: Callable[[], str],
               needs: tuple[object, ...] = ()) -> Finding:
        if any(n is None for n in needs):
            return Finding(name, "skipped", "needs what failed above")
        try:
            return Finding(name, "ok", check())
        except Problem as exc:
            return Finding(name, "FAILED", str(exc))

    def _data_dir(self) -> str:
        directory = self.settings.data_dir
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
                pass
        except OSError as exc:
            raise Problem(f"{directory} is not a directory this user can write "
                          f"({type(exc).__name__})") from None
        return f"{directory} is writable"

    def _database(self) -> str:
        try:
            url = parse_database_url(self.settings.database_url)
        except DatabaseUrlError as exc:
            raise Problem(f"MARAC_DATABASE_URL: {exc}") from None
        where = url.redacted() if url.path is None else f"the SQLite file {url.path}"
        if url.path is not None and not url.path.exists():
            if not self.settings.demo:  # outside demo mode the start refuses a schemaless one
                raise Problem(f"no database at {url.path} yet: run `marac db upgrade` to "
                              "create it with this release's schema")
            return f"no database yet: the demo's first start creates {url.path}"
        database: Database | None = None
        try:
            database = Database(url)
            database.ping(TIMEOUT)
        except Exception as exc:
            if database is not None:
                database.close()
            raise Problem(f"cannot reach {where} ({type(exc).__name__}): is the server "
                          "running, and are the host, port, user and password right?") from None
        self.database = database
        return f"{where} answers"

    def _schema(self) -> str:
        """The version the database is at against this release's (storage/migrations)."""
        assert self.database is not None  # noqa: S101
        found = schema_status(self.database)
        if found.ahead or (found.behind and not self.settings.demo):
            raise Problem(str(SchemaOutOfDate(found)))
        if found.behind:
            return (f"at version {found.current} of {found.latest}: demo mode upgrades it at "
                    "start")
        return f"at version {found.current}, this release's"

    def _keys(self) -> str:
        s = self.settings
        if s.demo and not s.keys_json and not KeyFile(s.key_path).exists():
            self.material = KeyMaterial.generate(demo=True)  # as the first start will
            return f"demo mode: demo keys will be made in {s.key_path} on the first start"
        try:
            self.material = load_key_material(s)
        except (SecurityError, ValueError, OSError) as exc:
            raise Problem(str(exc) or type(exc).__name__) from None
        source = "MARAC_KEYS_JSON" if s.keys_json else str(s.key_path)
        count = len(self.material.keks)
        return f"the key document from {source} loads ({count} KEK{'' if count == 1 else 's'})"

    def _kek(self) -> str:
        assert self.material is not None  # noqa: S101
        s = self.settings
        stored = False
        if self.database is not None:
            with self.database.transaction(readonly=True) as cur:
                if self.database.has_column(cur, "data_keys", "wrapped"):
                    cur.execute("SELECT 1 FROM data_keys LIMIT 1")
                    stored = cur.fetchone() is not None
        try:
            # The provider configured (a file's KEKs, or a PKCS#11 token's), as the platform
            # builds it, with the database's roster saying which KEK is current.
            store = kek_store(s, self.material, from_file=False)
            if stored and self.database is not None:
                keyring = Keyring(self.database, KekRoster(
                    self.database, store, refresh_seconds=s.key_roster_seconds))
                keyring.check_unwrap()
            else:  # a fresh database: nothing stored to open yet
                provider = LocalKekProvider(self.material)
                kek_id, wrapped = provider.wrap(b"\0" * 32, b"marac:doctor")
                provider.unwrap(kek_id, wrapped, b"marac:doctor")
        except Exception as exc:
            raise Problem("the KEKs configured do not open the data keys stored in this "
                          f"database ({type(exc).__name__}): is this the key document that "
                          "goes with it?") from None
        return ("the current KEK opens the newest data key stored" if stored
                else "no data keys stored yet; the current KEK wraps and unwraps a probe")

    def _signing_key(self) -> str:
        assert self.material is not None  # noqa: S101
        s = self.settings
        if (s.demo and not s.audit_signing_key_json
                and not SigningKeyFile(s.signing_key_path).exists()
                and self.material.audit_signing_key is None):
            return f"demo mode: a demo key will be made in {s.signing_key_path} on first start"
        try:
            signer = checkpoint_signer(s, self.material)
        except (SecurityError, ValueError, OSError) as exc:
            raise Problem(str(exc) or type(exc).__name__) from None
        where = "in the PKCS#11 token" if s.audit_signing_provider == "pkcs11" else "from its file"
        return f"loads {where} (key {signer.key_id})"

    def _identity(self) -> str:
        s = self.settings
        if not (s.oidc_issuer or s.oidc_jwks_url):
            if s.demo:
                return "demo mode: tokens come from the demo's own issuer"
            raise Problem("set MARAC_OIDC_ISSUER, MARAC_OIDC_AUDIENCE and MARAC_OIDC_JWKS_URL "
                          "(the identity provider whose tokens the API accepts)")
        missing = [name for name, value in (("MARAC_OIDC_ISSUER", s.oidc_issuer),
                                            ("MARAC_OIDC_AUDIENCE", s.oidc_audience),
                                            ("MARAC_OIDC_JWKS_URL", s.oidc_jwks_url))
                   if not value]
        if missing:
            raise Problem(f"set {' and '.join(missing)} too")
        try:
            keys = HttpJwks(s.oidc_jwks_url, timeout=TIMEOUT).fetch().get("keys")
        except ValueError as exc:
            raise Problem(f"MARAC_OIDC_JWKS_URL: {exc}") from None
        except Exception as exc:
            raise Problem(f"cannot fetch the key set at {s.oidc_jwks_url} "
                          f"({type(exc).__name__})") from None
        if not isinstance(keys, list) or not keys:
            raise Problem(f"{s.oidc_jwks_url} answers, but with no keys")
        found = f"the key set at {s.oidc_jwks_url} holds {len(keys)} keys"
        if s.web_oidc_issuer:
            found += "; " + _discovery(s.web_oidc_issuer)
        return found

    def _mail(self) -> str:
        try:
            config = smtp_config(self.settings)
        except (SecurityError, OSError) as exc:
            raise Problem(str(exc) or type(exc).__name__) from None
        if config is None:
            return "off (no MARAC_SMTP_HOST): notifications wait in their outbox"
        return f"notifications go through {config.host}:{config.port}"


def _discovery(issuer: str) -> str:
    """The pages' sign-in issuer publishes its OpenID configuration."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    if not url.startswith(("https://", "http://127.0.0.1")):
        raise Problem(f"MARAC_WEB_OIDC_ISSUER: {issuer} is not https")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
            doc = json.loads(response.read())
    except Exception as exc:
        raise Problem(f"cannot fetch the sign-in issuer's configuration at {url} "
                      f"({type(exc).__name__})") from None
    if not isinstance(doc, dict) or "authorization_endpoint" not in doc:
        raise Problem(f"{url} answers, but is not an OpenID configuration")
    return f"the sign-in issuer's configuration at {url} answers"

