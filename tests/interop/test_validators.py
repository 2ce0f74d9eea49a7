"""Sealed PDFs from many producers pass independent validators: pdfsig (NSS), qpdf, pyHanko,
and the seal is drawn where it was asked for (poppler rendering)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from openseal.core.signing.placement import PT_PER_MM
from tests.support import producers
from tests.support.instance import TestInstance
from tests.support.tools import require_tool

pytestmark = pytest.mark.tools


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes]
    page: int = 1
    x: float = 30.0
    y: float = 50.0
    size: float | None = None
    foreign_signatures: int = 0


CASES: dict[str, Case] = {
    "reportlab": Case(producers.reportlab),
    "ghostscript": Case(producers.ghostscript, page=2, x=120, y=200),
    "qpdf-linearized": Case(producers.qpdf_linearized, page=3, x=15, y=230, size=30),
    "qpdf-object-streams": Case(producers.qpdf_object_streams),
    "existing-form-field": Case(producers.with_form_field, x=100, y=120),
    "third-party-signed-visible": Case(lambda: producers.third_party_signed(True),
                                       foreign_signatures=1),
    "third-party-signed-invisible": Case(lambda: producers.third_party_signed(False),
                                         x=140, y=30, size=50, foreign_signatures=1),
    "120-pages-p1": Case(producers.many_pages),
    "120-pages-p97": Case(producers.many_pages, page=97, x=60, y=100),
}
NAMES = list(CASES)


@dataclass(frozen=True)
class Sealed:
    path: Path
    data: bytes
    case: Case


@pytest.fixture(scope="session")
def sealed(sealing_instance: TestInstance, tmp_path_factory: pytest.TempPathFactory
           ) -> Callable[[str], Sealed]:
    """Seal each case once per session (lazily) and keep the file on disk."""
    folder = tmp_path_factory.mktemp("interop")
    done: dict[str, Sealed] = {}

    def get(name: str) -> Sealed:
        if name not in done:
            case = CASES[name]
            data = sealing_instance.seal(case.make(), page=case.page, x=case.x, y=case.y,
                                         size=case.size)
            path = folder / f"{name}.pdf"
            path.write_bytes(data)
            done[name] = Sealed(path, data, case)
        return done[name]

    return get


@pytest.fixture(scope="session")
def nss_db(sealing_instance: TestInstance, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An NSS certificate database that trusts the instance's roots (one -A per root)."""
    certutil = require_tool("certutil")
    folder = tmp_path_factory.mktemp("nssdb")
    db = f"sql:{folder}"
    subprocess.run([certutil, "-N", "-d", db, "--empty-password"], check=True,
                   capture_output=True)
    pems = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
                      sealing_instance.roots_pem.read_text(), re.S)
    assert pems, "no root certificates exported"
    for n, pem in enumerate(pems):
        one = folder / f"root{n}.pem"
        one.write_text(pem + "\n")
        subprocess.run([certutil, "-A", "-d", db, "-n", f"openseal-root-{n}", "-t", "CT,C,C",
                        "-i", str(one)], check=True, capture_output=True)
    return db


