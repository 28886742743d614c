"""Verification of the whole audit trail: the chain, the head, and every checkpoint.

It names the first bad record and what happened to it: changed (its hash no longer
recomputes), deleted (a gap, or a record whose predecessor is gone), reordered (a record that
verifies at another position), or truncated (the head or a signed checkpoint reaches further
than the records do).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.chain import GENESIS, record_hash
from audit.chain_check import checked
from audit.checkpoints import (
    Checkpoint,
    CheckpointLog,
    Checkpoints,
    exported,
    exported_public_keys,
)
from audit.merkle import MerkleAccumulator
from audit.trail import AuditTrail


@dataclass(frozen=True)
class Fault:
    seq: int
    kind: str
    detail: str


@dataclass
class Report:
    ok: bool = True
    records: int = 0
    checkpoints_checked: int = 0
    # The ids of the public keys checkpoints were checked against, and where they came from:
    # "given" (trusted by the caller), or "export"/"signer" (as found, weaker).
    public_keys: list[str] = field(default_factory=list)
    public_keys_from: str = ""
    seconds: float = 0.0
    first_fault: Fault | None = None
    checkpoint_faults: list[Fault] = field(default_factory=list)

    def fault(self, seq: int, kind: str, detail: str) -> None:
        self.ok = False
        if self.first_fault is None or seq < self.first_fault.seq:
            self.first_fault = Fault(seq, kind, detail)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _classify(trail: AuditTrail, seq: int) -> Fault:
    """A second look at the first record that failed, to say what happened to it."""
    position: dict[bytes, int] = {GENESIS: 0}
    bad: tuple[Any, ...] | None = None
    for row in trail.scan():
        position[bytes(row[-1])] = int(row[0])
        if int(row[0]) == seq:
            bad = row
    if bad is None:
        return Fault(seq, "deleted", f"record {seq} is missing")
    values, prev, digest = bad[1:-2], bytes(bad[-2]), bytes(bad[-1])
    if prev not in position:
        return Fault(seq, "deleted", f"the record before {seq} is missing")
    origin = position[prev] + 1
    if origin != seq and record_hash(prev, origin, values) == digest:
        return Fault(seq, "reordered", f"record {origin} was found at position {seq}")
    return Fault(seq, "changed", f"record {seq} does not match its hash")


def _public_keys(report: Report, checkpoints: CheckpointLog | None, export_dir: Path | None,
                 given: Mapping[str, bytes] | None) -> Mapping[str, bytes]:
    if given:
        report.public_keys_from = "given"
        return given
    keys = exported_public_keys(export_dir)
    report.public_keys_from = "export"
    if isinstance(checkpoints, Checkpoints):
        keys.setdefault(checkpoints.signer.key_id, checkpoints.signer.public_key)
        report.public_keys_from = "export+signer"
    return keys


def _signed_checkpoints(report: Report, checkpoints: CheckpointLog | None,
                        export_dir: Path | None,
                        given: Mapping[str, bytes] | None) -> dict[int, Checkpoint]:
    """Checkpoints from the database and the export whose signatures hold, by size."""
    public_keys = _public_keys(report, checkpoints, export_dir, given)
    report.public_keys = sorted(public_keys)
    signed: dict[int, Checkpoint] = {}
    for source, cps in (("database", checkpoints.stored() if checkpoints else []),
                        ("export", exported(export_dir))):
        for cp in cps:
            public_key = public_keys.get(cp.key_id)
            if public_key is None or not cp.signed_by(public_key):
                report.ok = False
                report.checkpoint_faults.append(Fault(cp.size, "bad_signature", source))
                continue
            if signed.setdefault(cp.size, cp) != cp:
                report.ok = False
                report.checkpoint_faults.append(Fault(cp.size, "checkpoints_disagree", source))
    return signed


def verify(trail: AuditTrail, checkpoints: CheckpointLog | None, export_dir: Path | None,
           public_keys: Mapping[str, bytes] | None = None) -> Report:
    """`public_keys` by key id: the keys the caller trusts; without them, those the export
    carries (and the signer's, given a signing `Checkpoints`). No secret is needed."""
    started = time.perf_counter()
    report = Report()
    signed = _signed_checkpoints(report, checkpoints, export_dir, public_keys)

    accumulator = MerkleAccumulator()
    prev, expected, mismatch = GENESIS, 1, None
    # Each record's own hash is recomputed on every core (audit/chain_check.py); the links
    # between records, the root and the checkpoints are checked here, in order.
    for seq, stored_prev, digest, recomputes in checked(trail):
        if mismatch is None:
            if seq != expected:
                report.fault(expected, "deleted", f"records {expected} to {seq - 1} are missing")
                mismatch = expected
            elif stored_prev != prev or not recomputes:
                mismatch = seq
        accumulator.append(digest)
        checkpoint = signed.get(seq)
        if checkpoint is not None:
            report.checkpoints_checked += 1
            if checkpoint.root != accumulator.root() or checkpoint.head_hash != digest:
                report.fault(seq, "checkpoint_mismatch",
                             f"the first {seq} records differ from what checkpoint {seq} signed")
        prev, expected = digest, seq + 1
        report.records += 1
    if mismatch is not None and (report.first_fault is None or report.first_fault.seq != mismatch):
        fault = _classify(trail, mismatch)
        report.fault(fault.seq, fault.kind, fault.detail)
    last = expected - 1
    head_seq, head_hash = trail.head()
    reach = max([head_seq, *signed])
    if reach > last:
        report.fault(last + 1, "truncated", f"records after {last} are missing (up to {reach})")
    elif head_seq == last and head_hash != prev:
        report.fault(last, "changed", "the last record does not match the head")
    report.seconds = round(time.perf_counter() - started, 3)
    return report
