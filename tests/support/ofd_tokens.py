"""Timestamp tokens for OFD signatures: swap the token of a sealed package, break one, or
make one with a throwaway TSA nobody trusts (a real RFC 3161 token, the instance TSA's own
encoder ``TokenParts``, a P-256 key of cryptography's).

    altered = with_token(sealed, token_over(tsa, b"other bytes"))   # imprint of other bytes
    broken = with_token(sealed, flipped_signature(token_of(sealed)))
    bare = with_token(sealed, None)                                # the token taken out
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from openseal.core.ofd import ses
from openseal.core.pki.tsa import TSA_POLICY_OID, TimestampAuthority
from openseal.core.pki.tsa_parts import TokenParts, message_imprint
from tests.support.ofd import unzipped, zipped


def signed_value_path(package: bytes) -> str:
    """The one SignedValue.dat of a package sealed once."""
    [path] = [name for name in unzipped(package) if name.endswith("SignedValue.dat")]
    return path


def signature_of(package: bytes) -> ses.EsSignature:
    return ses.read_signature(unzipped(package)[signed_value_path(package)])


def token_of(package: bytes) -> bytes:
    token = signature_of(package).timestamp
    assert token is not None, "the package carries no timestamp"
    return token


def with_token(package: bytes, token: bytes | None) -> bytes:
    """The package with SES_Signature.timeStamp replaced by ``token`` (None: taken out).
    TBS_Sign and the signer's signature are kept byte for byte: only the unsigned token
    changes, as an attacker who cannot sign could change it."""
    files = unzipped(package)
    path = signed_value_path(package)
    sig = ses.read_signature(files[path])
    files[path] = ses.signature_v4(sig.signed_bytes, sig.signer_cert,
                                   lambda _tbs: sig.signature, token)
    return zipped(files)


def token_over(tsa: TimestampAuthority, data: bytes) -> bytes:
    """A genuine token of ``tsa`` whose imprint is SHA-256(``data``)."""
    return tsa.timestamp_token("sha256", hashlib.sha256(data).digest(), secrets.randbits(63))


def flipped_signature(token: bytes) -> bytes:
    """``token`` with the last byte of its CMS signature value flipped (still parses)."""
    value = bytes(cms.ContentInfo.load(token)["content"]["signer_infos"][0]["signature"].native)
    at = token.rindex(value) + len(value) - 1
    return token[:at] + bytes([token[at] ^ 0x01]) + token[at + 1:]


class ThrowawayTsa:
    """A self-signed TSA (P-256) that no instance trusts: its tokens are well formed and
    their signatures verify, only the TSA is unknown. ``critical_eku=False`` makes one
    whose timeStamping key usage is not critical (RFC 3161 §2.3 wants it critical)."""

    def __init__(self, critical_eku: bool = True, name: str = "Throwaway TSA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        built = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                 .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(now - timedelta(days=1))
                 .not_valid_after(now + timedelta(days=365))
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                critical=critical_eku)
                 .sign(self.key, hashes.SHA256()))
        self.certificate = asn1_x509.Certificate.load(
            built.public_bytes(serialization.Encoding.DER))
        self._parts = TokenParts.build(self.certificate, (), TSA_POLICY_OID, 1,
                                       "sha256_ecdsa")

    def token(self, data: bytes, when: datetime | None = None) -> bytes:
        """A token over SHA-256(``data``) with genTime ``when`` (default: now)."""
        imprint = message_imprint("sha256", hashlib.sha256(data).digest())
        info = self._parts.tst_info(imprint, secrets.randbits(63), when or datetime.now(UTC),
                                    None)
        return self._parts.token(
            info, lambda attrs: self.key.sign(attrs, ec.ECDSA(hashes.SHA256())))
