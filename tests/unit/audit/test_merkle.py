"""Merkle hashing against RFC 9162 §2.1 written out literally, and the CT test vectors."""

from __future__ import annotations

import hashlib
import time
from functools import cache

import pytest

from openseal.core.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    prefix_roots,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# ---- RFC 9162 §2.1.1-2.1.4 as written (recursive, slicing), over the entries themselves ----
Entries = tuple[bytes, ...]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(d: Entries) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Entries) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: Entries, b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: Entries) -> list[bytes]:
    return ref_subproof(m, d, True)


ENTRIES: Entries = tuple(f"entry {i}".encode() for i in range(100))
LEAVES = [leaf_hash(e) for e in ENTRIES]

# ---- certificate-transparency reference vectors (RFC 6962 test data) ----
CT_ENTRIES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
              b"\x50\x51\x52\x53\x54\x55\x56\x57", bytes(range(0x60, 0x70))]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_CONSISTENCY = {
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}
CT_INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_hash([]).hex() == expected == EMPTY_ROOT.hex() == ref_mth(()).hex()
    assert prefix_roots([], [0]) == {0: EMPTY_ROOT}


def test_hash_domain_separation() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def test_ct_reference_vectors() -> None:
    leaves = [leaf_hash(e) for e in CT_ENTRIES]
    for n, root in enumerate(CT_ROOTS, start=1):
        assert root_hash(leaves[:n]).hex() == root
    for (m, n), expected in CT_CONSISTENCY.items():
        proof = consistency_proof(m, leaves[:n])
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(m, n, bytes.fromhex(CT_ROOTS[m - 1]),
                                  bytes.fromhex(CT_ROOTS[n - 1]), proof)
    for (i, n), path in CT_INCLUSION.items():
        proof = inclusion_proof(i, leaves[:n])
        assert [p.hex() for p in proof] == path
        assert verify_inclusion(i, n, leaves[i], proof, bytes.fromhex(CT_ROOTS[n - 1]))


def test_roots_match_reference_for_every_size_up_to_100() -> None:
    all_prefixes = prefix_roots(LEAVES, range(101))
    for n in range(101):
        assert root_hash(LEAVES[:n]) == ref_mth(ENTRIES[:n]) == all_prefixes[n]


@pytest.mark.parametrize("n", range(1, 101))
def test_inclusion_proofs_match_reference_and_verify(n: int) -> None:
    root = ref_mth(ENTRIES[:n])
    for i in range(n):
        proof = inclusion_proof(i, LEAVES[:n])
        assert proof == ref_path(i, ENTRIES[:n])
        assert verify_inclusion(i, n, LEAVES[i], proof, root)
        _inclusion_tampering_fails(i, n, proof, root)


def _inclusion_tampering_fails(i: int, n: int, proof: list[bytes], root: bytes) -> None:
    assert not verify_inclusion(i, n, LEAVES[(i + 1) % 100], proof, root)
    assert not verify_inclusion(i, n, LEAVES[i], proof, leaf_hash(b"other root"))
    assert not verify_inclusion(i, n, LEAVES[i], proof + [root], root)
    assert not verify_inclusion(n, n, LEAVES[i], proof, root)
    assert not verify_inclusion(-1, n, LEAVES[i], proof, root)
    if proof:
        assert not verify_inclusion(i, n, LEAVES[i], proof[:-1], root)
        assert not verify_inclusion((i + 1) % n, n, LEAVES[i], proof, root)
        for j in range(len(proof)):
            bad = list(proof)
            bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
            assert not verify_inclusion(i, n, LEAVES[i], bad, root)


@pytest.mark.parametrize("n", range(1, 101))
def test_consistency_proofs_match_reference_and_verify(n: int) -> None:
    new_root = ref_mth(ENTRIES[:n])
    for m in range(0, n + 1):
        proof = consistency_proof(m, LEAVES[:n])
        old_root = ref_mth(ENTRIES[:m])
        if 0 < m:
            assert proof == ref_proof(m, ENTRIES[:n])
        assert verify_consistency(m, n, old_root, new_root, proof)
        if 0 < m < n:
            _consistency_tampering_fails(m, n, proof, old_root, new_root)


def _consistency_tampering_fails(m: int, n: int, proof: list[bytes], old_root: bytes,
                                 new_root: bytes) -> None:
    other = leaf_hash(b"forged")
    assert not verify_consistency(m, n, other, new_root, proof)
    assert not verify_consistency(m, n, old_root, other, proof)
    assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
    assert not verify_consistency(m, n, old_root, new_root, proof + [other])
    assert not verify_consistency(n, m, new_root, old_root, proof)
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        assert not verify_consistency(m, n, old_root, new_root, bad)


def test_consistency_edge_cases() -> None:
    root = root_hash(LEAVES[:5])
    assert consistency_proof(0, LEAVES[:5]) == consistency_proof(5, LEAVES[:5]) == []
    assert verify_consistency(5, 5, root, root, [])
    assert not verify_consistency(5, 5, root, EMPTY_ROOT, [])
    assert not verify_consistency(5, 5, root, root, [root])
    assert verify_consistency(0, 5, EMPTY_ROOT, root, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root, [root])
    assert not verify_consistency(3, 5, root_hash(LEAVES[:3]), root, [])
    with pytest.raises(ValueError):
        consistency_proof(6, LEAVES[:5])
    with pytest.raises(ValueError):
        inclusion_proof(5, LEAVES[:5])
    with pytest.raises(ValueError):
        prefix_roots(LEAVES[:5], [6])


def test_root_of_100000_leaves_is_fast() -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(100_000)]
    started = time.perf_counter()
    root = root_hash(leaves)
    elapsed = time.perf_counter() - started
    print(f"root_hash over 100,000 leaves: {elapsed:.3f} s")
    assert elapsed < 1.0
    proof = inclusion_proof(77_777, leaves)
    assert verify_inclusion(77_777, 100_000, leaves[77_777], proof, root)
    old = root_hash(leaves[:65_537])
    assert verify_consistency(65_537, 100_000, old, root, consistency_proof(65_537, leaves))
