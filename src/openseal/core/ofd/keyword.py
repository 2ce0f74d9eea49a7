"""Keyword positioning in OFD: find a text such as 「甲方（盖章）」 on the pages, to seal on it.

OFD text is explicit (GB/T 33190 §11): a page's ``Content.xml`` holds ``TextObject``s with a
``Boundary`` (their box on the page, mm), a font ``Size`` (mm), an optional ``CTM``, and
``TextCode`` children whose text starts at ``X``/``Y`` (the baseline, relative to the
Boundary) and advances by ``DeltaX`` (numbers, or ``g N v`` for N times v). From those each
character gets an approximate box; the page's characters are joined in file order, the
keyword is searched in them (ignoring case and white space) and the hit's centre is the
centre of its characters' boxes, in OFD page space (mm, origin top-left, y down).

Limits, good enough to centre a seal on a keyword, not to typeset:

- glyph widths are not read from the font: without DeltaX a CJK or full-width character
  advances by the font size, any other by half of it; a character is drawn from
  0.85 x size above its baseline to 0.15 x size below;
- a DeltaX list shorter than the text repeats its last value; ``DeltaY`` and vertical
  writing (``ReadDirection``/``CharDirection``) are not followed (text is taken as
  horizontal); ``HScale`` is ignored; ``CTM`` is applied;
- only the page's own content is searched: templates (``Tpls``), annotations and text inside
  ``CompositeObject`` resources are not; text drawn as paths or images cannot be found;
- a keyword split over two TextObjects is found when they follow each other in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

from openseal.core.ofd.package import OfdPackage, Page, attr, descendants, local, numbers
from openseal.errors import InvalidInput

MAX_KEYWORD = 100
ASCENT = 0.85
DESCENT = 0.15


@dataclass(frozen=True)
class Glyph:
    char: str
    box: tuple[float, float, float, float]
    """left, top, right, bottom in OFD page space (mm)."""


def find_keyword(package: OfdPackage, pages: Sequence[Page],
                 text: str) -> list[tuple[int, tuple[float, float]]]:
    """Every occurrence of ``text``: (1-based page number, centre (x, y) in OFD mm)."""
    wanted = _fold(text)
    if not wanted or len(text) > MAX_KEYWORD:
        raise InvalidInput("KEYWORD_INVALID", f"关键字应为 1–{MAX_KEYWORD} 个字符",
                           f"The keyword must be 1-{MAX_KEYWORD} characters", field="keyword")
    hits = []
    for number, page in enumerate(pages, start=1):
        if page.path is None:
            continue
        glyphs = [g for g in page_glyphs(package.xml(page.path)) if _fold(g.char)]
        joined = "".join(_fold(g.char) for g in glyphs)
        start = joined.find(wanted)
        while start >= 0:
            matched = glyphs[start:start + len(wanted)]
            left = min(g.box[0] for g in matched)
            top = min(g.box[1] for g in matched)
            right = max(g.box[2] for g in matched)
            bottom = max(g.box[3] for g in matched)
            hits.append((number, ((left + right) / 2, (top + bottom) / 2)))
            start = joined.find(wanted, start + len(wanted))
    return hits


def page_glyphs(root: ElementTree.Element) -> list[Glyph]:
    """The characters of a page's Content.xml with their approximate boxes, in file order."""
    glyphs: list[Glyph] = []
    for obj in descendants(root, "TextObject"):
        boundary = numbers(attr(obj, "Boundary")) or (0.0, 0.0)
        size = (numbers(attr(obj, "Size")) or (0.0,))[0]
        ctm = numbers(attr(obj, "CTM"))
        matrix = ctm if ctm is not None and len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        pen_x = pen_y = 0.0
        for code in obj:
            if local(code.tag) != "TextCode":
                continue
            x = numbers(attr(code, "X"))
            y = numbers(attr(code, "Y"))
            pen_x = x[0] if x else pen_x
            pen_y = y[0] if y else pen_y
            content = code.text or ""
            deltas = delta_x(attr(code, "DeltaX"), len(content))
            for i, char in enumerate(content):
                width = advance(char, size)
                corners = [(pen_x, pen_y - ASCENT * size), (pen_x + width, pen_y + DESCENT * size)]
                glyphs.append(Glyph(char, _place(corners, matrix, boundary)))
                if i < len(content) - 1:
                    pen_x += deltas[i] if i < len(deltas) else (deltas[-1] if deltas else width)
                else:
                    pen_x += width
    return glyphs


def advance(char: str, size: float) -> float:
    """The assumed advance of ``char``: the font size for wide characters, else half."""
    wide = ord(char) >= 0x2E80 or 0xFF00 <= ord(char) <= 0xFFEF
    return size if wide else size / 2


def delta_x(value: str, limit: int) -> list[float]:
    """A DeltaX attribute as a list of at most ``limit`` values (the text's length: no more
    are used, whatever a hostile ``g 999999999 1`` asks for): ``"5 5 g 3 4.2"`` ->
    [5, 5, 4.2, 4.2, 4.2]."""
    tokens = value.replace(",", " ").split()
    result: list[float] = []
    i = 0
    try:
        while i < len(tokens) and len(result) < limit:
            if tokens[i] == "g" and i + 2 < len(tokens):
                count = max(0, min(int(tokens[i + 1]), limit - len(result)))
                result.extend([float(tokens[i + 2])] * count)
                i += 3
            else:
                result.append(float(tokens[i]))
                i += 1
    except ValueError:
        return result[:limit]
    return result[:limit]


def _place(corners: list[tuple[float, float]], m: Sequence[float],
           boundary: Sequence[float]) -> tuple[float, float, float, float]:
    (x1, y1), (x2, y2) = corners
    points = [(m[0] * x + m[2] * y + m[4] + boundary[0], m[1] * x + m[3] * y + m[5] + boundary[1])
              for x, y in ((x1, y1), (x2, y1), (x1, y2), (x2, y2))]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _fold(text: str) -> str:
    """Lower case, without white space; one character per character (for index mapping)."""
    out = []
    for char in text:
        if char.isspace():
            continue
        lowered = char.lower()
        out.append(lowered if len(lowered) == 1 else char)
    return "".join(out)
