"""The log's side of RFC 9162 consistency proofs, computed from the trail in the database.

A witness asks for PROOF(m, D[n]) between the last checkpoint it co-signed and a new one, and
checks it against the two roots it holds (audit/witness.py); the proof is only as honest as
the records it is computed from, which is the point: a rewritten history gives a proof that does
not join the old root to the new one.

Hashing a whole tree of millions of records for every proof would cost seconds, so the roots of
complete, aligned blocks of `BLOCK` records are kept once computed: every node of the RFC's tree
either lies inside one block or is a perfect tree of whole blocks, or splits into such nodes. A
cached block that the database later rewrites still gives the old root, so a rewrite shows as an
inconsistency, never as a false agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from audit.merkle import EMPTY_ROOT, leaf_hash, node_hash
from audit.trail import TABLE, AuditTrail

BLOCK: Final = 1024  # a power of two: 32 KiB of record hashes, read in one query


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_root(hashes: Sequence[bytes]) -> bytes:
    # A perfect tree: the RFC's split is the midpoint, so fold level by level.
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class TrailTree:
    """The Merkle tree over the trail's record hashes (the same leaves checkpoints sign)."""

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail
        self._blocks: dict[int, bytes] = {}
        # Leaves of the blocks one call reads in part (read once per call, then sliced), and
        # the size that call works within.
        self._partial: dict[int, list[bytes]] = {}
        self._limit = 0

    def learn(self, first: int, record_hashes: Sequence[bytes]) -> None:
        """Keep the roots of the whole blocks among records first+1.. whose hashes the caller
        has just read from this trail, so that they are not read again."""
        start = -(-first // BLOCK)  # the first block that starts inside the range
        for index in range(start, (first + len(record_hashes)) // BLOCK):
            lo = index * BLOCK - first
            self._blocks.setdefault(index, _perfect_root(
                [leaf_hash(h) for h in record_hashes[lo:lo + BLOCK]]))

    def record_hashes(self, lo: int, hi: int) -> list[bytes]:
        """The chain hashes of records lo+1..hi (leaves are 0-based, records 1-based): the
        leaf inputs; raises MissingRecords unless every one is there."""
        with self.trail.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT seq, hash FROM {TABLE} WHERE seq > %s AND seq <= %s "  # noqa: S608
                        "ORDER BY seq", (lo, hi))
            rows = cur.fetchall()
        if len(rows) != hi - lo or (rows and (int(rows[0][0]) != lo + 1
                                             or int(rows[-1][0]) != hi)):
            raise MissingRecords(lo + 1, hi)
        return [bytes(row[1]) for row in rows]

    def _leaves(self, lo: int, hi: int) -> list[bytes]:
        return [leaf_hash(h) for h in self.record_hashes(lo, hi)]

    def _block(self, index: int) -> bytes:
        cached = self._blocks.get(index)
        if cached is None:
            cached = self._blocks[index] = _perfect_root(
                self._leaves(index * BLOCK, (index + 1) * BLOCK))
        return cached

    def _mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n >= BLOCK and n & (n - 1) == 0:
            # Nodes of the RFC's tree that are perfect start at a multiple of their size.
            return _perfect_root([self._block(b) for b in range(lo // BLOCK, hi // BLOCK)])
        if lo // BLOCK == (hi - 1) // BLOCK:
            index = lo // BLOCK
            leaves = self._partial.get(index)
            if leaves is None:
                leaves = self._partial[index] = self._leaves(
                    index * BLOCK, min((index + 1) * BLOCK, self._limit))
            return _mth_of(leaves[lo - index * BLOCK:hi - index * BLOCK])
        k = _split(n)
        return node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))

    def root(self, size: int) -> bytes:
        """MTH of the first `size` records."""
        self._partial, self._limit = {}, size
        return EMPTY_ROOT if size == 0 else self._mth(0, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[new_size]) as audit.merkle.consistency_proof gives it."""
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old size {old_size} is outside 0..{new_size}")
        if old_size == 0:
            return []
        self._partial, self._limit = {}, new_size
        return self._subproof(old_size, 0, new_size, whole=True)

    def _subproof(self, m: int, lo: int, hi: int, *, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self._mth(lo, hi)]
        k = _split(n)
        if m <= k:
            proof = self._subproof(m, lo, lo + k, whole=whole)
            proof.append(self._mth(lo + k, hi))
        else:
            proof = self._subproof(m - k, lo + k, hi, whole=False)
            proof.append(self._mth(lo, lo + k))
        return proof


def _mth_of(hashes: Sequence[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(_mth_of(hashes[:k]), _mth_of(hashes[k:]))


class MissingRecords(LookupError):
    """The trail lacks records a proof needs: truncated or rewound since it was signed."""

    code = "audit_records_missing"

    def __init__(self, first: int, last: int) -> None:
        super().__init__(f"records {first} to {last} are not all present")
        self.first, self.last = first, last
