"""The verification report as a PDF: signed by the report key and timestamped (pdfsig and our
own verifier agree), readable in Chinese and English, thumbnails that outline the seals in
red, and bounded work on damaged documents and page or image bombs."""

from __future__ import annotations

import io
import subprocess
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from openseal.core.pki.profiles import CertificateRole
from openseal.core.reports import REPORT_FIELD, signed_report_pdf
from openseal.core.reports.pdf_report import report_pdf
from openseal.core.reports.render import (
    IMAGES_TOO_LARGE,
    MAX_PAGE_OBJECTS,
    MAX_PAGES,
    OUTLINE_WIDTH,
    TOO_COMPLEX,
    TOO_LARGE,
    render_document,
)
from openseal.core.verification import VerificationReport, verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.core.verification.reasons import REASONS
from tests.support.instance import ORG_NAME, TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import missing, require_tool

A4 = (595.2756, 841.8898)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("reports") / "home")


@pytest.fixture(scope="module")
def sealed(instance: TestInstance) -> bytes:
    """Two pages, the contract seal on page 2."""
    return instance.seal(reportlab_pdf(pages=2), page=2, x=120, y=60)


def verified(instance: TestInstance, data: bytes, name: str = "contract.pdf"
             ) -> VerificationReport:
    with instance.wiring.context() as c:
        return verify_pdf(data, c.pki.trust_anchors(), name,
                          local_revocation_policy(c.pki.revocation_lists()),
                          test_roots=c.pki.test_anchors())


def report_of(instance: TestInstance, data: bytes, lang: str = "zh",
              registry: dict[str, object] | None = None, name: str = "contract.pdf") -> bytes:
    report = verified(instance, data, name)
    with instance.wiring.context() as c:
        return signed_report_pdf(report, data, c.pki, c.keystore, lang=lang, registry=registry)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    require_poppler_data()
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def require_poppler_data() -> None:
    """The report's text is in the CID font STSong-Light (Adobe-GB1): poppler reads it with
    the CMaps of poppler-data (only recommended by poppler-utils)."""
    if not Path("/usr/share/poppler/cMap/Adobe-GB1").is_dir():
        missing("poppler-data not found: apt-get install poppler-data")


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True,
                          text=True, timeout=60, check=False).stdout


def is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    r, g, b = (int(v) for v in pixel[:3])
    return r > 200 and g < 70 and b < 70


def red_count(image: Image.Image) -> int:
    raw = image.convert("RGB").tobytes()
    return sum(is_red((raw[i], raw[i + 1], raw[i + 2])) for i in range(0, len(raw), 3))


# signed, timestamped, verifiable ------------------------------------------------------------


def test_report_passes_pdfsig_and_our_verifier(instance: TestInstance, sealed: bytes,
                                               tmp_path: Path) -> None:
    pdf = report_of(instance, sealed)
    out = pdfsig(pdf, tmp_path)
    assert f"Signature Field Name: {REPORT_FIELD}" in out, out
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert "Verification Report" in out  # the report key's certificate signed it
    checked = verified(instance, pdf, "report.pdf")
    assert checked.verdict == "VALID", checked.to_dict()
    (signature,) = checked.signatures
    assert signature.field == REPORT_FIELD and signature.trusted and signature.revoked is False
    assert signature.pades_level == "B-T" and signature.timestamp_time is not None
    assert signature.organization == "OpenSeal Test"
    # Elsewhere, with only the instance root (no CRLs of ours): VALID as well.
    assert verify_pdf(pdf, instance.roots).verdict == "VALID"


def test_a_changed_report_no_longer_verifies(instance: TestInstance, sealed: bytes) -> None:
    pdf = bytearray(report_of(instance, sealed))
    at = pdf.index(b"/Producer")
    pdf[at + 1] = ord("Q")  # one byte inside the signed range
    assert verified(instance, bytes(pdf)).verdict == "INVALID"


