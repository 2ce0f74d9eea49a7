"""One worker process of `openseal batch` (multiprocessing "spawn"): one Wiring and one
SealerCache for its life; seals the documents it is given, one transaction each.

Per document (key = batch_key(...)), in this order:
  1. journal entry present  -> the output must be there with the journalled SHA-256
                               ("already"), else OUTPUT_MISSING (never sealed twice);
  2. staged file present    -> committed (a record with its SHA-256 exists)? publish it
                               ("recovered"); not committed -> delete it, go on;
  3. output file present    -> ours (a record with its SHA-256)? journal it ("already");
                               else OUTPUT_EXISTS (a file we did not make is never replaced);
  4. seal: in ONE transaction seal_document + stage the bytes (fsync); commit; rename the
     staged file to the output; write the journal entry.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.config import Settings
from openseal.core.audit.recorder import Actor
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ofd_service import (
    OFD_LEVEL,
    OfdSealRequest,
    is_ofd_upload,
    ofd_stamps,
    refuse_pdf_only,
    seal_ofd_document,
)
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.core.templates.apply import seal_with_template, template_steps
from openseal.errors import Conflict, OpenSealError
from openseal.interfaces.cli.batch_journal import Journal, batch_key, sha256_file
from openseal.interfaces.cli.operator import operator, os_user
from openseal.interfaces.cli.output import lang

CRASH_ENV = "OPENSEAL_BATCH_CRASH_AFTER"  # tests only: "<n>:<point>[:all]"
POINTS = ("staged", "committed", "renamed")


@dataclass(frozen=True)
class Task:
    infile: str
    out_dir: str
    seal_id: str
    org_id: str
    page: int
    x: float | None
    y: float | None
    level: str
    template_id: str | None = None  # then seal_id is its last stamp's seal
    template_version: int | None = None
    keyword: str | None = None  # centre the seal on this text (PDF and OFD)
    cross_page: bool = False  # also a riding seal (骑缝章) over ``pages`` at ``edge``
    pages: str | None = None
    edge: str = "right"
    lock: bool = False  # OFD only: the seal locks the signature list

    def options(self) -> dict[str, Any]:
        """What makes a document's sealing this one (in its batch key and journal): a
        changed template is another sealing, not work already done. The keyword, riding
        seal and lock options appear only when given (so keys of plain batches stay as
        they were)."""
        base: dict[str, Any] = {"page": self.page, "x": self.x, "y": self.y,
                                "level": self.level}
        if self.keyword is not None:
            base["keyword"] = self.keyword
        if self.cross_page:
            base.update(cross_page=True, pages=self.pages, edge=self.edge)
        if self.lock:
            base["lock"] = True
        if self.template_id is None:
            return base
        return {**base, "template": self.template_id,
                "template_version": self.template_version}


class _State:
    wiring: Wiring
    cache: SealerCache
    sealed = 0
    lock: IO[bytes] | None = None


state = _State()


def start(out_dir: str) -> None:
    """Worker initializer: die with the parent, hold the workers' lock, open the instance."""
    parent = os.getppid()

    def watchdog() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGKILL)  # an orphan never keeps sealing

    threading.Thread(target=watchdog, daemon=True).start()
    state.lock = Journal(Path(out_dir)).lock("workers.lock", shared=True)
    state.wiring = Wiring(Settings(), actor=Actor(f"cli:{os_user()}"))
    state.cache = SealerCache()


def request_of(task: Task) -> SealRequest:
    return SealRequest(Placement(task.page, task.x, task.y, None), None, None,
                       keyword=task.keyword,
                       cross_page=cross_page(task.pages, task.edge) if task.cross_page
                       else None)


def ofd_request_of(task: Task) -> OfdSealRequest:
    return OfdSealRequest(ofd_stamps(page=task.page, x_mm=task.x, y_mm=task.y,
                                     keyword=task.keyword, cross_page=task.cross_page,
                                     pages=task.pages, edge=task.edge), lock=task.lock)


def pdf_level(task: Task) -> str | None:
    """The PAdES level for a PDF (none for a batch of an SM2 seal: its PDFs are refused
    as such, SEAL_ALGORITHM_PDF, not for the level)."""
    return None if task.level == OFD_LEVEL else task.level


