"""The audit trail's verification status for its data protection officers: the whole trail
checked as `marac audit verify` checks it (audit/verify.py: the chain, the head, every signed
checkpoint, and the witness's co-signatures where the platform knows the witness's directory),
with the last checkpoint and the last size the witness co-signed. No case data is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from audit import witness as witnesses
from audit.checkpoints import Checkpoints
from audit.trail import AuditTrail
from audit.verify import Fault, verify
from security.policy import may_read_audit
from services.actor import Actor


class VerifiedTrail(Protocol):
    """What verification needs of the platform: the trail, its checkpoints (and their export),
    and the independent witness's directory if this platform can read it."""

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def checkpoints(self) -> Checkpoints: ...

    @property
    def audit_witness_dir(self) -> Path | None: ...

    @property
    def now(self) -> Callable[[], datetime]: ...


@dataclass(frozen=True)
class TrailFault:
    """A fault as verification names it: `seq` the first bad record (or checkpoint size),
    `last` the end of the narrowest range the evidence tells, where it cannot tell which."""

    seq: int
    kind: str
    detail: str
    last: int | None = None


@dataclass(frozen=True)
class LastCheckpoint:
    size: int
    signed_at: datetime
    key_id: str


@dataclass(frozen=True)
class TrailVerification:
    """`witness_checked`: whether the witness's co-signatures were checked (the platform knows
    its directory); `witness_problem`: why they could not be, where its directory is unusable."""

    ok: bool
    checked_at: datetime
    seconds: float
    records: int
    checkpoints_checked: int
    last_checkpoint: LastCheckpoint | None
    witness_checked: bool
    witness_problem: str | None
    witnessed_size: int
    cosignatures_checked: int
    first_fault: TrailFault | None
    checkpoint_faults: tuple[TrailFault, ...]
    witness_alarms: tuple[TrailFault, ...]
    # The key that signs checkpoints now (as GET /api/v1/audit/keys gives it): what to give
    # `marac audit verify --public-key` and a witness, kept where an insider cannot replace it.
    signing_key_id: str = ""
    signing_public_key: str = ""

    @property
    def unsigned_records(self) -> int:
        """Records after the last checkpoint: not yet signed (the worker signs every few
        seconds while the trail grows)."""
        return self.records - (self.last_checkpoint.size if self.last_checkpoint else 0)


def _fault(fault: Fault) -> TrailFault:
    return TrailFault(fault.seq, fault.kind, fault.detail, fault.last)


def verification_status(platform: VerifiedTrail, actor: Actor) -> TrailVerification:
    """Verify the trail now (reading every record: a few seconds per million), for a DPO."""
    actor.require(may_read_audit(actor.principal), "audit_query",
                  "Only data protection officers query the audit trail")
    evidence, problem = None, None
    directory = platform.audit_witness_dir
    if directory is not None:
        try:
            evidence = witnesses.evidence(directory)
        except witnesses.WitnessError:
            problem = "The witness's directory holds no public key"
    checkpoints = platform.checkpoints
    report = verify(platform.audit, checkpoints, checkpoints.export_dir, None, evidence)
    stored = checkpoints.stored()
    last = (LastCheckpoint(stored[-1].size, datetime.fromisoformat(stored[-1].signed_at),
                           stored[-1].key_id) if stored else None)
    # Recorded after the check, so that it is not among the records it checked.
    actor.audit.record("audit_query", "allowed", items=("verification",))
    return TrailVerification(
        ok=report.ok, checked_at=platform.now(), seconds=report.seconds,
        records=report.records, checkpoints_checked=report.checkpoints_checked,
        last_checkpoint=last, witness_checked=evidence is not None, witness_problem=problem,
        witnessed_size=report.witnessed_size, cosignatures_checked=report.cosignatures_checked,
        first_fault=_fault(report.first_fault) if report.first_fault else None,
        checkpoint_faults=tuple(_fault(f) for f in report.checkpoint_faults),
        witness_alarms=tuple(_fault(f) for f in report.witness_alarms),
        signing_key_id=checkpoints.signer.key_id,
        signing_public_key=checkpoints.signer.public_key.hex())
