"""Why a notice was not sent, and whether to try again.

RFC 5321 tells a permanent refusal (a 5yz reply) from a transient one (4yz). A 5yz reply to
the message itself (to its sender, its recipient or its content) is the server's last word on
it: trying again hourly would be refused hourly, so the notice fails at once. Anything else —
a 4yz reply, a connection refused or cut, a timeout, and the session's own set-up (greeting,
TLS, sign-in), which is the operator's configuration rather than the message's — is tried
again with a growing wait, but not for ever: a notice still failing `GIVE_UP_AFTER` after its
first failure fails too. Either way the coordinators see it (services/failed_notifications.py).

What is kept is the reply's code (`smtp:550`) or the kind of error, never the server's text:
it may quote the address.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

GIVE_UP_AFTER = timedelta(days=3)

# The replies to the message's own transaction (MAIL FROM, RCPT TO, DATA).
_ABOUT_THE_MESSAGE = (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


@dataclass(frozen=True)
class Failure:
    error: str
    permanent: bool


def _reply(code: int) -> Failure:
    return Failure(f"smtp:{code}", 500 <= code < 600)


def failure(exc: OSError | smtplib.SMTPException) -> Failure:
    """What went wrong, as kept and as acted on."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        # One recipient a message: its refusal is the reply.
        code, _ = next(iter(exc.recipients.values()))
        return _reply(int(code))
    if isinstance(exc, _ABOUT_THE_MESSAGE):
        return _reply(int(exc.smtp_code))
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(f"smtp:{int(exc.smtp_code)}", permanent=False)
    return Failure(type(exc).__name__, permanent=False)


def gives_up(failing_since: datetime | None, now: datetime) -> bool:
    """Whether a transient failure at `now` ends the tries: it has failed since long enough."""
    return failing_since is not None and now - failing_since >= GIVE_UP_AFTER
