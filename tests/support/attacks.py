"""Building blocks for the PDF attacks on the verifier (ACCEPTANCE A2-A11).

Everything here produces real PDFs with pyHanko (incremental updates, real signatures):
- signers: an OpenSeal seal's own key and TSA used through pyHanko directly (to make a
  certification seal, which the sealing service does not offer), and throwaway PKIs made with
  ``cryptography`` (any subject, any digest, any AIA / CRL distribution point URLs);
- incremental updates: annotations with an appearance stream, signatures in new fields.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.signing.appearance import SealImage, stamp_style
from openseal.core.signing.signer import KeyStoreSigner
from tests.support.instance import TestInstance

SEAL_BOX = (400, 60, 520, 180)  # where a certification seal sits (pt)
OVERLAY_RECT = (60, 725, 420, 760)  # over the second line of reportlab_pdf()


# --------------------------------------------------------------------------- our seals


def seal_signer(instance: TestInstance, seal_type: str = "contract"
                ) -> tuple[KeyStoreSigner, TimeStamper]:
    """The seal's key (through the KeyStore) and the instance's TSA, as pyHanko objects."""
    seal = instance.seals[seal_type]
    with instance.wiring.context() as c:
        signer = KeyStoreSigner(c.keystore, seal.key_id, c.pki.certificate(seal.cert_id),
                                c.pki.chain(seal.cert_id))
        return signer, InProcessTimeStamper(c.pki.timestamp_authority())


def seal_style(instance: TestInstance, seal_type: str = "contract") -> BaseStampStyle:
    """The seal's own image as a pyHanko stamp style (what OpenSeal draws)."""
    art = instance.seals[seal_type].artwork
    return stamp_style(SealImage(art.width_mm, art.height_mm, vector=art.vector,
                                 png=None if art.vector else art.png))


def certify_with_seal(instance: TestInstance, pdf: bytes, permission: MDPPerm,
                      seal_type: str = "contract", field: str = "OpenSealCert") -> bytes:
    """``pdf`` certified (DocMDP ``permission``) by an OpenSeal seal: PAdES B-T, the seal's
    image, our TSA. The sealing service makes approval seals only, so pyHanko signs here."""
    signer, tsa = seal_signer(instance, seal_type)
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES,
                                        certify=True, docmdp_permissions=permission)
    spec = fields.SigFieldSpec(field, on_page=0, box=SEAL_BOX)
    return _sign(pdf, signers.PdfSigner(meta, signer=signer, timestamper=tsa,
                                        stamp_style=seal_style(instance, seal_type),
                                        new_field_spec=spec))


def sign_new_field(pdf: bytes, signer: signers.Signer, field: str,
                   box: tuple[int, int, int, int] | None = None, *,
                   timestamper: TimeStamper | None = None, md: str = "sha256",
                   style: BaseStampStyle | None = None, certify: MDPPerm | None = None,
                   subfilter: fields.SigSeedSubFilter = fields.SigSeedSubFilter.PADES,
                   ignore_docmdp: bool = False) -> bytes:
    """An incremental update adding signature field ``field`` (visible when ``box``) and
    signing it with ``signer``. ``ignore_docmdp``: sign even a document whose certification
    forbids all changes (pyHanko refuses; an attacker's tool would not)."""
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm=md, subfilter=subfilter,
                                        certify=certify is not None,
                                        docmdp_permissions=certify or MDPPerm.FILL_FORMS)
    spec = fields.SigFieldSpec(field, on_page=0, box=box)
    kind = _DocMdpIgnoringSigner if ignore_docmdp else signers.PdfSigner
    return _sign(pdf, kind(meta, signer=signer, timestamper=timestamper, stamp_style=style,
                           new_field_spec=spec))


class _DocMdpIgnoringSigner(signers.PdfSigner):
    def _enforce_certification_constraints(self, reader: object) -> None:
        return None


def sign_existing_field(pdf: bytes, signer: signers.Signer, field: str) -> bytes:
    """Sign the (empty) signature field ``field`` that the document already has."""
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    return _sign(pdf, signers.PdfSigner(meta, signer=signer))


def _sign(pdf: bytes, pdf_signer: signers.PdfSigner) -> bytes:
    out = io.BytesIO()
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
    return out.getvalue()


def add_empty_signature_field(pdf: bytes, field: str,
                              box: tuple[int, int, int, int]) -> bytes:
    """A visible, empty signature field prepared for a later signer (an incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(field, on_page=0, box=box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_page_content(pdf: bytes, text: bytes = b"PAY 1,000,000 USD") -> bytes:
    """An incremental update that swaps page 1's /Contents for a new stream (as in A5)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- annotations

OVERLAY_TEXT = b"Amount: CNY 9,999,999 (payable at once)"


def overlay_appearance(text: bytes = OVERLAY_TEXT, opaque: bool = True,
                       size: tuple[float, float] = (360, 35)) -> bytes:
    """An appearance that paints a white box (hiding what is below) and new text on it."""
    w, h = size
    fill = b"1 g 0 0 %.1f %.1f re f " % (w, h) if opaque else b""
    return fill + b"0 g BT /Helv 14 Tf 4 12 Td (" + text + b") Tj ET"


