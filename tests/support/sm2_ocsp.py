"""Asking OCSP about SM2 certificates and checking the answers independently of OpenSeal's
own SM2 code: CertIDs hashed with hashlib or gmalglib (SM3), SM2 signatures checked with
gmalglib and with the openssl CLI, responses parsed with asn1crypto and `openssl ocsp`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import gmalglib
from asn1crypto import algos, core, ocsp, parser, pem, x509
from gmalglib import sm2 as gmalg_sm2

from tests.support import openssl_sm2

SIGNER_ID = b"1234567812345678"  # GM/T 0009
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3 = "1.2.156.10197.1.401"


def digest(algorithm: str, data: bytes) -> bytes:
    """``algorithm`` is a hashlib name or "sm3" (gmalglib's own SM3)."""
    if algorithm in ("sm3", SM3):
        return bytes(gmalglib.sm3_digest(data))
    return hashlib.new(algorithm, data).digest()


def cert_id(cert: x509.Certificate, issuer: x509.Certificate, algorithm: str = "sha1", *,
            serial: int | None = None, key_of: x509.Certificate | None = None
            ) -> dict[str, object]:
    """The CertID of ``cert`` issued by ``issuer``; ``key_of``: hash that certificate's key
    instead of the issuer's (a CertID with the wrong issuer key hash)."""
    key = (key_of or issuer).public_key["public_key"].contents[1:]
    return {"hash_algorithm": {"algorithm": SM3 if algorithm == "sm3" else algorithm},
            "issuer_name_hash": digest(algorithm, issuer.subject.dump()),
            "issuer_key_hash": digest(algorithm, key),
            "serial_number": cert.serial_number if serial is None else serial}


def request(*ids: dict[str, object], nonce: bytes | None = None) -> bytes:
    tbs: dict[str, object] = {"request_list": [{"req_cert": i} for i in ids]}
    if nonce is not None:
        tbs["request_extensions"] = [{"extn_id": "nonce", "critical": False,
                                      "extn_value": core.OctetString(nonce)}]
    return bytes(ocsp.OCSPRequest({"tbs_request": tbs}).dump())


def parsed(der: bytes) -> ocsp.OCSPResponse:
    response = ocsp.OCSPResponse.load(der, strict=True)
    _ = response.native  # every field parses
    return response


def basic_der(response_der: bytes) -> bytes:
    return bytes(parsed(response_der)["response_bytes"]["response"].contents)


def tbs_response_data(response_der: bytes) -> bytes:
    """The original bytes of tbsResponseData (the first element of BasicOCSPResponse)."""
    _, _, _, _, contents, _ = parser.parse(basic_der(response_der))
    _, _, _, header, inner, _ = parser.parse(contents)
    return bytes(header + inner)


def sm2_signature_verifies(response_der: bytes) -> bool:
    """gmalglib's verdict on the response's SM2 signature, under the key of the first
    certificate it carries (the responder's), signer ID 1234567812345678."""
    basic = parsed(response_der).basic_ocsp_response
    public = basic["certs"][0].public_key["public_key"].native
    raw = algos.DSASignature.load(basic["signature"].native).to_p1363()
    verifier = gmalg_sm2.SM2(pk=bytes(public), uid=SIGNER_ID)
    return bool(verifier.verify(tbs_response_data(response_der), raw))


def certificate_signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """gmalglib's verdict on ``cert``'s SM2 signature under ``issuer``'s key."""
    _, _, _, _, contents, _ = parser.parse(cert.dump())
    _, _, _, header, inner, _ = parser.parse(contents)
    raw = algos.DSASignature.load(cert["signature_value"].native).to_p1363()
    verifier = gmalg_sm2.SM2(pk=bytes(issuer.public_key["public_key"].native), uid=SIGNER_ID)
    return bool(verifier.verify(header + inner, raw))


def openssl_verifies(response_der: bytes, folder: Path) -> bool:
    """``openssl dgst -sm3 -verify`` (signer ID set) on tbsResponseData."""
    basic = parsed(response_der).basic_ocsp_response
    public_pem = pem.armor("PUBLIC KEY", basic["certs"][0].public_key.dump())
    return openssl_sm2.verify(public_pem, tbs_response_data(response_der),
                              basic["signature"].native, folder)


def openssl_text(response_der: bytes, folder: Path) -> str:
    """``openssl ocsp -respin -resp_text -noverify``: OpenSSL parses the whole response.
    (It cannot check an SM2 signature itself: OpenSSL 3 verifies SM2 with an empty signer
    ID unless told, and `openssl ocsp` has no option to tell it; hence the dgst check.)"""
    (folder / "response.der").write_bytes(response_der)
    done = openssl_sm2.run("ocsp", "-respin", folder / "response.der", "-resp_text",
                           "-noverify")
    return done.stdout.decode("utf-8", "replace")
