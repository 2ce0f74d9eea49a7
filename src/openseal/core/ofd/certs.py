"""Subject, validity and public key of the X.509 certificates found in OFD signatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    not_before: datetime
    not_after: datetime
    public_key: bytes | None
    """The SM2 point 04 || x || y (or whatever the key bit string holds)."""

    def valid_at(self, when: datetime | None) -> bool | None:
        if when is None:
            return None
        return self.not_before <= when <= self.not_after


def certificate_info(der: bytes) -> CertificateInfo | None:
    """Subject, validity and raw public key of an X.509 certificate (SM2 or not); None if junk.

    The public key is read as the bare subjectPublicKey BIT STRING, because asn1crypto's key
    classes do not know the SM2 curve.
    """
    try:
        tbs = x509.Certificate.load(der)["tbs_certificate"]
        validity = tbs["validity"]
        key_bits = tbs["subject_public_key_info"]["public_key"].contents
        return CertificateInfo(
            subject=tbs["subject"].human_friendly,
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            public_key=bytes(key_bits[1:]) if key_bits else None)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None
