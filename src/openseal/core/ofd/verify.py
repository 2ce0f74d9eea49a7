"""Verifying the signatures and seals of an OFD file (GB/T 33190 §18, GB/T 38540).

``verify_ofd(data)`` opens the package (``package.py``), reads every DocBody's Signatures.xml
and each Signature.xml (``signatures_xml.py``) and checks, per signature:

1. every Reference: SM3 of the stored bytes equals its CheckValue (``ok`` / ``changed`` /
   ``missing``; ``unchecked`` when CheckMethod is not SM3: MD5 and SHA1 are reported as
   unsupported, never accepted);
2. which files no Reference covers (see *Files added* below);
3. ``Type="Seal"``: SignedValue.dat is a GB/T 38540 SES_Signature (``ses.py``): dataHash =
   SM3(Signature.xml bytes), the signer's SM2 signature over TBS_Sign, the maker's signature
   over the seal, the signer certificate in the seal's list, the signer certificate and the
   seal valid at ``timeInfo`` (the signing time in the signature, not today), Seal.esl (when
   SignedInfo/Seal names one) equal to the seal embedded in the signature;
4. ``Type="Sign"``: SignedValue.dat is a bare DER SM2 signature over the Signature.xml bytes,
   checked with the certificates the caller passes (``extra_signer_certs``); none given means
   INDETERMINATE (``SIGN_NO_CERTIFICATE``).

Each finding is a reason code (``reasons.REASONS``: severity, Chinese, English); a signature's
status is derived from its codes (any INVALID code: INVALID, else any INDETERMINATE code:
INDETERMINATE, else VALID), the document's from its signatures (the worst one; none at all:
INDETERMINATE, ``NO_SIGNATURES``).

Trust: no chains are built here. ``status`` speaks about integrity (the file is intact and
cryptographically consistent); ``trusted`` is always False. The product's report
(``openseal.core.verification.verify_document``, ``ofd_report.py``) checks the timestamp
token (``ofd_timestamp.py``), chains each signer's certificate (``SignatureCheck.signer_cert``)
to the SM2 anchors it is given, checks its revocation (``ofd_revocation.py``) and maps the
result onto the common report schema (docs/verify-json.md, "OFD").

Files added: the package does not record which files existed when a signature was made, so
the rule is: for signature *i*, every file that no Reference of *i* covers, that is not one
of *i*'s own files (its Signature.xml, SignedValue.dat and Seal.esl) and not one of the own
files of the signatures listed after it in Signatures.xml, is *not covered*
(``files_not_covered``). Of those, the files that must have existed at signing time are not
"added": OFD.xml (the package root), the signature list (Signatures.xml, which lists *i*),
the DocBody's Document.xml, and the own and protected files of the signatures listed before
*i* (they were there when *i* was made; their own signatures guard them). OFD.xml and
Document.xml left unprotected get the warning ``OFD_FILE_NOT_PROTECTED`` (changes to them
cannot be detected); an unprotected Signatures.xml gets nothing (it is left open on purpose
so that later signatures can be added). Every other uncovered file is reported as
``OFD_FILE_ADDED`` (INDETERMINATE: the signature is intact, but the package holds content it
does not vouch for). A file added and then covered by a later signature that is itself VALID
is reported as ``OFD_FILE_ADDED_LATER_SIGNED`` instead (a warning).

The code is split: ``reasons.py`` (the codes), ``results.py`` (what is returned),
``checks.py`` (one signature), ``certs.py`` (reading certificates), this file (the package,
the signature list and the rules between signatures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from openseal.core.ofd.certs import CertificateInfo, certificate_info
from openseal.core.ofd.checks import Parsed, summarise, verify_one
from openseal.core.ofd.package import DocBody, OfdPackage, Page
from openseal.core.ofd.reasons import (
    INDETERMINATE,
    INVALID,
    REASONS,
    VALID,
    WARNING,
    Reason,
    status_of,
)
from openseal.core.ofd.results import (
    OfdVerification,
    ReferenceCheck,
    SealSummary,
    SignatureCheck,
    StampPlacement,
)
from openseal.core.ofd.signatures_xml import (
    SignatureEntry,
    SignatureXml,
    read_signature_list,
    read_signature_xml,
)
from openseal.errors import InvalidInput

__all__ = ["INDETERMINATE", "INVALID", "REASONS", "VALID", "WARNING", "CertificateInfo",
           "OfdVerification", "Reason", "ReferenceCheck", "SealSummary", "SignatureCheck",
           "StampPlacement", "certificate_info", "status_of", "summarise", "verify_ofd"]


def verify_ofd(data: bytes, *, extra_signer_certs: Sequence[bytes] = ()) -> OfdVerification:
    """Verify every signature of the OFD file ``data``.

    Raises InvalidInput (codes ``OFD_*``) when the file is not a readable, safe OFD package:
    not a zip, a zip bomb, duplicate or escaping names, XML with a DOCTYPE ...
    """
    package = OfdPackage.open(data)
    checks: list[SignatureCheck] = []
    for body in package.doc_bodies():
        checks.extend(_verify_body(package, body, tuple(extra_signer_certs)))
    if not checks:
        reason = Reason("NO_SIGNATURES")
        return OfdVerification(INDETERMINATE, False, (), (reason,), package.leading_bytes)
    statuses = {c.status for c in checks}
    worst = INVALID if INVALID in statuses else (
        INDETERMINATE if INDETERMINATE in statuses else VALID)
    return OfdVerification(worst, False, tuple(checks), (), package.leading_bytes)


# ---------------------------------------------------------------- per DocBody


def _parse_entry(package: OfdPackage, entry: SignatureEntry) -> Parsed:
    parsed = Parsed(entry)
    if entry.path is None:
        return parsed
    parsed.own.add(entry.path)
    try:
        parsed.xml = read_signature_xml(package, entry.path)
    except InvalidInput as exc:
        if exc.code not in ("OFD_SIGNATURE_MALFORMED", "OFD_XML_MALFORMED"):
            raise
        parsed.error = exc
        return parsed
    for path in (parsed.xml.signed_value_path, parsed.xml.seal_path):
        if path is not None:
            parsed.own.add(path)
    return parsed


def _verify_body(package: OfdPackage, body: DocBody,
                 certs: tuple[bytes, ...]) -> list[SignatureCheck]:
    list_path = package.signatures_path(body)
    if list_path is None:
        return []
    signature_list = read_signature_list(package, list_path)
    pages = _pages(package, body)
    parsed = [_parse_entry(package, e) for e in signature_list.entries]
    # files that existed when any signature of this DocBody was made
    root_files = {p for p in (package.find("OFD.xml"), body.doc_root, list_path) if p}
    checks = []
    for i, item in enumerate(parsed):
        later: set[str] = set()
        for other in parsed[i + 1:]:
            later |= other.own
        existed = set(root_files)
        for other in parsed[:i]:
            existed |= other.own
            if other.xml is not None:
                existed |= {r.path for r in other.xml.references if r.path}
        checks.append(verify_one(package, item, later, existed, pages, certs))
    return _credit_later_signatures(checks, [p.xml for p in parsed])


def _pages(package: OfdPackage, body: DocBody) -> list[Page]:
    """The DocBody's pages; none when Document.xml is malformed (its Reference says why)."""
    if body.doc_root is None:
        return []
    try:
        return package.pages(body.doc_root)
    except InvalidInput as exc:
        if exc.code != "OFD_XML_MALFORMED":
            raise
        return []


def _credit_later_signatures(checks: list[SignatureCheck],
                             xmls: list[SignatureXml | None]) -> list[SignatureCheck]:
    """Files added after signature i but covered by a later VALID signature: a warning."""
    result = []
    for i, check in enumerate(checks):
        vouched: set[str] = set()
        for j in range(i + 1, len(checks)):
            xml = xmls[j]
            if checks[j].status == VALID and xml is not None:
                vouched |= {r.path for r in xml.references if r.path}
        if not vouched & set(check.files_added):
            result.append(check)
            continue
        reasons = tuple(
            Reason("OFD_FILE_ADDED_LATER_SIGNED", r.file)
            if r.code == "OFD_FILE_ADDED" and r.file in vouched else r
            for r in check.reasons)
        result.append(replace(check, reasons=reasons, status=status_of(reasons)))
    return result
