"""Use cases: create a batch job (authorised up front, inputs kept by SHA-256), and find
the jobs a caller may read."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from openseal.core.accounts.principal import ORG_ADMIN, Forbidden, Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.batches.model import BatchItemRecord, BatchJobRecord, BatchOptions
from openseal.core.batches.ports import BatchRepos
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import DocumentStore
from openseal.core.governance.authorize import authorize
from openseal.core.records import SealRecord
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ltv import checked_level
from openseal.core.signing.ofd_service import OFD_LEVEL, refuse_pdf_only
from openseal.errors import Conflict, InvalidInput, NotFound

MAX_FILES = 200
SUMMARY_NAME = "summary.json"  # beside the sealed PDFs in result.zip
# An uploaded file: its name, and a way to read it (raises when it was refused, e.g. too
# large) - read only once the caller is authorised and the job is otherwise valid.
Upload = tuple[str, Callable[[], bytes]]


def batch_not_found(ref: str) -> NotFound:
    return NotFound("BATCH_NOT_FOUND", "找不到该批量盖章任务", f"Batch job '{ref}' not found",
                    field="batch")


def create_batch(repos: BatchRepos, clock: Clock, store: DocumentStore, principal: Principal,
                 seal: SealRecord, options: BatchOptions, files: Sequence[Upload], *,
                 audit: AuditRecorder) -> BatchJobRecord:
    """A queued job sealing ``files`` with ``seal`` as ``principal``. Forbidden (403) unless
    the principal may use the seal for the category now; each document is authorised again
    when it is sealed. Nothing is stored unless the whole job is accepted."""
    now = clock.now()
    authorize(repos, principal, "seals:use", seal, category=options.category, now=now)
    if seal.status != "active":
        raise Conflict("SEAL_INACTIVE", f"印章「{seal.name}」已停用",
                       f"Seal '{seal.name}' is not active")
    options = checked_options(seal, options)
    _check_count(len(files))
    contents = [(name, read()) for name, read in files]
    job = BatchJobRecord(str(uuid.uuid4()), seal.org_id, seal.id, principal.kind,
                         principal.id, principal.name, options, len(contents), now)
    items = [_item(job.id, i, name, store.put(content), len(content))
             for i, (name, content) in enumerate(_unique_names(contents))]
    repos.add_batch(job, items)
    audit.record("batch.create", org_id=seal.org_id, target=f"batch:{job.id}", details={
        "seal": seal.id, "total": job.total, "options": options.to_json(),
        "documents": [i.input_sha256 for i in items]})
    return job


def checked_options(seal: SealRecord, options: BatchOptions) -> BatchOptions:
    """The job's options, checked for its seal: an SM2 seal seals OFD files (GB/T 38540;
    its PDFs are refused one by one, SEAL_ALGORITHM_PDF), so the PDF-only options are
    refused; ``lock`` needs an SM2 seal (its OFD files)."""
    if options.cross_page:
        cross_page(options.pages, options.edge)  # a bad range or edge: refused now
    if seal.algorithm == "sm2":
        given = {"level": options.level not in ("B-T", OFD_LEVEL), "size": options.size,
                 "reason": options.reason, "location": options.location}
        refuse_pdf_only([name for name, on in given.items() if on])
        return replace(options, level=OFD_LEVEL)
    if options.lock:
        raise InvalidInput("LOCK_OFD_ONLY", "lock 只用于 OFD 文件（须用 SM2 印章）",
                           "lock is for OFD files (sealed with an SM2 seal)", field="lock")
    return replace(options, level=checked_level(options.level))


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_FILES:
        raise InvalidInput("BATCH_FILES", f"一个批量任务须有 1 至 {MAX_FILES} 份文件",
                           f"A batch job takes 1 to {MAX_FILES} files", field="files")


def _item(batch_id: str, index: int, name: str, sha256: str, size: int) -> BatchItemRecord:
    return BatchItemRecord(str(uuid.uuid4()), batch_id, index, name, sha256, size)


def _unique_names(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Plain file names (no folders, no control characters), made unique: they name the
    outputs in result.zip."""
    seen = {SUMMARY_NAME}
    out = []
    for name, content in files:
        base = safe_file_name(name)
        stem, dot, ext = base.rpartition(".") if "." in base else (base, "", "")
        unique, n = base, 1
        while unique.lower() in seen:
            n += 1
            unique = f"{stem} ({n}){dot}{ext}"
        seen.add(unique.lower())
        out.append((unique, content))
    return out


def safe_file_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    clean = "".join(ch for ch in base if ch.isprintable()).strip(". ")
    return clean[:200] or "document.pdf"


def visible_batch(repos: BatchRepos, principal: Principal, batch_id: str) -> BatchJobRecord:
    """The job, for its creator, the organisation's administrators and auditors (and
    clients reading the audit trail). Another organisation's job is not found (audited);
    someone else's job in the organisation is Forbidden."""
    job = repos.get_batch(batch_id)
    if job is None or job.id != batch_id:
        raise batch_not_found(batch_id)
    principal.owns(job.org_id, "batch", batch_id, batch_not_found(batch_id))
    if not (is_creator(principal, job) or reads_every_batch(principal)):
        exc = Forbidden("BATCH_FORBIDDEN", "只有任务创建人、系统管理员和审计员可以查看该任务",
                        "Only the job's creator, administrators and auditors may read it")
        exc.target, exc.org_id = f"batch:{batch_id}", principal.org_id
        raise exc
    return job


def is_creator(principal: Principal, job: BatchJobRecord) -> bool:
    return (principal.kind, principal.id) == (job.creator_kind, job.creator_id)


def reads_every_batch(principal: Principal) -> bool:
    return ORG_ADMIN in principal.roles or principal.may("audit:read")


def list_batches(repos: BatchRepos, principal: Principal, limit: int = 100
                 ) -> list[BatchJobRecord]:
    """The organisation's jobs (administrators, auditors), else the caller's own."""
    creator = None if reads_every_batch(principal) else (principal.kind, principal.id)
    return repos.list_batches(principal.org, creator, limit)
