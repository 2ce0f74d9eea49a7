"""SM2 certificates, CRLs and paths (issue 9): our hierarchy checked by our own path code and
by OpenSSL as an outside reader, and the real SM2 certificates of the GB/T 38540 samples.

OpenSSL 3.0 computes the SM2 Z value of certificate signatures with an EMPTY signer ID
unless told otherwise, and ``openssl verify -vfyopt distid:1234567812345678`` applies the
ID to the signature of the certificate being verified only, not to the rest of the chain
(openssl/openssl#23471). So OpenSSL checks our hierarchy link by link (``-partial_chain``
with the issuer as the trust anchor), and the root's self-signature and the CRL's signature
with ``openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678`` over the
extracted tbs bytes.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import core, pem, x509
from asn1crypto import crl as asn1_crl

from openseal.core.gm import sm2
from openseal.core.gm.keys import public_key_info, public_point
from openseal.core.pki.profiles import SubjectInfo
from openseal.core.pki.sm2_certs import (
    new_sm2_serial,
    sm2_ca_certificate,
    sm2_crl,
    sm2_root_certificate,
    sm2_seal_certificate,
)
from openseal.core.pki.sm2_chain import sm2_chain
from openseal.core.pki.sm2_x509 import (
    certificate_signature_valid,
    crl_signature_valid,
    revoked_in,
    signed_part,
)
from openseal.errors import IntegrityViolation, InvalidInput
from tests.support.tools import require_tool

T0 = datetime(2026, 1, 1, tzinfo=UTC)
USCC = "91350100M000100Y43"
ORG = "示例科技有限公司"
CRL_URL = "https://seal.example.cn/api/v1/pki/crl/org-1.crl"
OCSP_URL = "https://seal.example.cn/api/v1/pki/ocsp"
SM2_SM3_ALGORITHM_DER = bytes.fromhex("300a06082a811ccf55018375")  # no parameters
DISTID = "distid:1234567812345678"

Key = tuple[bytes, bytes]


def signer(key: Key) -> Callable[[bytes], bytes]:
    return lambda data: sm2.sign(key[0], key[1], data)


@dataclass(frozen=True)
class Hierarchy:
    root_key: Key
    ca_key: Key
    seal_key: Key
    root: bytes
    ca: bytes
    seal: bytes


def make_hierarchy(start: datetime = T0) -> Hierarchy:
    root_key, ca_key, seal_key = sm2.generate(), sm2.generate(), sm2.generate()
    root = sm2_root_certificate(SubjectInfo("OpenSeal SM2 Root CA", "OpenSeal"), root_key[1],
                                signer(root_key), start, start + timedelta(days=20 * 365))
    ca = sm2_ca_certificate(SubjectInfo(f"{ORG} 印章签发CA", ORG, USCC), ca_key[1], root,
                            signer(root_key), start, start + timedelta(days=10 * 365))
    seal = sm2_seal_certificate(SubjectInfo("合同专用章", ORG, USCC), seal_key[1], ca,
                                signer(ca_key), start, start + timedelta(days=3 * 365),
                                CRL_URL, OCSP_URL)
    return Hierarchy(root_key, ca_key, seal_key, root, ca, seal)


@pytest.fixture(scope="module")
def h() -> Hierarchy:
    return make_hierarchy()


def parse(der: bytes) -> x509.Certificate:
    return x509.Certificate.load(der)


def write_pem(path: Path, der: bytes, label: str = "CERTIFICATE") -> str:
    path.write_bytes(pem.armor(label, der))
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


# ---------------------------------------------------------------- what we issue


def test_certificates_follow_the_seal_profiles(h: Hierarchy) -> None:
    root, ca, seal = parse(h.root), parse(h.ca), parse(h.seal)
    for cert in (root, ca, seal):
        assert cert["signature_algorithm"].dump() == SM2_SM3_ALGORITHM_DER
        assert cert["tbs_certificate"]["signature"].dump() == SM2_SM3_ALGORITHM_DER
        assert cert["tbs_certificate"]["version"].native == "v3"
        spki = cert.public_key["algorithm"]
        assert spki["algorithm"].dotted == "1.2.840.10045.2.1"
        assert spki["parameters"].chosen.dotted == sm2.SM2_CURVE_OID
        assert cert.serial_number.bit_length() == 159
        # SKI: RFC 5280 method 1, SHA-1 of the subjectPublicKey bits
        assert cert.key_identifier == hashlib.sha1(  # noqa: S324
            cert.public_key["public_key"].contents[1:]).digest()
    assert root.authority_key_identifier is None and root.self_signed == "maybe"
    assert root.ca is True and root.max_path_length is None
    assert ca.ca is True and ca.max_path_length == 0
    assert ca.authority_key_identifier == root.key_identifier
    assert seal.authority_key_identifier == ca.key_identifier
    assert root.key_usage_value.native == ca.key_usage_value.native == {
        "key_cert_sign", "crl_sign", "digital_signature"}
    assert seal.ca is False
    assert seal.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert seal.critical_extensions == {"basic_constraints", "key_usage"}
    subject = seal.subject.native
    assert subject["organization_name"] == ORG and subject["common_name"] == "合同专用章"
    assert subject["organization_identifier"] == USCC
    assert seal.crl_distribution_points[0]["distribution_point"].native == [CRL_URL]
    assert seal.ocsp_urls == [OCSP_URL]
    assert public_point(seal) == h.seal_key[1]


def test_serials_are_random_159_bit() -> None:
    serials = {new_sm2_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(s.bit_length() == 159 for s in serials)


def test_our_chain_accepts_the_hierarchy(h: Hierarchy) -> None:
    other = make_hierarchy()
    result = sm2_chain(h.seal, [other.ca, h.root, h.ca, other.seal], [other.root, h.root],
                       T0 + timedelta(days=30))
    assert result.ok, result.en
    assert result.path == (h.seal, h.ca, h.root)
    assert result.code is None and result.error() is None
    assert certificate_signature_valid(h.seal, h.ca)
    assert certificate_signature_valid(h.ca, h.root)
    assert certificate_signature_valid(h.root, h.root)
    assert not certificate_signature_valid(h.seal, h.root)


def test_same_named_issuers_are_told_apart(h: Hierarchy) -> None:
    """A second CA with the CA's name and another key: the path takes the right one."""
    impostor_key = sm2.generate()
    impostor = sm2_ca_certificate(SubjectInfo(f"{ORG} 印章签发CA", ORG, USCC), impostor_key[1],
                                  h.root, signer(h.root_key), T0, T0 + timedelta(days=3650))
    result = sm2_chain(h.seal, [impostor, h.ca], [h.root], T0 + timedelta(days=1))
    assert result.ok and result.path[1] == h.ca


