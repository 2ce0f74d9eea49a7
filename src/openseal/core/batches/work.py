"""Running a job: claim one item, seal it in the caller's transaction, or record why not.

The claim is a conditional UPDATE committed on its own, so two runners (two servers on one
PostgreSQL) never work on one item; a claim older than ``stale_before`` belongs to a runner
that died and is taken again. Sealing and the item's ``sealed`` status go into ONE
transaction, the item's UPDATE conditional on the claim: a runner whose claim was retaken
meanwhile cannot commit, so every item is sealed exactly once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from openseal.core.accounts.principal import AccessDenied, Principal
from openseal.core.audit.recorder import Actor, AuditRecorder
from openseal.core.batches.creator import creator_principal
from openseal.core.batches.model import (
    ERROR,
    SEALED,
    BatchItemRecord,
    BatchJobRecord,
    BatchOptions,
    ItemOutcome,
)
from openseal.core.batches.ports import BatchRepos
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import DocumentStore
from openseal.core.keys.model import KeyStore
from openseal.core.pki.service import PkiService
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ofd_service import (
    OFD_LEVEL,
    OfdSealRequest,
    is_ofd_upload,
    ofd_stamps,
    seal_ofd_document,
)
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.errors import Conflict, NotFound, OpenSealError


def claim_next(repos: BatchRepos, now: datetime, stale_before: datetime
               ) -> tuple[BatchItemRecord, str] | None:
    """Claim the next item to seal: (the item, the claim), or None when none is left."""
    for item in repos.next_batch_items(stale_before, limit=20):
        claim = str(uuid.uuid4())
        if repos.claim_batch_item(item.id, claim, now, stale_before):
            return item, claim
    return None


def seal_request(options: BatchOptions) -> SealRequest:
    """The placement and texts of the job's seal, from its options."""
    return SealRequest(Placement(options.page, options.x, options.y, options.size),
                       options.reason, options.location, keyword=options.keyword,
                       cross_page=cross_page(options.pages, options.edge)
                       if options.cross_page else None)


def ofd_seal_request(options: BatchOptions) -> OfdSealRequest:
    """Where the job's seal goes on an OFD file, from its options."""
    return OfdSealRequest(ofd_stamps(page=options.page, x_mm=options.x, y_mm=options.y,
                                     keyword=options.keyword, cross_page=options.cross_page,
                                     pages=options.pages, edge=options.edge),
                          lock=options.lock)


def seal_one(repos: BatchRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
             cache: SealerCache, job: BatchJobRecord, pdf: bytes, principal: Principal, *,
             audit: AuditRecorder, file_name: str | None = None) -> SealedDocument:
    """Seal one document of the job as ``principal``: the job's options become the sealing
    steps here. An OFD file (told by content, as ``POST /documents/seal`` does) is sealed
    by ``seal_ofd_document`` (an SM2 seal; an ECDSA seal is refused SEAL_ALGORITHM_OFD),
    a PDF by ``seal_document`` (an SM2 seal is refused SEAL_ALGORITHM_PDF). The seam for
    document templates: a job made from a template (an option such as ``template_id``)
    would run the template's steps here instead (its seals and placements, e.g. through
    core.templates.apply) and return the last SealedDocument."""
    options = job.options
    if is_ofd_upload(pdf, file_name):
        return seal_ofd_document(repos, pki, keystore, clock, cache, job.seal_id, pdf,
                                 ofd_seal_request(options), audit=audit,
                                 principal=principal, category=options.category)
    return seal_document(repos, pki, keystore, clock, cache, job.seal_id, pdf,
                         seal_request(options), audit=audit, principal=principal,
                         category=options.category,
                         level=None if options.level == OFD_LEVEL else options.level)


def seal_item(repos: BatchRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
              cache: SealerCache, store: DocumentStore, job: BatchJobRecord,
              item: BatchItemRecord, claim: str, *, audit: AuditRecorder) -> ItemOutcome:
    """Seal the claimed item as the job's creator and record it as sealed, all in the
    caller's transaction (the sealed bytes are stored before it commits). Raises what
    sealing raises, or Conflict BATCH_CLAIM_LOST when the claim was retaken."""
    pdf = store.get(item.input_sha256)
    if pdf is None:
        raise NotFound("BATCH_INPUT_MISSING", "批量任务的原文件已丢失",
                       "The job's input file is missing from the document store")
    principal = creator_principal(repos, clock, job)
    audit.actor = principal.actor()
    done = seal_one(repos, pki, keystore, clock, cache, job, pdf, principal, audit=audit,
                    file_name=item.file_name)
    store.put(done.pdf)  # durable before the commit that names it
    outcome = ItemOutcome(SEALED, done.record.id, done.record.output_sha256)
    if not repos.finish_batch_item(item.id, claim, outcome, clock.now()):
        raise claim_lost()
    return outcome


def claim_lost() -> Conflict:
    return Conflict("BATCH_CLAIM_LOST", "该文件已由另一个进程处理",
                    "Another runner took this document over")


def fail_item(repos: BatchRepos, job: BatchJobRecord, item: BatchItemRecord, claim: str,
              exc: OpenSealError, now: datetime, *, audit: AuditRecorder) -> bool:
    """Record why the item could not be sealed (the job goes on), with the refusal in the
    audit trail as a refused ``seal.use`` (``authz.denied`` for a permission refusal), as
    for any sealing; False (nothing recorded) if the claim was lost meanwhile."""
    error = {"code": exc.code, "zh": exc.zh, "en": exc.en,
             **{k: v for k, v in exc.to_dict().items() if k not in ("error", "message")}}
    if not repos.finish_batch_item(item.id, claim, ItemOutcome(ERROR, error=error), now):
        return False
    denied = isinstance(exc, AccessDenied)
    audit.actor = Actor(f"{job.creator_kind}:{job.creator_name}", job.creator_kind,
                        agent="batch")
    audit.record("authz.denied" if denied else "seal.use", "denied" if denied else "refused",
                 org_id=job.org_id, target=getattr(exc, "target", None) if denied
                 else f"seal:{job.seal_id}",
                 details={"batch": job.id, "file": item.file_name,
                          "input_sha256": item.input_sha256, "error": exc.code})
    return True
