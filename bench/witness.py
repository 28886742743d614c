"""What the independent witness costs: co-signing a checkpoint, against signing it.

A trail of `records` chained records is built in bulk (appending is not what is timed), signed
at its size, and the witness's first look is timed: it reads the whole trail once (its proof
blocks and its copy of the record hashes). Then, `rounds` times, `step` more records are
appended in bulk and signed, and the witness's look at that checkpoint (consistency proof from
the database, its check, the co-signature and its flushed files) is timed against the
application's own work for the same checkpoint (reading the new records' hashes, extending the
Merkle accumulator, signing): the baseline in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit import witness as witnesses
from audit.chain import FIELDS, GENESIS, record_hash
from audit.checkpoints import CheckpointLog, CheckpointSigner
from audit.merkle import MerkleAccumulator
from audit.proofs import TrailTree
from audit.trail import TABLE, AuditRecord, AuditTrail
from bench.databases import ScratchDatabases
from bench.machine import machine
from storage.database import Database
from storage.migrations import upgrade


class WitnessBenchmark:
    def __init__(self, backend: str, database_url: str | None, records: int, step: int,
                 rounds: int) -> None:
        self.backend, self.database_url = backend, database_url
        self.records, self.step, self.rounds = records, step, rounds
        self._seq, self._prev = 0, GENESIS

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch, \
                tempfile.TemporaryDirectory(prefix="marac-witness-") as directory:
            db = Database(scratch.url("witness"))
            try:
                return self._run(AuditTrail(db), Path(directory) / "witness")
            finally:
                db.close()

    def _append(self, trail: AuditTrail, count: int) -> None:
        marks = ", ".join(["%s"] * (len(FIELDS) + 3))
        insert = (f"INSERT INTO {TABLE} (seq, {', '.join(FIELDS)}, prev_hash, hash) "  # noqa: S608
                  f"VALUES ({marks})")
        batch: list[tuple[object, ...]] = []
        for n in range(count):
            self._seq += 1
            values = AuditRecord(str(uuid.uuid4()), f"staff-{n % 200}", "person", None, None,
                                 ("representative",), "read", "research", uuid.uuid4(),
                                 "allowed").values()
            digest = record_hash(self._prev, self._seq, values)
            batch.append((self._seq, *values, self._prev, digest))
            self._prev = digest
            if len(batch) == 10_000 or n == count - 1:
                with trail.db.transaction() as cur:
                    cur.executemany(insert, batch)
                batch = []

    def _sign(self, trail: AuditTrail, signer: CheckpointSigner,
              accumulator: MerkleAccumulator) -> float:
        """The application's side: read the new hashes, extend, sign, store. Seconds."""
        started = time.perf_counter()
        accumulator.extend(TrailTree(trail).record_hashes(accumulator.size, self._seq))
        checkpoint = signer.sign(self._seq, accumulator.root(), self._prev, datetime.now(UTC))
        with trail.db.transaction() as cur:
            cur.execute("INSERT INTO audit_checkpoints (size, root, head_hash, signed_at, key_id,"
                        " signature) VALUES (%s, %s, %s, %s, %s, %s)",
                        (checkpoint.size, checkpoint.root, checkpoint.head_hash,
                         checkpoint.signed_at, checkpoint.key_id, checkpoint.signature))
        return time.perf_counter() - started

    def _run(self, trail: AuditTrail, directory: Path) -> dict[str, Any]:
        upgrade(trail.db)
        signer = CheckpointSigner.from_private_key(bytes(range(32)))
        witnesses.init(directory, [signer.public_key])
        witness = witnesses.Witness(directory)
        log, tree = CheckpointLog(trail), TrailTree(trail)
        accumulator = MerkleAccumulator()
        try:
            self._append(trail, self.records)
            self._sign(trail, signer, accumulator)
            started = time.perf_counter()
            first = witness.observe(log, tree)
            first_seconds = time.perf_counter() - started
            _expect(first, self.records)
            cosign, sign = [], []
            for _ in range(self.rounds):
                self._append(trail, self.step)
                sign.append(self._sign(trail, signer, accumulator) * 1000)
                started = time.perf_counter()
                seen = witness.observe(log, tree)
                cosign.append((time.perf_counter() - started) * 1000)
                _expect(seen, self._seq)
        finally:
            witness.close()
        return {"machine": machine(), "backend": self.backend, "records": self.records,
                "step": self.step, "rounds": self.rounds,
                "witness_first_cosign_seconds": round(first_seconds, 2),
                "witness_cosign_p50_ms": round(statistics.median(cosign), 2),
                "witness_cosign_max_ms": round(max(cosign), 2),
                "witness_cosign_ms": [round(t, 1) for t in cosign],
                "checkpoint_sign_p50_ms": round(statistics.median(sign), 2),
                "witness_to_sign_ratio": round(statistics.median(cosign)
                                               / statistics.median(sign), 2)}


def _expect(seen: witnesses.Observation, size: int) -> None:
    # A benchmark of a witness that refused would time the wrong thing.
    if seen.alarm is not None or seen.witnessed_size != size:
        raise RuntimeError(f"the witness did not co-sign {size}: {seen}")
