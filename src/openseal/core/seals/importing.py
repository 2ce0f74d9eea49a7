"""Seals and keys made elsewhere (《电子印章管理办法》, 2025: e-government seals are made and
registered by licensed seal-making units, their certificates come from licensed CAs).

Two ways in, both ending as an ordinary ``SealRecord`` (``origin="imported"``) that obeys the
same grants, approvals, lifecycle and audit as a seal made here:

- ``import_esl_seal``: a GB/T 38540 electronic seal (``.esl``, DER SES_Seal v4) and the
  signer's SM2 private key (PKCS#8, encrypted PKCS#8, SEC1 or PKCS#12; PEM or DER). The seal
  is kept byte for byte (``seal export-esl`` gives back what was imported) and stamps OFD
  files; its maker (制章者) is recorded in ``SealRecord.maker``.
- ``import_p12_seal``: a PKCS#12 from a licensed CA (an EC P-256 or P-384 key, or an RSA
  key of at least ``RSA_MIN_BITS`` bits; its certificate and the CA chain) as a PDF seal;
  the image is drawn from a template or uploaded, as for ``create_seal``.

What is checked before anything is stored (any refusal stores nothing: the key goes into the
key store last, after the records were written in the same transaction):

1. the .esl parses, is v4 (or v5) and its maker's SM2 signature verifies by its version's
   rule (``SES_SEAL_SIGNATURE_INVALID``);
2. now lies within the seal's validity (``SES_SEAL_EXPIRED`` / ``SES_SEAL_NOT_YET_VALID``);
3. the key opens (``SM2_KEY_PASSWORD`` for a missing or wrong password) and is the key of a
   signer certificate the seal lists (``SES_KEY_NOT_IN_SEAL``); a seal listing certificate
   digests (certListType 2) needs the certificate itself (``cert``);
4. that certificate is valid now (``SEAL_CERT_NOT_VALID``) and allows signing;
5. it names the organisation: its organizationIdentifier (or any subject attribute) holds
   the organisation's unified social credit code, or its O is the organisation's name.
   Otherwise ``SEAL_CERT_OTHER_ORG``, unless ``allow_name_mismatch`` (recorded in the
   audit entry);
6. it was not imported before (``SEAL_ALREADY_IMPORTED``), and the organisation is not in
   the sandbox (``SEAL_IMPORT_SANDBOX``: a seal made elsewhere is real, so the organisation
   must be verified first).

Not checked: whether the seal maker or the CA is licensed. That is trust, which the verifier
decides with its anchors (the maker's SM2 root for OFD, an imported trust anchor for PDF).

Suspending and revoking an imported seal refuse its use here at once and mark its
certificate on hold or revoked in OpenSeal's records, but nothing is published: the maker's
CA owns the certificate's CRL and OCSP. To revoke it for the world, ask the maker or CA.
Renewal is refused (``SEAL_IMPORTED_RENEW``): have the maker renew it, import the new one.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import Certificate
from PIL import Image, ImageDraw, UnidentifiedImageError

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.gm import keys as gm_keys
from openseal.core.gm.pkcs8 import decrypt_pkcs8
from openseal.core.keys.model import RSA_MIN_BITS
from openseal.core.ofd.ses import EsSeal, maker_signature_valid, read_seal, signer_allowed
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.sm2_x509 import load_certificate
from openseal.core.ports import Repositories
from openseal.core.records import (
    CertificateRecord,
    OrganizationRecord,
    SealArtworkRecord,
    SealRecord,
)
from openseal.core.seals.import_checks import (
    MAX_FILE,
    _add_seal,
    _cert_record,
    _checked_certificate,
    _common_name,
    _name,
    _not_imported_yet,
    _one_certificate,
    _organisation,
    _sized,
    _store_chain,
    _subject,
)
from openseal.core.seals.model import DEFAULT_PURPOSE, SealDesign, SealType
from openseal.core.seals.service import SealOrder, _artwork, _seal_type
from openseal.errors import InvalidInput

IMPORTED = "imported"
#: GB/T 38540 seal type -> the product's seal type (the common enumeration, see esl.py).
SEAL_TYPES: dict[int, SealType] = {1: SealType.OFFICIAL, 2: SealType.FINANCE,
                                   3: SealType.INVOICE, 4: SealType.CONTRACT,
                                   5: SealType.LEGAL_REP}
RASTER_PICTURES = {"PNG": "PNG", "GIF": "GIF", "JPG": "JPEG", "JPEG": "JPEG", "BMP": "BMP"}
MAX_PICTURE_PIXELS = 4096 * 4096
EC_CURVES = ("secp256r1", "secp384r1")


class KeyImporter(Protocol):
    """The key store's import (``SoftwareKeyStore.import_key``)."""

    def import_key(self, key_id: str, pkcs8_der: bytes) -> asn1_keys.PublicKeyInfo: ...


