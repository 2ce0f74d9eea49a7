"""Seal artwork as a PDF content stream (for a Form XObject)."""

from __future__ import annotations

from openseal.core.seals.artwork.geometry import Artwork, Path

PT_PER_MM = 72.0 / 25.4


def fmt(value: float) -> str:
    """A number as PDF wants it: at most 3 decimals, no trailing zeros, never ``-0``."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def artwork_size_pt(artwork: Artwork) -> tuple[float, float]:
    """The (width, height) of the artwork's Form XObject /BBox, in PDF points."""
    return (artwork.width_mm * PT_PER_MM, artwork.height_mm * PT_PER_MM)


def artwork_to_pdf_content(artwork: Artwork) -> bytes:
    """A PDF content stream drawing ``artwork`` in points, origin bottom-left.

    Use it as the content of a Form XObject with ``/BBox [0 0 w h]`` where ``(w, h)`` is
    :func:`artwork_size_pt`. Each path is filled on its own with the even-odd rule (``f*``).
    The output is deterministic.
    """
    r, g, b = (fmt(v / 255.0) for v in artwork.rgb)
    lines = ["q", f"{r} {g} {b} rg"]
    for path in artwork.paths:
        ops = _path_ops(path)
        if ops:
            lines.extend(ops)
            lines.append("f*")
    lines.append("Q")
    return ("\n".join(lines) + "\n").encode("ascii")


def _path_ops(path: Path) -> list[str]:
    ops: list[str] = []
    for cmd in path.commands:
        op = cmd[0]
        nums = " ".join(fmt(float(v) * PT_PER_MM) for v in cmd[1:])
        if op == "M":
            ops.append(f"{nums} m")
        elif op == "L":
            ops.append(f"{nums} l")
        elif op == "C":
            ops.append(f"{nums} c")
        elif op == "Z":
            ops.append("h")
        else:
            raise ValueError(f"unknown path command {op!r}")
    return ops
