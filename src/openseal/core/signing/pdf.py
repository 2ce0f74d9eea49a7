"""Seal a PDF: a visible seal plus a PAdES B-T signature, with pyHanko doing the signing.

A ``PdfSealer`` is built once per seal (key handle, certificate chain, appearance and
timestamper all prepared) and then seals any number of documents; per document it does only
what differs per document. Signature size is reserved up front, so no dry-run signature.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper

from openseal.core.pki.tsa import RecordingTimeStamper
from openseal.core.signing.appearance import SealImage, stamp_style
from openseal.core.signing.approval import approval_attribute
from openseal.core.signing.cross_page import CrossPage, draw_cross_page
from openseal.core.signing.inspect import token_serial
from openseal.core.signing.keyword import KeywordHit, find_keyword
from openseal.core.signing.occurrence import chosen
from openseal.core.signing.placement import Placement, centred_at, resolve_box, seal_size
from openseal.core.signing.preflight import damaged_pdf, open_checked, page_box
from openseal.core.signing.qr import with_qr
from openseal.core.signing.sigfields import (
    already_signed,
    certified,
    left_for_us,
    may_add_to_certified,
    next_field_name,
    reserve_fields,
    signed,
)
from openseal.core.signing.signer import KeyStoreSigner
from openseal.core.signing.stamps import SealStamper
from openseal.errors import Conflict, OpenSealError

# What a damaged document can make pyHanko raise when it first reads an object.
_PARSE_FAULTS = (PdfError, RecursionError, KeyError, ValueError, TypeError, AttributeError)
T = TypeVar("T")


def _guarded(read: Callable[[], T]) -> T:
    """Run a read of the input document; a parse fault means the PDF is damaged."""
    try:
        return read()
    except _PARSE_FAULTS as exc:
        raise damaged_pdf() from exc


@dataclass(frozen=True)
class SealRequest:
    placement: Placement = Placement()
    reason: str | None = None
    location: str | None = None
    approval: dict[str, Any] | None = None
    """The approval chain of a ticket, written into the signature (see ``approval``)."""
    qr_url: str | None = None
    """Draw a QR code linking here beside the seal (see ``qr``)."""
    keyword: str | None = None
    """Centre the seal on this text (then ``placement`` gives only the size)."""
    occurrence: str = "first"
    """Which occurrences of ``keyword``: first, last, all or N (from 1)."""
    offset_mm: tuple[float, float] = (0.0, 0.0)
    """Move a keyword seal right and up by this much."""
    cross_page: CrossPage | None = None
    """Also draw a cross-page seal (骑缝章) over these pages' edge."""
    certify: bool = False
    """A certification signature (DocMDP P=2: form filling and signing allowed); refused
    for a document that already carries a signature."""
    reserve: tuple[Placement, ...] = ()
    """With ``certify``: empty signature fields, in the certified revision, for the seals to
    come. A new *visible* signature field after a certification breaks it (pyHanko's reading,
    and ours for our own certifications); filling a field that was there is form filling."""


@dataclass(frozen=True)
class Sealed:
    pdf: bytes
    field_name: str
    warnings: tuple[str, ...] = ()  # inert content worth knowing (see active_content)
    page: int = 1  # where the signature's own seal went (a keyword's page, if one was given)
    timestamp_serial: str | None = None  # hex serial of the signature's timestamp token


