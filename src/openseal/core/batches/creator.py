"""The job's creator as a Principal again, as they stand now (for each document): a
disabled user, a revoked or expired API client, a lost role are seen at once."""

from __future__ import annotations

from openseal.core.accounts.principal import Forbidden, Principal
from openseal.core.batches.model import BatchJobRecord
from openseal.core.clock import Clock
from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import canonical, permissions_of


def creator_principal(repos: GovernanceRepos, clock: Clock, job: BatchJobRecord
                      ) -> Principal:
    """Forbidden CREATOR_INACTIVE when the creator may no longer act at all."""
    if job.creator_kind == "user":
        user = repos.get_user(job.creator_id)
        if user is not None and user.status == "active" and user.org_id == job.org_id:
            roles = repos.list_user_roles(user.id)
            return Principal("user", user.id, user.username, user.org_id, user.role,
                             permissions_of(roles), agent="batch", roles=roles)
    else:
        client = repos.get_api_client(job.creator_id)
        if (client is not None and client.revoked_at is None
                and client.expires_at > clock.now() and client.org_id == job.org_id):
            scopes = frozenset(canonical(s) for s in client.scopes)
            return Principal("client", client.id, client.name, client.org_id, None, scopes,
                             agent="batch")
    exc = Forbidden("CREATOR_INACTIVE", "任务创建人的账户已停用或凭据已失效",
                    "The job's creator is disabled or their credential is no longer valid")
    exc.target, exc.org_id = f"{job.creator_kind}:{job.creator_id}", job.org_id
    raise exc
