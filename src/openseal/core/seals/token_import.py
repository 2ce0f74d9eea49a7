"""Importing a PDF seal whose key already lives in a PKCS#11 token (issue 9 item 4: "the
signer's key (PKCS#8/PKCS#12 file or a PKCS#11 token)").

The certificate comes from a licensed CA (with its chain, if given, in the same file); the
key stays in the token, found by its label, and is never copied. The checks are those of
``import_p12_seal`` (``openseal.core.seals.importing``), plus: the token's public key must be
the certificate's (``PKCS11_KEY_MISMATCH``), an SM2 certificate is refused (no SM2 in the
token, ``PKCS11_SM2``), and a token key already used by a seal is not taken twice
(``SEAL_KEY_IN_USE``). Any refusal stores nothing.

Only the operator imports by label (``openseal seal import --pkcs11-key``), not the API:
the token is shared by every organisation of the instance, and the import does not check
that the CA is trusted, so an organisation could otherwise claim a key the operator loaded
for another one by presenting a home-made certificate over its (public) public key.
"""

from __future__ import annotations

import hashlib

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.roles import OPERATOR
from openseal.core.keys.model import KeyStore
from openseal.core.keys.stores import PKCS11_PREFIX, sm2_not_in_token
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.ports import Repositories
from openseal.core.seals.import_checks import (
    _checked_certificate,
    _not_imported_yet,
    _organisation,
    _sized,
)
from openseal.core.seals.importing import Imported, PdfSealParts, add_imported_pdf_seal
from openseal.core.seals.service import SealOrder
from openseal.errors import Conflict, InvalidInput, PermissionDenied

SM2_CURVE = "1.2.156.10197.1.301"


def import_token_seal(repos: Repositories, keystore: KeyStore, clock: Clock, org: str,
                      certificates: bytes, key_label: str, *, seal_type: str,
                      name: str | None, image: bytes | None = None,
                      white_to_transparent: bool = False, allow_name_mismatch: bool = False,
                      audit: AuditRecorder, principal: Principal) -> Imported:
    """Import a PDF seal of ``org``: the certificate in ``certificates`` (PEM or DER; CA
    certificates may follow) whose public key is that of the token key labelled
    ``key_label``. The seal's key id is ``pkcs11:<label>``. Raises InvalidInput / Conflict /
    NotFound / Unavailable (no token, wrong PIN); nothing is stored then."""
    if principal.kind != OPERATOR:
        raise PermissionDenied("PKCS11_IMPORT_OPERATOR",
                               "只有运维人员可以按标签导入令牌中的密钥（openseal seal import "
                               "--pkcs11-key）",
                               "Only the operator imports a token key by label (openseal seal "
                               "import --pkcs11-key)")
    organisation = _organisation(repos, org, principal, clock)
    key_id = PKCS11_PREFIX + _label(key_label)
    token_key = _normalised(keystore.public_key(key_id))
    certs = _certificates(certificates)
    leaf = _leaf_for(certs, token_key, key_label)
    chain = [x509.load_der_x509_certificate(c.dump()) for c in certs if c is not leaf]
    leaf_der = leaf.dump()
    subject = _checked_certificate(leaf_der, organisation, clock.now(), allow_name_mismatch)
    _not_imported_yet(repos, leaf_der)
    _key_unused(repos, key_id, key_label)
    algorithm = "rsa" if leaf.public_key.algorithm == "rsa" else "ecdsa"
    sealed, record = add_imported_pdf_seal(
        repos, organisation, PdfSealParts(leaf_der, chain, key_id, algorithm),
        SealOrder(organisation.id, seal_type, name or "", image=image,
                  white_to_transparent=white_to_transparent), clock.now())
    kind, seal_name, art, maker = (sealed.design.seal_type, sealed.name, sealed.artwork,
                                   sealed.maker)
    audit.record("seal.import", org_id=organisation.id, target=f"seal:{sealed.id}", details={
        "source": "pkcs11", "key_label": key_label, "name": seal_name, "type": kind.value,
        "algorithm": algorithm, "maker": maker, "cert": record.id,
        "cert_serial": record.serial_hex, "cert_subject": record.subject,
        "chain": len(chain), "key_sha256": hashlib.sha256(token_key).hexdigest(),
        "image": "upload" if image is not None else "drawn",
        "image_sha256": hashlib.sha256(art.png).hexdigest(), "name_mismatch": subject.mismatch})
    return Imported(sealed, record, subject.mismatch)


def _label(value: str) -> str:
    label = (value or "").strip()
    if not label or len(label) > 100 - len(PKCS11_PREFIX) or not label.isprintable():
        raise InvalidInput("PKCS11_LABEL", "令牌密钥标签应为 1–93 个可打印字符",
                           "The token key label must have 1-93 printable characters",
                           field="pkcs11_key")
    return label


def _certificates(data: bytes) -> list[asn1_x509.Certificate]:
    try:
        return load_pem_certificates(_sized(data, "cert"))
    except InvalidInput as exc:
        if exc.code != "CERT_FILE":
            raise
        raise InvalidInput("SEAL_CERT_INVALID", "证书文件无法读取（需要 PEM 或 DER 格式的证书）",
                           "The certificate file cannot be read (PEM or DER certificates "
                           "expected)", field="cert") from None


def _leaf_for(certs: list[asn1_x509.Certificate], token_key: bytes,
              label: str) -> asn1_x509.Certificate:
    """The certificate over the token key; PKCS11_KEY_MISMATCH when none is."""
    for cert in certs:
        if _normalised(cert.public_key) == token_key:
            return cert
    info = certs[0].public_key
    if info.algorithm == "ec" and info["algorithm"]["parameters"].native == SM2_CURVE:
        raise sm2_not_in_token()
    raise InvalidInput("PKCS11_KEY_MISMATCH",
                       f"令牌中标签为「{label}」的密钥与所给证书不匹配：证书不是这把密钥的",
                       f"The token key labelled '{label}' does not match the certificate "
                       "given: the certificate is not this key's", field="pkcs11_key")


def _normalised(info: asn1_keys.PublicKeyInfo) -> bytes:
    """One DER encoding per public key (named curve, uncompressed point), so that a token's
    and a CA's encodings of the same key compare equal."""
    try:
        key = serialization.load_der_public_key(info.dump())
    except (ValueError, TypeError):
        return bytes(info.dump())
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_unused(repos: Repositories, key_id: str, label: str) -> None:
    """No seal uses the key, nor ever did: every key in use here has a certificate record
    (a seal's, a renewed seal's earlier one, a CA's), so those are what is searched."""
    in_use = {seal.key_id for seal in repos.list_seals()}
    in_use.update(cert.key_id for cert in repos.list_certificates() if cert.key_id)
    if key_id in in_use:
        raise Conflict("SEAL_KEY_IN_USE", f"令牌密钥「{label}」已被另一枚印章使用",
                       f"The token key '{label}' is used by another seal already",
                       field="pkcs11_key")