def test_report_key_is_made_once_and_chains_to_the_root(instance: TestInstance) -> None:
    with instance.wiring.context() as c:
        first = c.pki.report_signer()
    with instance.wiring.context() as c:
        again = c.pki.report_signer()
        records = c.repos.list_certificates(CertificateRole.REPORT.value)
        root = c.pki.trust_anchors()[0]
    assert again.cert_id == first.cert_id and [r.id for r in records] == [first.cert_id]
    assert first.chain[-1].dump() == root.dump()
    assert first.certificate.issuer == root.subject
    assert "Verification Report" in first.certificate.subject.native["common_name"]
    assert first.certificate.key_usage_value.native == {"digital_signature",
                                                        "non_repudiation"}


# what it says, in both languages -----------------------------------------------------------


def test_report_text_in_chinese(instance: TestInstance, sealed: bytes, tmp_path: Path) -> None:
    text = pdftotext(report_of(instance, sealed, "zh", registry={
        "status": "issued", "document_id": "doc-123", "organization": ORG_NAME,
        "seal": "合同专用章", "sealed_at": "2025-03-01T08:00:00Z"}), tmp_path)
    assert "电子印章验证报告" in text and "验证结论: 有效" in text, text
    assert ORG_NAME in text and "合同专用章" in text
    assert "本平台签发的文件" in text and "doc-123" in text
    assert "受信任，未吊销" in text and "B-T" in text
    assert "第 2 页" in text and "OpenSeal1" in text  # the thumbnail of the sealed page


def test_report_text_in_english(instance: TestInstance, sealed: bytes, tmp_path: Path) -> None:
    text = pdftotext(report_of(instance, sealed, "en", registry={
        "status": "issued_plus_bytes", "document_id": "doc-9", "added_bytes": 1234}),
        tmp_path)
    assert "Electronic Seal Verification Report" in text and "Verdict: VALID" in text, text
    assert ORG_NAME in text and "合同专用章" in text
    assert "Signature 1: VALID" in text and "trusted, not revoked" in text
    assert "with 1,234 bytes added" in text and "doc-9" in text
    assert "Page 2: OpenSeal1" in text


def test_untrusted_text_is_shown_not_interpreted(instance: TestInstance, sealed: bytes,
                                                 tmp_path: Path) -> None:
    name = "<b>合同</b> & <font size=40>x\x07\u202e</font>\udcff.pdf"  # not UTF-8: \udcff
    text = pdftotext(report_of(instance, sealed, "en", name=name), tmp_path)
    assert "<b>合同</b> & <font size=40>x" in text, text


# thumbnails ---------------------------------------------------------------------------------


def box_of(rect: tuple[float, float, float, float], scale: float
           ) -> tuple[float, float, float, float]:
    """A rectangle of an (unrotated) A4 page in thumbnail pixels: left, top, right, bottom."""
    return (rect[0] * scale, (A4[1] - rect[3]) * scale, rect[2] * scale,
            (A4[1] - rect[1]) * scale)


def assert_outlined(thumb: Image.Image, rect: tuple[float, float, float, float]) -> None:
    """The outline's corners and edge midpoints are red."""
    left, top, right, bottom = box_of(rect, thumb.width / A4[0])
    inset = OUTLINE_WIDTH / 2
    for x, y in ((left + inset, top + inset), (right - inset, bottom - inset),
                 ((left + right) / 2, top + inset), (left + inset, (top + bottom) / 2),
                 (right - inset, top + inset), (left + inset, bottom - inset)):
        assert is_red(thumb.getpixel((round(x), round(y)))), (x, y)


