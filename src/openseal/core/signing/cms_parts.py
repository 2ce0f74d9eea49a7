"""The constant parts of a seal's CMS signature, DER-encoded once per signer.

asn1crypto re-encodes every *constructed* value each time it is dumped, and pyHanko builds
the certificate set, the signer identifier, the algorithm identifiers and the
signing-certificate-v2 attribute afresh for every signature. Those never change for a seal,
so they are encoded here once and handed to pyHanko as values *loaded* from DER: asn1crypto
then writes the stored bytes back unchanged. Only DER bytes are shared between threads;
every signature loads its own (lazily parsed, so cheap) asn1crypto objects from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos, cms, x509
from asn1crypto.parser import emit
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

_SET_TAG = 17  # universal SET / SET OF
_SEQUENCE_TAG = 16
_OCTET_STRING_TAG = 4
_V1 = b"\x02\x01\x01"  # INTEGER 1: CMSVersion v1 (SignedData and SignerInfo)
_DATA_ENCAP = cms.EncapsulatedContentInfo({"content_type": "data"}).dump()
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()
_MESSAGE_DIGEST_OID = cms.CMSAttributeType("message_digest").dump()
_SIGNATURE_TST_OID = cms.CMSAttributeType("signature_time_stamp_token").dump()


@dataclass(frozen=True)
class CmsParts:
    """DER encodings of everything in a SignedData that is the same for every document."""

    certificates_implicit: bytes  # CertificateSet as [0] IMPLICIT, as SignedData holds it
    sid: bytes
    digest_algorithm: bytes
    digest_algorithms: bytes
    signature_algorithm: bytes
    constant_attrs: tuple[bytes, ...]

    @classmethod
    def build(
        cls, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...],
        signature_algorithm: algos.SignedDigestAlgorithm, digest: str = "sha256",
    ) -> CmsParts:
        """Encode the parts for ``certificate`` (signer) and its ``chain``, roots included."""
        certs = [certificate, *(c for c in chain if c.dump() != certificate.dump())]
        digest_algorithm = algos.DigestAlgorithm({"algorithm": digest})
        sid = cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}})
        return cls(
            certificates_implicit=_retagged(cms.CertificateSet(
                [cms.CertificateChoices(name="certificate", value=c) for c in certs]).dump(), 0),
            sid=sid.dump(),
            digest_algorithm=digest_algorithm.dump(),
            digest_algorithms=cms.DigestAlgorithms([digest_algorithm]).dump(),
            signature_algorithm=signature_algorithm.dump(),
            constant_attrs=(
                simple_cms_attribute("content_type", "data").dump(),
                simple_cms_attribute("signing_certificate_v2",
                                     as_signing_certificate_v2(certificate, digest)).dump(),
            ),
        )

    def signed_attrs(self, data_digest: bytes, extra: tuple[bytes, ...] = ()
                     ) -> cms.CMSAttributes:
        """PAdES signed attributes: content type, message digest, signing certificate v2,
        plus ``extra`` (DER-encoded attributes of this document, e.g. its approval chain).

        The SET OF is sorted by encoding, as DER (and asn1crypto) require.
        """
        digest_attr = _sequence(_MESSAGE_DIGEST_OID, emit(0, 1, _SET_TAG, emit(
            0, 0, _OCTET_STRING_TAG, data_digest)))
        members = sorted((*self.constant_attrs, digest_attr, *extra))
        return cms.CMSAttributes.load(emit(0, 1, _SET_TAG, b"".join(members)))

    def signed_data(
        self, signed_attrs: cms.CMSAttributes, signature: bytes,
        unsigned_attrs: cms.CMSAttributes | None,
    ) -> cms.ContentInfo:
        """The SignedData ContentInfo: pre-encoded constant parts joined with this document's.

        Assembled as DER (RFC 5652 §5.1, §5.3 field order) and loaded, so that dumping it for
        the PDF copies bytes instead of re-encoding every constructed value again.
        """
        unsigned = b"" if unsigned_attrs is None else _retagged(unsigned_attrs.dump(), 1)
        signer_info = _sequence(
            _V1, self.sid, self.digest_algorithm, _retagged(signed_attrs.dump(), 0),
            self.signature_algorithm, emit(0, 0, _OCTET_STRING_TAG, signature), unsigned)
        signed_data = _sequence(
            _V1, self.digest_algorithms, _DATA_ENCAP, self.certificates_implicit,
            emit(0, 1, _SET_TAG, signer_info))
        return cms.ContentInfo.load(_sequence(
            _SIGNED_DATA_OID, emit(2, 1, 0, signed_data)))


def signature_timestamp_attrs(token: cms.ContentInfo) -> cms.CMSAttributes:
    """Unsigned attributes holding ``token`` as the signature timestamp (RFC 3161 App. A).

    Joined from the token's DER (a token loaded from DER dumps its stored bytes).
    """
    attr = _sequence(_SIGNATURE_TST_OID, emit(0, 1, _SET_TAG, token.dump()))
    return cms.CMSAttributes.load(emit(0, 1, _SET_TAG, attr))


def _sequence(*members: bytes) -> bytes:
    return emit(0, 1, _SEQUENCE_TAG, b"".join(members))


def _retagged(der: bytes, tag: int) -> bytes:
    """``der`` (a constructed SET) re-tagged as context-specific [tag] IMPLICIT."""
    header_len = _header_length(der)
    return emit(2, 1, tag, der[header_len:])


def _header_length(der: bytes) -> int:
    first_len = der[1]
    return 2 if first_len < 0x80 else 2 + (first_len & 0x7F)
