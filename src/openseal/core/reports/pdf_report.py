"""The verification report laid out as a PDF (reportlab), in Chinese or English.

Contents: the verdict and its reasons, the document (name, SHA-256, size), the registry's
answer when given, every signature (signer, organisation, seal and its picture as the page
shows it, signing time, timestamp, certificate status at signing time, integrity, PAdES
level, approval chain, reasons) and the page thumbnails with the seals outlined in red.

Text is set in reportlab's built-in CID font STSong-Light (Adobe-GB1): it needs no font
file, covers Chinese and Latin text, and PDF readers supply the glyphs (the seal artwork's
Noto fonts are OpenType/CFF, which reportlab cannot embed). Everything taken from the
document (file name, names in certificates, approval entries) is untrusted: it is cleaned
of control characters, shortened and escaped before it reaches reportlab's markup.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from openseal.core.reports.render import (
    IMAGES_TOO_LARGE,
    MAX_PAGES,
    OUT_OF_TIME,
    TOO_COMPLEX,
    TOO_LARGE,
    PageImage,
    RenderedDocument,
)
from openseal.core.verification.reasons import REVOKED_AFTER_TIMESTAMP, describe
from openseal.core.verification.report import SignatureReport, VerificationReport

FONT = "STSong-Light"
MONO = "Courier"
MAX_TEXT = 300
"""Characters kept of any one value taken from the document."""
MAX_SIGNATURES = 100
MAX_APPROVERS = 30

_FONT_LOCK = threading.Lock()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

VERDICT_COLOURS = {"VALID": colors.HexColor("#1E7B34"), "INVALID": colors.HexColor("#B3261E"),
                   "INDETERMINATE": colors.HexColor("#A15C00")}
VERDICT_WORDS = {"VALID": ("有效", "VALID"), "INVALID": ("无效", "INVALID"),
                 "INDETERMINATE": ("无法确定", "INDETERMINATE")}

# key -> (Chinese, English)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("电子印章验证报告", "Electronic Seal Verification Report"),
    "issuer": ("出具方", "Issued by"),
    "generated": ("生成时间", "Generated"),
    "verdict": ("验证结论", "Verdict"),
    "VALID": ("文件中的全部签名均有效，盖章后文件未被改动。",
              "Every signature in the document is valid and the document is unchanged "
              "since it was sealed."),
    "INVALID": ("至少一个签名无效，或文件在盖章后被改动。",
                "At least one signature is invalid, or the document was changed after "
                "sealing."),
    "INDETERMINATE": ("无法确认文件有效，原因见下。",
                      "The document could not be confirmed valid; see the reasons below."),
    "reasons": ("原因", "Reasons"),
    "more": ("……另有 {n} 项未列出", "... and {n} more not listed"),
    "document": ("文件", "Document"),
    "file": ("文件名", "File name"),
    "size": ("大小", "Size"),
    "bytes": ("{n} 字节", "{n} bytes"),
    "pages": ("页数", "Pages"),
    "trailing": ("签名范围后未签名的字节", "Unsigned bytes after the signed part"),
    "registry": ("登记查询（本平台签发记录）", "Registry (documents issued here)"),
    "registry_answer": ("查询结果", "Result"),
    "issued": ("本平台签发的文件，与签发时完全一致。",
               "Issued by this platform, exactly as issued."),
    "issued_plus_bytes": ("本平台签发的文件，但签发后又追加了 {n} 字节。",
                          "Issued by this platform, with {n} bytes added after it was "
                          "issued."),
    "unknown": ("本平台没有签发过这份文件。", "This document was not issued by this platform."),
    "signatures": ("签名", "Signatures"),
    "no_signatures": ("文件中没有找到签名。", "No signature was found in the document."),
    "signature": ("签名 {n}", "Signature {n}"),
    "field": ("签名域", "Field"),
    "signer": ("签署方", "Signer"),
    "organization": ("单位", "Organisation"),
    "seal": ("印章", "Seal"),
    "seal_image": ("文件中的印章", "Seal as shown"),
    "no_seal_image": ("（无可见印章）", "(no visible seal)"),
    "seal_not_shown": ("（印章所在页未显示）", "(its page is not shown)"),
    "signing_time": ("签署时间（自述）", "Signing time (claimed)"),
    "timestamp": ("可信时间戳", "Trusted timestamp"),
    "none": ("无", "none"),
    "certificate": ("盖章时的证书状态", "Certificate at signing time"),
    "trusted_ok": ("受信任，未吊销", "trusted, not revoked"),
    "revoked_later": ("盖章时有效（其后被吊销或挂失）",
                      "valid when sealed (revoked or suspended later)"),
    "revoked": ("已吊销", "revoked"),
    "untrusted": ("不受信任", "not trusted"),
    "trusted": ("受信任", "trusted"),
    "unknown_status": ("未知", "unknown"),
    "test_seal": ("测试印章（沙箱），无法律效力", "test seal (sandbox), no legal effect"),
    "integrity": ("完整性", "Integrity"),
    "intact": ("签名完好", "signature intact"),
    "broken": ("签名已损坏", "signature broken"),
    "pades": ("PAdES 级别", "PAdES level"),
    "anchor": ("信任根", "Trust anchor"),
    "approval": ("用印审批", "Approval chain"),
    "requester": ("用印申请人", "Requested by"),
    "approvers": ("审批人", "Approved by"),
    "ticket": ("用印凭证", "Ticket"),
    "request": ("用印申请", "Request"),
    "purpose": ("用途", "Purpose"),
    "approved_at": ("批准时间", "Approved at"),
    "document_matches": ("所盖文件与审批文件一致", "The sealed document is the one approved"),
    "document_differs": ("所盖文件与审批时的文件不一致",
                         "The sealed document is not the one approved"),
    "thumbnails": ("页面缩略图（红框为印章位置）", "Page thumbnails (seals outlined in red)"),
    "page": ("第 {n} 页", "Page {n}"),
    "no_thumbnails": ("无法生成缩略图：文件无法解析。",
                      "No thumbnails: the document cannot be read."),
    TOO_LARGE: ("页面过大，未显示", "page too large, not shown"),
    IMAGES_TOO_LARGE: ("页面含超大图像，未显示", "page has an oversized image, not shown"),
    TOO_COMPLEX: ("页面内容过于复杂，未显示", "page too complex, not shown"),
    OUT_OF_TIME: ("超出处理时间，未显示", "not shown (time limit)"),
    "render_failed": ("无法显示此页", "this page cannot be shown"),
    "omitted": ("另有 {n} 页未显示（仅显示前 {max} 页及盖章页）。",
                "{n} more pages are not shown (only the first {max} pages and the pages "
                "with seals are)."),
    "footer": ("本报告由 {name} 的报告密钥签名并加盖可信时间戳，可用 pdfsig 或 openseal verify "
               "验证。第 {page} 页",
               "Signed with the report key of {name} and timestamped; check it with pdfsig "
               "or openseal verify. Page {page}"),
}
REGISTRY_LABELS: dict[str, tuple[str, str]] = {
    "document_id": ("文件编号", "Document no."), "organization": ("签发单位", "Issued by"),
    "organization_id": ("单位 ID", "Organisation id"), "seal": ("印章", "Seal"),
    "seal_id": ("印章 ID", "Seal id"), "sealed_at": ("签发时间", "Issued at"),
    "ticket": ("用印凭证", "Ticket"), "issued_sha256": ("签发时的 SHA-256", "SHA-256 as issued"),
    "issued_size": ("签发时的大小（字节）", "Size as issued (bytes)"),
    "added_bytes": ("签发后追加的字节", "Bytes added after issue"),
}


def register_font() -> None:
    with _FONT_LOCK:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def report_pdf(report: VerificationReport, rendered: RenderedDocument | None, *, lang: str,
               issuer: str, generated_at: datetime, size: int | None = None,
               registry: Mapping[str, Any] | None = None) -> bytes:
    """The unsigned report PDF."""
    register_font()
    layout = _Layout("en" if lang.startswith("en") else "zh", issuer)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm,
                            title=layout.t("title"), author=_clean(issuer), creator="OpenSeal",
                            subject=f"{report.verdict} {report.sha256}")
    story = layout.story(report, rendered, generated_at, size, registry)
    doc.build(story, onFirstPage=layout.footer, onLaterPages=layout.footer)
    return out.getvalue()


def _clean(value: object, limit: int = MAX_TEXT) -> str:
    """Printable text: no control or direction characters, no lone surrogates (a file name
    that was not UTF-8), at most ``limit`` characters."""
    text = _CONTROL.sub(" ", str(value)).encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _when(moment: object) -> str:
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return _clean(moment, 64)
    if not isinstance(moment, datetime):
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class _Layout:
    def __init__(self, lang: str, issuer: str) -> None:
        self.en = lang == "en"
        self.issuer = _clean(issuer, 120)
        wrap = None if self.en else "CJK"
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13,
                                   wordWrap=wrap)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10.5)
        self.label = ParagraphStyle("label", parent=self.body, textColor=colors.HexColor(
            "#444444"))
        self.mono = ParagraphStyle("mono", parent=self.body, fontName=MONO, fontSize=8,
                                   leading=10.5, wordWrap="CJK")
        self.anywhere = ParagraphStyle("anywhere", parent=self.body, wordWrap="CJK")
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=17, leading=22,
                                 spaceAfter=2 * mm)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=12.5, leading=16,
                                 spaceBefore=5 * mm, spaceAfter=2 * mm)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontSize=10.5, leading=14,
                                 spaceBefore=3 * mm, spaceAfter=1.5 * mm)
        self.verdict = ParagraphStyle("verdict", parent=self.body, fontSize=15, leading=20,
                                      textColor=colors.white)
        self.verdict_note = ParagraphStyle("verdict_note", parent=self.body,
                                           textColor=colors.white)
        self.caption = ParagraphStyle("caption", parent=self.small, alignment=TA_CENTER)

    # text --------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        zh, en = TEXT[key]
        return (en if self.en else zh).format(**values)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain (untrusted) text: cleaned and escaped."""
        return Paragraph(escape(_clean(text, 2000)), style or self.body)

    def code(self, text: str) -> Paragraph:
        """Identifiers and digests: monospaced when plain ASCII, wrapped anywhere."""
        return self.p(text, self.mono if _clean(text).isascii() else self.anywhere)

    def word(self, verdict: str) -> str:
        zh, en = VERDICT_WORDS.get(verdict, (verdict, verdict))
        return en if self.en else zh

    def reason(self, code: str) -> str:
        return f"{describe(code, 'en' if self.en else 'zh')} [{_clean(code, 64)}]"

    # page furniture ------------------------------------------------------------------------
    def footer(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(18 * mm, 10 * mm, self.t("footer", name=self.issuer,
                                                   page=canvas.getPageNumber()))
        canvas.restoreState()

    # the story -----------------------------------------------------------------------------
    def story(self, report: VerificationReport, rendered: RenderedDocument | None,
              generated_at: datetime, size: int | None,
              registry: Mapping[str, Any] | None) -> list[Flowable]:
        story: list[Flowable] = [
            self.p(self.t("title"), self.h1),
            self.p(f"{self.t('issuer')}: {self.issuer}    "
                   f"{self.t('generated')}: {_when(generated_at)}", self.small),
            Spacer(1, 3 * mm), self._verdict_box(report),
        ]
        story += self._document(report, rendered, size)
        if registry is not None:
            story += self._registry(registry)
        heading = self.p(self.t("signatures"), self.h2)
        if not report.signatures:
            story += [heading, self.p(self.t("no_signatures"))]
        seals = rendered.seals if rendered else {}
        placed = {a.field for a in rendered.areas} if rendered else set()
        for n, sig in enumerate(report.signatures[:MAX_SIGNATURES], 1):
            keep, rest = self._signature(n, sig, seals.get(sig.field), sig.field in placed)
            # Never nest KeepTogether: an inner one measures as infinitely tall.
            story += [KeepTogether([heading, *keep] if n == 1 else keep), *rest]
        if len(report.signatures) > MAX_SIGNATURES:
            story.append(self.p(self.t("more", n=len(report.signatures) - MAX_SIGNATURES)))
        story += self._thumbnails(rendered)
        return story

    def _verdict_box(self, report: VerificationReport) -> Table:
        rows: list[list[Flowable]] = [
            [self.p(f"{self.t('verdict')}: {self.word(report.verdict)}", self.verdict)],
            [self.p(self.t(report.verdict) if report.verdict in TEXT else "",
                    self.verdict_note)]]
        rows += [[self.p(f"- {self.reason(code)}", self.verdict_note)]
                 for code in report.reasons]
        box = Table(rows, colWidths=[174 * mm])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1),
             VERDICT_COLOURS.get(report.verdict, colors.HexColor("#A15C00"))),
            ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm), ("TOPPADDING", (0, 0), (0, 0), 3 * mm),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 3 * mm)]))
        return box

    def _pairs(self, rows: list[tuple[str, Flowable]]) -> Table:
        """Label / value rows; splits between rows across pages."""
        table = Table([[self.p(label, self.label), value] for label, value in rows],
                      colWidths=[42 * mm, 132 * mm], splitByRow=1)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#DDDDDD")),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm)]))
        return table

    def _document(self, report: VerificationReport, rendered: RenderedDocument | None,
                  size: int | None) -> list[Flowable]:
        rows: list[tuple[str, Flowable]] = []
        if report.file:
            rows.append((self.t("file"), self.p(report.file, self.anywhere)))
        rows.append(("SHA-256", self.code(report.sha256)))
        if size is not None:
            rows.append((self.t("size"), self.p(self.t("bytes", n=f"{size:,}"))))
        if rendered is not None:
            rows.append((self.t("pages"), self.p(str(rendered.page_count))))
        if report.unsigned_trailing_bytes:
            rows.append((self.t("trailing"),
                         self.p(self.t("bytes", n=f"{report.unsigned_trailing_bytes:,}"))))
        return [KeepTogether([self.p(self.t("document"), self.h2), self._pairs(rows)])]

    def _registry(self, registry: Mapping[str, Any]) -> list[Flowable]:
        status = str(registry.get("status") or "")
        added = registry.get("added_bytes") or 0
        rows: list[tuple[str, Flowable]] = []
        if status in ("issued", "issued_plus_bytes", "unknown"):
            count = f"{added:,}" if isinstance(added, int) else _clean(added, 20)
            rows.append((self.t("registry_answer"), self.p(self.t(status, n=count))))
        elif status:
            rows.append((self.t("registry_answer"), self.p(status)))
        for key, value in registry.items():
            if key == "status" or value is None or value == "" or (
                    key == "added_bytes" and not value):
                continue
            zh, en = REGISTRY_LABELS.get(key, (_clean(key, 40), _clean(key, 40)))
            shown = _when(value) if key.endswith("_at") else str(value)
            coded = key.endswith(("_id", "sha256")) or key in ("ticket", "document_id")
            rows.append((en if self.en else zh, self.code(shown) if coded else self.p(shown)))
        return [KeepTogether([self.p(self.t("registry"), self.h2), self._pairs(rows)])]

    # one signature -------------------------------------------------------------------------
    def _signature(self, n: int, sig: SignatureReport, seal_png: bytes | None,
                   placed: bool) -> tuple[list[Flowable], list[Flowable]]:
        """A heading row (the seal as shown, the verdict) and a table of facts that splits
        between rows: however long an approval chain is, nothing is taller than a page."""
        picture: Flowable = self.p(self.t("seal_not_shown" if placed else "no_seal_image"),
                                   self.caption)
        if seal_png:
            picture = _fit(seal_png, 30 * mm, 30 * mm)
        title = [self.p(f"{self.t('signature', n=n)}: {self.word(sig.verdict)}", self.h3),
                 self.p(" / ".join(_clean(x, 120) for x in (sig.organization, sig.seal_name)
                                   if x) or "—")]
        head = Table([[picture, title]], colWidths=[36 * mm, 138 * mm])
        head.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (0, 0), "CENTER"),
            ("LINEABOVE", (0, 0), (-1, 0), 1.2,
             VERDICT_COLOURS.get(sig.verdict, colors.grey))]))
        rows: list[tuple[str, Flowable]] = [(self.t("field"), self.code(sig.field))]
        for key, value in (("signer", sig.signer), ("organization", sig.organization),
                           ("seal", sig.seal_name)):
            rows.append((self.t(key), self.p(value or "—")))
        rows.append((self.t("signing_time"), self.p(_when(sig.signing_time))))
        rows.append((self.t("timestamp"), self.p(_when(sig.timestamp_time)
                                                  if sig.timestamp_time else self.t("none"))))
        rows.append((self.t("certificate"), self.p(self._certificate(sig))))
        rows.append((self.t("integrity"), self.p(self._integrity(sig))))
        if sig.pades_level:
            rows.append((self.t("pades"), self.p(sig.pades_level)))
        if sig.anchor:
            rows.append((self.t("anchor"), self.p(sig.anchor)))
        if sig.approval is not None:
            rows += [(self.t("approval") if i == 0 else "", self.p(line))
                     for i, line in enumerate(self._approval(sig.approval))]
        rows += [(self.t("reasons") if i == 0 else "", self.p(self.reason(code)))
                 for i, code in enumerate(sig.reasons)]
        # The heading stays with the first facts; the rest may go on to the next page.
        return [head, self._pairs(rows[:4])], [self._pairs(rows[4:]), Spacer(1, 2 * mm)]

    def _certificate(self, sig: SignatureReport) -> str:
        if REVOKED_AFTER_TIMESTAMP in sig.reasons:
            status = self.t("revoked_later")
        elif sig.revoked:
            status = self.t("revoked")
        elif sig.trusted is False:
            status = self.t("untrusted")
        elif sig.trusted and sig.revoked is False:
            status = self.t("trusted_ok")
        elif sig.trusted:
            status = self.t("trusted")
        else:
            status = self.t("unknown_status")
        return f"{status}; {self.t('test_seal')}" if sig.test_seal else status

    def _integrity(self, sig: SignatureReport) -> str:
        state = (self.t("intact") if sig.intact and sig.valid else
                 self.t("broken") if sig.intact is False or sig.valid is False else
                 self.t("unknown_status"))
        extra = ", ".join(f"{k}: {v}" for k, v in (("coverage", sig.coverage),
                                                    ("modification", sig.modification)) if v)
        return f"{state} ({extra})" if extra else state

    def _approval(self, approval: Mapping[str, Any]) -> list[str]:
        """The approval chain as lines: requester, each approver (at most
        ``MAX_APPROVERS``), ticket, request, purpose, time, whether the document matches."""
        requester = approval.get("requester")
        asked = requester.get("name") if isinstance(requester, dict) else None
        approvers = approval.get("approvers")
        entries = [e for e in approvers if isinstance(e, dict)] \
            if isinstance(approvers, list) else []
        lines = [f"{self.t('requester')}: {_clean(asked or '?', 120)}"]
        for entry in entries[:MAX_APPROVERS]:
            extra = ", ".join(x for x in (_clean(entry.get("step_name") or "", 60),
                                          _when(entry["at"]) if entry.get("at") else "") if x)
            name = _clean(entry.get("name") or "?", 120)
            lines.append(f"{self.t('approvers')}: {name}" + (f" ({extra})" if extra else ""))
        if not entries:
            lines.append(f"{self.t('approvers')}: ?")
        if len(entries) > MAX_APPROVERS:
            lines.append(self.t("more", n=len(entries) - MAX_APPROVERS))
        lines.append(f"{self.t('ticket')}: {_clean(approval.get('ticket') or '?', 80)}")
        for key in ("request", "purpose"):
            if approval.get(key):
                lines.append(f"{self.t(key)}: {_clean(approval[key])}")
        if approval.get("approved_at"):
            lines.append(f"{self.t('approved_at')}: {_when(approval['approved_at'])}")
        matches = approval.get("document_matches")
        if matches is True:
            lines.append(self.t("document_matches"))
        elif matches is False:
            lines.append(self.t("document_differs"))
        return lines

    # thumbnails ----------------------------------------------------------------------------
    def _thumbnails(self, rendered: RenderedDocument | None) -> list[Flowable]:
        heading = self.p(self.t("thumbnails"), self.h2)
        if rendered is None:
            return [KeepTogether([heading, self.p(self.t("no_thumbnails"))])]
        cells = [self._thumbnail(page) for page in rendered.pages]
        rows: list[Flowable] = []
        for i in range(0, len(cells), 2):  # one table per row of two: each fits a page
            pair: list[Flowable] = cells[i:i + 2]
            row = Table([pair + [Spacer(1, 1)] * (2 - len(pair))],
                        colWidths=[87 * mm, 87 * mm])
            row.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm)]))
            rows.append(row)
        story: list[Flowable] = [KeepTogether([heading, *rows[:1]]), *rows[1:]]
        if rendered.omitted:
            story.append(self.p(self.t("omitted", n=rendered.omitted, max=MAX_PAGES)))
        return story

    def _thumbnail(self, page: PageImage) -> Flowable:
        caption = self.t("page", n=page.page)
        if page.fields:
            caption += ": " + ", ".join(_clean(f, 60) for f in page.fields)
        if page.png is not None:
            picture: Flowable = _fit(page.png, 80 * mm, 105 * mm, border=True)
        else:
            picture = self._placeholder(page)
        cell = Table([[picture], [self.p(caption, self.caption)]], colWidths=[85 * mm])
        cell.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
        return cell

    def _placeholder(self, page: PageImage) -> Flowable:
        ratio = page.height / page.width if page.width > 0 and page.height > 0 else 1.414
        ratio = min(max(ratio, 0.3), 1.6)
        width = 60 * mm
        box = Table([[self.p(self.t(page.skipped or "render_failed"), self.caption)]],
                    colWidths=[width], rowHeights=[width * ratio])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#EEEEEE")),
            ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
        return box


def _fit(png: bytes, max_width: float, max_height: float, border: bool = False) -> Flowable:
    """The PNG scaled to fit the box, proportions kept."""
    from PIL import Image as PilImage

    with PilImage.open(io.BytesIO(png)) as probe:
        width, height = probe.size
    scale = min(max_width / width, max_height / height)
    image = Image(io.BytesIO(png), width=width * scale, height=height * scale)
    if not border:
        return image
    framed = Table([[image]])
    framed.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                ("TOPPADDING", (0, 0), (-1, -1), 0),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return framed