# ---------------------------------------------------------------- OpenSSL as outside reader


def test_openssl_verifies_every_link(h: Hierarchy, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    root = write_pem(tmp_path / "root.pem", h.root)
    ca = write_pem(tmp_path / "ca.pem", h.ca)
    seal = write_pem(tmp_path / "seal.pem", h.seal)
    at = str(int((T0 + timedelta(days=30)).timestamp()))
    for anchor, cert in ((root, ca), (ca, seal)):
        result = run(openssl, "verify", "-x509_strict", "-attime", at, "-partial_chain",
                     "-vfyopt", DISTID, "-CAfile", anchor, cert)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip().endswith(": OK")
    # the root's self-signature, over the extracted tbsCertificate
    assert _pkeyutl_verifies(openssl, tmp_path, h.root, signed_part(h.root),
                             bytes(parse(h.root)["signature_value"].native))


def test_openssl_reads_sm2(h: Hierarchy, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    text = run(openssl, "x509", "-in", write_pem(tmp_path / "seal.pem", h.seal), "-noout",
               "-text").stdout
    assert text.count("Signature Algorithm: SM2-with-SM3") == 2
    assert "id-ecPublicKey" in text and "ASN1 OID: SM2" in text
    assert "Digital Signature, Non Repudiation" in text and "CA:FALSE" in text
    assert f"URI:{CRL_URL}" in text and f"OCSP - URI:{OCSP_URL}" in text
    assert f"organizationIdentifier = {USCC}" in text
    ca_text = run(openssl, "x509", "-in", write_pem(tmp_path / "ca.pem", h.ca), "-noout",
                  "-text").stdout
    assert "CA:TRUE, pathlen:0" in ca_text and "Certificate Sign, CRL Sign" in ca_text


def _pkeyutl_verifies(openssl: str, tmp: Path, issuer: bytes, tbs: bytes,
                      signature: bytes) -> bool:
    """OpenSSL's own SM2 verification of ``signature`` over ``tbs`` with ``issuer``'s key."""
    pub = tmp / "issuer.pub"
    pub.write_text(run(openssl, "x509", "-in", write_pem(tmp / "issuer.pem", issuer),
                       "-pubkey", "-noout").stdout)
    (tmp / "tbs.bin").write_bytes(tbs)
    (tmp / "sig.bin").write_bytes(signature)
    result = run(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin",
                 "-digest", "sm3", "-pkeyopt", DISTID, "-in", str(tmp / "tbs.bin"),
                 "-sigfile", str(tmp / "sig.bin"))
    return result.returncode == 0 and "Signature Verified Successfully" in result.stdout


# ---------------------------------------------------------------- CRLs


def test_crl_revokes_and_openssl_agrees(h: Hierarchy, tmp_path: Path) -> None:
    seal = parse(h.seal)
    revoked_at = T0 + timedelta(days=100)
    der = sm2_crl(h.ca, [(seal.serial_number, revoked_at, "key_compromise"),
                         (12345, revoked_at, "certificate_hold")],
                  T0 + timedelta(days=101), T0 + timedelta(days=108), 7, signer(h.ca_key))
    assert crl_signature_valid(der, h.ca)
    assert not crl_signature_valid(der, h.root)
    assert revoked_in(h.seal, der, h.ca, revoked_at + timedelta(seconds=1)) is True
    assert revoked_in(h.seal, der, h.ca, revoked_at - timedelta(days=1)) is False
    assert revoked_in(h.seal, der, h.ca, T0 + timedelta(days=109)) is None  # CRL expired
    assert revoked_in(h.seal, der, h.root, revoked_at) is None  # not the seal's issuer
    empty = sm2_crl(h.ca, [], T0 + timedelta(days=1), T0 + timedelta(days=8), 1,
                    signer(h.ca_key))
    assert revoked_in(h.seal, empty, h.ca, T0 + timedelta(days=2)) is False
    after_expiry = T0 + timedelta(days=4 * 365)  # RFC 5280 §3.3: may have dropped the entry
    late = sm2_crl(h.ca, [], after_expiry, after_expiry + timedelta(days=7), 9,
                   signer(h.ca_key))
    assert revoked_in(h.seal, late, h.ca, after_expiry) is None
    with pytest.raises(InvalidInput):
        sm2_crl(h.seal, [], T0, T0 + timedelta(days=7), 1, signer(h.seal_key))

    openssl = require_tool("openssl")
    text = run(openssl, "crl", "-inform", "DER", "-in",
               str(_write(tmp_path / "crl.der", der)), "-noout", "-text")
    assert text.returncode == 0, text.stderr
    assert "Signature Algorithm: SM2-with-SM3" in text.stdout
    assert f"Serial Number: {seal.serial_number:X}" in text.stdout
    assert "Key Compromise" in text.stdout and "Certificate Hold" in text.stdout
    assert re.search(r"CRL Number: *\n *7\n", text.stdout)
    tbs = signed_part(der)
    crl_signature = bytes(asn1_crl.CertificateList.load(der)["signature"].native)
    other_signature = bytes(parse(h.seal)["signature_value"].native)
    assert _pkeyutl_verifies(openssl, tmp_path, h.ca, tbs, crl_signature)
    assert not _pkeyutl_verifies(openssl, tmp_path, h.ca, tbs, other_signature)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_crl_signed_by_another_key_is_refused(h: Hierarchy) -> None:
    """A CA with the same name but another key signs a CRL revoking our seal."""
    forger_key = sm2.generate()
    forger_root = sm2_root_certificate(SubjectInfo("OpenSeal SM2 Root CA", "OpenSeal"),
                                       forger_key[1], signer(forger_key), T0,
                                       T0 + timedelta(days=3650))
    forger_ca = sm2_ca_certificate(SubjectInfo(f"{ORG} 印章签发CA", ORG, USCC), forger_key[1],
                                   forger_root, signer(forger_key), T0,
                                   T0 + timedelta(days=3650))
    forged = sm2_crl(forger_ca, [(parse(h.seal).serial_number, T0, "key_compromise")],
                     T0 + timedelta(days=1), T0 + timedelta(days=8), 1, signer(forger_key))
    assert crl_signature_valid(forged, forger_ca)
    assert crl_signature_valid(forged, h.ca) is False
    assert revoked_in(h.seal, forged, h.ca, T0 + timedelta(days=2)) is None
    with pytest.raises(IntegrityViolation) as wrong:  # our builder checks what it signed
        sm2_crl(h.ca, [], T0, T0 + timedelta(days=7), 2, signer(forger_key))
    assert wrong.value.code == "SM2_SIGN_KEY_MISMATCH"


# ---------------------------------------------------------------- what fails, and why


def test_a_flipped_bit_in_the_tbs_breaks_the_signature(h: Hierarchy) -> None:
    flip = h.seal.index(b"/pki/ocsp") + 5  # a letter of the OCSP URL: "ocsp" -> "ncsp"
    start = h.seal.index(signed_part(h.seal))
    assert start < flip < start + len(signed_part(h.seal))
    broken = h.seal[:flip] + bytes([h.seal[flip] ^ 0x01]) + h.seal[flip + 1:]
    parse(broken).native  # noqa: B018 (still a well-formed certificate)
    assert not certificate_signature_valid(broken, h.ca)
    result = sm2_chain(broken, [h.ca], [h.root], T0 + timedelta(days=1))
    assert not result.ok and result.code == "SM2_SIGNATURE_INVALID"
    assert result.failed_at == 0 and "合同专用章" in result.zh and "合同专用章" in result.en
    error = result.error()
    assert isinstance(error, IntegrityViolation) and error.code == "SM2_SIGNATURE_INVALID"


def test_validity_is_judged_at_the_given_time(h: Hierarchy) -> None:
    late = T0 + timedelta(days=3 * 365 + 1)  # the seal certificate expired the day before
    result = sm2_chain(h.seal, [h.ca], [h.root], late)
    assert result.code == "SM2_NOT_VALID_AT_TIME" and result.failed_at == 0
    assert "2029" in result.en
    early = sm2_chain(h.seal, [h.ca], [h.root], T0 - timedelta(seconds=1))
    assert early.code == "SM2_NOT_VALID_AT_TIME"
    with pytest.raises(InvalidInput):
        sm2_chain(h.seal, [h.ca], [h.root], datetime(2026, 6, 1))  # noqa: DTZ001


def test_an_end_entity_cannot_issue(h: Hierarchy) -> None:
    child_key = sm2.generate()
    with pytest.raises(InvalidInput) as refused:
        sm2_seal_certificate(SubjectInfo("财务专用章", ORG, USCC), child_key[1], h.seal,
                             signer(h.seal_key), T0, T0 + timedelta(days=30), CRL_URL, OCSP_URL)
    assert refused.value.code == "SM2_ISSUER_NOT_CA"
    child = hand_made(h.seal, h.seal_key, child_key)
    assert certificate_signature_valid(child, h.seal)  # the signature itself is fine
    result = sm2_chain(child, [h.seal, h.ca], [h.root], T0 + timedelta(days=1))
    assert result.code == "SM2_NOT_A_CA", result.en
    assert result.path[:2] == (child, h.seal) and result.failed_at == 1


def test_an_unknown_critical_extension_fails_the_path(h: Hierarchy) -> None:
    constrained = hand_made(h.ca, h.ca_key, sm2.generate(), [{
        "extn_id": "name_constraints", "critical": True,
        "extn_value": {"permitted_subtrees": [{"base": x509.GeneralName(
            name="dns_name", value="example.cn")}]}}])
    assert certificate_signature_valid(constrained, h.ca)
    result = sm2_chain(constrained, [h.ca], [h.root], T0 + timedelta(days=1))
    assert result.code == "SM2_CRITICAL_EXTENSION" and "name_constraints" in result.en


def hand_made(issuer: bytes, issuer_key: Key, key: Key,
              extensions: list[dict[str, object]] | None = None) -> bytes:
    """What another tool could make: a certificate signed with ``issuer_key`` and no checks."""
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": new_sm2_serial(),
        "signature": {"algorithm": sm2.SM2_WITH_SM3_OID}, "issuer": parse(issuer).subject,
        "validity": {"not_before": x509.Time({"utc_time": T0}),
                     "not_after": x509.Time({"utc_time": T0 + timedelta(days=30)})},
        "subject": x509.Name.build({"common_name": "hand made"}),
        "subject_public_key_info": public_key_info(key[1]),
    })
    if extensions:
        tbs["extensions"] = extensions
    return bytes(x509.Certificate({
        "tbs_certificate": tbs, "signature_algorithm": {"algorithm": sm2.SM2_WITH_SM3_OID},
        "signature_value": sm2.sign(issuer_key[0], issuer_key[1], tbs.dump())}).dump())


