"""The e-mails: written from notices alone (so nothing about a case can reach them), and sent
through the operator's SMTP server with the standard library's `smtplib` (SMTP is all that is
needed: no third-party client)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

from notifications.notices import WORDING, Notice

FOOTER = ("This message holds no case details. Sign in to the platform to see what you may "
          "see; every access is recorded.")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    base_url: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0


def compose(config: SmtpConfig, message_id: UUID, to: str, notices: Sequence[Notice],
            at: datetime) -> EmailMessage:
    """One notice, or a digest of several, to one mailbox. The Message-ID derives from the
    notices, so a retried send carries the same one and a receiver can drop the duplicate."""
    base = config.base_url.rstrip("/")
    lines = [f"{WORDING[n.kind][1]}\n{base}{n.path}\n" for n in notices]
    subject = (f"MARAC: {WORDING[notices[0].kind][0]}" if len(notices) == 1
               else f"MARAC: daily digest ({len(notices)} notifications)")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = to
    message["Date"] = format_datetime(at)
    message["Message-ID"] = f"<{message_id}@{config.sender.rpartition('@')[2] or 'marac'}>"
    message.set_content("\n".join(lines) + "\n" + FOOTER + "\n")
    return message


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Raises OSError or smtplib.SMTPException when the message was not accepted."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)
