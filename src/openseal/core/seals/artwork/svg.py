"""Seal artwork as SVG (viewBox in millimetres)."""

from __future__ import annotations

from openseal.core.seals.artwork.geometry import Artwork, Path
from openseal.core.seals.artwork.pdf import fmt


def render_svg(artwork: Artwork, *overlays: Artwork) -> str:
    """A standalone SVG document of ``artwork``: size in mm, y flipped, even-odd fill.

    ``overlays`` (same canvas, their own colours) are painted on top, in order.
    """
    w, h = fmt(artwork.width_mm), fmt(artwork.height_mm)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}">',
    ]
    for layer in (artwork, *overlays):
        parts.extend(_group(layer, h))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _group(artwork: Artwork, height: str) -> list[str]:
    r, g, b = artwork.rgb
    parts = [f'<g fill="rgb({r},{g},{b})" fill-rule="evenodd" '
             f'transform="matrix(1 0 0 -1 0 {height})">']
    for path in artwork.paths:
        d = _path_data(path)
        if d:
            parts.append(f'<path d="{d}"/>')
    parts.append("</g>")
    return parts


def _path_data(path: Path) -> str:
    out: list[str] = []
    for cmd in path.commands:
        out.append(" ".join([str(cmd[0]), *(fmt(float(v)) for v in cmd[1:])]))
    return " ".join(out)