def test_the_anchor_must_be_given(h: Hierarchy) -> None:
    at = T0 + timedelta(days=1)
    other = make_hierarchy()  # its root has our root's name, with another key
    untrusted = sm2_chain(h.seal, [h.ca, h.root], [other.root], at)
    assert untrusted.code == "SM2_NO_TRUST_ANCHOR"
    assert untrusted.path == (h.seal, h.ca, h.root) and "OpenSeal SM2 Root CA" in untrusted.en
    missing = sm2_chain(h.seal, [], [h.root], at)
    assert missing.code == "SM2_CHAIN_NO_ISSUER" and missing.path == (h.seal,)
    assert f"{ORG} 印章签发CA" in missing.zh


def test_path_length_zero_stops_a_sub_ca(h: Hierarchy) -> None:
    sub_key, leaf_key = sm2.generate(), sm2.generate()
    with pytest.raises(InvalidInput) as refused:  # our builder will not make one
        sm2_ca_certificate(SubjectInfo("Sub CA", ORG, USCC), sub_key[1], h.ca,
                           signer(h.ca_key), T0, T0 + timedelta(days=365))
    assert refused.value.code == "SM2_ISSUER_PATH_LENGTH"
    sub = hand_made(h.ca, h.ca_key, sub_key, [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": True}},
        {"extn_id": "key_usage", "critical": True,
         "extn_value": {"key_cert_sign", "crl_sign"}}])
    leaf = sm2_seal_certificate(SubjectInfo("发票专用章", ORG, USCC), leaf_key[1], sub,
                                signer(sub_key), T0, T0 + timedelta(days=30), CRL_URL,
                                OCSP_URL)
    result = sm2_chain(leaf, [sub, h.ca], [h.root], T0 + timedelta(days=1))
    assert result.code == "SM2_PATH_LENGTH", result.en


