"""Use case: seal a document with a seal, and record that it was sealed.

The caller is authorised first (``seals:use`` on the seal, see core.governance.authorize);
one use of the grant that allows it is spent in the same transaction, right before the
record is written, with a conditional UPDATE of the grant row. A revocation is an UPDATE of
the same row, so the two serialise: no sealing commits after the revocation that stops it.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.governance.authorize import authorize, spend_grant
from openseal.core.governance.tickets import checked_ticket, spend_ticket
from openseal.core.keys.model import KeyStore
from openseal.core.pki.service import PkiService
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.records import (
    GrantRecord,
    SealedDocumentRecord,
    SealRecord,
    TicketRecord,
)
from openseal.core.seals.service import find_seal
from openseal.core.signing.appearance import SealImage
from openseal.core.signing.inspect import timestamp_serial
from openseal.core.signing.ltv import B_T, checked_level, extend, validation_context
from openseal.core.signing.pdf import PdfSealer, SealRequest
from openseal.core.signing.signer import KeyStoreSigner
from openseal.errors import Conflict, InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class SealedDocument:
    pdf: bytes
    record: SealedDocumentRecord


class SealerCache:
    """One PdfSealer per seal, kept for the life of the process (no key or chain reloads).

    Each entry remembers the certificate it was built for: when the seal's record (read
    from the database for every use) names another certificate, because the seal was renewed
    here or on another server, the entry is rebuilt. So several servers never seal with a
    certificate that one of them has replaced.
    """

    def __init__(self) -> None:
        self._sealers: dict[str, tuple[str, PdfSealer]] = {}
        self._others: dict[tuple[str, str], tuple[str, Any]] = {}  # (kind, seal id)
        self._lock = threading.Lock()

    def get(self, seal: SealRecord, pki: PkiService, keystore: KeyStore) -> PdfSealer:
        with self._lock:
            cert_id, sealer = self._sealers.get(seal.id, ("", None))
            if sealer is None or cert_id != seal.cert_id:
                sealer = _build_sealer(seal, pki, keystore)
                self._sealers[seal.id] = (seal.cert_id, sealer)
            return sealer

    def other(self, kind: str, seal: SealRecord, build: Callable[[], T]) -> T:
        """Another kind of sealer of ``seal`` (``ofd``: core.signing.ofd_service), built
        once per certificate by ``build``; ``forget`` drops it too."""
        with self._lock:
            cert_id, found = self._others.get((kind, seal.id), ("", None))
            if found is None or cert_id != seal.cert_id:
                found = build()
                self._others[(kind, seal.id)] = (seal.cert_id, found)
            return cast(T, found)

    def forget(self, seal_id: str) -> None:
        """Drop the cached sealer of ``seal_id`` (after its certificate is revoked or
        renewed); the next use builds it again from the stored state."""
        with self._lock:
            self._sealers.pop(seal_id, None)
            for key in [k for k in self._others if k[1] == seal_id]:
                del self._others[key]


def refuse_sm2_for_pdf(seal: SealRecord) -> None:
    """An SM2 seal stamps OFD files (GB/T 38540): PDF signatures (PAdES, pyHanko) cannot
    use SM2, so sealing a PDF with one is refused before any work is done."""
    if seal.algorithm == "sm2":
        raise InvalidInput("SEAL_ALGORITHM_PDF",
                           f"印章「{seal.name}」是 SM2 印章，用于 OFD 文件，不能加盖在 PDF 上",
                           f"Seal '{seal.name}' is an SM2 seal: an SM2 seal stamps OFD "
                           "files, not PDFs", field="seal", algorithm="sm2")


def _build_sealer(seal: SealRecord, pki: PkiService, keystore: KeyStore) -> PdfSealer:
    refuse_sm2_for_pdf(seal)
    signer = KeyStoreSigner(keystore, seal.key_id, pki.certificate(seal.cert_id),
                            pki.chain(seal.cert_id))
    art = seal.artwork
    image = SealImage(art.width_mm, art.height_mm, vector=art.vector,
                      png=None if art.vector else art.png)
    return PdfSealer(signer, image, InProcessTimeStamper(pki.timestamp_authority()))


@dataclass(frozen=True)
class PreparedSeal:
    """A document sealed in memory, authorised but not yet recorded (``record_seal``)."""
    seal: SealRecord
    principal: Principal
    grant: GrantRecord | None
    permission: str
    ticket: TicketRecord | None
    document_id: str
    input_sha256: str
    pdf: bytes
    field_name: str
    page: int
    warnings: tuple[str, ...]
    category: str | None
    level: str
    cert_serial: str  # of the certificate that signed
    output_sha256: str
    timestamp_serial: str | None  # of the signature's timestamp token


def seal_document(
    repos: ApprovalRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, seal_ref: str, pdf: bytes, request: SealRequest, *,
    audit: AuditRecorder, principal: Principal, category: str | None = None,
    ticket_id: str | None = None, qr_base: str | None = None, level: str | None = None,
) -> SealedDocument:
    """Seal ``pdf`` as ``principal``; the caller commits the returned record together with
    the output. Forbidden (403) unless ``principal`` may use the seal directly, or holds a
    ticket for exactly this document and seal (then the approval chain goes into the
    signature, and the ticket is used once). With ``qr_base`` (the public URL), a QR code
    beside the seal links to ``{qr_base}/v/{document id}``. ``level`` B-LT / B-LTA adds
    the validation data (and a document timestamp) for long-term validation."""
    prepared = prepare_seal(repos, pki, keystore, clock, cache, seal_ref, pdf, request,
                            principal=principal, category=category, ticket_id=ticket_id,
                            qr_base=qr_base, level=level)
    return record_seal(repos, pki, clock, prepared, audit=audit)


def prepare_seal(
    repos: ApprovalRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, seal_ref: str, pdf: bytes, request: SealRequest, *,
    principal: Principal, category: str | None = None, ticket_id: str | None = None,
    qr_base: str | None = None, level: str | None = None, seal: SealRecord | None = None,
) -> PreparedSeal:
    """The first half of ``seal_document``: authorise (reads only) and seal in memory.
    Nothing is written, so a batch can prepare many documents before it takes the
    database's write lock to record them all (``record_seal``, which checks again).
    ``seal``: the seal ``seal_ref`` names, when the caller read it in this transaction."""
    level = checked_level(level)
    seal = seal if seal is not None and seal.id == seal_ref else find_seal(repos, seal_ref)
    digest = hashlib.sha256(pdf).hexdigest()
    use = authorised_use(repos, principal, seal, digest, clock, category, ticket_id)
    grant, ticket, permission, category = use.grant, use.ticket, use.permission, use.category
    if ticket is not None:
        request = replace(request, approval=ticket.chain)
    refuse_sm2_for_pdf(seal)
    active_seal(seal)
    document_id = str(uuid.uuid4())
    if qr_base is not None:
        request = replace(request, qr_url=f"{qr_base.rstrip('/')}/v/{document_id}")
    sealer = cache.get(seal, pki, keystore)
    done = sealer.seal_document(pdf, request)
    sealed = _at_level(done.pdf, done.field_name, level, pki)
    # B-T: the token just made; a later level may add signatures: read back what is last.
    stamp = done.timestamp_serial
    if sealed is not done.pdf or stamp is None:
        stamp = timestamp_serial(sealed)
    return PreparedSeal(seal, principal, grant, permission, ticket, document_id, digest,
                        sealed, done.field_name, done.page, tuple(done.warnings), category,
                        level, sealer.cert_serial, hashlib.sha256(sealed).hexdigest(), stamp)


def record_seal(repos: ApprovalRepos, pki: PkiService, clock: Clock, prepared: PreparedSeal,
                *, audit: AuditRecorder) -> SealedDocument:
    """The second half of ``seal_document``: spend the grant (the re-check at commit) and
    the ticket, store the record and its ``seal.use`` audit entry, in the caller's
    transaction."""
    p, seal, ticket = prepared, prepared.seal, prepared.ticket
    spend_grant(repos, p.principal, p.grant, clock.now(), p.permission)
    record = SealedDocumentRecord(
        id=p.document_id, seal_id=seal.id, field_name=p.field_name,
        input_sha256=p.input_sha256, output_sha256=p.output_sha256,
        output_size=len(p.pdf), created_at=clock.now(), ticket_id=ticket.id if ticket else None)
    if ticket is not None:
        spend_ticket(repos, ticket, clock.now(), record.id)
    repos.add_sealed_document(record)
    audit.record("seal.use", org_id=seal.org_id, target=f"seal:{seal.id}", details={
        "document": record.id, "input_sha256": record.input_sha256,
        "output_sha256": record.output_sha256, "field": p.field_name,
        "cert_serial": p.cert_serial,
        "timestamp_serial": p.timestamp_serial, "page": p.page,
        "grant": p.grant.id if p.grant else None, "category": p.category,
        "warnings": list(p.warnings), "level": p.level,
        **(_approval_details(ticket) if ticket else {})})
    return SealedDocument(p.pdf, record)


@dataclass(frozen=True)
class AuthorisedUse:
    """Who may seal, and by what: a grant for ``seals:use``, or a ticket (with the grant
    for ``seals:request``) for exactly this document; the request's category with a ticket."""

    grant: GrantRecord | None
    ticket: TicketRecord | None
    permission: str
    category: str | None


