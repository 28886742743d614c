"""A MARAC area and its local settings (thresholds, repeat window, model, retention)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.confidentiality import ConfidentialityStatement, check_statement, statement_text
from domain.exceptions import InvalidSettings

Model = Literal["marac", "marrac"]
# Codes name areas and agencies in tokens, files and URLs: short, lower case, no spaces.
CODE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?")
MAX_NAME_LENGTH = 200
# Who, besides agencies, is told of things: the area's coordinators, at their shared mailbox.
COORDINATORS = "coordinators"
# A mailbox for notifications: a plain address, checked only for its shape (the mail server is
# the judge of the rest).
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def is_email(address: str) -> bool:
    return len(address) <= 254 and _EMAIL.fullmatch(address) is not None


def check_code(code: str) -> str:
    """The code as stored: codes compare without case or surrounding spaces (the ids derive
    from them so)."""
    code = code.strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidSettings("a code is 1 to 40 lower-case letters and digits, with inner "
                              "hyphens or underscores")
    return code


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or any(ord(c) < 0x20 for c in name):
        raise InvalidSettings(f"a name is 1 to {MAX_NAME_LENGTH} printable characters")
    return name


@dataclass(frozen=True)
class AreaSettings:
    """Local settings, all configurable; the defaults are SafeLives' recommendations."""

    # "Visible high risk": this many "yes" answers on the DASH RIC.
    referral_threshold: int = 14
    # "Potential escalation": this many incidents (police call-outs) in 12 months.
    escalation_count: int = 3
    # A new referral within this many months of the last referral is a repeat.
    repeat_window_months: int = 12
    # Some areas treat suspected 'honour'-based abuse or forced marriage as a criterion in itself.
    hba_automatic: bool = False
    # A referral flagged as 'honour'-based abuse is restricted from the moment it is made, to
    # its referrer and the area's coordinators and chairs, until members are named.
    restrict_hba_at_referral: bool = True
    # Meeting-based MARAC, or Lancashire's coordinator-led MARRAC.
    model: Model = "marac"
    # Case records are kept this long after closure (local ISPs: often 6 or 7 years).
    retention_months: int = 84
    # Agenda order: children's cases heard first; 'honour'-based-abuse cases at the start,
    # the end, or only in a closed harmful-practices hearing.
    children_first: bool = True
    hba_placement: Literal["start", "end", "closed"] = "closed"
    # Minutes go to the agencies within this many working days of the meeting.
    minutes_within_working_days: int = 5
    # Reporting: the adult female population (for cases per 10,000, SafeLives' volume
    # measure) and the local population's shares in percent, for the diversity indicators.
    adult_female_population: int | None = None
    population_minoritised_pct: float | None = None
    population_lgbt_pct: float | None = None
    population_disabled_pct: float | None = None
    # Disclosure control: exported counts below this are withheld; a period's figures are
    # released this many days after it ends, once late records have settled.
    suppress_below: int = 5
    report_settle_days: int = 14
    # Notifications (e-mails without personal data): the coordinators' shared mailbox, told of
    # overdue actions and restriction reviews due; and who takes one daily digest instead of
    # an e-mail each time (agency codes, and "coordinators").
    coordinators_email: str | None = None
    digest_recipients: tuple[str, ...] = ()
    # The confidentiality statement read at each meeting (domain/confidentiality.py): the
    # area's own text, or None for the default. Its version is the area's to count.
    confidentiality_statement: str | None = None

    def check_valid(self) -> None:
        if not 1 <= self.referral_threshold <= 24:
            raise InvalidSettings("referral_threshold must be between 1 and 24")
        if not 1 <= self.escalation_count <= 50:
            raise InvalidSettings("escalation_count must be between 1 and 50")
        if not 1 <= self.repeat_window_months <= 60:
            raise InvalidSettings("repeat_window_months must be between 1 and 60")
        if self.model not in ("marac", "marrac"):
            raise InvalidSettings("model must be 'marac' or 'marrac'")
        if not 1 <= self.retention_months <= 600:
            raise InvalidSettings("retention_months must be between 1 and 600")
        if self.hba_placement not in ("start", "end", "closed"):
            raise InvalidSettings("hba_placement must be 'start', 'end' or 'closed'")
        if not 1 <= self.minutes_within_working_days <= 30:
            raise InvalidSettings("minutes_within_working_days must be between 1 and 30")
        if self.adult_female_population is not None and self.adult_female_population < 1:
            raise InvalidSettings("adult_female_population must be positive")
        for name in ("population_minoritised_pct", "population_lgbt_pct",
                     "population_disabled_pct"):
            share = getattr(self, name)
            if share is not None and not 0 <= share <= 100:
                raise InvalidSettings(f"{name} must be between 0 and 100")
        if not 2 <= self.suppress_below <= 20:
            raise InvalidSettings("suppress_below must be between 2 and 20")
        if not 0 <= self.report_settle_days <= 90:
            raise InvalidSettings("report_settle_days must be between 0 and 90")
        self._check_notifications()
        check_statement(self.confidentiality_statement)

    def _check_notifications(self) -> None:
        if self.coordinators_email is not None and not is_email(self.coordinators_email):
            raise InvalidSettings("coordinators_email is not an e-mail address")
        if not all(r == COORDINATORS or CODE_PATTERN.fullmatch(r)
                   for r in self.digest_recipients):
            raise InvalidSettings('digest_recipients are agency codes or "coordinators"')


class Area(Aggregate):
    """One MARAC partnership area; its id derives from its code, so codes are unique."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"marac:area:{code.strip().lower()}")

    @classmethod
    def create(cls, code: str, name: str, settings: AreaSettings) -> Area:
        settings.check_valid()
        return cls(code=check_code(code), name=check_name(name), settings=settings)

    @event("Created")
    def __init__(self, code: str, name: str, settings: AreaSettings) -> None:
        self.code = code
        self.name = name
        self.settings = settings
        # Counted from the area's events, so that areas made before it was kept count too.
        self.statement_version = 1

    @property
    def confidentiality_statement(self) -> ConfidentialityStatement:
        return ConfidentialityStatement(statement_text(self.settings.confidentiality_statement),
                                        self.statement_version)

    def rename(self, name: str) -> None:
        """A new name for the same area (its code, and so its id, never changes)."""
        name = check_name(name)
        if name != self.name:
            self._renamed(name=name)

    @event("Renamed")
    def _renamed(self, name: str) -> None:
        self.name = name

    def change_settings(self, settings: AreaSettings) -> None:
        settings.check_valid()
        self._settings_changed(settings=settings)

    @event("SettingsChanged")
    def _settings_changed(self, settings: AreaSettings) -> None:
        # A new text of the confidentiality statement is a new version; any other change is
        # not (nor is writing out the default's own text in place of the default).
        before = statement_text(self.settings.confidentiality_statement)
        if statement_text(settings.confidentiality_statement) != before:
            self.statement_version += 1
        self.settings = settings
