"""API clients (配置应用): scoped, expiring, revocable credentials for integrations.

The secret is shown once at creation and stored only as its SHA-256.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.secrets import API_KEY_PREFIX, new_token, parse_scopes
from openseal.core.accounts.users import checked_text
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.ports import Repositories
from openseal.core.records import ApiClientRecord
from openseal.errors import InvalidInput, NotFound


def client_not_found(ref: str) -> NotFound:
    return NotFound("CLIENT_NOT_FOUND", "找不到该应用", "API client not found", field="client",
                    ref=ref)


def create_client(repos: Repositories, kit: AccountKit, clock: Clock, principal: Principal,
                  name: str, scopes: str, days: int, *, audit: AuditRecorder
                  ) -> tuple[str, ApiClientRecord]:
    """A new client of the caller's organisation. Returns (secret shown once, record)."""
    principal.require("clients:admin")
    limit = kit.policy.client_max_days
    if not 1 <= days <= limit:
        raise InvalidInput("CLIENT_EXPIRY", f"有效期应为 1–{limit} 天",
                           f"The validity must be 1-{limit} days", field="expires_in_days")
    granted = parse_scopes(scopes)
    secret, digest = new_token(API_KEY_PREFIX)
    now = clock.now()
    record = ApiClientRecord(str(uuid.uuid4()), principal.org, checked_text(name, "name"),
                             granted, digest, principal.id, now, now + timedelta(days=days))
    repos.add_api_client(record)
    audit.record("client.create", org_id=record.org_id, target=f"client:{record.id}",
                 details={"name": record.name, "scopes": sorted(granted),
                          "expires_at": record.expires_at.isoformat()})
    return secret, record


def visible_client(repos: Repositories, principal: Principal, client_id: str
                   ) -> ApiClientRecord:
    client = repos.get_api_client(client_id)
    if client is None:
        raise client_not_found(client_id)
    principal.owns(client.org_id, "client", client_id, client_not_found(client_id))
    return client


def revoke_client(repos: Repositories, clock: Clock, principal: Principal, client_id: str, *,
                  audit: AuditRecorder) -> ApiClientRecord:
    principal.require("clients:admin")
    client = visible_client(repos, principal, client_id)
    repos.revoke_api_client(client.id, clock.now())
    audit.record("client.revoke", org_id=client.org_id, target=f"client:{client.id}")
    return repos.get_api_client(client.id) or client