@dataclass(frozen=True)
class Imported:
    """What an import made: the seal, its certificate, and whether its certificate names
    another organisation (allowed with ``allow_name_mismatch``)."""

    seal: SealRecord
    certificate: CertificateRecord
    name_mismatch: bool = False


def import_esl_seal(repos: Repositories, keystore: KeyImporter, clock: Clock, org: str,
                    esl: bytes, key: bytes, password: bytes | None = None, *,
                    cert: bytes | None = None, name: str | None = None,
                    allow_name_mismatch: bool = False, audit: AuditRecorder,
                    principal: Principal) -> Imported:
    """Import a GB/T 38540 seal (.esl) and its signer's SM2 key as an SM2 seal of ``org``
    (see the module docstring for every check). Raises InvalidInput / Conflict / NotFound /
    Forbidden; nothing is stored then."""
    organisation = _organisation(repos, org, principal, clock)
    now = clock.now()
    seal = read_seal(_sized(esl, "esl"))  # InvalidInput SES_FORMAT
    if seal.version == 1:
        raise InvalidInput("SES_VERSION",
                           "GM/T 0031-2014（v1）印章不能用于盖章，请使用 GB/T 38540 v4 印章",
                           "A GM/T 0031-2014 (v1) seal cannot seal here: import a GB/T 38540 "
                           "v4 seal", field="esl", version=seal.version)
    if not maker_signature_valid(seal):
        raise InvalidInput("SES_SEAL_SIGNATURE_INVALID",
                           "电子印章的制章者签名无效：印章数据被改动或已损坏",
                           "The seal maker's signature does not verify: the seal was altered "
                           "or is damaged", field="esl")
    if not 0 < len(seal.es_id) <= 64:
        raise InvalidInput("SES_ES_ID", "电子印章编码（esID）应为 1–64 个 ASCII 字符",
                           "The seal code (esID) must have 1-64 ASCII characters", field="esl")
    _check_seal_window(seal, now)
    private, public = load_sm2_key(_sized(key, "key"), password)
    signer = _signer_certificate(seal, public, cert)
    subject = _checked_certificate(signer, organisation, now, allow_name_mismatch)
    _not_imported_yet(repos, signer)
    seal_type = SEAL_TYPES.get(seal.seal_type, SealType.CUSTOM)
    seal_name = _name(name if name is not None else seal.name)
    maker = _subject(seal.maker_cert)
    key_id = f"seal-imported-{uuid.uuid4()}"
    record = _cert_record(signer, CertificateRole.SEAL, key_id, None, organisation.id)
    repos.add_certificate(record)
    drawn = seal_name if seal_type is SealType.LEGAL_REP else organisation.name
    design = SealDesign(seal_type, drawn[:200], DEFAULT_PURPOSE[seal_type])
    sealed = SealRecord(str(uuid.uuid4()), organisation.id, seal_name, design, key_id,
                        record.id, picture_artwork(seal), "active", now, sandbox=False,
                        algorithm="sm2", esl=seal.der, es_id=seal.es_id, origin=IMPORTED,
                        maker=maker)
    _add_seal(repos, sealed)
    spki = keystore.import_key(key_id, gm_keys.private_key_info(private, public))
    audit.record("seal.import", org_id=organisation.id, target=f"seal:{sealed.id}", details={
        "source": "esl", "name": seal_name, "type": seal_type.value, "algorithm": "sm2",
        "es_id": seal.es_id, "es_version": seal.version, "es_type": seal.seal_type,
        "esl_sha256": hashlib.sha256(seal.der).hexdigest(), "maker": maker,
        "cert": record.id, "cert_serial": record.serial_hex, "cert_subject": record.subject,
        "key_sha256": hashlib.sha256(spki.dump()).hexdigest(), "picture": seal.picture.kind,
        "name_mismatch": subject.mismatch})
    return Imported(sealed, record, subject.mismatch)


