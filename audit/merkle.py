"""Merkle tree hashing and proofs exactly as RFC 9162 section 2.1 defines them, so that audit
checkpoints can be checked by any Certificate Transparency verifier, not only by this code."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

# Distinct prefixes for leaves and interior nodes stop a node from being passed off as a leaf
# (second-preimage attack); the values are the RFC's, which interoperability requires.
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf input."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    # The RFC's split (largest power of two strictly below n), not the midpoint: the two give
    # different roots for most sizes, and only this one lets a log grow without rehashing.
    return 1 << ((n - 1).bit_length() - 1)


def _mth(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    # Index ranges instead of slices so that a large tree is not copied at every level.
    n = hi - lo
    if n == 1:
        return hashes[lo]
    k = _split(n)
    return node_hash(_mth(hashes, lo, lo + k), _mth(hashes, lo + k, hi))


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf inputs `leaves`; SHA-256 of the empty string when there are none."""
    if not leaves:
        return EMPTY_ROOT
    hashes = [leaf_hash(leaf) for leaf in leaves]
    return _mth(hashes, 0, len(hashes))


def _path(hashes: Sequence[bytes], m: int, lo: int, hi: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        proof = _path(hashes, m, lo, lo + k)
        proof.append(_mth(hashes, lo + k, hi))
    else:
        proof = _path(hashes, m - k, lo + k, hi)
        proof.append(_mth(hashes, lo, lo + k))
    return proof


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]): the audit path for leaf `index`, ordered from the leaf up."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} is outside a tree of size {len(leaves)}")
    hashes = [leaf_hash(leaf) for leaf in leaves]
    return _path(hashes, index, 0, len(hashes))


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf input `leaf` at `index` in the tree of `size` with `root`.

    RFC 9162 section 2.1.3.2; any error in the proof, index or size gives False, never raises.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # The right edge of an unbalanced tree has levels with no sibling to hash.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def _subproof(hashes: Sequence[bytes], m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        # The verifier already holds the old root, so it is only sent for a proper subtree.
        return [] if whole else [_mth(hashes, lo, hi)]
    k = _split(n)
    if m <= k:
        proof = _subproof(hashes, m, lo, lo + k, whole)
        proof.append(_mth(hashes, lo + k, hi))
    else:
        proof = _subproof(hashes, m - k, lo + k, hi, False)
        proof.append(_mth(hashes, lo, lo + k))
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]): that the first `old_size` leaves are unchanged in `leaves`.

    Empty when `old_size` is 0 or the whole tree, where there is nothing to prove.
    """
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"old size {old_size} is outside 0..{len(leaves)}")
    if old_size == 0:
        return []
    hashes = [leaf_hash(leaf) for leaf in leaves]
    return _subproof(hashes, old_size, 0, len(hashes), True)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (`new_size`, `new_root`) extends (`old_size`, `old_root`).

    RFC 9162 section 2.1.4.2, which covers 0 < old_size < new_size; the edge cases take an
    empty proof, with equal roots for equal sizes and the empty-tree root for size 0.
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree, so its root is the proof's missing first node.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class MerkleAccumulator:
    """The root of a growing log in O(log n) memory, equal to `root()` of the same leaves.

    Keeps the roots of the perfect subtrees that the binary digits of the size describe, so a
    checkpoint never needs the whole log in memory.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._size = 0
        # Largest (leftmost) subtree first; their sizes are the set bits of _size.
        self._stack: list[bytes] = []
        self.extend(leaves)

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_input: bytes) -> None:
        h = _sha256(_LEAF_PREFIX + leaf_input).digest()
        stack = self._stack
        n = self._size
        # Each trailing 1 bit is a perfect subtree the same size as the one just completed.
        while n & 1:
            h = _sha256(_NODE_PREFIX + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def snapshot(self) -> tuple[bytes, ...]:
        """The subtree roots, largest first: with the size, all a later `restore` needs."""
        return tuple(self._stack)

    @classmethod
    def restore(cls, size: int, stack: Sequence[bytes]) -> MerkleAccumulator:
        """The accumulator of `size` leaves whose `snapshot()` was `stack`."""
        if size < 0 or len(stack) != size.bit_count() or any(len(h) != 32 for h in stack):
            raise ValueError("a snapshot holds one 32-byte root per set bit of its size")
        restored = cls()
        restored._size, restored._stack = size, list(stack)
        return restored

    def root(self) -> bytes:
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        # The RFC's split puts the largest perfect subtree on the left at every level, so the
        # root folds the subtree roots from the right.
        r = stack[-1]
        for h in reversed(stack[:-1]):
            r = node_hash(h, r)
        return r
