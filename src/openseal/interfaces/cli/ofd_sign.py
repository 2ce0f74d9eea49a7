"""``openseal sign IN.ofd``: an OFD file sealed with an SM2 seal (GB/T 38540).

``sign`` tells OFD from PDF by content (``looks_like_ofd``) and hands an OFD here: the same
seal, ticket, category and position options (``--page/--x/--y``, ``--keyword``,
``--cross-page``), ``--lock``; options that mean nothing for OFD are refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import typer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.seals.service import find_seal
from openseal.core.signing.ofd_service import (
    OfdSealRequest,
    ofd_stamps,
    refuse_pdf_only,
    seal_ofd_document,
)
from openseal.core.signing.service import SealedDocument, SealerCache
from openseal.errors import InvalidInput
from openseal.interfaces.cli.files import StagedFile, commit_then_publish
from openseal.interfaces.cli.operator import operator
from openseal.interfaces.cli.output import emit

#: ``sign`` options that have no OFD meaning (refused for an OFD file).
PDF_ONLY = ("--template", "--at", "--certify", "--leave", "--size", "--offset-x",
            "--offset-y", "--level", "--qr", "--reason", "--location", "--cross-y")


def sign_ofd(wiring: Callable[[], Wiring], sealers: SealerCache, data: bytes, infile: Path,
             out: Path, *, seal: list[str] | None, given: list[str], page: int,
             x: float | None, y: float | None, keyword: str | None, occurrence: str,
             cross: bool, pages: str | None, edge: str, lock: bool, category: str | None,
             ticket: str | None, as_json: bool,
             requester: Callable[[Context, str], Principal]) -> None:
    """Seal the OFD ``data`` and write it to ``out`` once its record is committed."""
    refuse_pdf_only([name for name in given if name in PDF_ONLY])
    if not seal:
        raise InvalidInput("SEAL_REQUIRED", "请用 --seal 指定印章", "Give a seal (--seal)",
                           field="seal")
    if len(seal) > 1:
        raise InvalidInput("OFD_ONE_SEAL", "OFD 文件一次只能加盖一枚印章（可多次执行）",
                           "An OFD file is sealed with one seal at a time (run sign again "
                           "for another)", field="seal")
    request = OfdSealRequest(ofd_stamps(page=page, x_mm=x, y_mm=y, keyword=keyword,
                                        occurrence=occurrence, cross_page=cross, pages=pages,
                                        edge=edge), lock=lock)
    w = wiring()
    w.require_schema()
    staged: list[StagedFile] = []

    def use_case(c: Context) -> SealedDocument:
        found = find_seal(c.repos, seal[0])
        who = operator(found.org_id) if ticket is None else requester(c, ticket)
        done = seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, sealers, found.id,
                                 data, request, audit=c.audit, principal=who,
                                 category=category, ticket_id=ticket)
        staged.append(StagedFile(out, done.pdf))
        return done

    refusal = Refusal("seal.use", target="seal:" + ",".join(seal), details={
        "input_sha256": hashlib.sha256(data).hexdigest(), "file": infile.name,
        "ticket": ticket, "format": "OFD"})
    done = commit_then_publish(w, use_case, refusal, staged)
    r = done.record
    emit({"id": r.id, "out": str(out), "seal_id": r.seal_id, "field": r.field_name,
          "sha256": r.output_sha256, "size": r.output_size, "format": "OFD"}, as_json,
         lambda: typer.echo(str(out)))