class PdfSealer:
    """Seals PDFs with one seal. Thread-safe: share one per seal across threads.

    Per document it builds only pyHanko's per-document objects; the signer (key handle,
    pre-encoded CMS parts), the stamp style and the timestamper are shared and immutable, and
    each thread runs pyHanko's coroutines on its own long-lived event loop.
    """

    def __init__(
        self, signer: KeyStoreSigner, image: SealImage, timestamper: TimeStamper
    ) -> None:
        self._signer = signer
        self._image = image
        self._style = stamp_style(image)
        self._timestamper = timestamper
        self._reserved = _reserve_size(signer)
        cert = signer.signing_cert
        assert cert is not None  # a KeyStoreSigner is always built with its certificate
        self._cert_serial = f"{cert.serial_number:x}"

    def seal(self, pdf: bytes, request: SealRequest) -> tuple[bytes, str]:
        """Return the sealed PDF and the new signature field's name.

        Raises an OpenSealError (and produces nothing) when the PDF cannot be sealed.
        """
        done = self.seal_document(pdf, request)
        return done.pdf, done.field_name

    @property
    def cert_serial(self) -> str:
        """Hex serial of the certificate this sealer signs with."""
        return self._cert_serial

    def seal_document(self, pdf: bytes, request: SealRequest) -> Sealed:
        """``seal``, with the warnings about the document (inert content worth knowing)."""
        writer, content = open_checked(pdf)
        image, style = self._image, self._style
        if request.qr_url is not None:  # per document: the seal as built, plus its QR code
            image = with_qr(image, request.qr_url)
            style = stamp_style(image)
        placement = request.placement
        if request.certify and _guarded(lambda: signed(writer)):
            raise already_signed()
        left = None if request.certify else _guarded(lambda: left_for_us(writer))
        if not request.certify and _guarded(lambda: certified(writer)):
            may_add_to_certified(left, request.keyword is not None
                                 or request.cross_page is not None)
        if request.keyword is not None or request.cross_page is not None:
            placement = _guarded(lambda: self._draw_extras(writer, pdf, request, image))
        box = resolve_box(placement, page_box(writer.prev, placement.page),
                          image.width_mm, image.height_mm)
        field_name = _guarded(lambda: next_field_name(writer))
        if left is not None:  # a field a certifier left for the seals to come: fill it
            field_name, placement = left[0], replace(placement, page=left[1])
        if request.reserve and request.certify:
            _guarded(lambda: reserve_fields(writer, request.reserve, self._image))
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, reason=request.reason, location=request.location,
            md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            certify=request.certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        )
        # pyHanko annotates the box as ints, but writes any real number correctly.
        spec = None if left is not None else fields.SigFieldSpec(
            sig_field_name=field_name, on_page=placement.page - 1,
            box=box)  # type: ignore[arg-type]
        extra = () if request.approval is None else (approval_attribute(request.approval),)
        stamps = RecordingTimeStamper(self._timestamper)
        pdf_signer = signers.PdfSigner(meta, signer=self._signer.with_attributes(extra),
                                       timestamper=stamps, stamp_style=style,
                                       new_field_spec=spec)
        reserved = self._reserved + 2 * sum(len(a) for a in extra)  # hex in /Contents
        out = io.BytesIO()
        try:
            _thread_loop().run_until_complete(
                pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=reserved))
        except OpenSealError:
            raise
        except SigningError as exc:
            raise Conflict("SIGNING_REFUSED", f"pyHanko 拒绝签署：{exc}",
                           f"Signing was refused: {exc}") from exc
        except _PARSE_FAULTS as exc:  # objects first read while signing can be broken too
            raise damaged_pdf() from exc
        return Sealed(out.getvalue(), field_name, content.warnings, placement.page,
                      _signature_timestamp(stamps))

    def _draw_extras(self, writer: IncrementalPdfFileWriter, pdf: bytes,
                     request: SealRequest, image: SealImage) -> Placement:
        """Draw the extra keyword stamps and the cross-page seal as page content of this
        update (the signature covers them); return where the signature's own seal goes."""
        seal, placement = self._image, request.placement
        hits: list[KeywordHit] = []
        if request.keyword is not None:
            hits = chosen(find_keyword(pdf, request.keyword), request.keyword,
                          request.occurrence)
            placement = _on_hit(writer, hits[0], request, image)
            if image is not seal:  # a QR code right of the seal: centre the seal itself
                w_mm = seal_size(request.placement.size_mm, image.width_mm, image.height_mm)[0]
                shift = (image.width_mm - seal.width_mm) * w_mm / image.width_mm / 2
                placement = replace(placement, x_mm=(placement.x_mm or 0.0) + shift)
        if len(hits) < 2 and request.cross_page is None:
            return placement
        stamper = SealStamper(writer, seal)
        for hit in hits[1:]:
            at = _on_hit(writer, hit, request, seal)
            stamper.stamp(hit.page - 1, resolve_box(
                at, page_box(writer.prev, hit.page), seal.width_mm, seal.height_mm))
        if request.cross_page is not None:
            draw_cross_page(writer.prev, stamper, request.cross_page,
                            *seal_size(request.placement.size_mm, seal.width_mm,
                                       seal.height_mm))
        return placement


def _on_hit(writer: IncrementalPdfFileWriter, hit: KeywordHit, request: SealRequest,
            image: SealImage) -> Placement:
    return centred_at(request.placement, hit.page, page_box(writer.prev, hit.page),
                      (hit.x, hit.y), image.width_mm, image.height_mm, request.offset_mm)


_LOCAL = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop, made once: asyncio.run builds and tears one down per call."""
    loop: asyncio.AbstractEventLoop | None = getattr(_LOCAL, "loop", None)
    if loop is None:
        loop = asyncio.new_event_loop()
        _LOCAL.loop = loop
    return loop


def _signature_timestamp(stamps: RecordingTimeStamper) -> str | None:
    """The serial of the one token pyHanko asked for: the signature timestamp (B-T); None
    (the caller reads it out of the output) for anything else."""
    if len(stamps.tokens) != 1:
        return None
    try:
        return token_serial(stamps.tokens[0])
    except (ValueError, KeyError, TypeError, AssertionError):
        return None


def _reserve_size(signer: KeyStoreSigner) -> int:
    """Bytes to reserve for the CMS blob: certificates (ours and the TSA's), an RSA
    signature (as long as its modulus: 384 bytes for RSA-3072, where an ECDSA one is about
    72 and fits the margin) plus margin."""
    cert_bytes = sum(len(c.dump()) for c in signer.cert_registry)
    assert signer.signing_cert is not None
    key = signer.signing_cert.public_key
    signature = key.bit_size // 8 if key.algorithm == "rsa" else 0
    return 8192 + 2 * (cert_bytes + signature)