def import_p12_seal(repos: Repositories, keystore: KeyImporter, clock: Clock, org: str,
                    p12: bytes, password: bytes | None, *, seal_type: str, name: str | None,
                    image: bytes | None = None, white_to_transparent: bool = False,
                    allow_name_mismatch: bool = False, base_url: str = "",
                    audit: AuditRecorder, principal: Principal) -> Imported:
    """Import a licensed CA's PKCS#12 (EC or RSA key, certificate, CA chain) as a PDF seal
    (algorithm "ecdsa" or "rsa") of ``org``; the image is drawn for ``seal_type`` and
    ``name`` or taken from ``image``, as ``create_seal`` does. An RSA key under
    ``RSA_MIN_BITS`` bits: InvalidInput KEY_RSA_TOO_SMALL."""
    del base_url  # the certificate is the CA's: no URL of ours goes into it
    organisation = _organisation(repos, org, principal, clock)
    now = clock.now()
    private, leaf, chain = _open_p12(_sized(p12, "p12"), password)
    algorithm = "rsa" if isinstance(private, rsa.RSAPrivateKey) else "ecdsa"
    leaf_der = leaf.public_bytes(serialization.Encoding.DER)
    subject = _checked_certificate(leaf_der, organisation, now, allow_name_mismatch)
    _not_imported_yet(repos, leaf_der)
    key_id = f"seal-imported-{uuid.uuid4()}"
    sealed, record = add_imported_pdf_seal(
        repos, organisation, PdfSealParts(leaf_der, chain, key_id, algorithm),
        SealOrder(organisation.id, seal_type, name or "", image=image,
                  white_to_transparent=white_to_transparent), now)
    kind, seal_name, art, maker = (sealed.design.seal_type, sealed.name, sealed.artwork,
                                   sealed.maker)
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    spki = keystore.import_key(key_id, pkcs8)
    audit.record("seal.import", org_id=organisation.id, target=f"seal:{sealed.id}", details={
        "source": "p12", "name": seal_name, "type": kind.value, "algorithm": algorithm,
        "maker": maker, "cert": record.id, "cert_serial": record.serial_hex,
        "cert_subject": record.subject, "chain": len(chain),
        "key_sha256": hashlib.sha256(spki.dump()).hexdigest(),
        "image": "upload" if image is not None else "drawn",
        "image_sha256": hashlib.sha256(art.png).hexdigest(), "name_mismatch": subject.mismatch})
    return Imported(sealed, record, subject.mismatch)


# ---------------------------------------------------------------------- PDF seals


@dataclass(frozen=True)
class PdfSealParts:
    """An imported PDF seal's certificate (DER), the CA certificates that came with it, the
    key's id in the key store and its algorithm ("ecdsa" or "rsa")."""

    leaf_der: bytes
    chain: list[Certificate]
    key_id: str
    algorithm: str


def add_imported_pdf_seal(repos: Repositories, organisation: OrganizationRecord,
                          parts: PdfSealParts, order: SealOrder,
                          now: datetime) -> tuple[SealRecord, CertificateRecord]:
    """Store an imported PDF seal (from a PKCS#12 or a token key): its picture drawn for
    ``order`` (type, name or the certificate's CN, image), its certificate and chain."""
    kind = _seal_type(order.seal_type)
    seal_name = _name(order.name if order.name else _common_name(parts.leaf_der) or "")
    drawn = seal_name if kind is SealType.LEGAL_REP else organisation.name
    design = SealDesign(kind, drawn, DEFAULT_PURPOSE[kind],
                        organisation.uscc if kind is SealType.INVOICE else None)
    art = _artwork(design, replace(order, seal_type=kind.value, name=seal_name), False)
    issuer_id = _store_chain(repos, parts.leaf_der, parts.chain, organisation.id)
    record = _cert_record(parts.leaf_der, CertificateRole.SEAL, parts.key_id, issuer_id,
                          organisation.id)
    repos.add_certificate(record)
    maker = str(load_certificate(parts.leaf_der).issuer.human_friendly)
    sealed = SealRecord(str(uuid.uuid4()), organisation.id, seal_name, design, parts.key_id,
                        record.id, art, "active", now, sandbox=False,
                        algorithm=parts.algorithm, origin=IMPORTED, maker=maker)
    _add_seal(repos, sealed)
    return sealed, record


# ---------------------------------------------------------------------- the seal


