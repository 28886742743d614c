"""Verification of the whole audit trail: the chain, the head, and every checkpoint.

It names the first bad record and what happened to it: changed (its hash no longer
recomputes), deleted (a gap, or a record whose predecessor is gone), reordered (a record that
verifies at another position), or truncated (the head or a signed checkpoint reaches further
than the records do).

Against an independent witness (audit/witness.py) it also checks every co-signed checkpoint:
the trail must still give the root the witness co-signed, and the database must still hold the
checkpoint. A rewrite that recomputed the chain and re-signed with the application's key passes
every other check but this one; the witness's copy of the record hashes then names its first
record, or, where that copy is missing or disagrees with the co-signed roots, the narrowest
range between two co-signatures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.chain import GENESIS, record_hash
from audit.chain_check import Checked, checked
from audit.checkpoints import (
    Checkpoint,
    CheckpointLog,
    Checkpoints,
    exported,
    exported_public_keys,
)
from audit.merkle import MerkleAccumulator
from audit.trail import AuditTrail
from audit.witness import Cosignature, WitnessEvidence

# Records between two reports of progress: a fraction of a second's work at the goal's rate.
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class Fault:
    """`seq` is the first bad record; where the evidence cannot tell which, `last` ends the
    narrowest range it can tell (from `seq` to `last`), else it is None."""

    seq: int
    kind: str
    detail: str
    last: int | None = None


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
    # Against a witness: its key id and where it came from ("given" or "directory"), the
    # newest size it co-signed, how many co-signatures were checked, and its alarms.
    witness_key_id: str = ""
    witness_key_from: str = ""
    witnessed_size: int = 0
    cosignatures_checked: int = 0
    witness_alarms: list[Fault] = field(default_factory=list)

    def fault(self, seq: int, kind: str, detail: str, last: int | None = None) -> None:
        self.ok = False
        if self.first_fault is None or seq < self.first_fault.seq:
            self.first_fault = Fault(seq, kind, detail, last)

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


class _WitnessCheck:
    """The witness's side of one verification, fed each record in order."""

    def __init__(self, report: Report, witness: WitnessEvidence,
                 checkpoints: CheckpointLog | None) -> None:
        self.report = report
        report.witness_key_id, report.witness_key_from = witness.key_id, witness.key_from
        report.witnessed_size = witness.witnessed_size
        for size in witness.bad_signatures:
            report.ok = False
            report.checkpoint_faults.append(Fault(size, "bad_witness_signature", "witness"))
        report.witness_alarms = [Fault(a.size, a.kind, a.detail) for a in witness.alarms]
        self.cosigned: dict[int, Cosignature] = {c.checkpoint.size: c
                                                 for c in witness.cosignatures}
        stored = {c.size: c for c in checkpoints.stored()} if checkpoints else {}
        for size, cosignature in self.cosigned.items():
            if checkpoints is None or stored.get(size) == cosignature.checkpoint:
                continue
            kind = "checkpoint_deleted" if size not in stored else "checkpoint_replaced"
            report.ok = False
            report.checkpoint_faults.append(Fault(size, kind, "the database no longer holds "
                                                  "this checkpoint as the witness co-signed it"))
        self.hashes = witness.record_hashes()
        self.first_difference: int | None = None  # the first record unlike the witness's copy
        self.last_agreeing = 0  # the newest co-signed size the trail still gives
        self.first_disagreeing: int | None = None

    def record(self, seq: int, digest: bytes, accumulator: MerkleAccumulator) -> None:
        if self.first_difference is None and next(self.hashes, digest) != digest:
            self.first_difference = seq
        cosignature = self.cosigned.get(seq)
        if cosignature is None:
            return
        self.report.cosignatures_checked += 1
        cp = cosignature.checkpoint
        if cp.root == accumulator.root() and cp.head_hash == digest:
            if self.first_disagreeing is None:
                self.last_agreeing = seq
        elif self.first_disagreeing is None:
            self.first_disagreeing = seq

    def finish(self) -> None:
        self._name_rewrite()
        if self.report.first_fault is None:
            # Records intact, checkpoints gone: the first of those is the fault to name.
            lost = [f for f in self.report.checkpoint_faults
                    if f.kind in ("checkpoint_deleted", "checkpoint_replaced")]
            if lost:
                self.report.fault(lost[0].seq, lost[0].kind, lost[0].detail)

    def _name_rewrite(self) -> None:
        bad = self.first_disagreeing
        if bad is None:
            return
        self.report.checkpoint_faults.append(Fault(bad, "witness_mismatch", "witness"))
        first = self.first_difference
        if first is not None and self.last_agreeing < first <= bad:
            self.report.fault(first, "rewritten", f"record {first} is not the record the "
                              "witness co-signed: the trail was rewritten from here")
        else:  # the witness's copy is missing or wrong: only the co-signatures speak
            named = self.report.first_fault
            last = min(bad, named.seq) if named else bad  # the chain may narrow it
            self.report.fault(self.last_agreeing + 1, "rewritten",
                              f"the first record that differs from what the witness co-signed "
                              f"is one of {self.last_agreeing + 1} to {last}", last=last)


def _reporting(rows: Iterator[Checked], progress: Callable[[int, int], None],
               total: int) -> Iterator[Checked]:
    """The records as they are checked, telling `progress` every PROGRESS_EVERY."""
    progress(0, total)
    count = 0
    for count, row in enumerate(rows, 1):
        if count % PROGRESS_EVERY == 0:
            progress(count, total)
        yield row
    progress(count, total)


def verify(trail: AuditTrail, checkpoints: CheckpointLog | None, export_dir: Path | None,
           public_keys: Mapping[str, bytes] | None = None,
           witness: WitnessEvidence | None = None, *,
           progress: Callable[[int, int], None] | None = None) -> Report:
    """`public_keys` by key id: the keys the caller trusts; without them, those the export
    carries (and the signer's, given a signing `Checkpoints`). No secret is needed.
    `witness`: the evidence of an independent witness, checked too. `progress` is told the
    records checked so far and the trail's length, every PROGRESS_EVERY records."""
    started = time.perf_counter()
    report = Report()
    signed = _signed_checkpoints(report, checkpoints, export_dir, public_keys)
    witnessed = _WitnessCheck(report, witness, checkpoints) if witness else None

    accumulator = MerkleAccumulator()
    prev, expected, mismatch = GENESIS, 1, None
    # Each record's own hash is recomputed on every core (audit/chain_check.py); the links
    # between records, the root and the checkpoints are checked here, in order.
    rows = checked(trail)
    if progress is not None:
        rows = _reporting(rows, progress, trail.highest_seq())
    for seq, stored_prev, digest, recomputes in rows:
        if mismatch is None:
            if seq != expected:
                report.fault(expected, "deleted", f"records {expected} to {seq - 1} are missing")
                mismatch = expected
            elif stored_prev != prev or not recomputes:
                mismatch = seq
        accumulator.append(digest)
        if witnessed is not None:
            witnessed.record(seq, digest, accumulator)
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
    reach = max([head_seq, *signed, report.witnessed_size])
    if reach > last:
        report.fault(last + 1, "truncated", f"records after {last} are missing (up to {reach})")
    elif head_seq == last and head_hash != prev:
        report.fault(last, "changed", "the last record does not match the head")
    if witnessed is not None:
        witnessed.finish()
    report.seconds = round(time.perf_counter() - started, 3)
    return report
