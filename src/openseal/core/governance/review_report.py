"""What a permission review shows: items with names, the overdue list, the CSV report.

The CSV is UTF-8 with a byte-order mark (so that Excel reads Chinese correctly), one row per
item; any cell a spreadsheet would take for a formula (starting with = + - @, a tab or a
carriage return) gets a leading apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from openseal.core.governance.review_ports import ReviewRepos
from openseal.core.governance.review_records import ReviewCampaignRecord, ReviewItemRecord
from openseal.core.governance.roles import ROLE_NAMES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("印章 / seal", "被授权方类型 / grantee kind", "被授权方 / grantee",
           "级别 / level", "需审批 / approval required", "文件类别 / categories",
           "有效期至 / valid until", "已用/上限 / uses/max", "审核人 / reviewer",
           "结论 / decision", "决定人 / decided by", "决定时间 / decided at",
           "意见 / comment")
DECISION_LABELS = {"pending": "待审核 / pending", "confirmed": "确认保留 / confirmed",
                   "revoked": "已撤销 / revoked", "not_reviewed": "未审核 / not reviewed"}
ANY_CUSTODIAN = "任一印章管理员 / any custodian"


@dataclass(frozen=True)
class ItemView:
    """An item with the names a person reads (seal, grantee, reviewer)."""

    item: ReviewItemRecord
    seal_name: str
    grantee_name: str
    reviewer_name: str | None


class _Names:
    def __init__(self, repos: ReviewRepos) -> None:
        self.repos = repos
        self.known: dict[tuple[str, str], str] = {}

    def of(self, kind: str, ref: str) -> str:
        if (kind, ref) not in self.known:
            self.known[kind, ref] = self._look_up(kind, ref)
        return self.known[kind, ref]

    def _look_up(self, kind: str, ref: str) -> str:
        if kind == "seal":
            seal = self.repos.get_seal(ref)
            return seal.name if seal and seal.id == ref else ref
        if kind == "user":
            user = self.repos.get_user(ref)
            return user.username if user else ref
        if kind == "client":
            client = self.repos.get_api_client(ref)
            return client.name if client else ref
        zh = ROLE_NAMES.get(ref, (ref, ref))[0]
        return f"{zh} ({ref})"


def views(repos: ReviewRepos, items: list[ReviewItemRecord]) -> list[ItemView]:
    names = _Names(repos)
    return [ItemView(i, names.of("seal", i.seal_id), names.of(i.grantee_kind, i.grantee),
                     names.of("user", i.reviewer_id) if i.reviewer_id else None)
            for i in items]


def overdue_reviews(repos: ReviewRepos, org_id: str | None, now: datetime
                    ) -> list[tuple[ReviewCampaignRecord, list[ReviewItemRecord]]]:
    """Pending items of open campaigns past their due time, by campaign (None: every org)."""
    grouped: dict[str, list[ReviewItemRecord]] = {}
    for item in repos.overdue_review_items(org_id, now):
        grouped.setdefault(item.campaign_id, []).append(item)
    found = [(repos.get_review(rid), items) for rid, items in grouped.items()]
    return sorted(((r, items) for r, items in found if r is not None),
                  key=lambda pair: (pair[0].due_at, pair[0].id))


def decision_of(review: ReviewCampaignRecord, item: ReviewItemRecord) -> str:
    """pending | confirmed | revoked, or not_reviewed: pending when the campaign closed."""
    if item.decision == "pending" and review.status == "closed":
        return "not_reviewed"
    return item.decision


def report_rows(repos: ReviewRepos, review: ReviewCampaignRecord) -> list[list[str]]:
    rows = [list(COLUMNS)]
    for v in views(repos, repos.list_review_items(review.id)):
        t, i = v.item.terms, v.item
        categories = t.get("categories") or []
        assert isinstance(categories, list)
        max_uses = t.get("max_uses")
        rows.append([
            v.seal_name, i.grantee_kind, v.grantee_name, str(t.get("level", "")),
            "是 / yes" if t.get("approval_required") else "否 / no",
            "; ".join(str(c) for c in categories) or "任意 / any",
            str(t.get("valid_until") or ""),
            f"{t.get('uses', 0)}/{'-' if max_uses is None else max_uses}",
            v.reviewer_name or ANY_CUSTODIAN, DECISION_LABELS[decision_of(review, i)],
            i.decided_by or "", i.decided_at.isoformat() if i.decided_at else "",
            i.comment or ""])
    return rows


def report_csv(repos: ReviewRepos, review: ReviewCampaignRecord) -> bytes:
    """The campaign's report: CSV, UTF-8 with BOM, CRLF line ends, formulas defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[safe_cell(c) for c in row] for row in report_rows(repos, review)])
    return out.getvalue().encode("utf-8-sig")


def safe_cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
