"""The approval chain a seal carries (see core.signing.approval), as the report shows it.

Shown only for a signature that is intact and valid (the chain is a signed attribute, so
it is then as authentic as the seal). ``document_matches`` says whether the bytes the seal
was applied to (the file up to an earlier end-of-file marker) have the SHA-256 the
approvers approved.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from openseal.core.signing.approval import read_approval
from openseal.core.verification.revisions import revision_ends


def approval_of(embedded: EmbeddedPdfSignature, data: bytes, status: Any
                ) -> dict[str, Any] | None:
    if not (getattr(status, "intact", False) and getattr(status, "valid", False)):
        return None
    chain = read_approval(embedded.signer_info["signed_attrs"])
    if chain is None:
        return None
    start = embedded.byte_range[2] if len(embedded.byte_range) == 4 else len(data)
    approved = chain.get("document_sha256")
    return {**chain, "document_matches": isinstance(approved, str)
            and approved in _revision_hashes(data[:start])}


def _revision_hashes(head: bytes) -> set[str]:
    """SHA-256 of ``head`` and of each earlier revision in it: what the seal may have been
    applied to."""
    return {hashlib.sha256(head[:end]).hexdigest() for end in (*revision_ends(head),
                                                                len(head))}