def crash(point: str, first: int | None = None) -> None:
    """Tests only: die at ``point`` when the n-th document of this worker is among those
    from ``first`` to the last one counted (a group's documents)."""
    hook = os.environ.get(CRASH_ENV)
    if not hook:
        return
    n, where, *rest = hook.split(":")
    if where == point and (state.sealed if first is None else first) <= int(n) <= \
            state.sealed:
        if rest == ["all"]:
            os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def _result(task: Task, status: str, **fields: Any) -> dict[str, Any]:
    base = {"file": Path(task.infile).name, "status": status, "document_id": None,
            "sha256_in": None, "sha256_out": None, "error": None, "message": None}
    return {**base, **fields}


def error_result(task: Task, code: str, message: str, **fields: Any) -> dict[str, Any]:
    return _result(task, "error", error=code, message=message, **fields)


def process(task: Task) -> dict[str, Any]:
    try:
        return _process(task)
    except OpenSealError as exc:
        return error_result(task, exc.code, exc.message(lang()))
    except Exception as exc:  # noqa: BLE001 - one document's failure never stops the batch
        return error_result(task, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")


def _committed(sha_out: str, sha_in: str | None, seal_id: str) -> str | None:
    """The id of the committed sealed document whose output has ``sha_out``, if any
    (``sha_in`` None: several seals, the last one's input is an intermediate revision)."""
    def look(c: Context) -> str | None:
        for record in c.repos.find_issued([sha_out]):
            if sha_in in (None, record.input_sha256) and record.seal_id == seal_id:
                return record.id
        return None
    with state.wiring.context() as ctx:
        return look(ctx)


@dataclass(frozen=True)
class Pending:
    """A document the checks found still to be sealed."""
    task: Task
    pdf: bytes
    sha_in: str
    key: str
    journal: Journal
    out: Path
    done: Callable[[str, str | None, str], dict[str, Any]]
    ofd: bool = False  # an OFD file (told by content, as `openseal sign` does)


def _process(task: Task) -> dict[str, Any]:
    checked = precheck(task)
    if isinstance(checked, Pending):
        return seal_pending(checked)
    return checked


def precheck(task: Task) -> dict[str, Any] | Pending:
    """Steps 1-3 of the module docstring: the document's result when it needs no sealing,
    else what sealing it takes."""
    infile, out_dir = Path(task.infile), Path(task.out_dir)
    try:
        pdf = infile.read_bytes()
    except OSError as exc:
        return error_result(task, "FILE_UNREADABLE", f"Cannot read {infile}: {exc.strerror}")
    sha_in = hashlib.sha256(pdf).hexdigest()
    key = batch_key(sha_in, task.seal_id, infile.name, task.options())
    journal, out = Journal(out_dir), out_dir / infile.name

    def done(status: str, doc_id: str | None, sha_out: str) -> dict[str, Any]:
        if status != "already" or journal.read(key) is None:
            entry = {"file": infile.name, "document_id": doc_id, "sha256_in": sha_in,
                     "sha256_out": sha_out, "seal_id": task.seal_id, **task.options()}
            journal.write(key, entry)
            if task.template_id is not None:  # which version made this output, by file
                journal.write(_template_key(task, sha_in), entry)
        return _result(task, status, document_id=doc_id, sha256_in=sha_in,
                       sha256_out=sha_out)

    entry = journal.read(key)
    if entry is not None:
        if out.is_file() and sha256_file(out) == entry["sha256_out"]:
            return _result(task, "already", document_id=entry["document_id"],
                           sha256_in=sha_in, sha256_out=entry["sha256_out"])
        return error_result(task, "OUTPUT_MISSING", f"{infile.name} was sealed (document "
                      f"{entry['document_id']}) but {out} is missing or changed; not sealed "
                      f"again (delete {journal.entry_path(key)} to seal it anew)",
                      document_id=entry["document_id"], sha256_in=sha_in)
    staged = journal.staged_path(key)
    if staged.exists():
        resolved = _resolve_staged(journal, key, out, _first_input(task, sha_in),
                                   task.seal_id)
        if resolved is not None:
            return done("recovered", *resolved)
    if out.exists():
        sha_out = sha256_file(out)
        older = _older_template(journal, task, sha_in, sha_out)
        if older is not None:
            return error_result(task, "TEMPLATE_CHANGED", f"{out} was sealed with version {older} "
                          f"of the template, now version {task.template_version}; it is not "
                          "replaced (move it away to seal the document anew)",
                          sha256_in=sha_in)
        doc_id = _committed(sha_out, _first_input(task, sha_in), task.seal_id)
        if doc_id is None:
            return error_result(task, "OUTPUT_EXISTS", f"{out} exists and was not made by this "
                          "batch; it is not replaced", sha256_in=sha_in)
        return done("already", doc_id, sha_out)
    return Pending(task, pdf, sha_in, key, journal, out, done,
                   ofd=is_ofd_upload(pdf, infile.name))


def _template_key(task: Task, sha_in: str) -> str:
    """The journal key of "this input, this output name, this template" at any version."""
    return batch_key(sha_in, f"template:{task.template_id}", Path(task.infile).name, {})


def _older_template(journal: Journal, task: Task, sha_in: str, sha_out: str) -> int | None:
    """The template version that made the output in place, when it is another one."""
    if task.template_id is None:
        return None
    entry = journal.read(_template_key(task, sha_in))
    if entry is None or entry.get("sha256_out") != sha_out:
        return None
    version = entry.get("template_version")
    return None if version == task.template_version else int(version or 0)


def _first_input(task: Task, sha_in: str) -> str | None:
    """The input digest the last record carries: None when a template's several seals make
    it an intermediate revision."""
    return sha_in if task.template_id is None else None


def _resolve_staged(journal: Journal, key: str, out: Path, sha_in: str | None,
                    seal_id: str) -> tuple[str, str] | None:
    """A staged file left by a killed run: published when its record committed, else
    deleted (its transaction rolled back)."""
    staged = journal.staged_path(key)
    sha_out = sha256_file(staged)
    doc_id = _committed(sha_out, sha_in, seal_id)
    if doc_id is None:
        staged.unlink()
        return None
    journal.publish(key, out)
    return doc_id, sha_out


def seal_pending(p: Pending) -> dict[str, Any]:
    """Step 4 for one document: its own transaction."""
    task, pdf, sha_in, key, journal, out, done = (p.task, p.pdf, p.sha_in, p.key, p.journal,
                                                  p.out, p.done)

    def use_case(c: Context) -> SealedDocument:
        if p.ofd:
            if task.template_id is not None:
                refuse_pdf_only(["--template"])
            sealed = seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, state.cache,
                                       task.seal_id, pdf, ofd_request_of(task),
                                       audit=c.audit, principal=operator(task.org_id))
        elif task.template_id is not None:
            sealed = _with_template(c, task, pdf)
        else:
            sealed = seal_document(c.repos, c.pki, c.keystore, c.clock, state.cache,
                                   task.seal_id, pdf, request_of(task), audit=c.audit,
                                   principal=operator(task.org_id), level=pdf_level(task))
        journal.stage(key, sealed.pdf)  # durable BEFORE the commit
        crash("staged")
        return sealed

    refusal = Refusal("seal.use", target=f"seal:{task.seal_id}", org_id=task.org_id,
                      details={"input_sha256": sha_in, "file": Path(task.infile).name,
                               "batch": True, "template": task.template_id,
                               **({"format": "OFD"} if p.ofd else {})})
    state.sealed += 1
    try:
        sealed = state.wiring.run(use_case, refusal)
    except BaseException:
        # Rolled back, or a commit whose outcome is unknown: the database decides.
        if journal.staged_path(key).exists():
            resolved = _resolve_staged(journal, key, out, _first_input(task, sha_in),
                                       task.seal_id)
            if resolved is not None:
                return done("sealed", *resolved)
        raise
    crash("committed")
    journal.publish(key, out)
    crash("renamed")
    return done("sealed", sealed.record.id, sealed.record.output_sha256)


def _with_template(c: Context, task: Task, pdf: bytes) -> SealedDocument:
    """The template's stamps, if it is still the version the batch started with."""
    assert task.template_id is not None
    who = operator(task.org_id)
    plan = template_steps(c.repos, who, task.template_id)
    if plan.version != task.template_version:
        raise Conflict("TEMPLATE_CHANGED", "批量盖章期间模板已被修改，请重新运行",
                       "The template changed during the batch; run it again",
                       field="template")
    return seal_with_template(c.repos, c.pki, c.keystore, c.clock, state.cache, plan, pdf,
                              audit=c.audit, principal=who,
                              qr_base=c.settings.certificate_url)[-1]
