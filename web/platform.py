"""What the pages need of the platform: the use cases' stores, and the identity parts (the
token verifier and the sign-in sessions). A protocol, as services/platform.py is, so that the
pages stand below the composition root (api/bootstrap.py's `Platform` answers it)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from audit.checkpoints import Checkpoints
from security.identity import TokenVerifier
from security.sessions import SessionStore
from services.failed_notifications import FailureLog
from services.platform import Platform


class WebPlatform(Platform, Protocol):
    # The trail's checkpoints and witness, for the DPO's verification page.
    @property
    def checkpoints(self) -> Checkpoints: ...

    @property
    def audit_witness_dir(self) -> Path | None: ...

    # The notifications outbox, for the coordinators' failed notifications.
    @property
    def notices(self) -> FailureLog: ...

    @property
    def verifier(self) -> TokenVerifier: ...

    @property
    def web_sessions(self) -> SessionStore: ...