def test_issuing_checks_its_inputs(h: Hierarchy) -> None:
    key = sm2.generate()
    with pytest.raises(InvalidInput) as bad_code:
        sm2_seal_certificate(SubjectInfo("合同专用章", ORG, USCC[:-1] + "0"), key[1], h.ca,
                             signer(h.ca_key), T0, T0 + timedelta(days=1), CRL_URL, OCSP_URL)
    assert bad_code.value.code == "USCC_CHECKSUM"
    with pytest.raises(IntegrityViolation) as wrong_key:
        sm2_seal_certificate(SubjectInfo("合同专用章", ORG, USCC), key[1], h.ca,
                             signer(h.root_key), T0, T0 + timedelta(days=1), CRL_URL, OCSP_URL)
    assert wrong_key.value.code == "SM2_SIGN_KEY_MISMATCH"
    with pytest.raises(InvalidInput):
        sm2_root_certificate(SubjectInfo("R", "O"), key[1], signer(key), T0, T0)


# ---------------------------------------------------------------- real SM2 certificates


@dataclass(frozen=True)
class SampleSeal:
    maker: bytes
    signers: tuple[bytes, ...]
    seal_info: bytes
    signed_value: bytes
    created: datetime


def load_v4_seal(path: Path) -> SampleSeal:
    """GB/T 38540 v4 SES_Seal with generic parsing (GBT38540-OFD.md §1.1)."""
    seal = core.Sequence.load(path.read_bytes())
    info = seal[0]
    prop = info[2]
    assert prop[2].native == 1  # certListType: certificates
    certs = core.Sequence.load(prop[3].dump())
    return SampleSeal(maker=seal[1].contents,
                      signers=tuple(certs[i].contents for i in range(len(certs))),
                      seal_info=info.dump(), signed_value=seal[3].contents[1:],
                      created=prop[4].native)


