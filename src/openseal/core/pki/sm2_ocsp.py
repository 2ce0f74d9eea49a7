"""OCSP (RFC 6960) for the SM2 (国密) hierarchy: what ``ocsp.OcspResponder`` adds for it.

The responder answers for the certificates the SM2 CAs issued (SM2 seal certificates, the
organisation SM2 CAs and the seal maker under the SM2 root, on either side: production or
sandbox) exactly as for the others: ``good``, ``revoked`` with time and reason (a suspended
seal's certificate: certificateHold), ``unknown``, ``unauthorized``, ``malformedRequest``.
What differs lives here:

- a CertID may name the issuer with SM3 (1.2.156.10197.1.401) as well as with SHA-1/SHA-2,
  as clients working in 国密 do; SM3 is computed by ``gm.sm2`` (never by whatever the local
  OpenSSL offers);
- the BasicOCSPResponse is signed SM2-with-SM3 (signatureAlgorithm 1.2.156.10197.1.501,
  parameters absent, signer ID 1234567812345678) over the DER of tbsResponseData, by the SM2
  CA's delegated responder (``sm2_certs.sm2_ocsp_responder_certificate``: id-kp-OCSPSigning,
  id-pkix-ocsp-nocheck; issued with the CA, or on the first request for a CA made before,
  by ``PkiService.ocsp_responder``). The key stays in the KeyStore (``sign_raw(key, data,
  "sm3")``), and the signature is checked against the responder certificate before the
  response leaves: a key store bound to the wrong key fails loudly, not in a client.
"""

from __future__ import annotations

import hashlib

from asn1crypto import x509

from openseal.core.gm import keys as gm_keys
from openseal.core.gm import sm2
from openseal.core.keys.model import KeyStore
from openseal.core.pki.profiles import CertificateRole
from openseal.errors import IntegrityViolation

SM2_CA_ROLES = (CertificateRole.SM2_ROOT_CA, CertificateRole.SM2_ORG_CA)
CERT_ID_HASHES = ("sha1", "sha256", "sha384", "sha512", "sm3")
"""The hash algorithms a CertID may use (asn1crypto names; "sm3" once ``gm`` registered it)."""


def cert_id_hash(algorithm: str, data: bytes) -> bytes:
    """The digest of ``data`` with one of ``CERT_ID_HASHES``, as a CertID carries it."""
    if algorithm == "sm3":
        return sm2.sm3(data)
    return hashlib.new(algorithm, data).digest()


def signs_with_sm2(responder: x509.Certificate) -> bool:
    """Whether the responder certificate holds an SM2 key (its responses are SM2-signed)."""
    return gm_keys.is_sm2(responder.public_key)


def sign_response(keystore: KeyStore, key_id: str, responder: x509.Certificate,
                  tbs_response_data: bytes) -> tuple[str, bytes]:
    """("sm2_sm3", the DER SM2 signature) of the DER ``tbs_response_data`` by the responder
    key ``key_id``; IntegrityViolation if it does not verify with ``responder``'s key."""
    signature = keystore.sign_raw(key_id, tbs_response_data, "sm3")
    if not sm2.verify(gm_keys.public_point(responder.public_key), tbs_response_data,
                      signature):
        raise IntegrityViolation(
            "SM2_OCSP_KEY_MISMATCH",
            "OCSP 响应的 SM2 签名不能用响应者证书的公钥验证（签名密钥与证书不符）",
            "The SM2 signature of the OCSP response does not verify with the responder "
            "certificate's key (the signing key does not belong to that certificate)")
    return keystore.signature_algorithm(key_id, "sm3"), signature


__all__ = ["CERT_ID_HASHES", "SM2_CA_ROLES", "cert_id_hash", "sign_response",
           "signs_with_sm2"]
