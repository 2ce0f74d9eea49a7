"""The verification report as a PDF, signed by the platform's report key and timestamped.

``signed_report_pdf`` is the one entry point: thumbnails (``render``), layout
(``pdf_report``), signature (``signing``). See docs/verification-report.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from openseal.core.keys.model import KeyStore
from openseal.core.pki.report_key import ReportKey
from openseal.core.reports.pdf_report import report_pdf
from openseal.core.reports.render import RenderedDocument, render_document
from openseal.core.reports.signing import REPORT_FIELD, sign_report
from openseal.core.verification.report import VerificationReport

LANGS = ("zh", "en")


class ReportKeySource(Protocol):
    """Where the report key comes from: ``PkiService`` (or a key already fetched)."""

    def report_signer(self) -> ReportKey: ...


class FetchedReportKey:
    """A report key fetched earlier (in its own unit of work), handed out again."""

    def __init__(self, key: ReportKey) -> None:
        self._key = key

    def report_signer(self) -> ReportKey:
        return self._key


def signed_report_pdf(report: VerificationReport, data: bytes, pki: ReportKeySource,
                      keystore: KeyStore, *, lang: str = "zh",
                      registry: Mapping[str, Any] | None = None,
                      render: Callable[[bytes], RenderedDocument | None] = render_document,
                      ) -> bytes:
    """The report on ``data`` (the verified document's bytes) as a PDF in ``lang`` ("zh"
    or "en"), signed with the platform's report key and timestamped.

    ``render`` makes the thumbnails (``render_document``; its result is a plain picklable
    value, so a caller may run it in a worker process with its own limits). Never fails
    because of the document: a damaged one gets a report without thumbnails. Fails
    (Unavailable) only when the report cannot be signed (e.g. the TSA fails).
    """
    key = pki.report_signer()
    rendered = render(data)
    unsigned = report_pdf(report, rendered, lang=lang, issuer=key.instance_name,
                          generated_at=key.clock.now(), size=len(data), registry=registry)
    return sign_report(unsigned, key, keystore)


__all__ = ["LANGS", "REPORT_FIELD", "FetchedReportKey", "RenderedDocument",
           "ReportKeySource", "render_document", "signed_report_pdf"]
