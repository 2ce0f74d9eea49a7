"""The constant parts of the TSA's tokens, DER-encoded once per authority.

A timestamp token (RFC 3161 §2.4.2) is a CMS SignedData around a TSTInfo. Per token only the
message imprint, serial number, genTime, nonce, the TSTInfo's digest and the signature
change; everything else (policy, accuracy, TSA name, certificates, signer identifier,
algorithm identifiers, the content-type and ESS signing-certificate-v2 attributes) is the same
for every token. Building the token from asn1crypto dicts re-encodes all of it each time, so
the constant parts are encoded here once and the token is joined from DER bytes, in the field
order of RFC 3161 §2.4.2 and RFC 5652 §5. The unit tests check the joined DER equals
asn1crypto's own encoding of the same values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp, x509
from asn1crypto.parser import emit
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

_SEQUENCE_TAG = 16
_SET_TAG = 17
_OCTET_STRING_TAG = 4
_V1 = b"\x02\x01\x01"  # INTEGER 1: TSTInfo and SignerInfo version v1
_V3 = b"\x02\x01\x03"  # INTEGER 3: SignedData version v3 (encapsulates id-ct-TSTInfo)
_GRANTED = b"\x30\x03\x02\x01\x00"  # PKIStatusInfo { status granted(0) }
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()
_TST_INFO_OID = cms.ContentType("tst_info").dump()
_INTEGER_TAG = 2
_GENERALIZED_TIME_TAG = 24
_MESSAGE_DIGEST_OID = cms.CMSAttributeType("message_digest").dump()

# DigestAlgorithm identifiers as pyHanko sends them (parameters absent). A TimeStampReq's
# imprint is echoed as the request encoded it, so NULL parameters come back unchanged.
DIGEST_ALGORITHMS = {name: algos.DigestAlgorithm({"algorithm": name}).dump()
                     for name in ("sha256", "sha384", "sha512")}
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True)
class TokenParts:
    """DER encodings of everything in a timestamp token that is the same for every token."""

    tst_head: bytes  # TSTInfo version and policy
    accuracy: bytes
    tsa_name: bytes  # [0] EXPLICIT GeneralName (directoryName of the TSA certificate)
    signed_data_head: bytes  # SignedData version and digestAlgorithms
    certificates_implicit: bytes  # CertificateSet as [0] IMPLICIT
    signer_info_head: bytes  # SignerInfo version, sid, digestAlgorithm
    signature_algorithm: bytes
    constant_attrs: tuple[bytes, ...]  # content type, signing-certificate-v2

    @classmethod
    def build(cls, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...],
              policy_oid: str, accuracy_seconds: int, signature_algorithm: str) -> TokenParts:
        """Encode the parts for a TSA with ``certificate`` (and ``chain``, roots included)."""
        certs = [certificate, *(c for c in chain if c.dump() != certificate.dump())]
        sid = cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}})
        digest_algorithm = DIGEST_ALGORITHMS["sha256"]
        tsa_name = x509.GeneralName(name="directory_name", value=certificate.subject)
        return cls(
            tst_head=_V1 + core.ObjectIdentifier(policy_oid).dump(),
            accuracy=tsp.Accuracy({"seconds": accuracy_seconds}).dump(),
            tsa_name=emit(2, 1, 0, tsa_name.dump()),
            signed_data_head=_V3 + emit(0, 1, _SET_TAG, digest_algorithm),
            certificates_implicit=_retagged(cms.CertificateSet(
                [cms.CertificateChoices(name="certificate", value=c) for c in certs]).dump(), 0),
            signer_info_head=_V1 + sid.dump() + digest_algorithm,
            signature_algorithm=algos.SignedDigestAlgorithm(
                {"algorithm": signature_algorithm}).dump(),
            constant_attrs=(
                simple_cms_attribute("content_type", "tst_info").dump(),
                simple_cms_attribute("signing_certificate_v2",
                                     as_signing_certificate_v2(certificate)).dump(),
            ),
        )

    def tst_info(self, message_imprint: bytes, serial: int, gen_time: datetime,
                 nonce: bytes | None) -> bytes:
        """TSTInfo DER. ``message_imprint`` and ``nonce`` are DER (echoed from the request)."""
        return _sequence(
            self.tst_head, message_imprint, der_integer(serial), generalized_time(gen_time),
            self.accuracy, nonce or b"", self.tsa_name)

    def token(self, tst_info: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """The timestamp token (ContentInfo with SignedData) around ``tst_info``, as DER.

        ``sign`` signs the DER of the signed attributes (a SET OF, sorted as DER requires).
        """
        digest_attr = message_digest_attr(hashlib.sha256(tst_info).digest())
        attrs = emit(0, 1, _SET_TAG, b"".join(sorted((*self.constant_attrs, digest_attr))))
        signature = sign(attrs)
        signer_info = _sequence(
            self.signer_info_head, _retagged(attrs, 0), self.signature_algorithm,
            emit(0, 0, _OCTET_STRING_TAG, signature))
        encap = _sequence(_TST_INFO_OID, emit(2, 1, 0, emit(0, 0, _OCTET_STRING_TAG, tst_info)))
        signed_data = _sequence(self.signed_data_head, encap, self.certificates_implicit,
                                emit(0, 1, _SET_TAG, signer_info))
        return _sequence(_SIGNED_DATA_OID, emit(2, 1, 0, signed_data))


def message_imprint(digest_algorithm: str, digest: bytes) -> bytes:
    """MessageImprint DER for a digest made with one of DIGEST_ALGORITHMS."""
    return _sequence(DIGEST_ALGORITHMS[digest_algorithm], emit(0, 0, _OCTET_STRING_TAG, digest))


def message_digest_attr(digest: bytes) -> bytes:
    """The CMS messageDigest attribute (RFC 5652 §11.2) for ``digest``, as DER."""
    return _sequence(_MESSAGE_DIGEST_OID, emit(0, 1, _SET_TAG, emit(0, 0, _OCTET_STRING_TAG,
                                                                     digest)))


def der_integer(value: int) -> bytes:
    """A non-negative INTEGER, as DER (minimal two's complement)."""
    if value < 0:
        raise ValueError("only non-negative integers are encoded here")
    return emit(0, 0, _INTEGER_TAG, value.to_bytes((value.bit_length() + 8) // 8, "big"))


def generalized_time(value: datetime) -> bytes:
    """GeneralizedTime in UTC, as DER and as asn1crypto writes it (RFC 5280 §4.1.2.5.2 form,
    with fractional seconds only when there are any, trailing zeros dropped)."""
    if value.tzinfo is None:
        raise ValueError("the time must be timezone-aware")
    value = value.astimezone(UTC)
    fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
    return emit(0, 0, _GENERALIZED_TIME_TAG,
                f"{value:%Y%m%d%H%M%S}{fraction}Z".encode("ascii"))


def granted(token: bytes) -> bytes:
    """TimeStampResp DER: status granted, with ``token``."""
    return _sequence(_GRANTED, token)


def _sequence(*members: bytes) -> bytes:
    return emit(0, 1, _SEQUENCE_TAG, b"".join(members))


def _retagged(der: bytes, tag: int) -> bytes:
    """``der`` (a constructed SET) re-tagged as context-specific [tag] IMPLICIT."""
    first_len = der[1]
    header_len = 2 if first_len < 0x80 else 2 + (first_len & 0x7F)
    return emit(2, 1, tag, der[header_len:])
