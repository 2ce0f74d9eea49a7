"""Was this document issued here? The registry answer a verification adds to its verdict.

Every sealed output is recorded (``sealed_documents``) with its SHA-256: exactly the signed
revision as it left OpenSeal. A file is looked up as a whole ("this is document #id issued
by X on date") and, failing that, by each earlier revision it contains, i.e. each prefix
ending at an end-of-file marker ("document #id plus N bytes added after sealing"); else it
was "not issued by this platform". Of several issued revisions the latest (longest) counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openseal.core.ports import Repositories
from openseal.core.records import SealedDocumentRecord
from openseal.core.verification.revisions import revision_ends
from openseal.errors import NotFound

ISSUED = "issued"
ISSUED_PLUS_BYTES = "issued_plus_bytes"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class RegistryMatch:
    status: str
    document_id: str | None = None
    organization: str | None = None
    organization_id: str | None = None
    seal: str | None = None
    seal_id: str | None = None
    sealed_at: datetime | None = None
    ticket: str | None = None
    issued_sha256: str | None = None
    issued_size: int | None = None
    added_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "document_id": self.document_id,
                "organization": self.organization, "organization_id": self.organization_id,
                "seal": self.seal, "seal_id": self.seal_id,
                "sealed_at": None if self.sealed_at is None else
                self.sealed_at.isoformat().replace("+00:00", "Z"),
                "ticket": self.ticket, "issued_sha256": self.issued_sha256,
                "issued_size": self.issued_size, "added_bytes": self.added_bytes}

    def sentence(self, lang: str = "zh") -> str:
        """The registry's answer in words, for people."""
        en = lang.startswith("en")
        day = self.sealed_at.date().isoformat() if self.sealed_at else "?"
        if self.status == ISSUED:
            return (f"This is document #{self.document_id}, issued by {self.organization} on "
                    f"{day} with the seal '{self.seal}'." if en else
                    f"这是 {self.organization} 于 {day} 用「{self.seal}」签发的文件 "
                    f"#{self.document_id}。")
        if self.status == ISSUED_PLUS_BYTES:
            return (f"This is document #{self.document_id} (issued by {self.organization} on "
                    f"{day}) plus {self.added_bytes} bytes added after sealing." if en else
                    f"这是 {self.organization} 于 {day} 签发的文件 #{self.document_id}，"
                    f"但盖章后又追加了 {self.added_bytes} 字节。")
        return ("This document was not issued by this platform." if en
                else "此文件不是本平台签发的。")


def registry_match(repos: Repositories, data: bytes) -> RegistryMatch:
    """What the registry knows of ``data``: the whole file, else its latest issued
    revision, else nothing."""
    prefixes = {hashlib.sha256(data).hexdigest(): len(data)}
    for end in revision_ends(data):
        prefixes.setdefault(hashlib.sha256(data[:end]).hexdigest(), end)
    found = repos.find_issued(list(prefixes))
    if not found:
        return RegistryMatch(UNKNOWN)
    best = max(found, key=lambda d: (prefixes[d.output_sha256], d.created_at))
    return _match(repos, best, len(data) - prefixes[best.output_sha256])


def registry_entry(repos: Repositories, document_id: str) -> RegistryMatch:
    """The registry entry of one issued document (public: whoever holds its id)."""
    record = repos.get_sealed_document(document_id)
    if record is None or record.id != document_id:
        raise NotFound("DOCUMENT_NOT_FOUND", "本平台没有签发过这份文件",
                       "No such document was issued here", field="document")
    return _match(repos, record, 0)


def _match(repos: Repositories, record: SealedDocumentRecord, added: int) -> RegistryMatch:
    seal = repos.get_seal(record.seal_id)
    org = repos.get_organization(seal.org_id) if seal else None
    return RegistryMatch(
        ISSUED if added == 0 else ISSUED_PLUS_BYTES, record.id,
        org.name if org else None, org.id if org else None,
        seal.name if seal else None, record.seal_id, record.created_at, record.ticket_id,
        record.output_sha256, record.output_size, added)