@pytest.fixture(scope="module")
def samples(shared_dir: Path) -> dict[str, SampleSeal]:
    ofd = shared_dir / "testdata" / "ofd"
    return {name: load_v4_seal(ofd / name) for name in ("UserV4.esl", "SESealData.DER")}


def test_sample_certificates_parse(samples: dict[str, SampleSeal]) -> None:
    user = samples["UserV4.esl"]
    for der in (user.maker, *user.signers):
        cert = parse(der)
        assert cert["signature_algorithm"]["algorithm"].dotted == sm2.SM2_WITH_SM3_OID
        assert cert.subject.native["common_name"] == "Test Certificate"
        assert cert.issuer.native["common_name"] == "OFD Reader and WriterROOT Certificate"
        assert len(public_point(cert)) == 64
    # the maker's SM2 key really signed DER(SES_SealInfo): the key extraction is right
    assert sm2.verify(public_point(parse(user.maker)), user.seal_info, user.signed_value)

    hebei = samples["SESealData.DER"]
    assert len(hebei.signers) == 2 and hebei.signers[0] == hebei.signers[1] == hebei.maker
    cert = parse(hebei.maker)
    assert cert.subject.native["common_name"] == "test111"
    assert cert.issuer.native["common_name"] == "Hebei Gede SM2CA"