def add_annotation(pdf: bytes, subtype: str, *, appearance: bytes | None = None,
                   rect: Sequence[float] = OVERLAY_RECT,
                   extra: dict[str, generic.PdfObject] | None = None) -> bytes:
    """An incremental update adding one annotation of ``subtype`` to page 1, with
    ``appearance`` as its normal appearance stream (none when ``None``)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    annot = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name(subtype),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in rect),
        pdf_name("/Contents"): generic.TextStringObject("reviewer note"),
        pdf_name("/P"): page_ref, pdf_name("/F"): generic.NumberObject(4),
        **(extra or {}),
    })
    if subtype == "/FreeText":
        annot[pdf_name("/DA")] = generic.TextStringObject("/Helv 14 Tf 0 g")
    if appearance is not None:
        annot[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): writer.add_object(_form_xobject(appearance, rect))})
    annot_ref = writer.add_object(annot)
    if "/Annots" in page:
        annots = page.raw_get("/Annots")
        array = annots.get_object()
        array.append(annot_ref)
        if isinstance(annots, generic.IndirectObject):
            writer.mark_update(annots)
    else:
        page[pdf_name("/Annots")] = generic.ArrayObject([annot_ref])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _form_xobject(data: bytes, rect: Sequence[float]) -> generic.StreamObject:
    x0, y0, x1, y1 = rect
    font = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica")})
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v)
                                               for v in (0, 0, x1 - x0, y1 - y0)),
        pdf_name("/Resources"): generic.DictionaryObject({
            pdf_name("/Font"): generic.DictionaryObject({pdf_name("/Helv"): font})}),
    }, stream_data=data)


# --------------------------------------------------------------------------- throwaway PKI


@dataclass(frozen=True)
class Pki:
    """A root, optional intermediate and a signing certificate, all made here."""

    root: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """The certificates between the root and the signer (the intermediate, if any)."""
    signer_cert: x509.Certificate
    signer_key: keys.PrivateKeyInfo

    def signer(self, *, embed: Sequence[x509.Certificate] | None = None
               ) -> signers.SimpleSigner:
        """A pyHanko signer; ``embed`` are the certificates put into the CMS (default: the
        signer's, its chain and the root)."""
        certs = [self.signer_cert, *(self.chain if embed is None else embed)]
        if embed is None:
            certs.append(self.root)
        return signers.SimpleSigner(self.signer_cert, self.signer_key,
                                    SimpleCertificateStore.from_certs(certs))


def make_pki(subject: cx509.Name, *, urls: Sequence[str] = (), intermediate: bool = False,
             self_signed: bool = False, root_subject: cx509.Name | None = None,
             issuer_subject: cx509.Name | None = None) -> Pki:
    """A signing certificate for ``subject``. ``self_signed``: the signer is its own root.
    ``urls``: put into every certificate below the root as CRL distribution points and as
    AIA OCSP and caIssuers addresses. ``root_subject`` / ``issuer_subject``: the names of the
    root and of the intermediate (any name, e.g. a copy of someone else's)."""
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if self_signed:
        cert = _cert(subject, subject, leaf_key.public_key(), leaf_key, urls, ca=False)
        return Pki(_a(cert), (), _a(cert), _a_key(leaf_key))
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = root_subject or _name("Attacker Root CA", "Attacker Inc.")
    root = _cert(root_name, root_name, root_key.public_key(), root_key, (), ca=True)
    issuer_name, issuer_key, chain = root_name, root_key, []
    if intermediate:
        mid_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        mid_name = issuer_subject or _name("Attacker Issuing CA", "Attacker Inc.")
        chain.append(_cert(mid_name, root_name, mid_key.public_key(), root_key, urls, ca=True))
        issuer_name, issuer_key = mid_name, mid_key
    leaf = _cert(subject, issuer_name, leaf_key.public_key(), issuer_key, urls, ca=False)
    return Pki(_a(root), tuple(_a(c) for c in chain), _a(leaf), _a_key(leaf_key))


def _name(common_name: str, organization: str) -> cx509.Name:
    return cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                       cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject: cx509.Name, issuer: cx509.Name, public_key: rsa.RSAPublicKey,
          issuer_key: rsa.RSAPrivateKey, urls: Sequence[str], *, ca: bool
          ) -> cx509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (cx509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(cx509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=365))
               .add_extension(cx509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(cx509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                   crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    if urls:
        uris = [cx509.UniformResourceIdentifier(u) for u in urls]
        builder = builder.add_extension(cx509.CRLDistributionPoints([
            cx509.DistributionPoint(full_name=[u], relative_name=None, reasons=None,
                                    crl_issuer=None) for u in uris]), critical=False)
        access = [cx509.AccessDescription(oid, u) for u in uris for oid in (
            AuthorityInformationAccessOID.OCSP,
            AuthorityInformationAccessOID.CA_ISSUERS)]
        builder = builder.add_extension(cx509.AuthorityInformationAccess(access),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _a(cert: cx509.Certificate) -> x509.Certificate:
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _a_key(key: rsa.RSAPrivateKey) -> keys.PrivateKeyInfo:
    return keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def subject_of(cert: x509.Certificate) -> cx509.Name:
    """The exact subject DN of ``cert`` (same attributes, order and encoding)."""
    return cx509.load_der_x509_certificate(cert.dump()).subject
