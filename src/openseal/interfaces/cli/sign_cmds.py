"""openseal sign / openseal verify."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.tickets import ticket_not_found
from openseal.core.pki.anchors import sm2_verification_anchors, verification_inputs
from openseal.core.pki.own_cas import available_sm2_revocation_lists, own_issuers
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.sm2_x509 import public_point
from openseal.core.registry.issued import registry_match
from openseal.core.seals.service import find_seal
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ofd_service import is_ofd_upload
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.core.signing.several import left_fields, plan, seal_several
from openseal.core.templates.apply import refuse_mixing, seal_with_template, template_steps
from openseal.core.templates.service import find_template
from openseal.core.verification import VerificationReport, verify_document
from openseal.core.verification.as_of import validation_time
from openseal.core.verification.policy import local_revocation_policy
from openseal.errors import InvalidInput
from openseal.interfaces.cli.files import StagedFile, commit_then_publish, write_atomically
from openseal.interfaces.cli.ofd_sign import sign_ofd
from openseal.interfaces.cli.operator import as_user, operator
from openseal.interfaces.cli.output import emit, lang, read_input, translated_errors

VERIFY_EXIT = {"VALID": 0, "INVALID": 1, "INDETERMINATE": 2}
_sealers = SealerCache()


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def sign(
        infile: Path = typer.Argument(..., metavar="IN.pdf|IN.ofd"),
        seal: list[str] = typer.Option(None, help="Seal id or name; repeat for several "
                                                  "seals, applied in this order"),
        template: str = typer.Option(None, "--template", help="A document template (id or "
                                     "name): its seals, positions, category, level and QR "
                                     "setting, instead of --seal and positions"),
        out: Path = typer.Option(..., "-o", "--out"),
        page: int = typer.Option(1, help="Page number, from 1"),
        x: float = typer.Option(None, help="mm from the page's left edge"),
        y: float = typer.Option(None, help="mm from the page's bottom edge"),
        size: float = typer.Option(None, help="Seal size in mm (default: its own)"),
        reason: str = typer.Option(None), location: str = typer.Option(None),
        category: str = typer.Option(None, help="Document category (for the audit trail)"),
        ticket: str = typer.Option(None, help="Ticket of an approved request (用印凭证): "
                                              "seals as its requester, once"),
        qr: bool = typer.Option(False, "--qr", help="A QR code beside the seal linking to "
                                                    "the document's public verification page"),
        level: str = typer.Option(None, "--level", help="PAdES level: B-T (default) | B-LT "
                                                        "| B-LTA"),
        keyword: str = typer.Option(None, help="Centre the seal on this text, e.g. "
                                               "甲方（盖章） (then --page/--x/--y are ignored)"),
        occurrence: str = typer.Option("first", help="Which occurrences of --keyword: "
                                                     "first, last, all or N (from 1)"),
        offset_x: float = typer.Option(0.0, help="Move a --keyword seal right by MM"),
        offset_y: float = typer.Option(0.0, help="Move a --keyword seal up by MM"),
        cross: bool = typer.Option(False, "--cross-page", help="Also a cross-page seal "
                                                                "(骑缝章) over the pages' edge"),
        pages: str = typer.Option(None, help="Pages of the cross-page seal, e.g. 1-5 "
                                             "(default: all)"),
        edge: str = typer.Option("right", help="Edge of the cross-page seal: right or left"),
        cross_y: float = typer.Option(None, help="mm from the bottom edge to the cross-page "
                                                 "seal's bottom (default: centred)"),
        certify: bool = typer.Option(False, "--certify", help="The (first) seal certifies the "
                                     "document: DocMDP, form filling and signing allowed"),
        at: list[str] = typer.Option(None, "--at", metavar="PAGE:X:Y", help="Where each "
                                     "--seal goes, in the same order (default: side by side)"),
        leave: list[str] = typer.Option(None, "--leave", metavar="PAGE:X:Y", help="With "
                                        "--certify: an empty signature field here for a "
                                        "party to come (repeatable)"),
        lock: bool = typer.Option(False, "--lock", help="OFD only: the seal protects the "
                                  "signature list, so no later signature can be added"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Seal a PDF: visible seal + PAdES B-T signature with a trusted timestamp (as the
        trusted operator: no grant needed; with --ticket as the ticket's requester, and the
        approval chain goes into the signature). An OFD file (told by content) is sealed
        with an SM2 seal: a GB/T 38540 electronic seal with a timestamp (docs/ofd.md)."""
        with translated_errors(as_json):
            pdf = read_input(infile)
            if is_ofd_upload(pdf, infile.name):
                given = _given_options(seal, at, certify, leave, page, x, y, size, keyword,
                                       occurrence, offset_x, offset_y, cross, pages, edge,
                                       cross_y, level, qr, reason, location)
                sign_ofd(wiring, _sealers, pdf, infile, out, seal=seal,
                         given=given + (["--template"] if template else []), page=page, x=x,
                         y=y, keyword=keyword, occurrence=occurrence, cross=cross,
                         pages=pages, edge=edge, lock=lock, category=category, ticket=ticket,
                         as_json=as_json, requester=requester)
                return
            if lock:
                raise InvalidInput("LOCK_OFD_ONLY", "--lock 只用于 OFD 文件（PDF 请用 --certify）",
                                   "--lock is for OFD files (for a PDF see --certify)",
                                   field="lock")
            request = SealRequest(
                Placement(page, x, y, size), reason, location, keyword=keyword,
                occurrence=occurrence, offset_mm=(offset_x, offset_y),
                cross_page=cross_page(pages, edge, cross_y) if cross else None,
                certify=certify, reserve=left_fields(certify, leave))
            w = wiring()
            w.require_schema()
            staged: list[StagedFile] = []
            results: list[SealedDocument] = []  # with several seals: each one's record

            given = _given_options(seal, at, certify, leave, page, x, y, size, keyword,
                                   occurrence, offset_x, offset_y, cross, pages, edge,
                                   cross_y, level, qr, reason, location)

            def use_case(c: Context) -> SealedDocument:
                if template is not None:
                    done = _templated(c, template, pdf, ticket, category, given)
                    staged.append(StagedFile(out, done[-1].pdf))
                    results.extend(done if len(done) > 1 else [])
                    return done[-1]
                if len(_seals_given(seal)) > 1 or at:
                    return several(c)
                found = find_seal(c.repos, seal[0])
                who = operator(found.org_id) if ticket is None else requester(c, ticket)
                done = seal_document(c.repos, c.pki, c.keystore, c.clock, _sealers, found.id,
                                     pdf, request, audit=c.audit, principal=who,
                                     category=category, ticket_id=ticket,
                                     qr_base=c.settings.certificate_url if qr else None,
                                     level=level)
                staged.append(StagedFile(out, done.pdf))
                return done

            def several(c: Context) -> SealedDocument:
                """Each seal in turn, as the operator of its organisation (no tickets)."""
                if ticket is not None:
                    raise InvalidInput("SEVERAL_SEALS_TICKET", "用印凭证只对应一个印章",
                                       "A ticket is for one seal", field="ticket")
                steps = plan(c.repos, pdf, seal, request, at or ())
                done = seal_several(c.repos, c.pki, c.keystore, c.clock, _sealers, steps, pdf,
                                    audit=c.audit, principal=lambda s: operator(s.org_id),
                                    category=category,
                                    qr_base=c.settings.certificate_url if qr else None,
                                    level=level)
                staged.append(StagedFile(out, done[-1].pdf))
                results.extend(done)
                return done[-1]

            target = f"template:{template}" if template else "seal:" + ",".join(seal or [])
            refusal = Refusal("seal.use", target=target, details={
                "input_sha256": hashlib.sha256(pdf).hexdigest(), "file": infile.name,
                "ticket": ticket})
            done = commit_then_publish(w, use_case, refusal, staged)
            r = done.record
            emit({"id": r.id, "out": str(out), "seal_id": r.seal_id, "field": r.field_name,
                  "sha256": r.output_sha256, "size": r.output_size,
                  **({"seals": [{"id": d.record.id, "seal_id": d.record.seal_id,
                                 "field": d.record.field_name} for d in results]}
                     if results else {})}, as_json,
                 lambda: typer.echo(str(out)))

    @app.command()
    def verify(
        files: list[Path] = typer.Argument(..., metavar="FILE..."),
        trust: list[Path] = typer.Option(None, "--trust", help="Extra trust anchors (PEM or "
                                         "DER; repeatable). SM2 certificates among them are "
                                         "the SM2 roots OFD signers are chained to"),
        report_pdf: Path = typer.Option(None, "--report-pdf", metavar="OUT.pdf",
                                        help="Also write the report as a PDF signed by this "
                                             "instance's report key (one FILE only)"),
        report_lang: str = typer.Option(None, "--lang", help="Language: zh or en"),
        at: str = typer.Option(None, "--at", metavar="TIME",
                               help="Verify as of this time (ISO 8601, e.g. "
                                    "2036-01-01T00:00:00Z); default: now"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Verify signed PDF or OFD files (told apart by content). Exit 0 VALID, 1 INVALID,
        2 INDETERMINATE; for several files, the worst (one report each, with --json one
        JSON object per line)."""
        verdicts: list[str] = []
        with translated_errors(as_json):
            _verify_files(wiring, files, trust or [], report_pdf, report_lang, at, as_json,
                          verdicts)
        raise typer.Exit(_worst_exit(verdicts))


def _verify_files(wiring: Callable[[], Wiring], files: list[Path], trust: list[Path],
                  report_pdf: Path | None, report_lang: str | None, at: str | None,
                  as_json: bool, verdicts: list[str]) -> None:
    """``openseal verify``: each file's report, its verdict appended to ``verdicts``."""
    if report_pdf is not None and len(files) > 1:
        raise InvalidInput("REPORT_PDF_ONE_FILE", "--report-pdf 只能用于一个文件",
                           "--report-pdf takes one file only", field="report_pdf")
    now = None if at is None else validation_time(at)
    given = [cert for path in trust for cert in load_pem_certificates(read_input(path))]
    roots = [cert for cert in given if not _is_sm2(cert)]
    own_sm2, sm2_crls = _own_sm2_roots(wiring)
    sm2_roots = [cert.dump() for cert in given if _is_sm2(cert)] + own_sm2
    own, test_roots, crls, issuers = _own_roots(wiring)
    language = report_lang or lang()
    for n, file in enumerate(files):
        data = read_input(file)
        report = verify_document(data, trust_roots=roots + own, filename=str(file),
                                 policy=local_revocation_policy(crls, own_issuers=issuers),
                                 test_roots=test_roots, now=now, sm2_anchors=sm2_roots,
                                 sm2_crls=sm2_crls)
        _record_verification(wiring, report.to_dict())
        if report_pdf is not None:
            _write_report_pdf(wiring, report, data, report_pdf, language)
        if n and not as_json:
            typer.echo("")
        emit(report.to_dict(), as_json, partial(typer.echo, report.summary(language)))
        verdicts.append(report.verdict)


def _worst_exit(verdicts: list[str]) -> int:
    """INVALID if any file is, else INDETERMINATE if any is, else VALID."""
    for verdict in ("INVALID", "INDETERMINATE"):
        if verdict in verdicts:
            return VERIFY_EXIT[verdict]
    return VERIFY_EXIT["VALID"]


def _given_options(seal: list[str] | None, at: list[str] | None, certify: bool,
                   leave: list[str] | None, page: int, x: float | None, y: float | None,
                   size: float | None, keyword: str | None, occurrence: str, offset_x: float,
                   offset_y: float, cross: bool, pages: str | None, edge: str,
                   cross_y: float | None, level: str | None, qr: bool, reason: str | None,
                   location: str | None) -> list[str]:
    """The seal and position options given (a template says all of these itself)."""
    given = {"--seal": bool(seal), "--at": bool(at), "--certify": certify,
             "--leave": bool(leave), "--page": page != 1, "--x": x is not None,
             "--y": y is not None, "--size": size is not None, "--keyword": keyword is not None,
             "--occurrence": occurrence != "first", "--offset-x": offset_x != 0,
             "--offset-y": offset_y != 0, "--cross-page": cross, "--pages": pages is not None,
             "--edge": edge != "right", "--cross-y": cross_y is not None,
             "--level": level is not None, "--qr": qr, "--reason": reason is not None,
             "--location": location is not None}
    return [name for name, on in given.items() if on]


def _seals_given(seal: list[str] | None) -> list[str]:
    if not seal:
        raise InvalidInput("SEAL_REQUIRED", "请用 --seal 指定印章，或用 --template 指定模板",
                           "Give a seal (--seal) or a template (--template)", field="seal")
    return seal


def _templated(c: Context, ref: str, pdf: bytes, ticket: str | None, category: str | None,
               given: list[str]) -> list[SealedDocument]:
    """The template's stamps, as the operator of its organisation (with a ticket: the
    ticket's stamp only, as its requester)."""
    refuse_mixing(given)
    found = find_template(c.repos, ref)
    if category is not None and category != found.category:
        refuse_mixing(["--category"])
    who = operator(found.org_id) if ticket is None else requester(c, ticket)
    return seal_with_template(c.repos, c.pki, c.keystore, c.clock, _sealers,
                              template_steps(c.repos, who, found.id), pdf, audit=c.audit,
                              principal=who, ticket_id=ticket,
                              qr_base=c.settings.certificate_url)


def requester(c: Context, ticket_id: str) -> Principal:
    """The user who asked for the ticket (a ticket seals only as its requester)."""
    ticket = c.repos.get_ticket(ticket_id)
    if ticket is None or ticket.requester_kind != "user":
        raise ticket_not_found(ticket_id)
    return as_user(c.repos, ticket.requester_id)


def _record_verification(wiring: Callable[[], Wiring], report: dict[str, Any]) -> None:
    """Verification requests go into the audit log when configured and there is one."""
    w = wiring()
    if not w.settings.audit_verifications:
        return
    try:
        w.require_schema()
        w.run(lambda c: c.audit.record("document.verify", target=f"sha256:{report['sha256']}",
                                       details={"verdict": report["verdict"],
                                                "reasons": report["reasons"]}))
    except Exception:  # noqa: BLE001 - verifying needs no instance of one's own
        return


def _write_report_pdf(wiring: Callable[[], Wiring], report: VerificationReport, data: bytes,
                      out: Path, language: str) -> None:
    """The report as a PDF signed by this instance's report key; ``out`` appears only once
    it is complete."""
    from openseal.core.reports import LANGS, FetchedReportKey, signed_report_pdf  # reportlab:
    # loaded only by the commands that draw a report (CLI start-up stays short)

    if language not in LANGS:
        raise InvalidInput("LANG_UNSUPPORTED", "--lang 只能是 zh 或 en",
                           "--lang must be zh or en", field="lang")
    w = wiring()
    w.require_schema()
    key, registry = w.run(lambda c: (c.pki.report_signer(),
                                     registry_match(c.repos, data).to_dict()))
    write_atomically(out, signed_report_pdf(report, data, FetchedReportKey(key), w.keystore,
                                            lang=language, registry=registry))


def _is_sm2(cert: Any) -> bool:
    """An SM2 certificate (an SM2 key or an SM2 signature): a root for OFD signers, which
    pyHanko (PDF) cannot read."""
    try:
        algorithm = cert["signature_algorithm"]["algorithm"].dotted
    except (KeyError, ValueError, TypeError):
        algorithm = ""
    return public_point(cert) is not None or algorithm.startswith("1.2.156.10197.1.")


def _own_sm2_roots(wiring: Callable[[], Wiring]) -> tuple[list[bytes], list[bytes]]:
    """This instance's SM2 trust anchors (``sm2_verification_anchors``) and the CRLs of its
    SM2 CAs (OFD signers of ours are checked against them), when there is an initialised
    instance here."""
    w = wiring()
    try:
        w.require_schema()
        return w.run(lambda c: (sm2_verification_anchors(c.pki, c.repos),
                                available_sm2_revocation_lists(c.pki, c.repos)))
    except Exception:  # noqa: BLE001 - verifying needs no instance of one's own
        return [], []


def _own_roots(wiring: Callable[[], Wiring]) -> tuple[list, list, list, list]:  # type: ignore[type-arg]
    """This instance's trust anchors, sandbox (test) anchors, CRLs and CA certificates (its
    own seals are checked with revocation required), when there is an initialised
    instance here."""
    w = wiring()
    try:
        w.require_schema()
        return w.run(lambda c: (*verification_inputs(c.pki, c.repos), own_issuers(c.repos)))
    except Exception:  # noqa: BLE001 - verifying needs no instance of one's own
        return [], [], [], []
