"""Offline verification of an export: every kind of tampering named at its first seq."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from openseal.core.audit import (
    GENESIS_HASH,
    AuditEvent,
    Checkpoint,
    leaf_hash,
    prefix_roots,
    read_export,
    verify_log,
)
from openseal.core.audit.verify import MAX_PER_CODE
from openseal.errors import InvalidInput
from tests.unit.audit.conftest import (
    Pki,
    build_events,
    event_details,
    export_lines,
    tree_root,
)


@dataclass
class Log:
    rows: list[dict[str, Any]]  # the export's lines as JSON objects
    kept: Checkpoint            # the checkpoint an auditor took home (size 30)

    def lines(self) -> list[str]:
        return [json.dumps(r, ensure_ascii=False) for r in self.rows]

    def events(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["type"] == "event"]


@pytest.fixture(scope="module")
def original(pki: Pki) -> tuple[list[str], Checkpoint]:
    """30 events with checkpoints at 10, 20 and 30, as the platform exports them."""
    events = build_events(30)
    checkpoints = [pki.checkpoint(n, tree_root(events[:n])) for n in (10, 20, 30)]
    return export_lines(events, checkpoints), checkpoints[-1]


@pytest.fixture()
def log(original: tuple[list[str], Checkpoint]) -> Log:
    lines, kept = original
    return Log([json.loads(line) for line in lines], kept)


def check(log: Log, pki: Pki, kept: Checkpoint | None = None) -> Any:
    events, checkpoints = read_export(log.lines())
    return verify_log(events, checkpoints, pki.roots, kept=kept or log.kept)


def codes(report: Any) -> set[tuple[str, int | None]]:
    return {(p.code, p.seq) for p in report.problems}


def rechain(rows: list[dict[str, Any]]) -> None:
    """What a careful forger does: recompute every prev_hash and entry_hash in order."""
    prev = GENESIS_HASH
    for row in rows:
        row["prev_hash"] = prev
        row["entry_hash"] = prev = AuditEvent.from_export(row).entry_hash()


def test_untouched_log_is_ok(log: Log, pki: Pki) -> None:
    report = check(log, pki)
    assert report.ok and report.problems == () and report.first_bad_seq is None
    assert report.size == 30 and report.checkpoints_checked == 4
    assert report.root_hash == log.kept.root_hash
    assert "完好" in report.summary() and "intact" in report.summary("en")
    assert report.to_dict()["ok"] is True


def test_an_edited_field_is_named(log: Log, pki: Pki) -> None:
    log.rows[12]["target"] = "doc:forged"
    report = check(log, pki)
    assert not report.ok and report.first_bad_seq == 12
    assert ("ENTRY_ALTERED", 12) in codes(report)
    assert ("CHAIN_BROKEN", 13) in codes(report)
    assert {p.code for p in report.problems if p.seq is None} == {
        "CHECKPOINT_MISMATCH", "KEPT_CHECKPOINT_MISMATCH"}


def test_an_edit_without_stored_hashes_is_found_by_the_chain(log: Log, pki: Pki) -> None:
    log.rows[12]["details"]["seal"] = "seal-forged"
    for row in log.events():
        del row["entry_hash"]
    report = check(log, pki)
    assert report.first_bad_seq == 13 and ("CHAIN_BROKEN", 13) in codes(report)


def test_text_no_canonical_json_can_hold_is_an_alteration(log: Log, pki: Pki) -> None:
    lines = log.lines()
    lines[4] = lines[4].replace('"user:4"', '"user:\\ud800"')  # a lone surrogate
    events, checkpoints = read_export(lines)
    report = verify_log(events, checkpoints, pki.roots, kept=log.kept)
    assert report.first_bad_seq == 4 and ("ENTRY_ALTERED", 4) in codes(report)


def test_stored_hashes_can_be_passed_in(log: Log, pki: Pki) -> None:
    log.rows[12]["outcome"] = "failed"
    events, checkpoints = read_export(log.lines())
    stored = [r["entry_hash"] for r in log.events()]
    report = verify_log(events, checkpoints, pki.roots, stored_hashes=stored)
    assert ("ENTRY_ALTERED", 12) in codes(report) and report.first_bad_seq == 12


def test_a_deletion_is_named(log: Log, pki: Pki) -> None:
    del log.rows[15]
    report = check(log, pki)
    assert report.first_bad_seq == 15 and ("ENTRY_MISSING", 15) in codes(report)
    assert ("CHAIN_BROKEN", 16) in codes(report)


def test_a_deleted_range_is_one_problem(log: Log, pki: Pki) -> None:
    del log.rows[15:18]
    report = check(log, pki)
    missing = [p for p in report.problems if p.code == "ENTRY_MISSING"]
    assert [(p.seq, "3" in p.en) for p in missing] == [(15, True)]


def test_a_swap_is_named(log: Log, pki: Pki) -> None:
    log.rows[7], log.rows[8] = log.rows[8], log.rows[7]
    report = check(log, pki)
    assert report.first_bad_seq == 7 and ("ENTRY_OUT_OF_ORDER", 7) in codes(report)


def test_an_inserted_duplicate_is_named(log: Log, pki: Pki) -> None:
    forged = dict(log.rows[13], target="doc:forged", prev_hash=log.rows[12]["entry_hash"])
    forged["entry_hash"] = AuditEvent.from_export(forged).entry_hash()
    log.rows.insert(13, forged)
    report = check(log, pki)
    assert report.first_bad_seq == 13 and ("ENTRY_DUPLICATE", 13) in codes(report)


def test_an_insertion_with_renumbering_is_named(log: Log, pki: Pki) -> None:
    forged = dict(log.rows[13], target="doc:forged", prev_hash=log.rows[12]["entry_hash"])
    forged["entry_hash"] = AuditEvent.from_export(forged).entry_hash()
    for row in log.events()[13:]:
        row["seq"] += 1
    log.rows.insert(13, forged)
    report = check(log, pki)
    assert report.first_bad_seq == 13 and ("ENTRY_INSERTED", 13) in codes(report)


def test_an_insertion_with_a_rebuilt_chain_is_caught_by_the_checkpoints(log: Log,
                                                                        pki: Pki) -> None:
    forged = dict(log.rows[13], target="doc:forged")
    events = log.events()
    events.insert(13, forged)
    for seq, row in enumerate(events):
        row["seq"] = seq
    rechain(events)
    log.rows = events + [r for r in log.rows if r["type"] == "checkpoint"]
    report = check(log, pki)
    assert not report.ok
    assert {(p.code, p.en.split("size ")[-1][:2]) for p in report.problems} == {
        ("CHECKPOINT_MISMATCH", "20"), ("CHECKPOINT_MISMATCH", "30"),
        ("KEPT_CHECKPOINT_MISMATCH", "30")}


def test_a_cut_tail_is_truncation(log: Log, pki: Pki) -> None:
    log.rows = log.events()[:25]  # the last 5 events and every checkpoint line removed
    report = check(log, pki)
    assert not report.ok and ("LOG_TRUNCATED", 25) in codes(report)
    assert report.first_bad_seq == 25 and report.size == 25


def test_a_cut_tail_is_found_by_the_exports_own_checkpoint(log: Log, pki: Pki) -> None:
    del log.rows[25:30]
    events, checkpoints = read_export(log.lines())
    report = verify_log(events, checkpoints, pki.roots)
    assert ("LOG_TRUNCATED", 25) in codes(report)


def test_a_full_rewrite_with_a_fresh_key_is_caught(log: Log, pki: Pki,
                                                   other_pki: Pki) -> None:
    events = log.events()
    events[5]["outcome"] = "failed"
    rechain(events)
    parsed = [AuditEvent.from_export(r) for r in events]
    forged = [other_pki.checkpoint(n, tree_root(parsed[:n])) for n in (10, 20, 30)]
    log.rows = events + [cp.to_json() for cp in forged]
    report = check(log, pki)
    assert not report.ok and report.first_bad_seq is None
    assert sorted(p.code for p in report.problems) == [
        "CHECKPOINT_BAD_TIMESTAMP"] * 3 + ["CHECKPOINT_UNTRUSTED_SIGNER"] * 3 + [
        "KEPT_CHECKPOINT_MISMATCH"]
    # the same rewrite with the forger's keys but the real TSA: still untrusted
    real_tsa = [_with_real_tsa(cp, pki) for cp in forged]
    log.rows = events + [cp.to_json() for cp in real_tsa]
    report = check(log, pki)
    assert sorted(p.code for p in report.problems) == [
        "CHECKPOINT_UNTRUSTED_SIGNER"] * 3 + ["KEPT_CHECKPOINT_MISMATCH"]


def _with_real_tsa(cp: Checkpoint, pki: Pki) -> Checkpoint:
    return replace(cp, timestamp_token=pki.timestamp(hashlib.sha256(cp.signature).digest()))


def test_a_log_that_grew_after_the_kept_checkpoint_is_ok(pki: Pki) -> None:
    events = build_events(40)
    kept = pki.checkpoint(30, tree_root(events[:30]))
    latest = pki.checkpoint(40, tree_root(events))
    parsed, checkpoints = read_export(export_lines(events, [latest]))
    assert verify_log(parsed, checkpoints, pki.roots, kept=kept).ok


def test_a_kept_checkpoint_of_another_log_or_altered_is_reported(log: Log, pki: Pki) -> None:
    other = pki.checkpoint(30, log.kept.root_hash, log_id="another-log")
    report = check(log, pki, kept=other)
    assert [p.code for p in report.problems] == ["KEPT_CHECKPOINT_OTHER_LOG"]
    altered = Checkpoint.from_json(log.kept.to_json() | {"root_hash": "00" * 32})
    report = check(log, pki, kept=altered)
    assert [p.code for p in report.problems] == ["KEPT_CHECKPOINT_BAD_SIGNATURE",
                                                 "KEPT_CHECKPOINT_MISMATCH"]


def test_an_export_checkpoint_with_a_wrong_root_is_a_mismatch(log: Log, pki: Pki) -> None:
    log.rows[30] = pki.checkpoint(10, "00" * 32).to_json()
    report = check(log, pki)
    assert [p.code for p in report.problems] == ["CHECKPOINT_MISMATCH"]
    assert "10" in report.problems[0].zh and "10" in report.problems[0].en


def test_many_problems_are_capped_but_counted(pki: Pki) -> None:
    events = build_events(MAX_PER_CODE + 20)
    rows = [e.to_export() | {"entry_hash": "11" * 32} for e in events]
    parsed, _ = read_export(json.dumps(r) for r in rows)
    report = verify_log(parsed, [], pki.roots)
    altered = [p for p in report.problems if p.code == "ENTRY_ALTERED"]
    assert len(altered) == MAX_PER_CODE and report.first_bad_seq == 0
    assert report.problems[-1].code == "MORE_PROBLEMS" and "20" in report.problems[-1].en


def test_summary_names_the_first_bad_seq(log: Log, pki: Pki) -> None:
    log.rows[12]["target"] = "doc:forged"
    report = check(log, pki)
    assert "第 12 条" in report.summary("zh") and "seq 12" in report.summary("en")
    assert json.loads(json.dumps(report.to_dict()))["first_bad_seq"] == 12


@pytest.mark.parametrize(("lines", "bad_line"), [
    (['{"type": "event"'], 1),
    (["", "[1, 2]"], 2),
    (['{"type": "header"}'], 1),
    (['{"type": "checkpoint", "size": 1}'], 1),
    (['{"type": "event", "seq": NaN}'], 1),
])
def test_read_export_names_the_bad_line(lines: list[str], bad_line: int) -> None:
    with pytest.raises(InvalidInput) as info:
        read_export(lines)
    assert info.value.code == "AUDIT_EXPORT_MALFORMED"
    assert info.value.fields["line"] == bad_line and str(bad_line) in info.value.en


def test_an_empty_export_is_ok_and_a_kept_checkpoint_makes_it_truncated(pki: Pki) -> None:
    assert verify_log([], [], pki.roots).ok
    report = verify_log([], [], pki.roots, kept=pki.checkpoint(1, leaf_hash(b"x").hex()))
    assert [(p.code, p.seq) for p in report.problems] == [("LOG_TRUNCATED", 0)]


def test_verifying_100000_events(pki: Pki) -> None:
    lines, hashes = _synthetic_export(100_000)
    roots = prefix_roots(hashes, (50_000, 100_000))
    checkpoints = [pki.checkpoint(n, roots[n].hex()) for n in (50_000, 100_000)]
    lines += [json.dumps(cp.to_json()) for cp in checkpoints]
    started = time.perf_counter()
    parsed, cps = read_export(lines)
    report = verify_log(parsed, cps, pki.roots, kept=checkpoints[0])
    elapsed = time.perf_counter() - started
    print(f"read_export + verify_log over 100,000 events: {elapsed:.1f} s")
    assert report.ok and report.size == 100_000
    assert elapsed < 60


def _synthetic_export(count: int) -> tuple[list[str], list[bytes]]:
    """Export lines of ``count`` chained events, built without new_event's checks."""
    lines: list[str] = []
    hashes: list[bytes] = []
    prev = GENESIS_HASH
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count):
        event = _unchecked_event(i, start + timedelta(seconds=i), prev, actor="user:alice",
                                 actor_kind="user", action="seal.sign", outcome="success",
                                 org_id="org-1", target=f"doc:{i}", details=event_details(i))
        body = event.body()
        prev = event.entry_hash()
        hashes.append(bytes.fromhex(prev))
        lines.append(json.dumps({"type": "event", **body, "entry_hash": prev}))
    return lines, hashes


def _unchecked_event(seq: int, moment: datetime, prev: str, **fields: Any) -> AuditEvent:
    """AuditEvent without new_event's checks: quicker to build 100,000 of."""
    return AuditEvent(seq=seq, time=moment, prev_hash=prev, **fields)



def test_a_huge_forged_seq_is_cheap_and_named(log: Log, pki: Pki) -> None:
    log.rows[29]["seq"] = 10**12
    started = time.perf_counter()
    report = check(log, pki)
    assert time.perf_counter() - started < 5
    assert ("ENTRY_MISSING", 29) in codes(report) and report.first_bad_seq == 29