def pdfsig_blocks(db: str, path: Path) -> list[dict[str, str]]:
    """pdfsig's report, one dict per signature: field name, validation lines, coverage."""
    proc = subprocess.run([require_tool("pdfsig"), "-nssdir", db, str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    blocks = re.split(r"^Signature #\d+:\s*$", proc.stdout, flags=re.M)[1:]
    assert blocks, f"pdfsig found no signatures (rc={proc.returncode}): {proc.stdout}" \
                   f"{proc.stderr}"
    result = []
    for block in blocks:
        lines = [line.strip().lstrip("- ").strip() for line in block.splitlines()]
        info = dict(line.split(": ", 1) for line in lines if ": " in line)
        info["coverage"] = next((line for line in lines if "document signed" in line), "")
        result.append(info)
    return result


# --------------------------------------------------------------------------- pdfsig


@pytest.mark.parametrize("name", NAMES)
def test_pdfsig_every_signature_valid(name: str, sealed: Callable[[str], Sealed],
                                      nss_db: str) -> None:
    s = sealed(name)
    blocks = pdfsig_blocks(nss_db, s.path)
    assert len(blocks) == s.case.foreign_signatures + 1
    for block in blocks:
        assert block.get("Signature Validation") == "Signature is Valid.", block
    ours = blocks[-1]
    assert ours["Signature Field Name"].startswith("OpenSeal"), ours
    assert ours["coverage"] == "Total document signed", ours
    for earlier in blocks[:-1]:
        assert earlier["coverage"] == "Not total document signed", earlier


def test_pdfsig_trusts_our_certificate_with_a_live_ocsp_responder(tmp_path: Path) -> None:
    """NSS asks the OCSP responder the seal certificate names (poppler reports "Unknown
    issue with Certificate" while nothing answers, even with -no-ocsp). With a real
    `openseal serve` answering there, pdfsig trusts the certificate; after
    `openseal seal revoke` it says the certificate has been revoked."""
    from tests.support.instance import ORG_NAME, ORG_USCC
    from tests.support.server import Server

    certutil = require_tool("certutil")
    server = Server(tmp_path / "home", None)
    server.env["OPENSEAL_BASE_URL"] = server.url  # the OCSP URL new certificates carry
    server.cli("init")
    org = json.loads(server.cli("org", "create", "--name", ORG_NAME, "--uscc", ORG_USCC,
                                "--json"))
    seal = json.loads(server.cli("seal", "create", "--org", org["id"], "--type", "contract",
                                 "--name", "合同专用章", "--json"))
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    server.cli("sign", str(tmp_path / "in.pdf"), "--seal", seal["id"], "-o",
               str(tmp_path / "sealed.pdf"))
    server.cli("ca", "export", "--out", str(tmp_path / "roots.pem"))
    (tmp_path / "nss").mkdir()
    db = f"sql:{tmp_path / 'nss'}"
    subprocess.run([certutil, "-N", "-d", db, "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run([certutil, "-A", "-d", db, "-n", "openseal-root", "-t", "CT,C,C", "-i",
                    str(tmp_path / "roots.pem")], check=True, capture_output=True)
    process = server.start()
    try:
        ours = pdfsig_blocks(db, tmp_path / "sealed.pdf")[-1]
        assert ours["Certificate Validation"] == "Certificate is Trusted.", ours
        server.cli("seal", "revoke", seal["id"], "--reason", "retired")
        ours = pdfsig_blocks(db, tmp_path / "sealed.pdf")[-1]
        assert ours["Certificate Validation"] == "Certificate has been Revoked.", ours
    finally:
        process.terminate()
        process.wait(timeout=30)


# --------------------------------------------------------------------------- qpdf


@pytest.mark.parametrize("name", NAMES)
def test_qpdf_check(name: str, sealed: Callable[[str], Sealed]) -> None:
    proc = subprocess.run([require_tool("qpdf"), "--check", str(sealed(name).path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- pyHanko


@pytest.mark.parametrize("name", NAMES)
def test_pyhanko_validates(name: str, sealed: Callable[[str], Sealed],
                           sealing_instance: TestInstance) -> None:
    s = sealed(name)
    sigs = PdfFileReader(io.BytesIO(s.data)).embedded_signatures
    assert len(sigs) == s.case.foreign_signatures + 1
    ours = sigs[-1]
    assert ours.field_name.startswith("OpenSeal")
    ctx = ValidationContext(trust_roots=sealing_instance.roots, allow_fetching=False)
    status = validate_pdf_signature(ours, ctx)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ts = status.timestamp_validity
    assert ts is not None, "no signature timestamp (PAdES B-T expected)"
    assert ts.intact and ts.valid and ts.trusted, ts


@pytest.mark.parametrize("name", [n for n in NAMES if CASES[n].foreign_signatures])
def test_earlier_third_party_signature_stays_intact(name: str,
                                                    sealed: Callable[[str], Sealed]) -> None:
    sigs = PdfFileReader(io.BytesIO(sealed(name).data)).embedded_signatures
    earlier = sigs[0]
    assert earlier.field_name == "ThirdParty"
    status = validate_pdf_signature(
        earlier, ValidationContext(trust_roots=[], allow_fetching=False))
    assert status.intact and status.valid, status.pretty_print_details()
    assert not status.trusted  # a throwaway self-signed certificate: untrusted, still valid
    assert status.docmdp_ok, status.pretty_print_details()  # our update is an allowed change


def test_existing_form_field_survives(sealed: Callable[[str], Sealed]) -> None:
    reader = PdfFileReader(io.BytesIO(sealed("existing-form-field").data))
    names = {f.get_object().get("/T") for f in reader.root["/AcroForm"]["/Fields"]}
    assert "applicant" in names
    assert any(str(n).startswith("OpenSeal") for n in names)


# --------------------------------------------------------------------------- rendering

RED_MARGIN_PX = 3


@pytest.mark.parametrize("name", NAMES)
def test_seal_rendered_inside_requested_box(
    name: str, sealed: Callable[[str], Sealed], sealing_instance: TestInstance,
    tmp_path: Path,
) -> None:
    s = sealed(name)
    case = s.case
    prefix = tmp_path / "page"
    subprocess.run([require_tool("pdftoppm"), "-r", "72", "-f", str(case.page), "-l",
                    str(case.page), "-png", "-singlefile", str(s.path), str(prefix)],
                   check=True, capture_output=True, timeout=60)
    img = Image.open(f"{prefix}.png").convert("RGB")

    art = sealing_instance.seals["contract"].artwork
    w_mm, h_mm = art.width_mm, art.height_mm
    if case.size is not None:
        factor = case.size / max(w_mm, h_mm)
        w_mm, h_mm = w_mm * factor, h_mm * factor
    page_h = img.height  # 72 dpi: one pixel per point
    left, right = case.x * PT_PER_MM, (case.x + w_mm) * PT_PER_MM
    top, bottom = page_h - (case.y + h_mm) * PT_PER_MM, page_h - case.y * PT_PER_MM

    inside = outside = 0
    xs: list[int] = []
    ys: list[int] = []
    raw = img.tobytes()
    for yy in range(img.height):
        for xx in range(img.width):
            r, g, b = raw[3 * (yy * img.width + xx):3 * (yy * img.width + xx) + 3]
            if r > 180 and g < 80 and b < 80:
                if (left - RED_MARGIN_PX <= xx <= right + RED_MARGIN_PX
                        and top - RED_MARGIN_PX <= yy <= bottom + RED_MARGIN_PX):
                    inside += 1
                    xs.append(xx)
                    ys.append(yy)
                else:
                    outside += 1
    box_area = (right - left) * (bottom - top)
    assert inside > 0.05 * box_area, (
        f"too few red pixels in the requested box: {inside} of {box_area:.0f}")
    assert outside <= max(10, 0.01 * inside), (
        f"{outside} red pixels outside the requested box (inside: {inside})")
    # the seal fills its box (scaled to the requested size), not a corner of it
    assert max(xs) - min(xs) >= 0.85 * (right - left), (min(xs), max(xs), left, right)
    assert max(ys) - min(ys) >= 0.85 * (bottom - top), (min(ys), max(ys), top, bottom)