def authorised_use(repos: ApprovalRepos, principal: Principal, seal: SealRecord,
                   digest: str, clock: Clock, category: str | None,
                   ticket_id: str | None) -> AuthorisedUse:
    """The one authorisation of a seal's use, for PDF and OFD alike (reads only)."""
    if ticket_id is None:
        grant = authorize(repos, principal, "seals:use", seal, category=category,
                          now=clock.now())
        return AuthorisedUse(grant, None, "seals:use", category)
    ticket = checked_ticket(repos, principal, ticket_id, seal, digest, clock.now())
    category = _request_category(repos, ticket)
    grant = authorize(repos, principal, "seals:request", seal, category=category,
                      now=clock.now())
    return AuthorisedUse(grant, ticket, "seals:request", category)


def active_seal(seal: SealRecord) -> None:
    if seal.status != "active":
        raise Conflict("SEAL_INACTIVE", f"印章「{seal.name}」已停用", f"Seal '{seal.name}' is "
                       "not active")


def _at_level(sealed: bytes, field_name: str, level: str, pki: PkiService) -> bytes:
    if level == B_T:
        return sealed
    context = validation_context(pki.trust_anchors(), pki.revocation_lists())
    return extend(sealed, field_name, level, context,
                  InProcessTimeStamper(pki.timestamp_authority()))


def _request_category(repos: ApprovalRepos, ticket: TicketRecord) -> str | None:
    made = repos.get_use_request(ticket.request_id)
    return made.category if made else None


def _approval_details(ticket: TicketRecord) -> dict[str, object]:
    chain = ticket.chain
    return {"ticket": ticket.id, "request": ticket.request_id,
            "requester": chain.get("requester"), "approvers": chain.get("approvers")}
