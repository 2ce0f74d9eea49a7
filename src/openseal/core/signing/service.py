"""Use case: seal a document with a seal, and record that it was sealed."""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki.service import PkiService
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.ports import Repositories
from openseal.core.records import SealedDocumentRecord, SealRecord
from openseal.core.seals.service import find_seal
from openseal.core.signing.appearance import SealImage
from openseal.core.signing.inspect import timestamp_serial
from openseal.core.signing.pdf import PdfSealer, SealRequest
from openseal.core.signing.signer import KeyStoreSigner
from openseal.errors import Conflict


@dataclass(frozen=True)
class SealedDocument:
    pdf: bytes
    record: SealedDocumentRecord


class SealerCache:
    """One PdfSealer per seal, kept for the life of the process (no key or chain reloads)."""

    def __init__(self) -> None:
        self._sealers: dict[str, PdfSealer] = {}
        self._lock = threading.Lock()

    def get(self, seal: SealRecord, pki: PkiService, keystore: KeyStore) -> PdfSealer:
        with self._lock:
            sealer = self._sealers.get(seal.id)
            if sealer is None:
                sealer = _build_sealer(seal, pki, keystore)
                self._sealers[seal.id] = sealer
            return sealer


def _build_sealer(seal: SealRecord, pki: PkiService, keystore: KeyStore) -> PdfSealer:
    signer = KeyStoreSigner(keystore, seal.key_id, pki.certificate(seal.cert_id),
                            pki.chain(seal.cert_id))
    art = seal.artwork
    image = SealImage(art.width_mm, art.height_mm, vector=art.vector,
                      png=None if art.vector else art.png)
    return PdfSealer(signer, image, InProcessTimeStamper(pki.timestamp_authority()))


def seal_document(
    repos: Repositories, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, seal_ref: str, pdf: bytes, request: SealRequest, *,
    audit: AuditRecorder,
) -> SealedDocument:
    """Seal ``pdf``; the caller commits the returned record together with the output."""
    seal = find_seal(repos, seal_ref)
    if seal.status != "active":
        raise Conflict("SEAL_INACTIVE", f"印章「{seal.name}」已停用", f"Seal '{seal.name}' is "
                       "not active")
    sealed, field_name = cache.get(seal, pki, keystore).seal(pdf, request)
    record = SealedDocumentRecord(
        id=str(uuid.uuid4()), seal_id=seal.id, field_name=field_name,
        input_sha256=hashlib.sha256(pdf).hexdigest(),
        output_sha256=hashlib.sha256(sealed).hexdigest(), output_size=len(sealed),
        created_at=clock.now())
    repos.add_sealed_document(record)
    audit.record("seal.use", org_id=seal.org_id, target=f"seal:{seal.id}", details={
        "document": record.id, "input_sha256": record.input_sha256,
        "output_sha256": record.output_sha256, "field": field_name,
        "cert_serial": pki.certificate_serial(seal.cert_id),
        "timestamp_serial": timestamp_serial(sealed), "page": request.placement.page})
    return SealedDocument(sealed, record)