def _check_seal_window(seal: EsSeal, now: datetime) -> None:
    start, end = seal.valid_from.isoformat(), seal.valid_until.isoformat()
    if now > seal.valid_until:
        raise InvalidInput("SES_SEAL_EXPIRED", f"电子印章已过有效期（{start} 至 {end}）",
                           f"The electronic seal has expired (valid {start} to {end})",
                           field="esl", valid_from=start, valid_until=end)
    if now < seal.valid_from:
        raise InvalidInput("SES_SEAL_NOT_YET_VALID", f"电子印章尚未生效（{start} 至 {end}）",
                           f"The electronic seal is not valid yet (valid {start} to {end})",
                           field="esl", valid_from=start, valid_until=end)


def _signer_certificate(seal: EsSeal, public: bytes, cert: bytes | None) -> bytes:
    """The certificate of the seal's signer list whose key is ``public``."""
    if cert is not None:
        given = _one_certificate(cert)
        if not signer_allowed(seal, given):
            raise InvalidInput("SES_CERT_NOT_IN_SEAL", "所给证书不在电子印章的签章人证书列表中",
                               "The certificate given is not in the seal's list of signer "
                               "certificates", field="cert")
        candidates: tuple[bytes, ...] = (given,)
    elif seal.signer_certs:
        candidates = seal.signer_certs
    else:
        raise InvalidInput("SES_CERT_NEEDED",
                           "电子印章只列出签章人证书的摘要（certListType 2），请另附签章人证书",
                           "The seal lists only digests of its signer certificates "
                           "(certListType 2): give the signer certificate as well",
                           field="cert")
    for candidate in candidates:
        try:
            if gm_keys.public_point(candidate) == public:
                return candidate
        except InvalidInput:
            continue
    raise InvalidInput("SES_KEY_NOT_IN_SEAL",
                       "私钥与电子印章中任何签章人证书都不匹配（密钥不在印章中）",
                       "The key matches no signer certificate of the seal (key not in the "
                       "seal)", field="key")


def picture_artwork(seal: EsSeal) -> SealArtworkRecord:
    """The seal's picture as the stored artwork: PNG, GIF, JPEG and BMP become an RGBA PNG;
    a vector picture (``ofd``, ``SVG``) cannot be drawn here, so a placeholder (a red ring
    with "OFD") stands for it in the console. The .esl keeps the real picture, and that is
    what sealed documents carry."""
    picture = seal.picture
    width, height = float(max(1, picture.width_mm)), float(max(1, picture.height_mm))
    fmt = RASTER_PICTURES.get(picture.kind.strip().upper())
    png = _raster_png(picture.data, fmt) if fmt else _placeholder_png(width, height)
    return SealArtworkRecord(width, height, None, png, None)


def _raster_png(data: bytes, fmt: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise InvalidInput("SES_PICTURE", "印章图片像素过多", "The seal picture has too "
                                   "many pixels", field="esl")
            rgba = image.convert("RGBA")
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError,
            Image.DecompressionBombError):
        raise InvalidInput("SES_PICTURE", f"印章图片（{fmt}）无法读取",
                           f"The seal picture ({fmt}) cannot be read", field="esl") from None
    out = io.BytesIO()
    rgba.save(out, "PNG")
    return out.getvalue()


