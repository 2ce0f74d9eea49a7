"""The visible seal on the page, built once per seal and reused for every document."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.stamp import StaticStampStyle

from openseal.core.signing.placement import PT_PER_MM


@dataclass(frozen=True)
class SealImage:
    """What the seal looks like: a vector content stream (preferred) or a PNG.

    ``vector`` is a PDF content stream drawing the seal in a box of width_mm x height_mm
    points-scaled, origin bottom-left. ``png`` is used only when there is no vector form
    (an uploaded image).
    """

    width_mm: float
    height_mm: float
    vector: bytes | None = None
    png: bytes | None = None


def stamp_style(image: SealImage) -> StaticStampStyle:
    """A pyHanko stamp style that draws ``image`` filling the signature box exactly."""
    box = layout.BoxConstraints(width=image.width_mm * PT_PER_MM,
                                height=image.height_mm * PT_PER_MM)
    background: content.PdfContent
    if image.vector is not None:
        background = content.RawContent(image.vector, box=box)
    elif image.png is not None:
        pil = Image.open(io.BytesIO(image.png))
        pil.load()
        background = PdfImage(pil, box=box)
    else:
        raise ValueError("a SealImage needs a vector or a PNG form")
    rule = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(0),
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )
    return StaticStampStyle(background=background, border_width=0,
                            background_opacity=1.0, background_layout=rule)