def test_no_sample_certificate_chains(samples: dict[str, SampleSeal]) -> None:
    """None of the samples carries its issuer (OFD R&W root, Hebei Gede SM2CA): the honest
    answer is a missing issuer, and no certificate signs another."""
    everything = [d for s in samples.values() for d in (s.maker, *s.signers)]
    for der in everything:
        at = parse(der)["tbs_certificate"]["validity"]["not_before"].native + timedelta(days=1)
        result = sm2_chain(der, everything, everything, at)
        assert result.ok  # trusted as given, it is valid in its own era
        result = sm2_chain(der, everything, [], at)
        assert result.code == "SM2_CHAIN_NO_ISSUER", result.en
        assert result.path == (der,)
        assert not any(certificate_signature_valid(der, other) for other in everything)


def test_sample_validity_at_the_signing_era(samples: dict[str, SampleSeal]) -> None:
    """Given as its own anchor, a sample certificate is accepted exactly when it was valid.
    UserV4's maker certificate (2020-04-21 .. 2022-04-21) was valid when the seal was made;
    the Hebei seal was made on 2020-10-13 with a certificate that expired on 2019-01-02."""
    user = samples["UserV4.esl"]
    assert sm2_chain(user.maker, [], [user.maker], user.created).ok
    today = sm2_chain(user.maker, [], [user.maker], T0)
    assert today.code == "SM2_NOT_VALID_AT_TIME"

    hebei = samples["SESealData.DER"]
    assert hebei.created == datetime(2020, 10, 13, 9, 45, 58, tzinfo=UTC)
    assert sm2_chain(hebei.maker, [], [hebei.maker], hebei.created).code == \
        "SM2_NOT_VALID_AT_TIME"
    assert sm2_chain(hebei.maker, [], [hebei.maker], datetime(2018, 6, 1, tzinfo=UTC)).ok
