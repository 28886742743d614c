"""Every audit record's hash recomputed from its fields, on every core.

Given its stored `prev_hash`, one record's hash needs no other record, so ranges of records
are read and checked in worker processes, each on its own connection, while verify
(audit/verify.py) keeps what is sequential and cheap: the links from each record to the one
before it, the Merkle root and the checkpoints. Small trails are checked in this process: a
worker's start costs more than they do.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from audit.chain import input_hash, record_hash
from audit.trail import AuditTrail
from storage.database import Database
from storage.url import DatabaseUrl

# Records per range: one read, one result sent back.
RANGE = 20_000
# Below this many records, starting worker processes (about 0.25 s of CPU each, more on a
# loaded machine) costs more than they save.
PARALLEL_FROM = 500_000
# Worker processes for a large trail; None: one per core.
WORKERS: int | None = None

# Where the `audit` package is, for the workers.
_ROOT = str(Path(__file__).resolve().parent.parent)

# (seq, stored prev_hash, stored hash, whether the hash recomputes), in seq order.
Checked = tuple[int, bytes, bytes, bool]
# The same for a range, as columns.
Columns = tuple[list[int], list[bytes], list[bytes], list[bool]]
# The same packed, as workers send it back when every hash has its length (SHA-256's 32
# bytes): cheaper to send and to read back than the columns.
_PACKED = struct.Struct(">q32s32s?")


def check_rows(rows: list[tuple[Any, ...]]) -> Columns:
    """Rows as AuditTrail.scan() gives them: (seq, *FIELDS, prev_hash, hash)."""
    seqs = [int(row[0]) for row in rows]
    prevs = [bytes(row[-2]) for row in rows]
    hashes = [bytes(row[-1]) for row in rows]
    recomputes = [record_hash(prev, seq, row[1:-2]) == digest
                  for seq, prev, digest, row in zip(seqs, prevs, hashes, rows, strict=True)]
    return seqs, prevs, hashes, recomputes


def check_inputs(rows: list[tuple[Any, ...]]) -> Columns:
    """Rows as AuditTrail.hash_inputs() gives them: (seq, prev_hash, hash, fields)."""
    seqs = [int(row[0]) for row in rows]
    prevs = [bytes(row[1]) for row in rows]
    hashes = [bytes(row[2]) for row in rows]
    recomputes = [input_hash(prev, seq, bytes(row[3])) == digest
                  for seq, prev, digest, row in zip(seqs, prevs, hashes, rows, strict=True)]
    return seqs, prevs, hashes, recomputes


def _packed(rows: list[tuple[Any, ...]]) -> bytes | Columns:
    """Rows as AuditTrail.hash_inputs() gives them, checked and packed."""
    pack, sha256 = _PACKED.pack, hashlib.sha256
    out = bytearray()
    for seq, stored_prev, stored, fields in rows:
        prev, digest = bytes(stored_prev), bytes(stored)
        if len(prev) != 32 or len(digest) != 32:  # "32s" would pad or cut it: as they are
            return check_inputs(rows)
        # input_hash() inlined: this loop is most of a worker's time.
        out += pack(seq, prev, digest,
                    sha256(prev + seq.to_bytes(8, "big") + bytes(fields)).digest() == digest)
    return bytes(out)


def checked(trail: AuditTrail) -> Iterator[Checked]:
    """Every record of the trail in seq order, with whether its hash recomputes: those up to
    the highest seq at the start in ranges (in WORKERS processes from PARALLEL_FROM records
    on), then any appended since, as AuditTrail.scan() reads them."""
    top = trail.highest_seq()
    ranges = [(lo, min(lo + RANGE, top)) for lo in range(0, top, RANGE)]
    # An in-memory database is this process's alone: no worker could open it.
    workers = 1 if trail.db.url.in_memory else workers_for(top)
    if workers > 1:
        yield from _in_workers(trail.db.url, ranges, workers)
    else:
        for after, through in ranges:
            yield from zip(*check_inputs(trail.hash_inputs(after, through)), strict=True)
    tail: list[tuple[Any, ...]] = []
    for row in trail.scan(after=top):
        tail.append(row)
        if len(tail) == RANGE:
            yield from zip(*check_rows(tail), strict=True)
            tail = []
    yield from zip(*check_rows(tail), strict=True)


def workers_for(records: int) -> int:
    """Worker processes for a trail of this many records; 1: none, all in this process."""
    if records < PARALLEL_FROM:
        return 1
    return WORKERS if WORKERS is not None else os.cpu_count() or 1


def _in_workers(url: DatabaseUrl, ranges: list[tuple[int, int]],
                workers: int) -> Iterator[Checked]:
    """Worker k checks ranges k, k + workers, …, and sends each back in order; the pipe
    holds it back when it gets ahead. Workers are fresh interpreters (`python -m
    audit.chain_check`): not forks of this process, whose connection pools have threads, and
    not multiprocessing's spawn, which imports the caller's whole program again."""
    procs = [subprocess.Popen(  # noqa: S603 - this interpreter, this module, no shell
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ,
             "PYTHONPATH": os.pathsep.join([_ROOT, os.environ.get("PYTHONPATH", "")])})
        for _ in range(workers)]
    try:
        for k, proc in enumerate(procs):
            assert proc.stdin is not None  # noqa: S101 - asked for above
            # The URL through a pipe, not the command line: it may hold a password.
            pickle.dump((url, ranges[k::workers]), proc.stdin)
            proc.stdin.close()
        for k in range(len(ranges)):
            out = procs[k % workers].stdout
            assert out is not None  # noqa: S101 - asked for above
            try:
                answer: bytes | Columns = pickle.load(out)  # noqa: S301 - our own worker's
            except EOFError:
                raise ChainCheckFailed(f"a worker stopped before checking records "
                                       f"{ranges[k][0] + 1} to {ranges[k][1]}") from None
            if isinstance(answer, bytes):
                yield from cast(Iterator[Checked], _PACKED.iter_unpack(answer))
            else:
                yield from zip(*answer, strict=True)
    finally:
        for proc in procs:
            if proc.poll() is None:  # stopped early: the caller stopped reading, or an error
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


class ChainCheckFailed(Exception):
    """A worker could not check its records (its error is on standard error)."""


def _serve() -> None:
    """A worker: one connection, its ranges in order, each answer written as it is ready."""
    url, ranges = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the process that started it
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything else printed must not mix with the answers
    trail = AuditTrail(Database(url, pool_size=1))
    try:
        for after, through in ranges:
            pickle.dump(_packed(trail.hash_inputs(after, through)), answers,
                        protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
    finally:
        trail.db.close()


if __name__ == "__main__":
    _serve()
