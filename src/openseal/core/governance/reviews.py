"""Permission reviews (权限审核): a campaign lists every active grant of an organisation (or
of one seal) to a reviewer, who confirms (keeps) or revokes it; then the campaign is closed.

The reviewer of a grant is one of the seal's custodians (active custodians holding an active
``manage`` grant on it) whom the grant does not reach; with none, any custodian of the
organisation (``reviewer_id`` None). Nobody reviews a grant that reaches them (separation of
duties). A revocation goes through ``grants.revoke_grant`` (history, audit trail) in the
same transaction as the decision. Every change is audited as ``review.*``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.authorize import authorize, refuse
from openseal.core.governance.conflicts import holders
from openseal.core.governance.grants import revoke_grant, terms_of
from openseal.core.governance.review_ports import ReviewRepos
from openseal.core.governance.review_records import (
    DECISIONS,
    ReviewCampaignRecord,
    ReviewItemRecord,
)
from openseal.core.governance.roles import CUSTODIAN, OPERATOR
from openseal.core.records import GrantRecord, SealRecord
from openseal.errors import Conflict, InvalidInput, NotFound

DEFAULT_DUE_DAYS = 14
MAX_DUE_DAYS = 366
MAX_COMMENT = 300


def review_not_found(ref: str) -> NotFound:
    return NotFound("REVIEW_NOT_FOUND", "找不到该权限审核", "Permission review not found",
                    field="review", ref=ref)


def item_not_found(ref: str) -> NotFound:
    return NotFound("REVIEW_ITEM_NOT_FOUND", "找不到该审核项", "Review item not found",
                    field="item", ref=ref)


def may_read_reviews(principal: Principal) -> None:
    """Custodians run reviews; auditors and organisation administrators read them."""
    if not principal.may("grants:manage"):
        principal.require("reports:read")


def visible_review(repos: ReviewRepos, principal: Principal, review_id: str
                   ) -> ReviewCampaignRecord:
    review = repos.get_review(review_id)
    if review is None:
        raise review_not_found(review_id)
    principal.owns(review.org_id, "review", review_id, review_not_found(review_id))
    return review


def visible_item(repos: ReviewRepos, review: ReviewCampaignRecord, item_id: str
                 ) -> ReviewItemRecord:
    item = repos.get_review_item(item_id)
    if item is None or item.campaign_id != review.id:
        raise item_not_found(item_id)
    return item


def start_review(repos: ReviewRepos, clock: Clock, principal: Principal, *,
                 name: str | None = None, seal: SealRecord | None = None,
                 due_at: datetime | None = None, due_in: timedelta | None = None,
                 audit: AuditRecorder) -> ReviewCampaignRecord:
    """Open a campaign with one pending item per active grant (of ``seal``, or of every
    seal of the caller's organisation), due at ``due_at`` or ``due_in`` from now (default
    DEFAULT_DUE_DAYS)."""
    now = clock.now()
    authorize(repos, principal, "grants:manage", seal, now=now)
    org_id = seal.org_id if seal else principal.org
    title = checked_text(name or f"权限审核 {now:%Y-%m-%d}", "name", 100)
    due = _checked_due(due_at or now + (due_in or timedelta(days=DEFAULT_DUE_DAYS)), now)
    review = ReviewCampaignRecord(str(uuid.uuid4()), org_id, title, seal.id if seal else None,
                                  principal.actor().name, now, due, "open")
    grants = [g for g in repos.list_grants(org_id, review.seal_id) if g.status == "active"]
    custodians = _Custodians(repos, org_id, now)
    items = [ReviewItemRecord(str(uuid.uuid4()), review.id, org_id, g.id, g.seal_id,
                              g.grantee_kind, g.grantee, terms_of(g), custodians.reviewer(g))
             for g in grants]
    repos.add_review(review, items)
    audit.record("review.start", org_id=org_id, target=f"review:{review.id}",
                 details={"name": title, "seal": review.seal_id, "due_at": due.isoformat(),
                          "items": len(items)})
    return review


def _checked_due(due: datetime, now: datetime) -> datetime:
    if not now < due <= now + timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput("REVIEW_DUE", f"审核截止时间应在今后 {MAX_DUE_DAYS} 天之内",
                           f"The review must be due within the next {MAX_DUE_DAYS} days",
                           field="due_at")
    return due


class _Custodians:
    """Who reviews which grant: a custodian of its seal it does not reach, or None."""

    def __init__(self, repos: ReviewRepos, org_id: str, now: datetime) -> None:
        self.repos, self.org_id, self.now = repos, org_id, now
        self.active = set(repos.users_with_role(org_id, CUSTODIAN))
        self.per_seal: dict[str, list[str]] = {}

    def of_seal(self, seal_id: str) -> list[str]:
        if seal_id not in self.per_seal:
            managing = [g for g in self.repos.list_grants(self.org_id, seal_id)
                        if g.status == "active" and g.level == "manage"
                        and g.in_window(self.now)]
            users = [u for g in managing for u in holders(self.repos, g)]
            self.per_seal[seal_id] = [u for u in dict.fromkeys(users) if u in self.active]
        return self.per_seal[seal_id]

    def reviewer(self, grant: GrantRecord) -> str | None:
        reached = set(holders(self.repos, grant))
        return next((u for u in self.of_seal(grant.seal_id) if u not in reached), None)


def confirm_item(repos: ReviewRepos, clock: Clock, principal: Principal, review_id: str,
                 item_id: str, comment: str | None = None, *, audit: AuditRecorder
                 ) -> ReviewItemRecord:
    """Keep the grant as it is."""
    return _decide(repos, clock, principal, review_id, item_id, "confirmed", comment, audit)


def revoke_item(repos: ReviewRepos, clock: Clock, principal: Principal, review_id: str,
                item_id: str, comment: str, *, audit: AuditRecorder) -> ReviewItemRecord:
    """Revoke the grant at once (its history and ``grant.revoke`` name the review)."""
    return _decide(repos, clock, principal, review_id, item_id, "revoked", comment, audit)


def _decide(repos: ReviewRepos, clock: Clock, principal: Principal, review_id: str,
            item_id: str, decision: str, comment: str | None, audit: AuditRecorder
            ) -> ReviewItemRecord:
    now = clock.now()
    principal.require("grants:manage")
    visible_review(repos, principal, review_id)
    review = repos.lock_review(review_id) or _gone(review_id)  # decisions and close in turn
    item = visible_item(repos, review, item_id)  # read after the lock: the latest decision
    grant = repos.get_grant(item.grant_id)
    assert grant is not None
    _may_decide(repos, principal, item, grant)
    if review.status != "open":
        raise _closed(review)
    if item.decision != "pending":
        raise _decided(item)
    given = bool(comment) or decision == "revoked"  # a revocation must say why
    said = checked_text(comment or "", "comment", MAX_COMMENT) if given else None
    if decision == "revoked":
        revoke_grant(repos, clock, principal, grant.id,
                     f"权限审核撤销 / revoked in review {review.name} ({review.id}): {said}",
                     audit=audit)
    elif grant.status != "active":
        raise Conflict("REVIEW_GRANT_INACTIVE", "该授权已被撤销，无法确认保留",
                       "The authorisation was revoked already and cannot be confirmed",
                       field="item", grant=grant.id)
    actor = principal.actor().name
    if not repos.decide_review_item(item.id, decision, actor, now, said):
        raise _decided(item)
    audit.record(f"review.{'confirm' if decision == 'confirmed' else 'revoke'}",
                 org_id=review.org_id, target=f"review:{review.id}",
                 details={"item": item.id, "grant": grant.id, "seal": grant.seal_id,
                          "grantee": f"{grant.grantee_kind}:{grant.grantee}",
                          "comment": said})
    decided = repos.get_review_item(item.id)
    assert decided is not None
    return decided


def _may_decide(repos: ReviewRepos, principal: Principal, item: ReviewItemRecord,
                grant: GrantRecord) -> None:
    target = f"review-item:{item.id}"
    own = (principal.id in holders(repos, grant) if principal.kind == "user"
           else (grant.grantee_kind, grant.grantee) == (principal.kind, principal.id))
    if own:
        raise refuse(principal, "REVIEW_OWN_GRANT",
                     "不能审核自己持有的授权（职责分离），请由另一位印章管理员审核",
                     "You may not review an authorisation you hold yourself (separation of "
                     "duties); another custodian must review it", target, grant=grant.id)
    if principal.kind == OPERATOR or item.reviewer_id in (None, principal.id):
        return
    if item.reviewer_id not in repos.users_with_role(item.org_id, CUSTODIAN):
        return  # the assigned reviewer is no longer a custodian: any custodian may decide
    raise refuse(principal, "REVIEW_NOT_REVIEWER", "该审核项指定由另一位印章管理员审核",
                 "Another custodian is the reviewer of this item", target,
                 reviewer=item.reviewer_id)


def close_review(repos: ReviewRepos, clock: Clock, principal: Principal, review_id: str, *,
                 audit: AuditRecorder) -> ReviewCampaignRecord:
    """Close the campaign; items still pending stay in the report as not reviewed."""
    principal.require("grants:manage")
    visible_review(repos, principal, review_id)
    review = repos.lock_review(review_id) or _gone(review_id)
    if review.status != "open":
        raise _closed(review)
    closed = ReviewCampaignRecord(review.id, review.org_id, review.name, review.seal_id,
                                  review.started_by, review.started_at, review.due_at,
                                  "closed", principal.actor().name, clock.now())
    repos.save_review(closed)
    audit.record("review.close", org_id=review.org_id, target=f"review:{review.id}",
                 details={"name": review.name, **progress(repos, review.id)})
    return closed


def progress(repos: ReviewRepos, review_id: str) -> dict[str, int]:
    """How many items are pending, confirmed and revoked, and in all."""
    counts = repos.review_counts(review_id)
    found = {d: counts.get(d, 0) for d in DECISIONS}
    return {**found, "total": sum(found.values())}


def _gone(review_id: str) -> ReviewCampaignRecord:
    raise review_not_found(review_id)


def _closed(review: ReviewCampaignRecord) -> Conflict:
    return Conflict("REVIEW_CLOSED", "该权限审核已结束，不能再更改",
                    "This permission review is closed and can no longer be changed",
                    field="review", review=review.id)


def _decided(item: ReviewItemRecord) -> Conflict:
    return Conflict("REVIEW_ITEM_DECIDED", "该审核项已有结论，不能重复审核",
                    "This item has been decided already", field="item", item=item.id)
