"""Seals made elsewhere, for the import tests: a "licensed seal maker" with its own SM2 root,
a maker certificate and a signer certificate naming an organisation, a v4 .esl; and a
licensed CA's PKCS#12 (EC P-256 or RSA) for PDF seals."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw

from openseal.core.gm import keys as gm_keys
from openseal.core.gm import sm2
from openseal.core.ofd.ses import SealPicture, seal_info_v4, seal_v4
from openseal.core.pki.profiles import SubjectInfo
from openseal.core.pki.sm2_certs import (
    sm2_maker_certificate,
    sm2_root_certificate,
    sm2_seal_certificate,
)

MAKER_NAME = "福建省电子印章制作中心"


def seal_png(size: int = 200) -> bytes:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 5, size - 5), outline=(255, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class MadeSeal:
    """What a licensed maker hands over: the .esl, the signer key and certificate, and the
    maker's SM2 root (what verifiers trust)."""

    esl: bytes
    root: bytes
    maker: bytes
    signer: bytes
    key: tuple[bytes, bytes]
    es_id: str

    @property
    def pkcs8(self) -> bytes:
        return gm_keys.private_key_info(*self.key)

    def pem_key(self) -> bytes:
        import base64
        body = base64.encodebytes(self.pkcs8).decode().replace("\n", "")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return ("-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) +
                "\n-----END PRIVATE KEY-----\n").encode()

    def pem_cert(self) -> bytes:
        import base64
        body = base64.encodebytes(self.signer).decode().replace("\n", "")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) +
                "\n-----END CERTIFICATE-----\n").encode()


def _sign(key: tuple[bytes, bytes]):  # type: ignore[no-untyped-def]
    private, public = key
    return lambda data: sm2.sign(private, public, data)


def licensed_seal(org_name: str, uscc: str, *, now: datetime | None = None,
                  valid_days: tuple[int, int] = (-30, 365), seal_type: int = 4,
                  name: str = "合同专用章", es_id: str = "35010099000001",
                  cert_org: str | None = None, cert_uscc: str | None = None,
                  picture: SealPicture | None = None, extra_signers: int = 0) -> MadeSeal:
    """A v4 seal made by a licensed maker (its own root), listing a signer certificate that
    names ``cert_org``/``cert_uscc`` (default: the organisation)."""
    now = now or datetime.now(UTC)
    start, end = now + timedelta(days=valid_days[0]), now + timedelta(days=valid_days[1])
    root_key, maker_key, signer_key = sm2.generate(), sm2.generate(), sm2.generate()
    root = sm2_root_certificate(SubjectInfo(f"{MAKER_NAME} SM2 Root", MAKER_NAME),
                                root_key[1], _sign(root_key), start - timedelta(days=1),
                                now + timedelta(days=3650))
    maker = sm2_maker_certificate(SubjectInfo(f"{MAKER_NAME} 制章者", MAKER_NAME), maker_key[1],
                                  root, _sign(root_key), start - timedelta(days=1),
                                  now + timedelta(days=3650))
    signer = sm2_seal_certificate(SubjectInfo(name, cert_org or org_name, cert_uscc or uscc),
                                  signer_key[1], root, _sign(root_key), start, end,
                                  "http://crl.maker.test/root.crl", "")
    others = []
    for _ in range(extra_signers):
        other = sm2.generate()
        others.append(sm2_seal_certificate(SubjectInfo("其他签章人", org_name, uscc), other[1],
                                           root, _sign(root_key), start, end,
                                           "http://crl.maker.test/root.crl", ""))
    info = seal_info_v4(vendor="FJSEAL", es_id=es_id, seal_type=seal_type, name=name,
                        signer_certs=[*others, signer], created=start, valid_from=start,
                        valid_until=end,
                        picture=picture or SealPicture("PNG", seal_png(), 40, 40))
    esl = seal_v4(info, maker, _sign(maker_key))
    return MadeSeal(esl, root, maker, signer, signer_key, es_id)


def digest_seal(made: MadeSeal) -> bytes:
    """``made``'s seal again, listing the SM3 digest of its signer certificate
    (certListType 2) instead of the certificate; signed by a fresh maker key (the maker
    certificate is ``made.maker``'s subject over a new key, so the signature verifies)."""
    from openseal.core.ofd import ses_der as d
    from openseal.core.ofd.ses import read_seal

    seal = read_seal(made.esl)
    maker_key = sm2.generate()
    root_key = sm2.generate()
    root = sm2_root_certificate(SubjectInfo(f"{MAKER_NAME} SM2 Root", MAKER_NAME), root_key[1],
                                _sign(root_key), seal.valid_from, seal.valid_until)
    maker = sm2_maker_certificate(SubjectInfo(f"{MAKER_NAME} 制章者", MAKER_NAME), maker_key[1],
                                  root, _sign(root_key), seal.valid_from, seal.valid_until)
    header = d.der_seq(d.der_ia5("ES"), d.der_int(4), d.der_ia5("FJSEAL"))
    digest = d.der_seq(d.der_tlv(0x13, b"SM3"), d.der_octets(sm2.sm3(made.signer)))
    prop = d.der_seq(d.der_int(4), d.der_utf8(seal.name), d.der_int(2), d.der_seq(digest),
                     d.der_generalized(seal.created), d.der_generalized(seal.valid_from),
                     d.der_generalized(seal.valid_until))
    pict = d.der_seq(d.der_ia5("PNG"), d.der_octets(seal.picture.data), d.der_int(40),
                     d.der_int(40))
    info = d.der_seq(header, d.der_ia5(made.es_id), prop, pict)
    return seal_v4(info, maker, _sign(maker_key))


@dataclass
class LicensedCa:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def licensed_ca() -> LicensedCa:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某电子认证服务有限公司"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Licensed Test CA Root")])
    now = datetime.now(UTC)
    root = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return LicensedCa(key, root)


def ca_p12(ca: LicensedCa, org_name: str, uscc: str, password: bytes, *, rsa_key: bool = False,
           common_name: str = "合同专用章", days: int = 365, rsa_bits: int = 2048) -> bytes:
    """A PKCS#12 from the licensed CA: the key (EC P-256, or RSA of ``rsa_bits`` bits), a
    seal certificate naming the organisation, and the CA's root."""
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, rsa_bits) if rsa_key
        else ec.generate_private_key(ec.SECP256R1()))
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.root_key.public_key()), critical=False)
            .sign(ca.root_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca.root], serialization.BestAvailableEncryption(password))


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
