"""A worker of `openseal batch` sealing a group of documents in one transaction.

Per group (documents of one seal and one set of options, no template; PDF and OFD files
alike, each prepared by its own kind's ``prepare_*``), after the checks of
``batch_worker.precheck`` for each document:

  1. prepare each document (authorise, seal in memory: reads only); one that is refused
     here is left for its own transaction (below), so its refusal is audited as usual;
  2. stage their outputs in ONE group file, fsync'd (``batch_groups``), then record them
     all (grant use, sealed-document record, ``seal.use`` entry): the database's write
     lock is held only for the records;
  3. commit (one database sync for the group); place each output (rename, no sync each);
     write their journal entries; sync the two folders once.

Anything refused in step 2 rolls the group back and its documents are sealed one by one
(``batch_worker.seal_pending``). The group file is settled (and deleted) by the parent at
the end of the run, or by the next run after a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openseal.bootstrap import Context
from openseal.core.records import SealRecord
from openseal.core.seals.service import find_seal
from openseal.core.signing.ofd_service import prepare_ofd_seal
from openseal.core.signing.service import (
    PreparedSeal,
    SealedDocument,
    prepare_seal,
    record_seal,
)
from openseal.errors import OpenSealError
from openseal.interfaces.cli.batch_groups import (
    StagedOutput,
    journal_entry,
    place_output,
    stage_group,
)
from openseal.interfaces.cli.batch_journal import fsync_dir
from openseal.interfaces.cli.batch_worker import (
    Pending,
    Task,
    crash,
    error_result,
    ofd_request_of,
    pdf_level,
    precheck,
    request_of,
    seal_pending,
    state,
)
from openseal.interfaces.cli.operator import operator
from openseal.interfaces.cli.output import lang


def process_group(tasks: list[Task]) -> list[dict[str, Any]]:
    """The results of ``tasks``, in order; one document's failure never stops the others."""
    results: list[dict[str, Any] | None] = []
    pending: list[tuple[int, Pending]] = []
    for i, task in enumerate(tasks):
        checked = _guarded(task, lambda t=task: precheck(t))
        if isinstance(checked, Pending):
            pending.append((i, checked))
            results.append(None)
        else:
            results.append(checked)
    grouped = _guarded_group([p for _, p in pending]) if len(pending) > 1 else {}
    for i, p in pending:
        results[i] = grouped.get(p.key) or _guarded(p.task, lambda p=p: seal_pending(p))
    return [r for r in results if r is not None]


def _guarded(task: Task, step: Any) -> Any:
    try:
        return step()
    except OpenSealError as exc:
        return error_result(task, exc.code, exc.message(lang()))
    except Exception as exc:  # noqa: BLE001 - one document's failure never stops the batch
        return error_result(task, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")


def _guarded_group(group: list[Pending]) -> dict[str, dict[str, Any]]:
    """The group's results by key; empty when it rolled back (then one by one). When the
    commit itself failed, its outcome is unknown: the documents are reported failed and the
    group file is settled by the database's answer at the end of the run."""
    committing: list[bool] = []
    try:
        return _seal_group(group, committing)
    except Exception as exc:  # noqa: BLE001 - one group's failure never stops the batch
        if not committing:
            return {}
        code, text = ((exc.code, exc.message(lang())) if isinstance(exc, OpenSealError)
                      else ("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"))
        return {p.key: error_result(p.task, code, text) for p in group}


def _seal_group(group: list[Pending], committing: list[bool]) -> dict[str, dict[str, Any]]:
    journal = group[0].journal
    first = state.sealed + 1
    state.sealed += len(group)
    sealed: list[tuple[Pending, SealedDocument]] = []

    def use_case(c: Context) -> None:
        seal = find_seal(c.repos, group[0].task.seal_id)  # read once for the group
        prepared = [(p, x) for p in group if (x := _prepared(c, p, seal)) is not None]
        if not prepared:
            return
        # Staged before the first write, so the write lock is held only to record them.
        stage_group(journal, [(_staged(p, x), x.pdf) for p, x in prepared])
        for p, x in prepared:
            sealed.append((p, record_seal(c.repos, c.pki, c.clock, x, audit=c.audit)))
        crash("staged", first)
        committing.append(True)  # from here on only the database knows the outcome

    state.wiring.run(use_case)
    crash("committed", first)
    for p, s in sealed:
        place_output(p.out, s.pdf)
    fsync_dir(journal.out_dir)
    crash("renamed", first)
    for p, s in sealed:
        journal.write(p.key, _journal_entry(p, s), sync=False)
    fsync_dir(journal.dir)
    return {p.key: _sealed_result(p, s) for p, s in sealed}


def _prepared(c: Context, p: Pending, seal: SealRecord) -> PreparedSeal | None:
    """Sealed in memory, or None when refused (it then gets its own transaction). An OFD
    file (``p.ofd``) is prepared by ``prepare_ofd_seal``: the same authorisation, and
    ``record_seal`` records it as any sealing."""
    try:
        if p.ofd:
            if p.task.template_id is not None:
                return None  # refused (and audited) in its own transaction
            return prepare_ofd_seal(c.repos, c.pki, c.keystore, c.clock, state.cache,
                                    p.task.seal_id, p.pdf, ofd_request_of(p.task),
                                    principal=operator(p.task.org_id), seal=seal)
        return prepare_seal(c.repos, c.pki, c.keystore, c.clock, state.cache, p.task.seal_id,
                            p.pdf, request_of(p.task), principal=operator(p.task.org_id),
                            level=pdf_level(p.task), seal=seal)
    except OpenSealError:
        return None


def _staged(p: Pending, x: PreparedSeal) -> StagedOutput:
    return StagedOutput(p.key, p.out.name, p.sha_in, x.output_sha256, x.seal.id,
                        x.document_id, len(x.pdf), p.task.options())


def _journal_entry(p: Pending, s: SealedDocument) -> dict[str, Any]:
    r = s.record
    return journal_entry(StagedOutput(p.key, p.out.name, p.sha_in, r.output_sha256, r.seal_id,
                                      r.id, r.output_size, p.task.options()))


def _sealed_result(p: Pending, s: SealedDocument) -> dict[str, Any]:
    return {"file": Path(p.task.infile).name, "status": "sealed", "document_id": s.record.id,
            "sha256_in": p.sha_in, "sha256_out": s.record.output_sha256, "error": None,
            "message": None}
