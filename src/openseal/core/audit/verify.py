"""Offline verification of an audit log export: needs only the export, the platform's root
certificate and, ideally, a checkpoint kept somewhere else.

Every entry hash and the Merkle tree are recomputed; the sequence, the hash chain, each
checkpoint's signature, timestamp and root, and the kept checkpoint are checked. Each kind
of tampering is named with the first sequence number it touches: an edit (ENTRY_ALTERED /
CHAIN_BROKEN), a deletion (ENTRY_MISSING), a reordering (ENTRY_OUT_OF_ORDER), an insertion
(ENTRY_DUPLICATE / ENTRY_INSERTED); a cut-off tail (LOG_TRUNCATED) and a consistent rewrite
(untrusted checkpoints, KEPT_CHECKPOINT_MISMATCH) are found against the kept checkpoint.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from asn1crypto import x509

from openseal.core.audit.checkpoint import Checkpoint, verify_checkpoint
from openseal.core.audit.merkle import prefix_roots
from openseal.core.audit.model import GENESIS_HASH, AuditEvent, malformed
from openseal.core.audit.report import AuditProblem, AuditReport, problem
from openseal.errors import InvalidInput

MAX_PER_CODE = 100  # problems listed per code; the rest are counted in one MORE_PROBLEMS


def read_export(lines: Iterable[str]) -> tuple[list[AuditEvent], list[Checkpoint]]:
    """Events and checkpoints from JSON lines (``"type"``: "event" or "checkpoint").

    Blank lines are skipped. Each event keeps the ``entry_hash`` the export claims as its
    ``stored_hash``. Raises InvalidInput AUDIT_EXPORT_MALFORMED with ``line`` (1-based).
    """
    events: list[AuditEvent] = []
    checkpoints: list[Checkpoint] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        try:
            value = json.loads(text, parse_constant=_refuse_constant)
            kind = value.get("type") if isinstance(value, dict) else None
            if kind == "event":
                events.append(AuditEvent.from_export(value))
            elif kind == "checkpoint":
                checkpoints.append(Checkpoint.from_json(value))
            else:
                raise malformed("not an event or a checkpoint")
        except InvalidInput as exc:
            raise _at_line(number, exc.zh, exc.en) from exc
        except ValueError as exc:
            raise _at_line(number, "不是有效的 JSON", "not valid JSON") from exc
    return events, checkpoints


def verify_log(
    events: Sequence[AuditEvent], checkpoints: Sequence[Checkpoint],
    trust_roots: Sequence[x509.Certificate], kept: Checkpoint | None = None,
    stored_hashes: Sequence[str | None] | None = None, *, signer_eku: str | None = None,
) -> AuditReport:
    """Verify ``events`` (in export order) and ``checkpoints`` against ``trust_roots``.

    ``stored_hashes`` (one per event, None where unknown) are the entry hashes the log
    claimed; by default each event's ``stored_hash``. ``kept``: a checkpoint kept outside
    the platform. ``signer_eku``: an extended key usage the checkpoint signer must have.
    Never raises for tampered content; every finding is an AuditProblem.
    """
    found = _Found()
    hashes = _entry_hashes(events, found)
    ordered = _check_order(events, found)
    _check_chain(events, hashes, found, infer_insertions=ordered)
    claimed = stored_hashes if stored_hashes is not None else [e.stored_hash for e in events]
    if len(claimed) != len(events):
        raise ValueError("stored_hashes must have one entry per event")
    for event, recomputed, stored in zip(events, hashes, claimed, strict=True):
        if stored is not None and stored != recomputed:
            found.add("ENTRY_ALTERED", event.seq)
    size = len(events)
    heads = [*checkpoints, *([kept] if kept is not None else [])]
    roots = prefix_roots([bytes.fromhex(h) for h in hashes],
                         {size} | {cp.size for cp in heads if 0 <= cp.size <= size})
    log_id = heads[0].log_id if heads else ""
    last = max((e.seq for e in events), default=-1)
    for i, cp in enumerate(heads):
        is_kept = kept is not None and i == len(heads) - 1
        _check_head(cp, is_kept, log_id, roots, last, trust_roots, signer_eku, found)
    problems = found.problems()
    return AuditReport(ok=not problems, size=size, root_hash=roots[size].hex(),
                       first_bad_seq=found.first_bad, problems=problems,
                       checkpoints_checked=len(heads))


def _entry_hashes(events: Sequence[AuditEvent], found: _Found) -> list[str]:
    hashes = []
    for event in events:
        try:
            hashes.append(event.entry_hash())
        except ValueError:  # not canonicalisable: cannot be what was stored
            found.add("ENTRY_ALTERED", event.seq)
            hashes.append("")
    return hashes


def _check_order(events: Sequence[AuditEvent], found: _Found) -> bool:
    """Gaps, duplicates and reorderings; True when the seqs are exactly 0, 1, 2, ..."""
    present = {e.seq for e in events}
    seen: set[int] = set()
    highest = -1
    for event in events:
        seq = event.seq
        if seq in seen:
            found.add("ENTRY_DUPLICATE", seq)
        elif seq < highest:
            found.add("ENTRY_OUT_OF_ORDER", seq)
        elif seq > highest + 1 and highest + 1 in present:
            found.add("ENTRY_OUT_OF_ORDER", highest + 1)  # jumped ahead of an entry
        seen.add(seq)
        highest = max(highest, seq)
    previous = -1
    for seq in sorted(present):  # not range(highest): a forged seq of 10**12 stays cheap
        if seq > previous + 1:
            found.add("ENTRY_MISSING", previous + 1, count=seq - previous - 1)
        previous = seq
    return [e.seq for e in events] == list(range(len(events)))


def _check_chain(events: Sequence[AuditEvent], hashes: Sequence[str], found: _Found,
                 infer_insertions: bool) -> None:
    """Each prev_hash must be the recomputed hash of the entry before it. When the seqs look
    right but an entry's prev_hash is the hash of an entry further back, the ones between
    were inserted (and the rest renumbered): ENTRY_INSERTED at the first of them."""
    position = {GENESIS_HASH: -1} | {h: i for i, h in enumerate(hashes)}
    for i, event in enumerate(events):
        if event.prev_hash == (hashes[i - 1] if i else GENESIS_HASH):
            continue
        found.add("CHAIN_BROKEN", event.seq)
        back = position.get(event.prev_hash)
        if infer_insertions and back is not None and back < i - 1:
            found.add("ENTRY_INSERTED", events[back + 1].seq)


def _check_head(cp: Checkpoint, is_kept: bool, log_id: str, roots: dict[int, bytes],
                last: int, trust_roots: Sequence[x509.Certificate],
                signer_eku: str | None, found: _Found) -> None:
    """Signature, timestamp and log of ``cp``; then its root against the entries. When the
    entries stop before ``cp.size`` (``last`` is the highest seq present), the tail was cut:
    LOG_TRUNCATED at the first missing seq; other missing entries make it a mismatch."""
    prefix = "KEPT_" if is_kept else ""
    what = ("保存的检查点", "The kept checkpoint") if is_kept else (
        f"大小为 {cp.size} 的检查点", f"The checkpoint of size {cp.size}")
    if cp.log_id != log_id:
        found.add(prefix + "CHECKPOINT_OTHER_LOG", None, what=what[0], what_en=what[1])
    for code in verify_checkpoint(cp, trust_roots, signer_eku=signer_eku):
        found.add(prefix + code, None, what=what[0], what_en=what[1])
    if cp.size > last + 1:
        found.add("LOG_TRUNCATED", last + 1, size=cp.size)
    elif cp.size >= 0 and (cp.size not in roots or roots[cp.size].hex() != cp.root_hash):
        found.add(prefix + "CHECKPOINT_MISMATCH", size=cp.size)


class _Found:
    """Problems by seq (those without one last), one per (code, seq), at most MAX_PER_CODE
    listed per code."""

    def __init__(self) -> None:
        self._listed: list[AuditProblem] = []
        self._keys: set[tuple[str, int]] = set()
        self._counts: Counter[str] = Counter()
        self.first_bad: int | None = None

    def add(self, code: str, seq: int | None = None, **values: Any) -> None:
        if seq is not None:
            if (code, seq) in self._keys:
                return
            self._keys.add((code, seq))
            self.first_bad = seq if self.first_bad is None else min(self.first_bad, seq)
        self._counts[code] += 1
        if self._counts[code] <= MAX_PER_CODE:
            self._listed.append(problem(code, seq, **values))

    def problems(self) -> tuple[AuditProblem, ...]:
        more = [problem("MORE_PROBLEMS", None, count=n - MAX_PER_CODE, what=code)
                for code, n in self._counts.items() if n > MAX_PER_CODE]
        listed = sorted(self._listed, key=lambda p: (p.seq is None, p.seq or 0))
        return (*listed, *more)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _at_line(number: int, zh: str, en: str) -> InvalidInput:
    return InvalidInput("AUDIT_EXPORT_MALFORMED", f"审计导出文件第 {number} 行：{zh}",
                        f"Audit export line {number}: {en}", line=number)


__all__ = ["MAX_PER_CODE", "read_export", "verify_log"]