def test_thumbnail_outlines_the_seal_in_red(instance: TestInstance, sealed: bytes,
                                            tmp_path: Path) -> None:
    rendered = render_document(sealed)
    assert rendered is not None and rendered.page_count == 2
    first, second = rendered.pages
    assert first.fields == () and second.fields == ("OpenSeal1",)
    (area,) = rendered.areas
    assert area.page == 2 and "OpenSeal1" in rendered.seals
    assert second.png is not None and first.png is not None
    thumb = Image.open(io.BytesIO(second.png)).convert("RGB")
    scale = thumb.width / A4[0]
    left, top, right, bottom = box_of(area.rect, scale)
    inset = OUTLINE_WIDTH / 2
    assert_outlined(thumb, area.rect)  # red along the box ...
    # ... where the page itself is white (the seal is round: its box's corners are empty).
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    subprocess.run([require_tool("pdftoppm"), "-f", "2", "-l", "2", "-r", str(72 * scale),
                    "-png", str(path), str(tmp_path / "plain")], check=True, timeout=60)
    plain = Image.open(next(tmp_path.glob("plain*.png"))).convert("RGB")
    corner = plain.getpixel((round(left + inset), round(top + inset)))
    assert isinstance(corner, tuple) and min(corner) > 200, corner
    # Away from the seal, nothing red; page 1 has no seal and no red at all.
    assert not is_red(thumb.getpixel((round(left / 2), round(top / 2))))
    page_one = Image.open(io.BytesIO(first.png)).convert("RGB")
    assert red_count(page_one) == 0


def test_the_report_pdf_carries_the_outlined_thumbnail(instance: TestInstance, sealed: bytes,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(report_of(instance, sealed))
    subprocess.run([require_tool("pdfimages"), "-png", str(path), str(tmp_path / "img")],
                   check=True, timeout=60)
    images = [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("img-*.png"))]
    pages = [i for i in images if i.height == 600]  # the thumbnails (600 px tall)
    assert len(pages) == 2, [i.size for i in images]
    assert red_count(pages[0]) == 0
    rendered = render_document(sealed)
    assert rendered is not None
    assert_outlined(pages[1], rendered.areas[0].rect)
    seal_pictures = [i for i in images if 200 <= i.width <= 260 and 200 <= i.height <= 260]
    assert seal_pictures, [i.size for i in images]
    assert red_count(seal_pictures[0]) > 1000  # the seal as the page shows it


def test_only_the_first_pages_and_later_seal_pages_are_thumbnailed(
        instance: TestInstance, tmp_path: Path) -> None:
    sealed = instance.seal(reportlab_pdf(pages=MAX_PAGES + 5), page=MAX_PAGES + 3)
    rendered = render_document(sealed)
    assert rendered is not None and rendered.page_count == MAX_PAGES + 5
    assert [p.page for p in rendered.pages] == [*range(1, MAX_PAGES + 1), MAX_PAGES + 3]
    assert rendered.pages[-1].fields == ("OpenSeal1",) and rendered.omitted == 4
    text = pdftotext(report_of(instance, sealed, "en"), tmp_path)
    assert f"Page {MAX_PAGES + 3}: OpenSeal1" in text and "4 more pages are not shown" in text


def test_any_length_of_approval_chain_lays_out(instance: TestInstance, sealed: bytes,
                                              tmp_path: Path) -> None:
    """A signer may put any approval attribute into its own signature: 500 approvers with
    long names, on 150 signatures, still make a report (bounded, split across pages)."""
    report = verified(instance, sealed)
    chain = {"ticket": "t-1", "requester": {"name": "申" * 1000},
             "approvers": [{"name": f"审批人{n} " + "长" * 400, "step_name": "x" * 500,
                            "at": "not a time"} for n in range(500)],
             "purpose": "<para>" * 200, "document_matches": False}
    signature = replace(report.signatures[0], approval=chain,
                        reasons=tuple(REASONS)[:12])
    many = replace(report, signatures=(signature,) * 150)
    pdf = report_pdf(many, render_document(sealed), lang="en", issuer="OpenSeal Test",
                     generated_at=datetime.now(UTC), size=len(sealed))
    text = pdftotext(pdf, tmp_path)
    assert "and 470 more not listed" in text and "and 50 more not listed" in text
    assert "The sealed document is not the one approved" in text


