import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# Test vectors shared by the Certificate Transparency implementations
# (transparency-dev/merkle, testonly/constants.go): leaf inputs, and the nodes of their tree by
# level and position, from which the published proofs are built.
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
CT_ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
L0_4 = bytes.fromhex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")
L0_1 = bytes.fromhex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")
L1_1 = bytes.fromhex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e")
L1_2 = bytes.fromhex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a")
L1_3 = bytes.fromhex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")
L2_0 = CT_ROOTS[4]
L2_1 = bytes.fromhex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")

MAX_SIZE = 70
# Distinct 32-byte inputs, like the record hashes the audit log feeds in.
LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(200)]


@st.composite
def logs(draw: st.DrawFn) -> list[bytes]:
    # The size is drawn on its own because list strategies favour short lists.
    size = draw(st.integers(1, MAX_SIZE))
    # Distinct leaves: with a repeated leaf, a proof for the wrong index can verify honestly.
    record_hashes = st.binary(min_size=32, max_size=32)
    return draw(st.lists(record_hashes, min_size=size, max_size=size, unique=True))


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def test_the_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == _sha(b"")
    assert MerkleAccumulator().root() == _sha(b"")


def test_leaf_and_node_hashes_carry_the_rfc_prefixes() -> None:
    assert leaf_hash(b"abc") == _sha(b"\x00abc")
    assert node_hash(b"L", b"R") == _sha(b"\x01LR")


def test_a_single_leaf_is_its_own_root() -> None:
    assert root([LEAVES[0]]) == leaf_hash(LEAVES[0]) == _sha(b"\x00" + LEAVES[0])


def test_three_leaves_split_after_two_not_after_one() -> None:
    a, b, c = (_sha(b"\x00" + leaf) for leaf in LEAVES[:3])
    assert root(LEAVES[:3]) == _sha(b"\x01" + _sha(b"\x01" + a + b) + c)


def test_roots_match_the_certificate_transparency_vectors() -> None:
    for size, expected in enumerate(CT_ROOTS):
        assert root(CT_LEAVES[:size]) == expected, size


def test_proofs_match_the_certificate_transparency_vectors() -> None:
    assert inclusion_proof(CT_LEAVES, 0) == [L0_1, L1_1, L2_1]
    assert inclusion_proof(CT_LEAVES, 5) == [L0_4, L1_3, L2_0]
    assert consistency_proof(CT_LEAVES, 2) == [L1_1, L2_1]
    assert consistency_proof(CT_LEAVES, 6) == [L1_2, L1_3, L2_0]
    assert consistency_proof(CT_LEAVES[:5], 2) == [L1_1, L0_4]
    assert verify_consistency(6, 8, CT_ROOTS[6], CT_ROOTS[8], [L1_2, L1_3, L2_0])


def test_proofs_for_positions_outside_the_tree_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES[:3], 3)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES[:3], -1)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES[:3], 4)


def _check_inclusion(leaves: list[bytes]) -> None:
    size = len(leaves)
    tree_root = root(leaves)
    for index, leaf in enumerate(leaves):
        proof = inclusion_proof(leaves, index)
        assert verify_inclusion(leaf, index, size, proof, tree_root), (size, index)
        assert not verify_inclusion(_flip(leaf), index, size, proof, tree_root)
        for wrong in {index - 1, index + 1, index ^ 1, size} - {index}:
            assert not verify_inclusion(leaf, wrong, size, proof, tree_root), (size, index, wrong)
        assert not verify_inclusion(leaf, index, size, [*proof, tree_root], tree_root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], tree_root)
            assert not verify_inclusion(leaf, index, size, [_flip(proof[0]), *proof[1:]],
                                        tree_root)


def _check_consistency(leaves: list[bytes]) -> None:
    new_size = len(leaves)
    new_root = root(leaves)
    for old_size in range(1, new_size + 1):
        old_root = root(leaves[:old_size])
        proof = consistency_proof(leaves, old_size)
        assert verify_consistency(old_size, new_size, old_root, new_root, proof), old_size
        assert not verify_consistency(old_size, new_size, _flip(old_root), new_root, proof)
        assert not verify_consistency(old_size, new_size, old_root, _flip(new_root), proof)
        if proof:
            assert not verify_consistency(old_size, new_size, old_root, new_root, proof[:-1])
        assert not verify_consistency(old_size, new_size, old_root, new_root, [*proof, new_root])
        # A log that rewrote an old leaf must not be able to prove it only grew: the first leaf
        # sits deepest on the left, the last one on the boundary the proof is built around.
        for changed in {0, old_size - 1}:
            rewritten = [*leaves[:changed], _flip(leaves[changed]), *leaves[changed + 1:]]
            forged_root = root(rewritten)
            assert forged_root != new_root
            forged_proof = consistency_proof(rewritten, old_size)
            assert not verify_consistency(old_size, new_size, old_root, forged_root,
                                          forged_proof), (old_size, changed)
            assert not verify_consistency(old_size, new_size, old_root, forged_root, proof)


def test_every_inclusion_proof_up_to_the_maximum_size() -> None:
    for size in range(1, MAX_SIZE + 1):
        _check_inclusion(LEAVES[:size])


def test_every_consistency_proof_up_to_the_maximum_size() -> None:
    for size in range(1, MAX_SIZE + 1):
        _check_consistency(LEAVES[:size])


@given(leaves=logs())
def test_inclusion_proofs_hold_for_any_log(leaves: list[bytes]) -> None:
    _check_inclusion(leaves)


# Each example checks every old size against two rewritten logs; 50 keeps the file fast, and
# the sweep above already covers every pair of sizes.
@settings(max_examples=50)
@given(leaves=logs())
def test_consistency_proofs_hold_for_any_log(leaves: list[bytes]) -> None:
    _check_consistency(leaves)


def test_sizes_the_rfc_does_not_cover() -> None:
    assert verify_consistency(0, 5, EMPTY_ROOT, root(LEAVES[:5]), [])
    assert not verify_consistency(0, 5, root(LEAVES[:1]), root(LEAVES[:5]), [])
    assert not verify_consistency(3, 2, root(LEAVES[:3]), root(LEAVES[:2]), [])
    assert not verify_consistency(2, 2, root(LEAVES[:2]), root(LEAVES[:2]), [EMPTY_ROOT])
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(LEAVES[0], -1, 1, [], root(LEAVES[:1]))


def test_the_accumulator_matches_the_tree_at_every_size() -> None:
    accumulator = MerkleAccumulator()
    for size, leaf in enumerate(LEAVES):
        assert accumulator.size == size
        assert accumulator.root() == root(LEAVES[:size]), size
        accumulator.append(leaf)
    assert accumulator.root() == root(LEAVES)
    assert MerkleAccumulator(LEAVES[:37]).root() == root(LEAVES[:37])
