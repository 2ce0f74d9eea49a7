"""Test PDFs made by real producers."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def reportlab_pdf(pages: int = 1, title: str = "采购合同 Purchase contract") -> bytes:
    """A contract-like A4 document with Chinese text, made by reportlab."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(title)
    for n in range(1, pages + 1):
        c.setFont("STSong-Light", 16)
        c.drawString(72, 770, title)
        c.setFont("STSong-Light", 11)
        c.drawString(72, 740, f"第 {n} 页 / page {n} of {pages}")
        c.drawString(72, 720, "甲方：北京开源印章科技有限公司    乙方：上海示例贸易有限公司")
        c.showPage()
    c.save()
    return buf.getvalue()