# damaged documents and bombs ------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["junk", "truncated", "not_a_pdf"])
def test_a_damaged_document_still_gets_a_signed_report(
        instance: TestInstance, sealed: bytes, damage: str, tmp_path: Path) -> None:
    data = {"junk": b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF",
            "truncated": sealed[:len(sealed) // 2], "not_a_pdf": b"hello"}[damage]
    assert render_document(data) is None
    report = verified(instance, data)
    assert report.verdict == "INDETERMINATE" and "MALFORMED_PDF" in report.reasons
    pdf = report_of(instance, data, "en")
    assert "Signature Validation: Signature is Valid." in pdfsig(pdf, tmp_path)
    text = pdftotext(pdf, tmp_path)
    assert "Verdict: INDETERMINATE" in text and "MALFORMED_PDF" in text
    assert "No thumbnails: the document cannot be read." in text


def page_bomb() -> bytes:
    """Page 1 is A4; page 2 is 200 000 pt square (70 m: 40 gigapixels at 72 dpi)."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.drawString(72, 770, "page one")
    c.showPage()
    c.setPageSize((200_000, 200_000))
    c.drawString(72, 770, "a very large page")
    c.showPage()
    c.save()
    return out.getvalue()


def test_a_page_bomb_is_a_placeholder(instance: TestInstance, tmp_path: Path) -> None:
    """The oversized page is never handed to PDFium (``skipped == TOO_LARGE``): that, not a
    wall-clock bound (speed lives in benchmarks, not tests), is what keeps it quick."""
    sealed = instance.seal(page_bomb(), page=1)
    rendered = render_document(sealed)
    assert rendered is not None
    first, second = rendered.pages
    assert first.png is not None and first.fields == ("OpenSeal1",)
    assert second.png is None and second.skipped == TOO_LARGE
    text = pdftotext(report_of(instance, sealed, "en"), tmp_path)
    assert "page too large, not shown" in text


def one_page(content: bytes, resources: bytes = b"<< >>", *extra: bytes) -> bytes:
    """A hand-made one-page A4 PDF: ``content``, ``resources``, ``extra`` objects from 5."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s "
        b"/Contents 4 0 R >>" % resources,
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        *extra,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def image_bomb(side: int = 6000) -> bytes:
    """A page showing a 6000 x 6000 grey image (36 Mpx) that compresses to ~40 KB."""
    packer = zlib.compressobj(9)
    row = b"\x00" * side
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    image = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
             % (side, side, len(pixels)) + pixels + b"\nendstream")
    return one_page(b"q 500 0 0 700 50 50 cm /Im0 Do Q", b"<< /XObject << /Im0 5 0 R >> >>",
                    image)


def test_an_oversized_image_is_never_decoded(instance: TestInstance) -> None:
    sealed = instance.seal(image_bomb(), page=1)
    started = time.monotonic()
    rendered = render_document(sealed)
    assert time.monotonic() - started < 5
    assert rendered is not None
    (page,) = rendered.pages
    assert page.png is None and page.skipped == IMAGES_TOO_LARGE


def test_an_inline_image_bomb_is_never_decoded() -> None:
    """An inline image (in the content stream, no resource) claiming 20000 x 20000: PDFium's
    own view of the page finds it before anything is drawn."""
    data = one_page(b"q 500 0 0 700 50 50 cm BI /W 20000 /H 20000 /CS /G /BPC 8 /F /Fl ID\n"
                    b"xx\nEI Q")
    rendered = render_document(data)
    assert rendered is not None
    (page,) = rendered.pages
    assert page.png is None and page.skipped == IMAGES_TOO_LARGE


def test_a_page_with_too_much_to_draw_is_a_placeholder() -> None:
    started = time.monotonic()
    rendered = render_document(one_page(b"0 0 1 1 re f\n" * (MAX_PAGE_OBJECTS + 1)))
    assert time.monotonic() - started < 10
    assert rendered is not None
    (page,) = rendered.pages
    assert page.png is None and page.skipped == TOO_COMPLEX

