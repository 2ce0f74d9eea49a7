"""What templates need from storage, on top of the approval repositories."""

from __future__ import annotations

from typing import Protocol

from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.templates.model import TemplateRecord


class TemplateRepos(ApprovalRepos, Protocol):
    def add_template(self, record: TemplateRecord) -> None: ...
    def get_template(self, template_id: str) -> TemplateRecord | None: ...
    def templates_named(self, name: str, org_id: str | None = None
                        ) -> list[TemplateRecord]:
        """Templates called ``name`` (in ``org_id``, or in any organisation)."""
        ...
    def list_templates(self, org_id: str) -> list[TemplateRecord]: ...
    def update_template(self, record: TemplateRecord, expected_version: int) -> bool:
        """Store ``record`` if the stored row still has ``expected_version``."""
        ...
    def delete_template(self, template_id: str) -> None: ...
