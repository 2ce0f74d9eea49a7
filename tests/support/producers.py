"""Input PDFs from several real producers, and damaged / hostile variants of them.

Every function returns the PDF as bytes. Producers that need an external tool (gs, qpdf)
call ``require_tool`` first, so a laptop without the tool skips and CI fails loudly.
Results are cached per process: the inputs are deterministic enough and some are slow.
At the end: helpers that feed a file to ``openseal sign`` in a subprocess and check a refusal.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyhanko.sign import signers
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool

A4_PT = (595.2756, 841.8898)
THIRD_PARTY_BOX = (360, 700, 540, 760)  # where the foreign visible signature sits (pt)


# --------------------------------------------------------------------------- helpers


def _run(args: list[str], ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(args, capture_output=True, timeout=120, check=False)
    if proc.returncode not in ok:
        raise RuntimeError(f"{args[0]} failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace')[-2000:]}")
    return proc


def _qpdf(data: bytes, *options: str) -> bytes:
    """Rewrite ``data`` with qpdf; exit code 3 (warnings) is accepted."""
    qpdf = require_tool("qpdf")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.pdf"), Path(tmp, "out.pdf")
        src.write_bytes(data)
        _run([qpdf, *options, str(src), str(dst)], ok=(0, 3))
        return dst.read_bytes()


# --------------------------------------------------------------------------- producers


@functools.cache
def reportlab() -> bytes:
    """One A4 page with Chinese text (reportlab, STSong-Light CID font)."""
    return reportlab_pdf(1)


@functools.cache
def many_pages(pages: int = 120) -> bytes:
    """A ``pages``-page reportlab document."""
    return reportlab_pdf(pages)


GS_PROGRAM = b"""%!PS-Adobe-3.0
%%BoundingBox: 0 0 595 842
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 18 scalefont setfont
72 770 moveto (Service agreement - made by Ghostscript) show
/Helvetica findfont 11 scalefont setfont
72 740 moveto (Party A: OpenSeal Test Ltd.   Party B: Example Trading Ltd.) show
0.2 0.2 0.6 setrgbcolor
2 setlinewidth
72 700 moveto 523 700 lineto stroke
0 setgray
1 1 20 { /i exch def
  72 680 i 14 mul sub moveto (Clause ) show i 3 string cvs show
  (: the parties agree to the terms set out below.) show } for
showpage
/Helvetica findfont 11 scalefont setfont
72 770 moveto (Page 2 - signatures) show
showpage
"""


@functools.cache
def ghostscript() -> bytes:
    """A two-page A4 document written by Ghostscript's pdfwrite from PostScript."""
    gs = require_tool("gs")
    with tempfile.TemporaryDirectory() as tmp:
        ps, out = Path(tmp, "doc.ps"), Path(tmp, "doc.pdf")
        ps.write_bytes(GS_PROGRAM)
        _run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
              "-dCompatibilityLevel=1.7", f"-sOutputFile={out}", str(ps)])
        return out.read_bytes()


@functools.cache
def qpdf_linearized() -> bytes:
    """A three-page reportlab document linearised ("fast web view") by qpdf."""
    return _qpdf(reportlab_pdf(3), "--linearize")


@functools.cache
def qpdf_object_streams() -> bytes:
    """A two-page reportlab document rewritten by qpdf with object and xref streams."""
    return _qpdf(reportlab_pdf(2), "--object-streams=generate")


@functools.cache
def with_form_field() -> bytes:
    """A page with an AcroForm text field (reportlab's acroForm)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 12)
    c.drawString(72, 770, "Application form")
    c.drawString(72, 742, "Name:")
    c.acroForm.textfield(name="applicant", tooltip="Applicant name", x=130, y=735,
                         width=250, height=20, value="Zhang San", borderColor=None,
                         fillColor=None, textColor=None, forceBorder=True)
    c.showPage()
    c.save()
    return buf.getvalue()


def _third_party_signer() -> signers.SimpleSigner:
    """A throwaway self-signed RSA certificate and key, as a pyHanko SimpleSigner."""
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Third Party Signer"),
                       cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Elsewhere Ltd.")])
    now = dt.datetime.now(dt.UTC)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(cx509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(cx509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    a_cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    a_key = keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return signers.SimpleSigner(a_cert, a_key, SimpleCertificateStore.from_certs([a_cert]))


def _third_party_sign(data: bytes, *, visible: bool, certify: bool) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign.fields import MDPPerm

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name="ThirdParty", md_algorithm="sha256", reason="Approved elsewhere",
        certify=certify, docmdp_permissions=MDPPerm.NO_CHANGES if certify else
        MDPPerm.FILL_FORMS)
    spec = fields.SigFieldSpec("ThirdParty", on_page=0,
                               box=THIRD_PARTY_BOX if visible else None)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=_third_party_signer(), new_field_spec=spec).sign_pdf(
        writer, output=out)
    return out.getvalue()


@functools.cache
def third_party_signed(visible: bool = True) -> bytes:
    """A reportlab page already carrying someone else's (approval) signature."""
    return _third_party_sign(reportlab_pdf(1), visible=visible, certify=False)


@functools.cache
def certified_no_changes() -> bytes:
    """A page certified by a third party with DocMDP P=1 ("no changes allowed")."""
    return _third_party_sign(reportlab_pdf(1), visible=False, certify=True)


