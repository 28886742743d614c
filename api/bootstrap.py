"""The composition root: wires storage, keys, identity, projections and the domain together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from api.demo_clock import DemoClock
from api.idempotency_store import IdempotencyStore
from api.key_sources import checkpoint_signer, kek_store, load_key_material
from api.metrics import Metrics
from api.settings import Settings
from audit.checkpoints import Checkpoints
from audit.trail import AuditTrail
from domain.application import Marac, utc_now
from feeds.outbox import OutboxProjector
from feeds.store import FeedStore
from notifications.mail import SmtpConfig
from notifications.outbox import NotificationOutbox
from notifications.projector import NotificationProjector
from projections.cases import CaseProjector
from projections.releases import Releases
from projections.reporting import ReportingProjector
from projections.runner import ProjectionRunner
from security.blind_index import BlindIndex
from security.documents import DocumentSealer
from security.erasure import Eraser
from security.errors import KeyConfigurationError
from security.identity import HttpJwks, StaticJwks, TokenVerifier
from security.issuer import LocalIssuer
from security.kek import KeyMaterial
from security.kek_roster import KekRoster
from security.keyring import Keyring
from security.mapper import EncryptingMapper, encrypted_store_env
from security.partnership_codes import RecordedCodes
from security.recorders import in_memory_recorder
from security.sessions import SessionLimits, SessionStore
from storage.database import Database
from storage.migrations import prepare


@dataclass
class Platform:
    settings: Settings
    database: Database
    keyring: Keyring
    blind_index: BlindIndex
    marac: Marac
    cases: CaseProjector
    runner: ProjectionRunner
    audit: AuditTrail
    checkpoints: Checkpoints
    eraser: Eraser
    verifier: TokenVerifier
    issuer: LocalIssuer | None
    now: Callable[[], datetime]
    feeds: FeedStore
    # The integration outbox: its own tracking position, run by the worker (and caught up
    # by a pull), so a slow subscriber never holds back the case views.
    feed_runner: ProjectionRunner
    # The reporting facts: their own position too, caught up by the worker and by a report.
    reports: ReportingProjector
    report_runner: ProjectionRunner
    releases: Releases
    # Idempotency-Key answers of the API (api/idempotency.py), kept for 24 hours.
    idempotency: IdempotencyStore
    # Notifications to people: their outbox, fed by its own tracking position.
    notices: NotificationOutbox
    notice_runner: ProjectionRunner
    # People's sign-in sessions for the pages (web/), server-side; the cookie holds the id.
    web_sessions: SessionStore
    # Which KEK is current, shared with every process; the server and the worker keep their
    # heartbeat on it (api/background.py) for `marac keys rotate`'s two phases.
    kek_roster: KekRoster
    # Demo mode only: the clock the demo (and its tests) may move on (api/demo_clock.py).
    demo_clock: DemoClock | None = None
    # This process's instruments, served on the metrics port when one is set (api/metrics.py).
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def audit_witness_dir(self) -> Path | None:
        """The witness's directory, read by the DPO's verification (services/
        trail_verification.py)."""
        return self.settings.audit_witness_dir

    def close(self) -> None:
        self.audit.close()  # the appends handed over reach the database before it closes
        try:
            self.kek_roster.leave()  # a promotion need not wait for this process now
        finally:
            self.marac.close()
            self.database.close()

    def __post_init__(self) -> None:
        # Tokens may name the caller's area and agency by code, looked up in the store.
        self.verifier.codes = RecordedCodes(lambda found: found in self.marac.repository)


def token_verifier(settings: Settings, issuer: LocalIssuer | None) -> TokenVerifier:
    if issuer is not None:
        return TokenVerifier(issuer.issuer, issuer.audience, StaticJwks(issuer.jwks()),
                             claim_names=settings.claim_names)
    if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
        raise KeyConfigurationError(
            "set MARAC_OIDC_ISSUER, MARAC_OIDC_AUDIENCE and MARAC_OIDC_JWKS_URL (or use --demo)")
    return TokenVerifier(settings.oidc_issuer, settings.oidc_audience,
                         HttpJwks(settings.oidc_jwks_url), claim_names=settings.claim_names)


def build_platform(
    settings: Settings,
    *,
    material: KeyMaterial | None = None,
    issuer: LocalIssuer | None = None,
    today: Callable[[], date] | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Platform:
    """`issuer`: a local token issuer (tests); demo mode makes its own when none is given."""
    demo_clock = None
    if settings.demo and now is utc_now:
        demo_clock = DemoClock(settings.data_dir / "demo-clock.json")
        now = demo_clock.now
    injected = material is not None
    material = material or load_key_material(settings)
    # Configuration first, before the database: keys, then the identity provider.
    signer = checkpoint_signer(settings, material, injected=injected)
    if issuer is None and settings.demo:
        issuer = LocalIssuer()
    verifier = token_verifier(settings, issuer)
    database = Database(settings.database_url)
    try:
        # The schema is storage/migrations': a database behind this release is refused, as
        # upgrading it is the owner's deliberate step (`marac db upgrade`, after a backup),
        # except in demo mode, whose data is synthetic and made again at will, and where
        # one command on a fresh machine must run the whole platform.
        prepare(database, upgrade_it=settings.demo)
    except BaseException:
        database.close()
        raise
    kek_roster = KekRoster(database, kek_store(settings, material,
                                              from_file=not injected and not settings.keys_json),
                           refresh_seconds=settings.key_roster_seconds)
    kek_roster.seed()
    keyring = Keyring(database, kek_roster, ledger_file=settings.shred_ledger_file)
    keyring.start_ledger_file()
    blind_index = BlindIndex(database, material.blind_index_key)
    marac = Marac(
        env=encrypted_store_env(database),
        mapper_factory=lambda transcoder: EncryptingMapper(transcoder, keyring),
        recorder_factory=in_memory_recorder(database),
        identifier_index=blind_index,
        today=today or (lambda: now().date()),
        now=now,
    )
    cases = CaseProjector(marac, database, blind_index, DocumentSealer(keyring))
    runner = ProjectionRunner(marac, database, cases)
    runner.register()
    # What a database projected by an earlier release lacks: data, filled with the keys.
    cases.fill()
    audit = AuditTrail(database, relaxed=settings.audit_relaxed_durability)
    checkpoints = Checkpoints(audit, signer,
                              settings.audit_checkpoint_dir)
    feeds = FeedStore(database, keyring.keks)
    feed_runner = ProjectionRunner(marac, database,
                                   OutboxProjector(marac, feeds, cases, blind_index))
    feed_runner.register()
    reports = ReportingProjector(marac, database, DocumentSealer(keyring))
    report_runner = ProjectionRunner(marac, database, reports)
    report_runner.register()
    releases = Releases(database)
    notices = NotificationOutbox(database)
    notice_runner = ProjectionRunner(marac, database,
                                     NotificationProjector(marac, notices, cases, now))
    # From now: a platform upgraded to notifications does not tell of its whole past.
    notice_runner.register(from_now=True)
    idempotency = IdempotencyStore(database, keyring.keks)
    web_sessions = SessionStore(database, keyring.keks, SessionLimits(
        idle=timedelta(minutes=settings.web_session_idle_minutes),
        absolute=timedelta(hours=settings.web_session_absolute_hours)))
    eraser = Eraser(marac, keyring, linked_repeats=cases.linked_repeats,
                    purges=[cases.purge_case, feeds.purge_case, reports.purge_case,
                            notices.purge_case])
    # A restored backup may have brought back keys shredded since: destroy them again first.
    eraser.reapply()
    return Platform(settings, database, keyring, blind_index, marac, cases, runner, audit,
                    checkpoints, eraser, verifier, issuer, now, feeds,
                    feed_runner, reports, report_runner, releases, idempotency, notices,
                    notice_runner, web_sessions, kek_roster, demo_clock)


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The operator's mail server, or None: then no notification is sent (they wait in the
    outbox until one is configured)."""
    if not settings.smtp_host:
        return None
    if not (settings.smtp_from and settings.public_base_url):
        raise KeyConfigurationError("set MARAC_SMTP_FROM and MARAC_PUBLIC_BASE_URL with "
                                    "MARAC_SMTP_HOST")
    password = (settings.smtp_password_file.read_text().strip()
                if settings.smtp_password_file else None)
    return SmtpConfig(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                      settings.public_base_url, settings.smtp_username or None, password,
                      settings.smtp_starttls)