def _placeholder_png(width_mm: float, height_mm: float, dpi: int = 300) -> bytes:
    w = max(16, round(width_mm / 25.4 * dpi))
    h = max(16, round(height_mm / 25.4 * dpi))
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    line = max(2, min(w, h) // 40)
    draw.ellipse((line, line, w - line - 1, h - line - 1), outline=(220, 0, 0, 255), width=line)
    draw.text((w / 2, h / 2), "OFD", fill=(220, 0, 0, 255), anchor="mm",
              font_size=max(10, min(w, h) // 6))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------------- keys


def load_sm2_key(data: bytes, password: bytes | None) -> tuple[bytes, bytes]:
    """(private, public) from an SM2 key file: PKCS#8 (encrypted or not), SEC1, or a
    PKCS#12 whose key bag is in the clear safe (as ``openssl pkcs12 -export`` makes it)."""
    der = _pfx_der(data)
    if der is None:
        return gm_keys.load_private_key(data, password)
    try:
        pfx = asn1_pkcs12.Pfx.load(der)
        safes = pfx.authenticated_safe
        for info in safes:
            if info["content_type"].native != "data":
                continue
            bags = asn1_pkcs12.SafeContents.load(info["content"].native)
            for bag in bags:
                bag_id = bag["bag_id"].native
                if bag_id == "pkcs8_shrouded_key_bag":
                    plain = decrypt_pkcs8(bag["bag_value"].untag().dump(),
                                          _p12_password(password))
                    return gm_keys.load_private_key(plain)
                if bag_id == "key_bag":
                    return gm_keys.load_private_key(bag["bag_value"].untag().dump())
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        raise InvalidInput("SM2_KEY_INVALID", "PKCS#12 文件格式不对",
                           "Malformed PKCS#12 file", field="key") from None
    raise InvalidInput("SM2_KEY_INVALID",
                       "PKCS#12 文件中没有可读取的私钥（加密保管的私钥包不读取）",
                       "No readable private key in the PKCS#12 (a key bag inside an "
                       "encrypted safe is not read)", field="key")


def _p12_password(password: bytes | None) -> bytes:
    """A PKCS#12 without a password given is tried with the empty one (openssl -passout
    pass:); decrypt_pkcs8 then says "wrong password" if it was not that."""
    return b"" if password is None else password


def _pfx_der(data: bytes) -> bytes | None:
    """The DER of ``data`` if it is a PKCS#12 (PFX v3), else None."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return data if pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native \
            in ("data", "signed_data") else None
    except Exception:  # noqa: BLE001 - asn1crypto raises many kinds on junk: not a PFX
        return None


def _open_p12(data: bytes, password: bytes | None
              ) -> tuple[_P12Key, Certificate, list[Certificate]]:
    try:
        key, leaf, extra = pkcs12.load_key_and_certificates(data, password)
    except UnsupportedAlgorithm:
        raise InvalidInput("KEY_ALGORITHM",
                           "PKCS#12 中的密钥算法不受支持（SM2 密钥请与 .esl 一起导入）",
                           "The PKCS#12 holds a key of an unsupported algorithm (an SM2 key "
                           "goes with its .esl: --esl --key)", field="p12") from None
    except (ValueError, TypeError):
        raise InvalidInput("P12_PASSWORD", "无法打开 PKCS#12：口令不对，或不是 PKCS#12 文件",
                           "Cannot open the PKCS#12: wrong password, or not a PKCS#12 file",
                           field="p12") from None
    key = _supported_key(key)
    if leaf is None:
        raise InvalidInput("P12_NO_CERTIFICATE", "PKCS#12 中没有证书", "The PKCS#12 holds no "
                           "certificate", field="p12")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if leaf.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            key.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise InvalidInput("P12_KEY_MISMATCH", "PKCS#12 中的证书与私钥不匹配",
                           "The PKCS#12's certificate does not belong to its key", field="p12")
    return key, leaf, list(extra)


_P12Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _supported_key(key: object) -> _P12Key:
    """An EC P-256/P-384 key, or an RSA key of RSA_MIN_BITS bits or more (InvalidInput
    KEY_RSA_TOO_SMALL below, KEY_ALGORITHM for anything else)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < RSA_MIN_BITS:
            raise InvalidInput(
                "KEY_RSA_TOO_SMALL",
                f"PKCS#12 中的 RSA 密钥过短（{key.key_size} 位），至少需要 {RSA_MIN_BITS} 位",
                f"The PKCS#12's RSA key is too short ({key.key_size} bits): at least "
                f"{RSA_MIN_BITS} bits are required", field="p12", bits=key.key_size,
                minimum=RSA_MIN_BITS)
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in EC_CURVES:
        return key
    what = key.curve.name if isinstance(key, ec.EllipticCurvePrivateKey) else \
        type(key).__name__ if key is not None else "none"
    raise InvalidInput("KEY_ALGORITHM", f"PKCS#12 中没有受支持的私钥（{what}），"
                       f"需要 EC P-256/P-384 或 RSA（至少 {RSA_MIN_BITS} 位）",
                       f"The PKCS#12 holds no supported private key ({what}): EC P-256 "
                       f"or P-384, or RSA of {RSA_MIN_BITS} bits or more expected",
                       field="p12", algorithm=what)


__all__ = ["IMPORTED", "MAX_FILE", "Imported", "KeyImporter", "import_esl_seal", "import_p12_seal",
           "load_sm2_key", "picture_artwork"]
