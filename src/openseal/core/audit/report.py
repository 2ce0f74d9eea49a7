"""The outcome of verifying an audit log: problems with their first bad sequence number.

Problem codes about a checkpoint in the export are ``CHECKPOINT_*``; the same facts about
the checkpoint the auditor kept are ``KEPT_CHECKPOINT_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# code -> (Chinese, English); {seq}, {size}, {count}, {what}/{what_en} filled in by ``problem``.
MESSAGES: dict[str, tuple[str, str]] = {
    "ENTRY_MISSING": ("从第 {seq} 条起缺少 {count} 条记录（被删除）",
                      "{count} entry(ies) missing from seq {seq} on (deleted)"),
    "ENTRY_OUT_OF_ORDER": ("第 {seq} 条记录位置错乱（被移动或调换）",
                           "Entry {seq} is out of order (moved or swapped)"),
    "ENTRY_DUPLICATE": ("序号 {seq} 出现不止一次（插入了记录）",
                        "Sequence number {seq} appears more than once (an entry was inserted)"),
    "ENTRY_INSERTED": ("第 {seq} 条记录不在原哈希链上（被插入，之后的记录被重新编号）",
                       "Entry {seq} is not on the original hash chain (inserted, later "
                       "entries renumbered)"),
    "ENTRY_ALTERED": ("第 {seq} 条记录内容与其记录的哈希不符（被修改）",
                      "Entry {seq} does not match its recorded hash (altered)"),
    "CHAIN_BROKEN": ("第 {seq} 条记录的 prev_hash 与前一条记录的哈希不符（哈希链断开）",
                     "Entry {seq}: prev_hash is not the hash of the entry before it "
                     "(hash chain broken)"),
    "CHECKPOINT_MISMATCH": ("大小为 {size} 的检查点与前 {size} 条记录不符",
                            "The checkpoint of size {size} does not match the first {size} "
                            "entries"),
    "CHECKPOINT_UNTRUSTED_SIGNER": ("{what}的签名证书不受信任",
                                    "{what_en}: the signing certificate is not trusted"),
    "CHECKPOINT_BAD_SIGNATURE": ("{what}的签名无效", "{what_en}: the signature is invalid"),
    "CHECKPOINT_BAD_TIMESTAMP": ("{what}的时间戳无效、不受信任或时间不符",
                                 "{what_en}: the timestamp is invalid, untrusted or at the "
                                 "wrong time"),
    "CHECKPOINT_MALFORMED": ("{what}格式错误", "{what_en} is malformed"),
    "CHECKPOINT_OTHER_LOG": ("{what}属于另一份日志", "{what_en} belongs to another log"),
    "KEPT_CHECKPOINT_MISMATCH": ("保存的检查点（大小 {size}）与日志前 {size} 条记录不符"
                                 "（日志被改写或修改）",
                                 "The kept checkpoint (size {size}) does not match the log's "
                                 "first {size} entries (log rewritten or edited)"),
    "LOG_TRUNCATED": ("日志被截断：检查点覆盖 {size} 条记录，从第 {seq} 条起的记录缺失",
                      "The log was truncated: a checkpoint covers {size} entries, those from "
                      "seq {seq} on are missing"),
    "MORE_PROBLEMS": ("另有 {count} 个 {what} 问题未列出",
                      "{count} more {what} problem(s) not listed"),
}


@dataclass(frozen=True)
class AuditProblem:
    code: str
    seq: int | None
    zh: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "seq": self.seq, "zh": self.zh, "en": self.en}


def problem(code: str, seq: int | None = None, **values: Any) -> AuditProblem:
    """An AuditProblem with its messages filled in from ``MESSAGES``."""
    zh, en = MESSAGES.get(code) or MESSAGES[code.removeprefix("KEPT_")]
    fields = {"seq": seq, "size": None, "count": 1, "what": "", "what_en": "", **values}
    return AuditProblem(code, seq, zh.format(**fields), en.format(**fields))


@dataclass(frozen=True)
class AuditReport:
    """``ok`` only when there is no problem at all. ``first_bad_seq``: the smallest
    sequence number any problem names (None when none names one)."""

    ok: bool
    size: int
    root_hash: str
    first_bad_seq: int | None
    problems: tuple[AuditProblem, ...]
    checkpoints_checked: int

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "root_hash": self.root_hash,
                "first_bad_seq": self.first_bad_seq,
                "checkpoints_checked": self.checkpoints_checked,
                "problems": [p.to_dict() for p in self.problems]}

    def summary(self, lang: str = "zh") -> str:
        """A few human lines in ``lang`` ("zh" or "en")."""
        en = lang.startswith("en")
        if self.ok:
            head = (f"Audit log intact: {self.size} entries, {self.checkpoints_checked} "
                    f"checkpoint(s) checked, root {self.root_hash}" if en else
                    f"审计日志完好：共 {self.size} 条记录，已核验 {self.checkpoints_checked} "
                    f"个检查点，根哈希 {self.root_hash}")
            return head
        where = ("" if self.first_bad_seq is None else
                 (f"; first bad entry: seq {self.first_bad_seq}" if en
                  else f"；第一个有问题的记录：第 {self.first_bad_seq} 条"))
        head = (f"Audit log NOT intact ({len(self.problems)} problem(s){where})" if en else
                f"审计日志不完整或被篡改（{len(self.problems)} 个问题{where}）")
        return "\n".join([head, *(f"  - {p.en if en else p.zh}" for p in self.problems)])


__all__ = ["MESSAGES", "AuditProblem", "AuditReport", "problem"]
