"""Settings from the environment (MARAC_*), refusing demo secrets outside demo mode."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from security.identity import ClaimNames
from storage.url import MEMORY_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MARAC_", extra="ignore")

    data_dir: Path = Path("var")
    # sqlite:///path or postgresql://user@host:port/db?schema=name; default: SQLite in data_dir.
    # memory: (demo mode only) keeps everything in memory, for tests.
    database_url: str = ""
    demo: bool = False
    # Key material: a file (default data_dir/keys.json) or the same JSON document inline.
    key_file: Path | None = None
    keys_json: str = ""
    # The audit checkpoint signing key, apart from the KEKs: a file (default
    # data_dir/audit-signing-key.json) or the same JSON document inline.
    audit_signing_key_file: Path | None = None
    audit_signing_key_json: str = ""
    # Where KEKs and the checkpoint signing key are kept: "file" (the documents above, for
    # development, the default) or "pkcs11" (a token in an HSM: the keys never leave it). The
    # signing key belongs on a token (or partition) of its own, with its own PIN: whoever
    # holds the KEKs should not be able to re-sign a rewritten trail.
    kek_provider: Literal["file", "pkcs11"] = "file"
    audit_signing_provider: Literal["file", "pkcs11"] = "file"
    # The PKCS#11 module (the HSM vendor's library; SoftHSM2: /usr/lib/softhsm/libsofthsm2.so).
    pkcs11_module: Path | None = None
    # The KEKs' token, by label; its user PIN from a file (a mounted secret) or the
    # environment, never the repository. KEKs are labelled `<kek label>-<time>-<random>`.
    pkcs11_kek_token: str = ""
    pkcs11_kek_pin_file: Path | None = None
    pkcs11_kek_pin: SecretStr = SecretStr("")
    pkcs11_kek_label: str = "marac-kek"
    # The checkpoint signing key's token, PIN and key label.
    pkcs11_signing_token: str = ""
    pkcs11_signing_pin_file: Path | None = None
    pkcs11_signing_pin: SecretStr = SecretStr("")
    pkcs11_signing_key_label: str = "marac-audit-signing"
    # How often each process looks at the KEK roster (security/kek_roster.py): the longest a
    # process goes on wrapping under the previous KEK after a promotion, and its heartbeat.
    key_roster_seconds: float = Field(default=5.0, gt=0)
    # The shred ledger's copy outside the database; survives a database restore.
    shred_ledger_file: Path | None = None
    # Signed audit checkpoints are exported here, once each, never rewritten: mount storage
    # the application cannot alter afterwards (WORM, another host) in production.
    audit_checkpoint_dir: Path | None = None
    # The independent witness's directory, if this platform may read it (read only): the DPO's
    # verification page checks its co-signatures too. The demo's own witness by default.
    audit_witness_dir: Path | None = None
    # Short, so that the unsigned tail is short: the worker signs only when the trail has grown,
    # and reads only the records added since its last checkpoint.
    audit_checkpoint_seconds: float = 10.0
    # Audit appends wait for the disk flush unless this is set: relaxed, a crash of the
    # database host can lose the latest records (README, "Audit durability").
    audit_relaxed_durability: bool = False
    # The identity provider (e.g. Keycloak): tokens are verified against its JWKS.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    # Which claims name the caller's agency, area and roles (ids or codes; a dotted name walks
    # into nested claims): Keycloak's realm roles are `realm_access.roles`; Entra ID's app
    # roles `roles`, and directory extension attributes `extn.<name>`.
    oidc_agency_claim: str = "agency"
    oidc_area_claim: str = "area"
    oidc_roles_claim: str = "roles"
    host: str = "127.0.0.1"
    port: int = 8000
    # Notifications by e-mail (no personal data: what happened and a link): sent only when an
    # SMTP host is set. The password is read from a file (a mounted secret), never the
    # environment; `public_base_url` is where the links point (the platform's address).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password_file: Path | None = None
    smtp_starttls: bool = True
    smtp_from: str = ""
    public_base_url: str = ""
    # The pages' sign-in (web/), by OIDC authorization code with PKCE: the identity provider's
    # issuer (its discovery document at <issuer>/.well-known/openid-configuration), this
    # service's client there, and the redirect registered with it (default: <base>/sign-in/
    # callback). Demo mode without an issuer signs in at the local issuer's /dev/ pages.
    web_oidc_issuer: str = ""
    web_oidc_client_id: str = ""
    web_oidc_client_secret: str = ""
    web_oidc_redirect_uri: str = ""
    # A page session ends when idle this long, and at the latest this long after sign-in.
    web_session_idle_minutes: float = Field(default=30.0, gt=0)
    web_session_absolute_hours: float = Field(default=8.0, gt=0)

    # Readiness (/readyz): the case views may trail the log by at most this many events, and
    # the identity provider's key set is fetched at most once in this many seconds (probes
    # come every few seconds from every load balancer; the IdP is not theirs to load).
    ready_max_projection_lag: int = Field(default=1000, ge=0)
    ready_jwks_cache_seconds: float = Field(default=30.0, ge=0)
    # Prometheus metrics on a port of their own, never on the public app: off unless a port
    # is set (0: any free port, for tests). Loopback by default: set 0.0.0.0 in a container
    # whose port is reachable only by the scraper.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"

    @property
    def claim_names(self) -> ClaimNames:
        """Where the identity provider's tokens carry the agency, the area and the roles."""
        return ClaimNames(agency=self.oidc_agency_claim, area=self.oidc_area_claim,
                          roles=self.oidc_roles_claim)

    @property
    def key_path(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"

    @property
    def signing_key_path(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "audit-signing-key.json"

    @property
    def base_url(self) -> str:
        """Where people and the platform itself reach this service."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @model_validator(mode="after")
    def _fill_paths(self) -> Settings:
        if self.database_url == MEMORY_URL and not self.demo:
            # Everything recorded is gone when the process ends: for tests and demos only.
            raise ValueError("the in-memory database (memory:) is for demo mode only")
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'marac.sqlite').as_posix()}"
        if self.shred_ledger_file is None:
            self.shred_ledger_file = self.data_dir / "shred-ledger.jsonl"
        if self.audit_checkpoint_dir is None:
            self.audit_checkpoint_dir = self.data_dir / "audit-checkpoints"
        if self.audit_witness_dir is None and self.demo:
            self.audit_witness_dir = self.data_dir / "witness"
        return self
