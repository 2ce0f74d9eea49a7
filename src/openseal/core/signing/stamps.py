"""Seal images drawn as page content (extra keyword stamps, cross-page slices).

They are added to the incremental update that the signature then covers, so the signature
protects them too. The seal is one Form XObject per document (vector content stream, or the
PNG through pyHanko's PdfImage); each page draws it with its own matrix and, for a slice,
a clipping rectangle. The page content is wrapped in q/Q so that whatever graphics state
the page leaves behind cannot move or recolour the seal.
"""

from __future__ import annotations

import io
import secrets

from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import init_xobject_dictionary

from openseal.core.seals.artwork.pdf import fmt
from openseal.core.signing.appearance import SealImage
from openseal.core.signing.placement import PT_PER_MM

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in points


class SealStamper:
    """Draws one seal image on pages of one document being updated."""

    def __init__(self, writer: IncrementalPdfFileWriter, image: SealImage) -> None:
        self._writer = writer
        self._width = image.width_mm * PT_PER_MM
        self._height = image.height_mm * PT_PER_MM
        self._form = writer.add_object(_seal_form(writer, image, self._width, self._height))
        self._name = f"/OpenSealStamp{secrets.token_hex(4)}"
        self._wrapped: set[int] = set()

    def stamp(self, page_ix: int, box: Box, clip: Box | None = None) -> None:
        """Draw the seal stretched over ``box`` on page ``page_ix`` (0-based), showing only
        what lies inside ``clip`` when given."""
        x1, y1, x2, y2 = box
        ops = "q\n"
        if clip is not None:
            ops += f"{_nums(clip[0], clip[1], clip[2] - clip[0], clip[3] - clip[1])} re W n\n"
        ops += (f"{_nums((x2 - x1) / self._width, 0, 0, (y2 - y1) / self._height, x1, y1)} cm\n"
                f"{self._name} Do\nQ\n")
        if page_ix in self._wrapped:
            self._add(page_ix, ops)
            return
        # Once per page: isolate the page's own content, and name the seal in its resources.
        self._add(page_ix, "q\n", prepend=True)
        forms = generic.DictionaryObject({generic.pdf_name(self._name): self._form})
        self._add(page_ix, "Q\n" + ops,
                  generic.DictionaryObject({generic.pdf_name("/XObject"): forms}))
        self._wrapped.add(page_ix)

    def _add(self, page_ix: int, ops: str, resources: generic.DictionaryObject | None = None,
             prepend: bool = False) -> None:
        ref = self._writer.add_object(generic.StreamObject(stream_data=ops.encode("ascii")))
        self._writer.add_stream_to_page(page_ix, ref, resources=resources, prepend=prepend)


def _seal_form(writer: IncrementalPdfFileWriter, image: SealImage, width: float,
               height: float) -> generic.StreamObject:
    if image.vector is not None:
        return init_xobject_dictionary(command_stream=image.vector, box_width=width,
                                       box_height=height)
    if image.png is None:
        raise ValueError("a SealImage needs a vector or a PNG form")
    pil = Image.open(io.BytesIO(image.png))
    pil.load()
    box = layout.BoxConstraints(width=width, height=height)
    return PdfImage(pil, writer=writer, box=box).as_form_xobject()


def _nums(*values: float) -> str:
    return " ".join(fmt(v) for v in values)