@functools.cache
def certified_no_changes_indirect_perms() -> bytes:
    """As ``certified_no_changes``, then an update moving /Perms into an indirect object.

    Some producers write the catalog's /Perms as a reference; the lock must still be seen.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(certified_no_changes()))
    writer.root["/Perms"] = writer.add_object(writer.root["/Perms"])
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def encrypted_pubkey() -> bytes:
    """Encrypted for a recipient certificate (public-key security handler, AES-256)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    signer = _third_party_signer()
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(reportlab_pdf(1))))
    writer.encrypt_pubkey([signer.signing_cert])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def encrypted_aes256() -> bytes:
    """AES-256 encrypted with a user password ("user"; owner password "owner")."""
    return _qpdf(reportlab_pdf(1), "--encrypt", "user", "owner", "256", "--")


# --------------------------------------------------------------------------- damaged


def truncated(fraction: float = 0.6) -> bytes:
    """The first ``fraction`` of a real PDF (the xref and trailer are gone)."""
    data = reportlab_pdf(2)
    return data[: int(len(data) * fraction)]


def _assemble(objects: list[bytes]) -> bytes:
    """A classic PDF from object bodies 1..n (object 1 is the catalog), with a true xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref_at)
    return bytes(out)


def minimal_pdf(page_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A hand-assembled one-page A4 PDF; ``page_extra`` goes into the page dictionary and
    ``extra_objects`` become objects 6, 7, ..."""
    text = b"BT /F1 14 Tf 72 770 Td (Minimal document) Tj ET"
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.2756 841.8898] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R " + page_extra + b">>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ])


def nested_arrays(depth: int, where: str = "page") -> bytes:
    """A well-formed file (true xref, valid page) holding an array nested ``depth`` deep.

    ``where="page"``: inline in the page dictionary (read when the page is looked up);
    ``where="annots"``: an indirect object that is the page's /Annots array (read only when
    a signer adds its widget annotation to the page).
    """
    nest = b"[" * depth + b"]" * depth
    if where == "page":
        return minimal_pdf(b"/PieceInfo " + nest + b" ")
    if where == "annots":
        return minimal_pdf(b"/Annots 6 0 R ", (nest,))
    raise ValueError(where)


def bad_xref() -> bytes:
    """The xref table's entries garbled: offsets point into the wrong places or are junk."""
    data = minimal_pdf()
    head, _, tail = data.partition(b"\nxref\n")
    lines = tail.split(b"\n")
    # lines[0] = "0 6", lines[1] = free entry, lines[2:7] = in-use entries
    for i in range(2, 7):
        lines[i] = b"%010d 00000 n " % (17 + 7 * i) if i % 2 else b"00000zz#q! 00000 n "
    return head + b"\nxref\n" + b"\n".join(lines)


def startxref_garbled() -> bytes:
    """``startxref`` followed by junk instead of an offset."""
    return re.sub(rb"startxref\s+\d+", b"startxref\nX9#!", minimal_pdf())


def startxref_out_of_range() -> bytes:
    """``startxref`` pointing far beyond the end of the file."""
    return re.sub(rb"startxref\s+\d+", b"startxref\n987654321", minimal_pdf())


def startxref_and_xref_broken() -> bytes:
    """Both the xref table and the startxref offset garbled (no recovery possible)."""
    data = bad_xref().replace(b"\nxref\n0 6", b"\nxrfe\n0 6")
    return re.sub(rb"startxref\s+\d+", b"startxref\n12", data)


def startxref_missing() -> bytes:
    """No ``startxref`` at all at the end."""
    data = minimal_pdf()
    return data[: data.rindex(b"startxref")] + b"%%EOF\n"


DAMAGED: dict[str, Callable[[], bytes]] = {
    "truncated-60pct": truncated,
    "badxref": bad_xref,
    "startxref-garbled": startxref_garbled,
    "startxref-out-of-range": startxref_out_of_range,
    "startxref-and-xref-broken": startxref_and_xref_broken,
    "startxref-missing": startxref_missing,
    "nesting-5k": lambda: nested_arrays(5_000),
    "nesting-100k": lambda: nested_arrays(100_000),
    "nesting-5k-annots": lambda: nested_arrays(5_000, "annots"),
    "nesting-100k-annots": lambda: nested_arrays(100_000, "annots"),
}


# --------------------------------------------------------------------------- the CLI

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    out: Path

    def json(self) -> dict[str, object]:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON line on stdout, got {self.stdout!r}"
        result = json.loads(lines[0])
        assert isinstance(result, dict)
        return result


def sign_cli(home: Path, infile: Path, seal: str, *options: str, lang: str | None = None,
             out: Path | None = None) -> CliResult:
    """Run ``python -m openseal sign INFILE --seal SEAL -o OUT OPTIONS`` in a subprocess."""
    out = out or infile.with_name(infile.stem + "-sealed.pdf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSEAL_")}
    env["OPENSEAL_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env["LANG"] = "C.UTF-8"  # the default language must not come from the caller's locale
    if lang is not None:
        env["OPENSEAL_LANG"] = lang
    proc = subprocess.run(
        [sys.executable, "-m", "openseal", "sign", str(infile), "--seal", seal,
         "-o", str(out), *options],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    return CliResult(proc.returncode, proc.stdout, proc.stderr, out)


def sealed_count(instance: TestInstance) -> int:
    with instance.wiring.context() as c:
        return c.repos.count_sealed_documents()


def assert_refused(result: CliResult, code: str, *, as_json: bool = True) -> dict[str, object]:
    """Exit 2, one-line message on stderr, no stack trace, no output file, no temp file."""
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert not result.out.exists(), f"{result.out} was written"
    leftovers = [p.name for p in result.out.parent.iterdir() if p.name.endswith(".part")]
    assert not leftovers, leftovers
    if not as_json:
        return {}
    payload = result.json()
    assert payload["error"] == code, payload
    return payload
