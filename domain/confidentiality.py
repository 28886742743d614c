"""The confidentiality statement the chair reads at the start of a meeting, which each attendee
acknowledges (DOMAIN.md, the meeting): an area's own text, or this default, and its version.
The version counts the area's texts: 1 for the first, one more each time an administrator
changes it; an attendance records the version acknowledged, and only the current one is."""

from __future__ import annotations

from dataclasses import dataclass

from domain.exceptions import AlreadyRecorded, InvalidSettings

MAX_STATEMENT_LENGTH = 10_000

# Version 1 of every area that has not written its own. It is never edited in place: an area
# on the default would then hold a text its attendees never acknowledged, under the version
# they did (tests/unit/test_confidentiality.py pins it). A new default is a new constant that
# areas adopt as a settings change, which counts a new version.
DEFAULT_CONFIDENTIALITY_STATEMENT = (
    "This meeting is a MARAC: a multi-agency risk assessment conference about victims of "
    "domestic abuse at high risk of serious harm, and their children.\n\n"
    "Everything shared here is shared in confidence, under the partnership's "
    "information-sharing protocol, to reduce the risk of harm to the people discussed. It is "
    "shared for that purpose only: it is not to be passed on, outside this meeting, without "
    "the agreement of the agency that gave it, except where the law requires it or to protect "
    "someone from harm.\n\n"
    "Share what is relevant and proportionate. Record what you take away securely, in your "
    "agency's own systems. The minutes and actions are marked OFFICIAL-SENSITIVE.\n\n"
    "If you know, or are related to, the victim, a perpetrator or their family, say so before "
    "their case is heard: you will be asked to leave for it.\n\n"
    "By recording your attendance you confirm that you have heard this statement and will "
    "keep to it."
)


class StatementOutdated(AlreadyRecorded):
    """An attendee acknowledged a version of the statement that has since been replaced: they
    read it again, and acknowledge the one in force."""

    code = "confidentiality_statement_outdated"


@dataclass(frozen=True)
class ConfidentialityStatement:
    text: str
    version: int


def statement_text(own: str | None) -> str:
    """The text in force: the area's own, or the default."""
    return own if own is not None else DEFAULT_CONFIDENTIALITY_STATEMENT


def check_statement(own: str | None) -> None:
    if own is not None and (not own.strip() or len(own) > MAX_STATEMENT_LENGTH):
        raise InvalidSettings(f"confidentiality_statement is 1 to {MAX_STATEMENT_LENGTH} "
                              "characters, not blank")


def check_acknowledged(acknowledged: int | None, current: ConfidentialityStatement) -> None:
    if acknowledged != current.version:
        raise StatementOutdated(f"the confidentiality statement in force is version "
                                f"{current.version}: read it and acknowledge that one")
