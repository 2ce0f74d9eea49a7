"""Sandbox seals: a TEST / 测试 mark on every form of the image, and on the stamped page."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from openseal.core.records import SealRecord
from openseal.core.seals.artwork import (
    TEST_MARK_TEXT,
    artwork_to_pdf_content,
    draw_seal,
    render_svg,
    sandbox_mark,
    with_test_mark_png,
)
from openseal.core.signing.placement import DEFAULT_MARGIN_MM
from tests.support.instance import TestInstance, make_instance
from tests.support.sandbox import add_sandbox_org, add_seal, seal_pdf
from tests.support.tools import require_tool

MARK_RGB_PDF = "0.133 0.133 0.133 rg"  # MARK_INK (34, 34, 34)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("sandbox-seal"))


@pytest.fixture(scope="module")
def sandbox_seal(instance: TestInstance) -> SealRecord:
    return add_seal(instance, add_sandbox_org(instance).id)


def dark_pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Opaque neutral dark pixels: the mark's ink, never the red seal's or the paper."""
    rgba = image.convert("RGBA")
    if box is not None:
        rgba = rgba.crop(box)
    raw = rgba.tobytes()
    return sum(1 for i in range(0, len(raw), 4)
               if raw[i + 3] > 200 and max(raw[i:i + 3]) < 110
               and max(raw[i:i + 3]) - min(raw[i:i + 3]) < 30)


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def scan() -> bytes:
    """A red ring scanned on white paper, as someone would upload it."""
    image = Image.new("RGB", (400, 400), (255, 255, 255))
    for x in range(400):
        for y in range(400):
            if 150 ** 2 <= (x - 200) ** 2 + (y - 200) ** 2 <= 190 ** 2:
                image.putpixel((x, y), (215, 20, 20))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_sandbox_seal_is_stored_as_sandbox(instance: TestInstance,
                                           sandbox_seal: SealRecord) -> None:
    assert sandbox_seal.sandbox is True
    assert instance.seals["contract"].sandbox is False
    with instance.wiring.context() as c:
        assert c.repos.get_seal(sandbox_seal.id).sandbox is True  # type: ignore[union-attr]
        events = {e.target: e.details for e, _ in c.repos.list_audit(action="seal.create")}
    assert events[f"seal:{sandbox_seal.id}"]["sandbox"] is True
    assert events[f"seal:{instance.seals['contract'].id}"]["sandbox"] is False


def test_drawn_sandbox_seal_png_carries_the_dark_mark(instance: TestInstance,
                                                      sandbox_seal: SealRecord) -> None:
    normal, marked = png(instance.seals["contract"].artwork.png), png(sandbox_seal.artwork.png)
    assert marked.size == normal.size and marked.info["dpi"] == normal.info["dpi"]
    assert dark_pixels(normal) == 0
    # the lettering covers a good part of a horizontal band through the middle
    h = marked.height
    band = (0, int(h * 0.36), marked.width, int(h * 0.64))
    assert dark_pixels(marked, band) > 0.08 * marked.width * (band[3] - band[1])
    assert dark_pixels(marked) - dark_pixels(marked, band) == 0
    # the band is opaque white behind the letters, where the seal had red ink or nothing
    middle = marked.convert("RGBA").getpixel((marked.width // 2, h // 2 - int(h * 0.105)))
    assert middle == (255, 255, 255, 255)


def test_drawn_sandbox_seal_vector_and_svg_carry_the_mark(sandbox_seal: SealRecord) -> None:
    drawing = draw_seal(sandbox_seal.design)  # the same seal without the mark
    normal_vector, normal_svg = artwork_to_pdf_content(drawing), render_svg(drawing)
    marked = sandbox_seal.artwork
    assert marked.vector is not None and marked.vector.startswith(normal_vector)
    extra = marked.vector[len(normal_vector):].decode("ascii")
    assert "1 1 1 rg" in extra and MARK_RGB_PDF in extra and extra.count("f*") >= 9
    assert MARK_RGB_PDF not in normal_vector.decode("ascii")
    assert marked.svg is not None and marked.svg != normal_svg
    assert 'fill="rgb(34,34,34)"' in marked.svg and 'fill="rgb(255,255,255)"' in marked.svg
    assert "rgb(34,34,34)" not in normal_svg


@pytest.mark.parametrize("size", [(40.0, 40.0), (40.0, 30.0), (20.0, 20.0)])
def test_mark_fits_every_seal_shape(size: tuple[float, float]) -> None:
    band, lettering = sandbox_mark(*size)
    w, h = size
    for layer in (band, lettering):
        for path in layer.paths:
            for x, y in path.points():
                assert -0.01 <= x <= w + 0.01 and -0.01 <= y <= h + 0.01
    glyphs = len([c for c in TEST_MARK_TEXT if not c.isspace()])
    assert len(lettering.paths) == glyphs + 2  # the letters and two rules


def test_uploaded_sandbox_seal_carries_the_mark(instance: TestInstance) -> None:
    org_id = instance.seals["contract"].org_id
    normal = add_seal(instance, org_id, name="扫描章", image=scan())
    sandbox = add_seal(instance, add_sandbox_org(instance, "杭州上传测试有限公司",
                                                 "91330100MA2B000005").id,
                       name="扫描章", image=scan())
    assert sandbox.sandbox and sandbox.artwork.vector is None
    assert dark_pixels(png(normal.artwork.png)) == 0
    assert dark_pixels(png(sandbox.artwork.png)) > 2000


def test_mark_on_a_big_upload_keeps_its_size() -> None:
    big = Image.new("RGBA", (3000, 1500), (200, 0, 0, 255))
    buf = io.BytesIO()
    big.save(buf, "PNG")
    marked = png(with_test_mark_png(buf.getvalue(), 40.0, 20.0))
    assert marked.size == (3000, 1500)
    assert dark_pixels(marked.resize((300, 150))) > 300


def test_stamped_page_shows_the_mark(instance: TestInstance, sandbox_seal: SealRecord,
                                     sample_pdf: bytes, tmp_path: Path) -> None:
    pdftoppm = require_tool("pdftoppm")
    normal = seal_pdf(instance, instance.seals["contract"], sample_pdf)
    sandbox = seal_pdf(instance, sandbox_seal, sample_pdf)
    counts = []
    for name, data in (("normal", normal), ("sandbox", sandbox)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run([pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True, capture_output=True, timeout=60)
        page = Image.open(tmp_path / f"{name}.png").convert("RGB")
        counts.append(dark_pixels(page, _seal_box(page, sandbox_seal)))
    assert counts[0] == 0, "a production seal has no dark ink"
    seal_px = (sandbox_seal.artwork.width_mm * 150 / 25.4) ** 2
    assert counts[1] > 0.03 * seal_px, counts


def _seal_box(page: Image.Image, seal: SealRecord) -> tuple[int, int, int, int]:
    """The default corner of the page (25 mm from the right and bottom) at 150 dpi."""
    px_per_mm = 150 / 25.4
    w, h = seal.artwork.width_mm * px_per_mm, seal.artwork.height_mm * px_per_mm
    right = page.width - DEFAULT_MARGIN_MM * px_per_mm
    bottom = page.height - DEFAULT_MARGIN_MM * px_per_mm
    return (int(right - w), int(bottom - h), int(right), int(bottom))
