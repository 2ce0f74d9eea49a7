"""One audit event: what happened, who did it, to what, with what outcome; and its hash.

An event's leaf is the RFC 8785 encoding of its ``body()``; its ``entry_hash`` is the
RFC 9162 leaf hash of that, which is both the next event's ``prev_hash`` (a hash chain) and
the event's leaf in the Merkle tree the checkpoints sign.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from openseal.core.audit.canonical import canonical_json, format_time, parse_time
from openseal.core.audit.merkle import leaf_hash
from openseal.core.audit.sanitize import clean_details, escape_controls, in_json_domain
from openseal.errors import InvalidInput

GENESIS_HASH = "00" * 32
ACTION = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
HASH_HEX = re.compile(r"[0-9a-f]{64}")

_REQUIRED_TEXT = ("actor", "actor_kind", "action", "outcome")
_OPTIONAL_TEXT = ("org_id", "target", "client_addr", "agent")
BODY_KEYS = frozenset({"seq", "time", *_REQUIRED_TEXT, *_OPTIONAL_TEXT, "details",
                       "prev_hash"})
_EXPORT_KEYS = BODY_KEYS | {"type", "entry_hash"}


class ActorKind(StrEnum):
    USER = "user"
    API = "api"
    CLIENT = "client"
    SYSTEM = "system"


class Outcome(StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEvent:
    """An event as stored. Build new ones with ``new_event``, which validates and escapes.

    ``stored_hash`` is not part of the event: it is the entry hash an export *claimed* for
    it (set by ``from_export``), kept so a verifier can compare it with the recomputed one.
    """

    seq: int
    time: datetime
    actor: str
    actor_kind: str
    action: str
    outcome: str
    org_id: str | None = None
    target: str | None = None
    client_addr: str | None = None
    agent: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    stored_hash: str | None = field(default=None, compare=False, repr=False)

    def body(self) -> dict[str, Any]:
        """Every field but ``stored_hash``, JSON-ready (time as text); absent ones as null."""
        return {
            "seq": self.seq, "time": format_time(self.time), "actor": self.actor,
            "actor_kind": self.actor_kind, "org_id": self.org_id, "action": self.action,
            "target": self.target, "outcome": self.outcome, "client_addr": self.client_addr,
            "agent": self.agent, "details": dict(self.details), "prev_hash": self.prev_hash,
        }

    def leaf_bytes(self) -> bytes:
        """The Merkle leaf: ``canonical_json(self.body())``."""
        return canonical_json(self.body())

    def entry_hash(self) -> str:
        """Hex SHA-256(0x00 || leaf_bytes), the RFC 9162 leaf hash."""
        return leaf_hash(self.leaf_bytes()).hex()

    def to_export(self) -> dict[str, Any]:
        """``{"type": "event", **body, "entry_hash": <recomputed>}``."""
        return {"type": "event", **self.body(), "entry_hash": self.entry_hash()}

    @classmethod
    def from_export(cls, d: Mapping[str, Any]) -> AuditEvent:
        """An event from its export form, exactly as written (nothing escaped or checked
        beyond types, so a verifier recomputes the hash of what is really there).

        Raises InvalidInput AUDIT_EXPORT_MALFORMED for a wrong shape or type.
        """
        if not isinstance(d, Mapping):
            raise malformed("an event must be a JSON object")
        keys = set(d)
        if not BODY_KEYS <= keys or not keys <= _EXPORT_KEYS or d.get("type", "event") != "event":
            raise malformed(f"event fields {sorted(keys ^ BODY_KEYS)} are wrong")
        seq, stored = d["seq"], d.get("entry_hash")
        if type(seq) is not int or seq < 0:
            raise malformed("seq must be a non-negative integer")
        for name in (*_REQUIRED_TEXT, "prev_hash"):
            _require(isinstance(d[name], str), name)
        for name in _OPTIONAL_TEXT:
            _require(d[name] is None or isinstance(d[name], str), name)
        _require(isinstance(d["details"], dict), "details")
        _require(stored is None or isinstance(stored, str), "entry_hash")
        if not in_json_domain(d["details"]):
            raise malformed(f"seq {seq}: a details number is out of range", field="details")
        try:
            time = parse_time(d["time"])
        except ValueError as exc:
            raise malformed(f"seq {seq}: {exc}") from exc
        return cls(seq=seq, time=time, prev_hash=d["prev_hash"], details=d["details"],
                   stored_hash=stored,
                   **{k: d[k] for k in (*_REQUIRED_TEXT, *_OPTIONAL_TEXT)})


def new_event(
    seq: int, time: datetime, prev_hash: str, *, actor: str, actor_kind: str, action: str,
    outcome: str, org_id: str | None = None, target: str | None = None,
    client_addr: str | None = None, agent: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """A validated event with every user-provided string control-escaped.

    Raises InvalidInput: AUDIT_EVENT_INVALID (seq, time, prev_hash, actor_kind, outcome or a
    text field), AUDIT_ACTION_INVALID, AUDIT_SECRET_FIELD (a details key naming a secret),
    AUDIT_DETAILS_NOT_JSON (a details value that is not JSON).
    """
    _check(type(seq) is int and seq >= 0, "seq")
    _check(isinstance(time, datetime) and time.utcoffset() is not None, "time")
    _check(isinstance(prev_hash, str) and HASH_HEX.fullmatch(prev_hash) is not None,
           "prev_hash")
    _check(actor_kind in set(ActorKind), "actor_kind")
    _check(outcome in set(Outcome), "outcome")
    if not isinstance(action, str) or not ACTION.fullmatch(action):
        raise InvalidInput("AUDIT_ACTION_INVALID", f"审计动作名称无效：{action!r}",
                           f"Invalid audit action name: {action!r}", field="action")
    _check(isinstance(actor, str) and actor != "", "actor")
    texts = {"org_id": org_id, "target": target, "client_addr": client_addr, "agent": agent}
    for name, value in texts.items():
        _check(value is None or isinstance(value, str), name)
    clean = {k: None if v is None else escape_controls(v) for k, v in texts.items()}
    return AuditEvent(
        seq=seq, time=time.astimezone(UTC), actor=escape_controls(actor),
        actor_kind=str(actor_kind), action=action, outcome=str(outcome),
        details=clean_details(details or {}), prev_hash=prev_hash, **clean)


def malformed(why: str, **fields: Any) -> InvalidInput:
    """The error for an export line or event that cannot be read."""
    return InvalidInput("AUDIT_EXPORT_MALFORMED", f"审计导出文件格式错误：{why}",
                        f"The audit export is malformed: {why}", **fields)


def _require(ok: bool, name: str) -> None:
    if not ok:
        raise malformed(f"field {name} has the wrong type", field=name)


def _check(ok: bool, name: str) -> None:
    if not ok:
        raise InvalidInput("AUDIT_EVENT_INVALID", f"审计记录字段 {name} 无效",
                           f"Invalid audit event field {name}", field=name)


__all__ = ["GENESIS_HASH", "ActorKind", "AuditEvent", "Outcome", "new_event"]
