"""What batch jobs need from storage, on top of what sealing needs."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from openseal.core.batches.model import BatchItemRecord, BatchJobRecord, ItemOutcome
from openseal.core.governance.approval_ports import ApprovalRepos


class BatchRepos(ApprovalRepos, Protocol):
    def add_batch(self, job: BatchJobRecord, items: list[BatchItemRecord]) -> None: ...
    def get_batch(self, batch_id: str) -> BatchJobRecord | None: ...
    def list_batches(self, org_id: str, creator: tuple[str, str] | None, limit: int
                     ) -> list[BatchJobRecord]:
        """Newest first; only those of ``creator`` (kind, id) when given."""
        ...
    def list_batch_items(self, batch_id: str) -> list[BatchItemRecord]:
        """In the order of the upload."""
        ...
    def get_batch_item(self, item_id: str) -> BatchItemRecord | None: ...
    def batch_counts(self, batch_id: str) -> dict[str, int]:
        """How many items have each status."""
        ...
    def next_batch_items(self, stale_before: datetime, limit: int) -> list[BatchItemRecord]:
        """Items to claim, oldest job first: queued, or running on a claim taken before
        ``stale_before`` (its runner died)."""
        ...
    def claim_batch_item(self, item_id: str, claim: str, now: datetime,
                         stale_before: datetime) -> bool:
        """Take the item with a conditional UPDATE (queued, or its claim is stale); False
        when someone else has it (even in a transaction running at the same time)."""
        ...
    def finish_batch_item(self, item_id: str, claim: str, outcome: ItemOutcome,
                          now: datetime) -> bool:
        """Record the outcome if the item is still running on ``claim``; False otherwise
        (the claim was retaken: then the caller's transaction must not commit)."""
        ...
    def running_batch_items(self) -> int:
        """How many items are claimed now (by live runners, or by dead ones until their
        claims go stale)."""
        ...
