"""Keyword positioning: the seal lands on 「甲方（盖章）」 (rendered by poppler, red pixels
counted), on the chosen occurrences, and the output is still a VALID seal (pyHanko, our
verifier, pdfsig and qpdf agree). Extra occurrences are page content the signature covers."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from openseal.core.signing.appearance import SealImage
from openseal.core.signing.keyword import find_keyword
from openseal.core.signing.pdf import PdfSealer, SealRequest
from openseal.core.signing.placement import PT_PER_MM, Placement
from openseal.core.signing.service import seal_document
from openseal.core.verification import verify_pdf
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf  # noqa: F401 - registers STSong-Light
from tests.support.tools import require_tool

FONT, SIZE = "STSong-Light", 12
A = "甲方（盖章）"
B = "乙方（盖章）"
# (page, text, x, baseline) in points: 甲方 on pages 1 and 2, 乙方 on page 1.
LAYOUT = ((1, A, 80, 200), (1, B, 360, 200), (2, A, 300, 500))
DPI = 50
PX_PER_MM = DPI / 25.4


def contract_with_keywords(pages: int = 2) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont(FONT, 16)
        c.drawString(72, 770, f"采购合同 第 {n} 页")
        c.setFont(FONT, SIZE)
        for page, text, x, y in LAYOUT:
            if page == n:
                c.drawString(x, y, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def centre_mm(index: int) -> tuple[float, float]:
    """Centre of LAYOUT[index]'s text box, in mm from the page's bottom-left."""
    _, text, x, y = LAYOUT[index]
    return ((x + stringWidth(text, FONT, SIZE) / 2) / PT_PER_MM,
            (y + SIZE * 0.38) / PT_PER_MM)


def red_pixels(pdf: bytes, page: int, tmp: Path) -> list[tuple[float, float]]:
    """Positions (mm from the bottom-left) of the red pixels of ``page`` drawn by poppler."""
    source = tmp / f"r{page}.pdf"
    source.write_bytes(pdf)
    subprocess.run([require_tool("pdftoppm"), "-r", str(DPI), "-f", str(page), "-l",
                    str(page), "-png", "-singlefile", str(source), str(tmp / f"r{page}")],
                   check=True, timeout=60)
    img = Image.open(tmp / f"r{page}.png").convert("RGB")
    w, h = img.size
    data = img.get_flattened_data()
    return [((i % w + 0.5) / PX_PER_MM, (h - i // w - 0.5) / PX_PER_MM)
            for i, (r, g, b) in enumerate(data) if r > 150 and g < 110 and b < 110]


def centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    assert points, "no red pixels"
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def near(points: list[tuple[float, float]], at: tuple[float, float], mm: float = 30):
    return [p for p in points if abs(p[0] - at[0]) < mm and abs(p[1] - at[1]) < mm]


def assert_seal_at(points: list[tuple[float, float]], at: tuple[float, float]) -> None:
    inside = near(points, at)
    assert len(inside) > 200 and len(inside) == len(points), (len(inside), len(points))
    cx, cy = centroid(inside)
    assert abs(cx - at[0]) < 3 and abs(cy - at[1]) < 3, ((cx, cy), at)


def seal(instance: TestInstance, pdf: bytes, **options: object) -> bytes:
    with instance.wiring.context() as c:
        return seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache,
                             instance.seals["contract"].id, pdf, SealRequest(**options),
                             audit=c.audit, principal=operator(instance.org.id)).pdf


def assert_valid(pdf: bytes, instance: TestInstance, tmp: Path) -> None:
    assert verify_pdf(pdf, instance.roots, filename="k.pdf").verdict == "VALID"
    path = tmp / "checked.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert "Signature is Valid." in out and "Total document signed" in out, out
    subprocess.run([require_tool("qpdf"), "--check", str(path)], check=True,
                   capture_output=True, timeout=60)


def test_finds_cjk_keywords_where_they_are_drawn() -> None:
    hits = find_keyword(contract_with_keywords(), A)
    assert [h.page for h in hits] == [1, 2]
    for hit, index in zip(hits, (0, 2), strict=True):
        x, y = centre_mm(index)
        assert abs(hit.x / PT_PER_MM - x) < 1 and abs(hit.y / PT_PER_MM - y) < 1.5


def test_seal_centred_on_the_first_occurrence(sealing_instance: TestInstance,
                                              tmp_path: Path) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=A)
    assert_seal_at(red_pixels(sealed, 1, tmp_path), centre_mm(0))
    assert red_pixels(sealed, 2, tmp_path) == []
    assert_valid(sealed, sealing_instance, tmp_path)


def test_second_party_keyword(sealing_instance: TestInstance, tmp_path: Path) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=B)
    assert_seal_at(red_pixels(sealed, 1, tmp_path), centre_mm(1))


@pytest.mark.parametrize("occurrence", ["last", "2"])
def test_last_and_nth_occurrence(sealing_instance: TestInstance, tmp_path: Path,
                                 occurrence: str) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=A,
                  occurrence=occurrence)
    assert red_pixels(sealed, 1, tmp_path) == []
    assert_seal_at(red_pixels(sealed, 2, tmp_path), centre_mm(2))


def test_all_occurrences_are_stamped_and_signed(sealing_instance: TestInstance,
                                                tmp_path: Path) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=A, occurrence="all")
    assert_seal_at(red_pixels(sealed, 1, tmp_path), centre_mm(0))
    assert_seal_at(red_pixels(sealed, 2, tmp_path), centre_mm(2))
    assert_valid(sealed, sealing_instance, tmp_path)


def test_offset_moves_the_seal(sealing_instance: TestInstance, tmp_path: Path) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=B,
                  offset_mm=(15.0, -10.0), placement=Placement(size_mm=30))
    x, y = centre_mm(1)
    assert_seal_at(red_pixels(sealed, 1, tmp_path), (x + 15, y - 10))


def test_missing_keyword_is_refused(sealing_instance: TestInstance) -> None:
    with pytest.raises(InvalidInput) as err:
        seal(sealing_instance, contract_with_keywords(), keyword="丙方（盖章）")
    assert err.value.code == "KEYWORD_NOT_FOUND" and "丙方（盖章）" in err.value.zh


def test_occurrence_beyond_the_last_is_refused(sealing_instance: TestInstance) -> None:
    with pytest.raises(InvalidInput) as err:
        seal(sealing_instance, contract_with_keywords(), keyword=A, occurrence="3")
    assert err.value.code == "KEYWORD_OCCURRENCE" and err.value.fields["occurrences"] == 2


def test_damaged_pdf_is_an_error_not_a_crash() -> None:
    with pytest.raises(InvalidInput) as err:
        find_keyword(b"%PDF-1.7\n garbage", A)
    assert err.value.code == "PDF_DAMAGED"


def test_png_seal_is_stamped_too(sealing_instance: TestInstance, tmp_path: Path) -> None:
    """An uploaded (PNG) seal: the extra stamps go through pyHanko's PdfImage."""
    with sealing_instance.wiring.context() as c:
        vector = sealing_instance.cache.get(sealing_instance.seals["contract"], c.pki,
                                            c.keystore)
    disc = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(disc).ellipse((10, 10, 390, 390), outline=(220, 0, 0, 255), width=30)
    out = io.BytesIO()
    disc.save(out, "PNG")
    png = PdfSealer(vector._signer, SealImage(40, 40, png=out.getvalue()),  # noqa: SLF001
                    vector._timestamper)  # noqa: SLF001
    sealed = png.seal(contract_with_keywords(), SealRequest(keyword=A, occurrence="all"))[0]
    assert_seal_at(red_pixels(sealed, 1, tmp_path), centre_mm(0))
    assert_seal_at(red_pixels(sealed, 2, tmp_path), centre_mm(2))
    assert_valid(sealed, sealing_instance, tmp_path)


def test_default_sealing_searches_no_text(sealing_instance: TestInstance,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_: object) -> None:
        raise AssertionError("no keyword: nothing extra must run")

    monkeypatch.setattr("openseal.core.signing.pdf.find_keyword", forbidden)
    monkeypatch.setattr("openseal.core.signing.pdf.SealStamper", forbidden)
    assert seal(sealing_instance, contract_with_keywords()).startswith(b"%PDF")


def test_with_a_qr_code_the_seal_itself_is_centred(sealing_instance: TestInstance,
                                                   tmp_path: Path) -> None:
    sealed = seal(sealing_instance, contract_with_keywords(), keyword=B,
                  qr_url="https://seal.example.com/v/1")
    assert_seal_at(red_pixels(sealed, 1, tmp_path), centre_mm(1))
