"""Merkle tree hashing, inclusion and consistency proofs exactly as in RFC 9162 §2.1.

Leaves passed in are leaf *hashes* (``leaf_hash(data)``). Trees are computed without
storing interior nodes: a root is one O(n) pass with a stack of perfect-subtree roots, and a
proof is O(n) hashing with no copies of the leaf list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf hashes ``leaves``; SHA-256("") for the empty tree."""
    return prefix_roots(leaves, (len(leaves),))[len(leaves)]


def prefix_roots(leaves: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH(D[0:size]) for each of ``sizes`` (0 <= size <= len(leaves)), in one O(n) pass.

    Raises ValueError for a size outside that range.
    """
    wanted = set(sizes)
    if any(not 0 <= s <= len(leaves) for s in wanted):
        raise ValueError("a tree size is larger than the number of leaves")
    roots = {0: EMPTY_ROOT} if 0 in wanted else {}
    stack: list[bytes] = []  # roots of the perfect subtrees, biggest (leftmost) first
    for count, leaf in enumerate(leaves, start=1):
        stack.append(leaf)
        merged = count
        while merged % 2 == 0:  # each trailing zero bit of count closes a subtree
            right = stack.pop()
            stack.append(node_hash(stack.pop(), right))
            merged //= 2
        if count in wanted:
            roots[count] = _fold(stack)
    return roots


def _fold(stack: list[bytes]) -> bytes:
    """The root over perfect subtrees listed left to right (RFC 9162 split, right-folded)."""
    result = stack[-1]
    for subtree in reversed(stack[:-1]):
        result = node_hash(subtree, result)
    return result


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for hi > lo, without copying."""
    stack: list[bytes] = []
    for count in range(1, hi - lo + 1):
        stack.append(leaves[lo + count - 1])
        while count % 2 == 0:
            right = stack.pop()
            stack.append(node_hash(stack.pop(), right))
            count //= 2
    return _fold(stack)


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) (RFC 9162 §2.1.3.1), leaf-side first. Raises ValueError."""
    if not 0 <= index < len(leaves):
        raise ValueError("leaf index out of range")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(leaves, lo, lo + k))
            lo += k
    path.reverse()
    return path


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether leaf hash ``leaf`` is entry ``index`` of the tree of
    ``size`` leaves whose root is ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) (RFC 9162 §2.1.4.1); [] when old_size is 0 or n.

    Raises ValueError unless 0 <= old_size <= n.
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError("old size out of range")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, n, old_size, True
    while m != hi - lo:  # SUBPROOF(m, D[lo:hi], complete) with m < hi - lo
        k = _split(hi - lo)
        if m <= k:
            proof.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_mth(leaves, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(_mth(leaves, lo, hi))
    proof.reverse()
    return proof


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether the tree (old_size, old_root) is a prefix of
    (new_size, new_root). Equal sizes need an empty proof and equal roots; old_size 0 needs
    an empty proof."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if not path:
        return False
    if old_size & (old_size - 1) == 0:  # an exact power of two
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


__all__ = ["EMPTY_ROOT", "consistency_proof", "inclusion_proof", "leaf_hash", "node_hash",
           "prefix_roots", "root_hash", "verify_consistency", "verify_inclusion"]
