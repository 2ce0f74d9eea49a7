"""Repository methods for imported trust anchors. Never commits."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc_required
from openseal.adapters.db.tables_anchors import TrustAnchorRow
from openseal.core.records import TrustAnchorRecord


class SqlAnchors:
    session: Session

    def add_trust_anchor(self, record: TrustAnchorRecord) -> None:
        self.session.add(TrustAnchorRow(**asdict(record)))
        self.session.flush()

    def list_trust_anchors(self) -> list[TrustAnchorRecord]:
        rows = self.session.scalars(select(TrustAnchorRow).order_by(TrustAnchorRow.added_at))
        return [TrustAnchorRecord(r.id, r.name, r.der, r.sha256, r.subject,
                                  utc_required(r.not_after), r.added_by,
                                  utc_required(r.added_at)) for r in rows]

    def remove_trust_anchor(self, anchor_id: str) -> bool:
        result = self.session.execute(delete(TrustAnchorRow).where(
            TrustAnchorRow.id == anchor_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
