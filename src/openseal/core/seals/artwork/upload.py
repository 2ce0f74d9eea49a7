"""Uploaded seal images (a scan of a physical seal): check, normalise to an RGBA PNG.

Only PNG and JPEG are accepted, judged by the content (never by the file name). The byte size
and the pixel count (read from the header, before anything is decoded) are capped, so a
decompression bomb is rejected without being decompressed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from openseal.errors import InvalidInput

WHITE_THRESHOLD = 235
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class UploadedSealImage:
    """A checked seal image, re-encoded as an RGBA PNG (metadata stripped)."""

    png: bytes
    width_px: int
    height_px: int


def load_uploaded_seal_image(
    data: bytes,
    *,
    white_to_transparent: bool = False,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 4096 * 4096,
) -> UploadedSealImage:
    """Check an uploaded PNG/JPEG seal image and return it as an RGBA PNG.

    Raises InvalidInput: IMAGE_TOO_LARGE (bytes or pixels over the caps), IMAGE_FORMAT (not a
    PNG or JPEG), IMAGE_DAMAGED (truncated or corrupt). With ``white_to_transparent`` pixels
    whose channels are all >= 235 become fully transparent (for scans on white paper).
    """
    if len(data) > max_bytes:
        raise _too_large(f"文件超过 {max_bytes} 字节", f"the file exceeds {max_bytes} bytes",
                         max_bytes=max_bytes)
    if not (data.startswith(_PNG_MAGIC) or data.startswith(_JPEG_MAGIC)):
        raise _bad_format()
    image = _open(data, max_pixels)
    try:
        image.load()
        if image.format == "JPEG":
            image = ImageOps.exif_transpose(image)
        rgba = image.convert("RGBA")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large("图片像素过多", "the image has too many pixels",
                         max_pixels=max_pixels) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    if white_to_transparent:
        rgba = _white_to_transparent(rgba)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    return UploadedSealImage(png=buf.getvalue(), width_px=rgba.width, height_px=rgba.height)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open (parse the header only) and check the pixel count before any decoding."""
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large("图片像素过多", "the image has too many pixels",
                         max_pixels=max_pixels) from None
    except UnidentifiedImageError as exc:
        raise _damaged() from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    if image.format not in ("PNG", "JPEG"):
        raise _bad_format()
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _damaged()
    if width * height > max_pixels:
        raise _too_large(f"图片像素过多({width}x{height})",
                         f"the image has too many pixels ({width}x{height})",
                         max_pixels=max_pixels, width_px=width, height_px=height)
    return image


def _white_to_transparent(rgba: Image.Image) -> Image.Image:
    r, g, b, a = rgba.split()
    near = [ch.point(lambda v: 255 if v >= WHITE_THRESHOLD else 0) for ch in (r, g, b)]
    white = ImageChops.multiply(ImageChops.multiply(near[0], near[1]), near[2])
    a = ImageChops.subtract(a, white)  # alpha 0 where white, unchanged elsewhere
    return Image.merge("RGBA", (r, g, b, a))


def _too_large(zh: str, en: str, **fields: int) -> InvalidInput:
    return InvalidInput("IMAGE_TOO_LARGE", f"印章图片过大:{zh}",
                        f"The seal image is too large: {en}", **fields)


def _bad_format() -> InvalidInput:
    return InvalidInput("IMAGE_FORMAT", "印章图片只能是 PNG 或 JPEG 格式",
                        "The seal image must be a PNG or JPEG file")


def _damaged() -> InvalidInput:
    return InvalidInput("IMAGE_DAMAGED", "印章图片已损坏或不完整",
                        "The seal image is damaged or truncated")
