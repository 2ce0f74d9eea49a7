"""Make the console's CJK web font (static/fonts/noto-sans-sc-gb1.woff2), once, by hand:

    pip install brotli   # WOFF2 compression, needed only for this step
    cd src/openseal/interfaces/web/static/fonts
    python -m openseal.interfaces.web.fontsubset noto-sans-sc-gb1.woff2

It cuts Noto Sans SC (SIL OFL 1.1, shipped by the ``pylopdf-fonts-zh-cn`` dependency)
down to ASCII, Latin-1, the GB2312 symbols (rows 1-9), GB2312 level-1 hanzi (rows 16-55,
the 3,755 common characters), general and CJK punctuation and full-width forms: about 4,690
characters in about 720 KB, where the full font is 8 MB. Rarer characters fall back to the
system's fonts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset

GB2312_ROWS = [*range(0xA1, 0xAA), *range(0xB0, 0xD8)]


def gb2312_characters() -> set[str]:
    found = set()
    for row in GB2312_ROWS:
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def characters() -> set[str]:
    ranges = [(0x20, 0x7F), (0xA0, 0x100), (0x2010, 0x2040), (0x3000, 0x3040),
              (0xFF01, 0xFF5F)]
    return gb2312_characters() | {chr(c) for low, high in ranges for c in range(low, high)}


def make(out: Path) -> int:
    source = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    options = subset.Options()
    options.flavor, options.layout_features, options.name_IDs = "woff2", ["*"], ["*"]
    options.notdef_outline, options.hinting = True, False
    font = subset.load_font(str(source), options)
    cutter = subset.Subsetter(options)
    wanted = characters()
    cutter.populate(unicodes=[ord(c) for c in wanted])
    cutter.subset(font)
    subset.save_font(font, str(out), options)
    return len(wanted)


if __name__ == "__main__":
    print(make(Path(sys.argv[1])), "characters")
