"""Recording into the audit log, inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from openseal.core.audit.model import AuditEvent, new_event
from openseal.core.clock import Clock


class AuditLog(Protocol):
    def append_audit(self, build: Callable[[int, str], AuditEvent]) -> AuditEvent:
        """Append the event ``build(seq, prev_hash)`` makes, serialised with other writers."""
        ...


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, an API client or the system; where from when known."""

    name: str
    kind: str = "system"
    client_addr: str | None = None
    agent: str | None = None


class AuditRecorder:
    def __init__(self, log: AuditLog, clock: Clock, actor: Actor) -> None:
        self._log = log
        self._clock = clock
        self.actor = actor
        self.recorded: list[AuditEvent] = []
        """The events this recorder appended (its transaction's, once committed)."""

    def record(
        self, action: str, outcome: str = "success", *, org_id: str | None = None,
        target: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """Append one event; it commits or rolls back with the caller's transaction."""
        actor = self.actor
        event = self._log.append_audit(lambda seq, prev: new_event(
            seq, self._clock.now(), prev, actor=actor.name, actor_kind=actor.kind,
            action=action, outcome=outcome, org_id=org_id, target=target,
            client_addr=actor.client_addr, agent=actor.agent, details=dict(details or {})))
        self.recorded.append(event)
        return event
