"""Creating seals: the image drawn (or an upload checked), a key pair, and a certificate."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.identity.service import find_organization
from openseal.core.keys.stores import PKCS11, checked_key_store, key_id_prefix, sm2_not_in_token
from openseal.core.pki.service import PkiService
from openseal.core.ports import Repositories
from openseal.core.records import SealArtworkRecord, SealRecord
from openseal.core.seals import artwork
from openseal.core.seals.esl import build_esl, next_es_id
from openseal.core.seals.model import DEFAULT_PURPOSE, SealDesign, SealType
from openseal.errors import InvalidInput, NotFound

UPLOAD_SIZE_MM = 40.0


@dataclass(frozen=True)
class SealOrder:
    """What a custodian asks for. ``image`` is an uploaded PNG/JPEG instead of a drawing."""

    org: str
    seal_type: str
    name: str
    purpose: str | None = None
    tax_id: str | None = None
    code: str | None = None
    image: bytes | None = None
    white_to_transparent: bool = False
    algorithm: str = "ecdsa"  # one of ALGORITHMS
    key_store: str = "software"  # or "pkcs11": the key made in the token (core.keys.stores)


#: Seal algorithms, the default first: "ecdsa" (P-256, PDF: small and fast), "rsa"
#: (RSA-3072, PDF: for verifiers that know nothing newer), "sm2" (OFD, GB/T 38540 .esl).
#: The one list every interface offers.
ALGORITHMS = ("ecdsa", "rsa", "sm2")


def create_seal(
    repos: Repositories, pki: PkiService, clock: Clock, order: SealOrder, base_url: str, *,
    audit: AuditRecorder,
) -> SealRecord:
    """Create a seal with its own key (``order.algorithm``) and certificate from the
    organisation's CA (ECDSA and RSA seals seal PDFs); an SM2 seal's come from the
    organisation's SM2 CA, with its GB/T 38540 .esl (``esl``). Raises InvalidInput /
    NotFound, or Conflict when a concurrent SM2 seal made the SM2 hierarchy or took the
    esID first (SM2_PKI_BUSY, SEAL_ES_ID_TAKEN: try again)."""
    org = find_organization(repos, order.org)
    seal_type = _seal_type(order.seal_type)
    name = order.name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("SEAL_NAME", "印章名称应为 1–100 个字符",
                           "The seal name must have 1-100 characters", field="name")
    drawn = name if seal_type is SealType.LEGAL_REP else org.name
    design = SealDesign(seal_type, drawn, order.purpose or DEFAULT_PURPOSE[seal_type],
                        order.tax_id or (org.uscc if seal_type is SealType.INVOICE else None),
                        order.code)
    algorithm = _algorithm(order.algorithm)
    key_store = checked_key_store(order.key_store)
    if key_store == PKCS11 and algorithm == "sm2":
        raise sm2_not_in_token()
    sandbox = is_sandboxed(repos, org.id)
    art = _artwork(design, order, sandbox)
    esl = es_id = None
    if algorithm == "sm2":
        sm2 = pki.sm2()
        ca = sm2.org_ca(org.id, org.name, org.uscc, sandbox=sandbox)
        cert = sm2.seal_certificate(ca, name, org.name, org.uscc, base_url, sandbox=sandbox)
        es_id = next_es_id(repos, org.uscc)
        esl = build_esl(pki, es_id=es_id, seal_type=seal_type, name=name, artwork=art,
                        cert=cert, sandbox=sandbox)
    else:
        cert = pki.issue_seal_certificate(org.ca_cert_id, name, org.name, org.uscc, base_url,
                                          sandbox=sandbox, algorithm=algorithm,
                                          key_prefix=key_id_prefix(key_store))
    assert cert.key_id is not None
    record = SealRecord(str(uuid.uuid4()), org.id, name, design, cert.key_id, cert.id, art,
                        "active", clock.now(), sandbox=sandbox, algorithm=algorithm, esl=esl,
                        es_id=es_id)
    repos.add_seal(record)
    sm2_facts = {} if esl is None else {
        "es_id": es_id, "esl_sha256": hashlib.sha256(esl).hexdigest()}
    audit.record("seal.create", org_id=org.id, target=f"seal:{record.id}", details={
        "name": name, "type": seal_type.value, "cert": cert.id, "cert_serial": cert.serial_hex,
        "image": "upload" if order.image is not None else "drawn",
        "image_sha256": hashlib.sha256(art.png).hexdigest(), "sandbox": sandbox,
        "algorithm": algorithm, "key_store": key_store, **sm2_facts})
    return record


def is_sandboxed(repos: Repositories, org_id: str) -> bool:
    """Unverified organisations work in sandbox mode; no profile (made by the operator's
    CLI) means verified."""
    profile = repos.get_org_profile(org_id)
    return profile is not None and profile.sandbox


def find_seal(repos: Repositories, ref: str) -> SealRecord:
    record = repos.get_seal(ref)
    if record is None:
        raise NotFound("SEAL_NOT_FOUND", f"找不到印章「{ref}」", f"Seal '{ref}' not found",
                       field="seal")
    return record


def seal_esl(seal: SealRecord) -> bytes:
    """The SM2 seal's GB/T 38540 electronic seal (DER SES_Seal, an .esl file); InvalidInput
    SEAL_NOT_SM2 for any other seal (a PDF seal has none)."""
    if seal.algorithm != "sm2" or seal.esl is None:
        raise InvalidInput("SEAL_NOT_SM2",
                           f"印章「{seal.name}」不是 SM2 印章，没有 GB/T 38540 电子印章（.esl）",
                           f"Seal '{seal.name}' is not an SM2 seal and has no GB/T 38540 "
                           "electronic seal (.esl)", field="seal", algorithm=seal.algorithm)
    return seal.esl


def _algorithm(value: str) -> str:
    algorithm = (value or "").strip().lower()
    if algorithm not in ALGORITHMS:
        allowed = ", ".join(ALGORITHMS)
        raise InvalidInput("SEAL_ALGORITHM", f"不支持的印章算法「{value}」，可选：{allowed}",
                           f"Unknown seal algorithm '{value}'; choose one of: {allowed}",
                           field="algorithm")
    return algorithm


def _seal_type(value: str) -> SealType:
    try:
        return SealType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in SealType)
        raise InvalidInput("SEAL_TYPE", f"不支持的印章类型「{value}」，可选：{allowed}",
                           f"Unknown seal type '{value}'; choose one of: {allowed}",
                           field="type") from None


def _artwork(design: SealDesign, order: SealOrder, sandbox: bool) -> SealArtworkRecord:
    """The seal's image; a sandbox seal's carries the TEST / 测试 mark in every form."""
    if order.image is not None:
        upload = artwork.load_uploaded_seal_image(
            order.image, white_to_transparent=order.white_to_transparent)
        height = UPLOAD_SIZE_MM * upload.height_px / upload.width_px
        png = artwork.with_test_mark_png(upload.png, UPLOAD_SIZE_MM, height) if sandbox \
            else upload.png
        return SealArtworkRecord(UPLOAD_SIZE_MM, height, None, png, None)
    drawing = artwork.draw_seal(design)
    w, h = drawing.width_mm, drawing.height_mm
    vector = artwork.artwork_to_pdf_content(drawing)
    png = artwork.render_png(drawing, dpi=300)
    if not sandbox:
        return SealArtworkRecord(w, h, vector, png, artwork.render_svg(drawing))
    return SealArtworkRecord(w, h, artwork.with_test_mark_pdf(vector, w, h),
                             artwork.with_test_mark_png(png, w, h),
                             artwork.render_svg(drawing, *artwork.sandbox_mark(w, h)))
