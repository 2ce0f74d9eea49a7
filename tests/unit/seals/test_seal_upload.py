"""Uploaded seal images: format by content, size and pixel caps, damage, white removal."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import Image

from openseal.core.seals.artwork import UploadedSealImage, load_uploaded_seal_image
from openseal.errors import InvalidInput


def rgba(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def seal_scan() -> Image.Image:
    """A red disc on white paper."""
    image = Image.new("RGB", (64, 48), (255, 255, 255))
    for x in range(20, 44):
        for y in range(12, 36):
            image.putpixel((x, y), (220, 10, 10))
    return image


def decoded(result: UploadedSealImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.png))
    image.load()
    return image


def expect_error(data: bytes, code: str, **kwargs: int) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        load_uploaded_seal_image(data, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.zh and info.value.en
    return info.value


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_png_and_jpeg_are_accepted(fmt: str) -> None:
    result = load_uploaded_seal_image(encode(seal_scan(), fmt))
    assert (result.width_px, result.height_px) == (64, 48)
    image = decoded(result)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (64, 48)
    assert rgba(image, (0, 0))[3] == 255  # nothing made transparent unless asked


def test_palette_png_with_transparency_becomes_rgba() -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 255, 255, 255])
    image.info["transparency"] = 1
    image.putpixel((0, 0), 1)
    out = decoded(load_uploaded_seal_image(encode(image, "PNG")))
    assert out.mode == "RGBA" and rgba(out, (0, 0))[3] == 0


def test_white_to_transparent() -> None:
    scan = seal_scan()
    scan.putpixel((1, 1), (240, 236, 250))  # near white
    scan.putpixel((2, 2), (240, 200, 250))  # not near white
    out = decoded(load_uploaded_seal_image(encode(scan, "PNG"), white_to_transparent=True))
    assert rgba(out, (0, 0))[3] == 0
    assert rgba(out, (1, 1))[3] == 0
    assert rgba(out, (2, 2))[3] == 255
    assert rgba(out, (30, 20)) == (220, 10, 10, 255)


def test_white_to_transparent_on_jpeg() -> None:
    out = decoded(load_uploaded_seal_image(encode(seal_scan(), "JPEG"), white_to_transparent=True))
    assert rgba(out, (0, 0))[3] == 0
    assert rgba(out, (32, 24))[3] == 255


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("seal.png", b"not really")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", _zip(), b"<!doctype html><html><body>seal</body></html>", b"GIF89a\x01\x00",
     encode(seal_scan(), "BMP"), encode(seal_scan(), "GIF")],
    ids=["empty", "zip", "html", "gif-header", "bmp", "gif"],
)
def test_other_formats_are_refused(data: bytes) -> None:
    expect_error(data, "IMAGE_FORMAT")


def test_byte_cap() -> None:
    data = encode(seal_scan(), "PNG")
    expect_error(data, "IMAGE_TOO_LARGE", max_bytes=len(data) - 1)


def _with_ihdr_size(png: bytes, width: int, height: int) -> bytes:
    """Patch the IHDR chunk (always the first chunk, at offset 8) and fix its CRC."""
    length = struct.unpack(">I", png[8:12])[0]
    body = bytearray(png[12:16 + length])  # b"IHDR" + data
    assert body[:4] == b"IHDR"
    body[4:12] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(bytes(body)) & 0xFFFFFFFF)
    return png[:12] + bytes(body) + crc + png[16 + length + 4:]


def test_pixel_bomb_is_refused_from_the_header() -> None:
    bomb = _with_ihdr_size(encode(Image.new("L", (4, 4)), "PNG"), 30000, 30000)
    started = time.perf_counter()
    err = expect_error(bomb, "IMAGE_TOO_LARGE")
    assert time.perf_counter() - started < 0.5
    assert err.fields.get("max_pixels") == 4096 * 4096


def test_pixel_cap_below_pillow_bomb_limit() -> None:
    big = _with_ihdr_size(encode(Image.new("L", (4, 4)), "PNG"), 5000, 5000)
    err = expect_error(big, "IMAGE_TOO_LARGE")
    assert err.fields["width_px"] == 5000
    expect_error(encode(seal_scan(), "PNG"), "IMAGE_TOO_LARGE", max_pixels=100)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_damaged(fmt: str) -> None:
    data = encode(Image.effect_noise((200, 200), 64).convert("RGB"), fmt)
    expect_error(data[: len(data) // 2], "IMAGE_DAMAGED")


def test_corrupt_header_is_damaged() -> None:
    data = bytearray(encode(seal_scan(), "PNG"))
    data[20] ^= 0xFF  # inside IHDR: the CRC no longer matches
    expect_error(bytes(data), "IMAGE_DAMAGED")
