"""GB/T 38540 / GM/T 0031 seals and signatures (core/ofd/ses*): the real samples of
/work/shared/testdata/ofd (README there: expected results), v4 builders, lenient reading."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import x509

from openseal.core.gm import keys, sm2
from openseal.core.ofd import ses_der as d
from openseal.core.ofd.ses import (
    EsSeal,
    SealPicture,
    maker_signature_valid,
    read_seal,
    read_signature,
    seal_info_v4,
    seal_v4,
    signature_v4,
    signature_valid,
    signer_allowed,
    tbs_sign_v4,
)
from openseal.errors import InvalidInput
from tests.support.tools import require_tool

SAMPLES = Path("/work/shared/testdata/ofd")
SIGNATURE_XML = "/Doc_0/Signs/Sign_0/Signature.xml"


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample {path} not present")
    return path.read_bytes()


def signed_value(ofd: str) -> tuple[bytes, bytes]:
    """(SignedValue.dat, Signature.xml) of the sample's first signature."""
    sample(ofd)
    with zipfile.ZipFile(SAMPLES / ofd) as z:
        return (z.read("Doc_0/Signs/Sign_0/SignedValue.dat"),
                z.read("Doc_0/Signs/Sign_0/Signature.xml"))


def seal_info_raw(seal_der: bytes) -> bytes:
    return d.read_one(seal_der).children()[0].raw


def maker_verifies(seal: EsSeal, message: bytes) -> bool:
    return sm2.verify(keys.public_point(seal.maker_cert), message, seal.signed_value)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- seals --

def test_OFD_user_v1_esl() -> None:
    seal = read_seal(sample("UserV1.esl"))
    assert (seal.version, seal.vendor, seal.es_id) == (1, "OFDR&WTest",
                                                       "40C8CDD24DEF43388B86E62CCE1D6832")
    assert (seal.seal_type, seal.name, seal.cert_list_type) == (1, "OFDRW测试用印章", 1)
    assert len(seal.signer_certs) == 1 and seal.signer_cert_digests == ()
    assert (seal.created, seal.valid_from, seal.valid_until) == (
        utc(2020, 4, 22, 2, 18, 7), utc(2020, 4, 22, 2, 18, 7), utc(2022, 4, 22, 2, 18, 7))
    assert seal.picture == SealPicture("PNG", sample("StampImg.png"), 40, 40)
    assert seal.algorithm == sm2.SM2_WITH_SM3_OID
    assert maker_signature_valid(seal)
    # v1: the maker signed SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}, not SES_SealInfo
    sign_info = d.read_one(seal.der).children()[1].children()
    assert seal.signed_bytes == d.der_seq(seal_info_raw(seal.der), sign_info[0].raw,
                                          sign_info[1].raw)
    assert maker_verifies(seal, seal.signed_bytes)
    assert not maker_verifies(seal, seal_info_raw(seal.der))
    assert seal.der == sample("UserV1.esl")


@pytest.mark.parametrize("name, version, vendor", [("UserV4.esl", 4, "OFDR&WTest"),
                                                   ("UserV5.esl", 5, "OFDR&WTestV5")])
def test_OFD_user_v4_v5_esl(name: str, version: int, vendor: str) -> None:
    seal = read_seal(sample(name))
    assert (seal.version, seal.vendor, seal.seal_type, seal.cert_list_type) == (
        version, vendor, 3, 1)
    assert len(seal.signer_certs) == 1
    assert seal.picture == SealPicture("PNG", sample("StampImg.png"), 40, 40)
    assert seal.valid_until.year - seal.valid_from.year == 2
    assert seal.created.tzinfo == UTC
    # v4 and v5: the maker signed DER(SES_SealInfo), as found
    assert seal.signed_bytes == seal_info_raw(seal.der)
    assert maker_signature_valid(seal) and maker_verifies(seal, seal.signed_bytes)


def test_OFD_user_v4_esl() -> None:
    seal = read_seal(sample("UserV4.esl"))
    assert seal.name == "OFD R&W 测试用印章"
    assert seal.created == utc(2020, 4, 22, 2, 9)
    assert maker_signature_valid(seal)


def test_OFD_user_v5_esl() -> None:
    seal = read_seal(sample("UserV5.esl"))
    assert seal.name == "OFD R&W V5测试用印章"
    assert seal.valid_from == utc(2026, 4, 24, 8, 53, 23)
    assert maker_signature_valid(seal)


def test_OFD_sesealdata_der() -> None:
    seal = read_seal(sample("SESealData.DER"))
    assert (seal.version, seal.vendor, seal.es_id) == (4, "Vid HebeiGede", "esID130600")
    assert (seal.seal_type, seal.name) == (4, "测试单位名称 合同专用章")
    assert seal.picture.kind == "GIF" and seal.picture.data[:6] == b"GIF89a"
    assert (seal.picture.width_mm, seal.picture.height_mm) == (42, 42)
    assert len(seal.signer_certs) == 2
    assert all(x509.Certificate.load(c).subject for c in seal.signer_certs)
    assert seal.valid_until == utc(2021, 4, 16, 9, 45, 58)
    # extDatas with explicitly encoded BOOLEAN FALSE (non-DER) were read without complaint;
    # the maker's signature verifies under neither convention
    assert not maker_signature_valid(seal)
    cert, alg = d.read_one(seal.der).children()[1:3]
    assert not maker_verifies(seal, seal_info_raw(seal.der))
    assert not maker_verifies(seal, d.der_seq(seal_info_raw(seal.der), cert.raw, alg.raw))


# -- signatures in the sample OFD files --

CHONGQING = "测试全国统一发票监制章国家税务总局重庆市税务局"
OFD_SIGNATURES = [
    ("v4signed.ofd", utc(2020, 10, 10, 7, 11, 20), CHONGQING),
    ("signedFile.ofd", utc(2020, 10, 4, 7, 28, 55), "国家税务总局江苏省税务局"),
    ("999.ofd", utc(2020, 8, 17, 11, 13, 29), CHONGQING),
    ("SignScaleError.ofd", utc(2022, 10, 31, 6, 16, 35), "浙江省电子发票(票据)综合服务平台专用章"),
    ("SESV4SignDoc.ofd", utc(2026, 8, 4, 2, 8, 9), "OFD R&W 测试用印章"),
    ("V4RideRight.ofd", utc(2021, 5, 19, 12, 53, 44), "OFD R&W 测试用印章"),
]


def _check_ofd_signature(ofd: str, signed_at: datetime, seal_name: str) -> None:
    dat, signature_xml = signed_value(ofd)
    sig = read_signature(dat)
    assert sig.version == 4 and sig.seal.version == 4
    assert sig.signed_at == signed_at
    assert len(sig.data_hash) == 32 and sig.data_hash == sm2.sm3(signature_xml)
    assert sig.property_info == SIGNATURE_XML
    assert sig.algorithm == sm2.SM2_WITH_SM3_OID and sig.timestamp is None
    assert sig.signed_bytes == d.read_one(dat).children()[0].raw and sig.der == dat
    assert signature_valid(sig)
    assert signer_allowed(sig.seal, sig.signer_cert)
    assert sig.seal.name == seal_name and maker_signature_valid(sig.seal)


def test_OFD_v4signed_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[0])
    seal = read_signature(signed_value("v4signed.ofd")[0]).seal
    assert (seal.vendor, seal.es_id, seal.seal_type) == ("GOMAIN", "50011200000399", 3)
    assert seal.picture.kind == "ofd" and seal.picture.data[:2] == b"PK"
    assert (seal.picture.width_mm, seal.picture.height_mm) == (30, 20)
    assert seal.valid_from == utc(2020, 10, 7, 16)


def test_OFD_signedfile_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[1])


def test_OFD_999_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[2])


def test_OFD_signscaleerror_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[3])


def test_OFD_sesv4signdoc_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[4])
    sig = read_signature(signed_value("SESV4SignDoc.ofd")[0])
    with zipfile.ZipFile(SAMPLES / "SESV4SignDoc.ofd") as z:
        assert sig.seal.der == z.read("Doc_0/Signs/Sign_0/Seal.esl")
    # the ofdrw user seal: the same seal as UserV4.esl, signed by the user it lists
    assert sig.seal.der == sample("UserV4.esl")


def test_OFD_v4rideright_ofd() -> None:
    _check_ofd_signature(*OFD_SIGNATURES[5])


def test_OFD_digitalsign_ofd() -> None:
    dat, signature_xml = signed_value("DigitalSign.ofd")
    with pytest.raises(InvalidInput) as caught:
        read_signature(dat)
    assert caught.value.code == "SES_FORMAT"
    assert "Type=\"Sign\"" in caught.value.en and "裸 SM2 签名值" in caught.value.zh
    # what it is instead: a bare SM2 signature of Signature.xml by UserV4.esl's user
    user = read_seal(sample("UserV4.esl")).signer_certs[0]
    assert sm2.verify(keys.public_point(user), signature_xml, dat)


# -- builders --

def make_cert(name: str) -> tuple[bytes, bytes, bytes]:
    """(certificate DER, private, public): a minimal self-signed SM2 certificate."""
    private, public = sm2.generate()
    subject = x509.Name.build({"common_name": name, "country_name": "CN"})
    algorithm = {"algorithm": sm2.SM2_WITH_SM3_OID}
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": int.from_bytes(public[:8], "big"),
        "signature": algorithm, "issuer": subject, "subject": subject,
        "validity": {"not_before": x509.Time({"utc_time": utc(2026, 1, 1)}),
                     "not_after": x509.Time({"utc_time": utc(2036, 1, 1)})},
        "subject_public_key_info": keys.public_key_info(public)})
    cert = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                             "signature_value": sm2.sign(private, public, tbs.dump())})
    return cert.dump(), private, public


@pytest.fixture(scope="module")
def parties() -> dict[str, tuple[bytes, bytes, bytes]]:
    return {"maker": make_cert("制章者 Maker"), "signer": make_cert("签章人 Signer"),
            "other": make_cert("Other")}


PICTURE = SealPicture("PNG", b"\x89PNG\r\n\x1a\n fake image bytes", 40, 40)


def build_seal(parties: dict[str, tuple[bytes, bytes, bytes]], **extra: object) -> bytes:
    info = seal_info_v4(
        vendor="OpenSeal", es_id="91110000MA00000001", seal_type=4, name="示例有限公司合同专用章",
        signer_certs=[parties["signer"][0]], created=utc(2026, 11, 1, 8),
        valid_from=utc(2026, 11, 1), valid_until=utc(2028, 11, 1), picture=PICTURE,
        **extra)  # type: ignore[arg-type]
    maker, private, public = parties["maker"]
    return seal_v4(info, maker, lambda data: sm2.sign(private, public, data))


def build_signature(parties: dict[str, tuple[bytes, bytes, bytes]], seal_der: bytes,
                    timestamp: bytes | None = None) -> tuple[bytes, bytes]:
    tbs = tbs_sign_v4(seal_der, datetime(2026, 11, 29, 18, 30, 5, 302000,
                                         tzinfo=d.BEIJING), sm2.sm3(b"<Signature/>"),
                      SIGNATURE_XML)
    cert, private, public = parties["signer"]
    return tbs, signature_v4(tbs, cert, lambda data: sm2.sign(private, public, data), timestamp)


def assert_strict_der(der: bytes) -> None:
    """Every length is minimal (re-encoding each value gives the same bytes) and the whole
    is one value."""
    def again(tlv: d.Tlv) -> bytes:
        if not tlv.constructed:
            return d.der_tlv(tlv.raw[0], tlv.contents)
        return d.der_tlv(tlv.raw[0], b"".join(again(k) for k in tlv.children()))
    assert again(d.read_one(der)) == der


def test_OFD_builders_round_trip(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    seal_der = build_seal(parties, ext_datas=[("1.2.156.112600.7.3", False, b"x"),
                                              ("1.2.156.112600.7.2", True, b"y")])
    seal = read_seal(seal_der)
    assert (seal.version, seal.vendor, seal.es_id, seal.seal_type) == (
        4, "OpenSeal", "91110000MA00000001", 4)
    assert seal.name == "示例有限公司合同专用章" and seal.picture == PICTURE
    assert seal.signer_certs == (parties["signer"][0],) and seal.cert_list_type == 1
    assert seal.maker_cert == parties["maker"][0]
    assert (seal.created, seal.valid_until) == (utc(2026, 11, 1, 8), utc(2028, 11, 1))
    assert maker_signature_valid(seal)

    tbs, sig_der = build_signature(parties, seal_der)
    sig = read_signature(sig_der)
    assert sig.version == 4 and sig.seal == seal and sig.signed_bytes == tbs
    assert sig.signed_at == utc(2026, 11, 29, 10, 30, 5)  # whole seconds, UTC
    assert sig.data_hash == sm2.sm3(b"<Signature/>") and sig.property_info == SIGNATURE_XML
    assert sig.timestamp is None and sig.signer_cert == parties["signer"][0]
    assert signature_valid(sig) and signer_allowed(seal, sig.signer_cert)
    assert not signer_allowed(seal, parties["other"][0])
    assert not signer_allowed(seal, parties["maker"][0])
    for der in (seal_der, tbs, sig_der):
        assert_strict_der(der)
    assert b"20261129103005Z" in tbs


def test_OFD_builder_output_parses_with_openssl(
        parties: dict[str, tuple[bytes, bytes, bytes]], tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    tbs, sig_der = build_signature(parties, build_seal(parties), timestamp=b"\x30\x03\x02\x01\x01")
    (tmp_path / "sig.der").write_bytes(sig_der)
    parsed = subprocess.run([openssl, "asn1parse", "-inform", "DER", "-in",
                             str(tmp_path / "sig.der")], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    assert "GENERALIZEDTIME   :20261129103005Z" in parsed.stdout
    assert "cont [ 0 ]" in parsed.stdout
    # and openssl (an independent SM2) verifies the signer's signature over TBS_Sign
    sig = read_signature(sig_der)
    (tmp_path / "tbs.der").write_bytes(sig.signed_bytes)
    (tmp_path / "sig.bin").write_bytes(sig.signature)
    (tmp_path / "pub.der").write_bytes(keys.public_key_info(parties["signer"][2]).dump())
    checked = subprocess.run(
        [openssl, "dgst", "-sm3", "-verify", str(tmp_path / "pub.der"), "-keyform", "DER",
         "-sigopt", "distid:1234567812345678", "-signature", str(tmp_path / "sig.bin"),
         str(tmp_path / "tbs.der")], capture_output=True, text=True)
    assert checked.returncode == 0 and "Verified OK" in checked.stdout, checked.stderr


def test_OFD_timestamp_forms(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    token = b"\x30\x03\x02\x01\x07"
    tbs, sig_der = build_signature(parties, build_seal(parties), timestamp=token)
    sig = read_signature(sig_der)
    assert sig.timestamp == token and signature_valid(sig)
    assert sig_der.endswith(b"\xa0\x08\x03\x06\x00" + token)  # [0] EXPLICIT BIT STRING
    assert_strict_der(sig_der)
    head = d.read_one(sig_der).children()[:4]
    body = b"".join(t.raw for t in head)
    for tail in (d.der_tlv(0x80, b"\x00" + token),        # [0] IMPLICIT BIT STRING
                 d.der_tlv(0xA0, d.der_octets(token)),     # [0] EXPLICIT OCTET STRING
                 d.der_bits(token)):                       # untagged BIT STRING
        assert read_signature(d.der_seq(body, tail)).timestamp == token


def test_OFD_v1_signature_with_text_time(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    """GM/T 0031 v1: {TBS_Sign{..., cert, alg}, signature}; ofdrw puts local text time in
    timeInfo (a BIT STRING), read as Beijing time."""
    cert, private, public = parties["signer"]
    tbs = d.der_seq(d.der_int(1), sample("UserV1.esl"), d.der_bits(b"2020-04-23 10:00:00"),
                    d.der_bits(sm2.sm3(b"x")), d.der_ia5(SIGNATURE_XML),
                    d.der_octets(cert), d.der_oid(sm2.SM2_WITH_SM3_OID))
    sig = read_signature(d.der_seq(tbs, d.der_bits(sm2.sign(private, public, tbs))))
    assert (sig.version, sig.seal.version) == (1, 1)
    assert sig.signed_at == utc(2020, 4, 23, 2)
    assert sig.signer_cert == cert and sig.signed_bytes == tbs and signature_valid(sig)
    assert not signer_allowed(sig.seal, cert)
    assert signer_allowed(sig.seal, sig.seal.signer_certs[0])
    unreadable = tbs.replace(d.der_bits(b"2020-04-23 10:00:00"), d.der_bits(b"not a time at all!!"))
    assert read_signature(d.der_seq(unreadable, d.der_bits(b"\x30\x00"))).signed_at is None


def test_OFD_lenient_reading(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    """OCTET STRING for BIT STRING, a zone-less GeneralizedTime, a bare 64-byte r||s value,
    a TBS_Sign [0] extDatas, a certList of SM3 digests."""
    cert, private, public = parties["signer"]
    seal_der = build_seal(parties)
    signature = sm2.sign(private, public, b"")
    tbs = d.der_seq(d.der_int(4), seal_der, d.der_tlv(0x18, b"20261129183005"),
                    d.der_octets(sm2.sm3(b"x")), d.der_ia5(SIGNATURE_XML),
                    d.der_tlv(0xA0, d.der_seq()))
    signature = sm2.sign(private, public, tbs)
    r, s = (t.contents.rjust(33, b"\x00")[-32:] for t in d.read_one(signature).children())
    sig = read_signature(d.der_seq(tbs, d.der_octets(cert), d.der_oid(sm2.SM2_WITH_SM3_OID),
                                   d.der_octets(r + s)))
    assert sig.signed_at == utc(2026, 11, 29, 10, 30, 5)
    assert sig.data_hash == sm2.sm3(b"x") and signature_valid(sig)

    seal = read_seal(seal_der)
    by_digest = EsSeal(**{**seal.__dict__, "cert_list_type": 2, "signer_certs": (),
                          "signer_cert_digests": (("certificate SM3 digest", sm2.sm3(cert)),)})
    assert signer_allowed(by_digest, cert) and not signer_allowed(by_digest, parties["other"][0])


# -- negative --

def test_OFD_flipped_picture_byte_breaks_maker_signature(
        parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    for seal_der in (build_seal(parties), sample("UserV4.esl"), sample("UserV1.esl")):
        seal = read_seal(seal_der)
        at = seal_der.index(seal.picture.data) + len(seal.picture.data) // 2
        broken = read_seal(seal_der[:at] + bytes([seal_der[at] ^ 1]) + seal_der[at + 1:])
        assert broken.picture.data != seal.picture.data
        assert maker_signature_valid(seal) and not maker_signature_valid(broken)


def test_OFD_flipped_tbs_byte_breaks_signature(
        parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    _, sig_der = build_signature(parties, build_seal(parties))
    real, _ = signed_value("v4signed.ofd")
    for der in (sig_der, real):
        at = der.index(SIGNATURE_XML.encode()) + 5  # inside propertyInfo, within TBS_Sign
        broken = read_signature(der[:at] + bytes([der[at] ^ 1]) + der[at + 1:])
        assert signature_valid(read_signature(der)) and not signature_valid(broken)


def test_OFD_wrong_signer_or_algorithm(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    sig = read_signature(build_signature(parties, build_seal(parties))[1])
    other = EsSeal(**{**sig.seal.__dict__, "signer_certs": (parties["other"][0],)})
    assert not signer_allowed(other, sig.signer_cert)
    assert not signature_valid(replace(sig, signer_cert=parties["other"][0]))
    assert not signature_valid(replace(sig, signer_cert=b"not a certificate"))
    assert not signature_valid(replace(sig, algorithm="1.2.840.10045.4.3.2"))


@pytest.mark.parametrize("junk", [
    b"", b"\x00", b"\x30", b"\x30\x80\x00\x00", b"\x30\x84\xff\xff\xff\xff", b"hello world",
    b"\x30\x03\x02\x01\x01", b"\x04\x02ab", d.der_seq(d.der_int(1), d.der_int(2), d.der_int(3)),
])
def test_OFD_garbage_is_ses_format(junk: bytes) -> None:
    for reader in (read_seal, read_signature):
        with pytest.raises(InvalidInput) as caught:
            reader(junk)
        assert caught.value.code == "SES_FORMAT" and caught.value.zh and caught.value.en


def test_OFD_truncated_samples_are_ses_format() -> None:
    seal_der, (sig_der, _) = sample("UserV4.esl"), signed_value("signedFile.ofd")
    readers: list[tuple[bytes, Callable[[bytes], object]]] = [
        (seal_der, read_seal), (sig_der, read_signature)]
    for der, reader in readers:
        for cut in (1, 2, 10, 100, len(der) // 2, len(der) - 1):
            with pytest.raises(InvalidInput) as caught:
                reader(der[:cut])
            assert caught.value.code == "SES_FORMAT"
        with pytest.raises(InvalidInput, match="extra bytes"):
            reader(der + b"\x00")
    with pytest.raises(InvalidInput, match="is an SES_Signature"):
        read_seal(sig_der)  # a signature is not a seal


def test_OFD_every_single_byte_corruption_is_handled() -> None:
    """No library exception leaks, whichever byte of the structure is broken."""
    seal_der, (sig_der, _) = sample("UserV5.esl"), signed_value("v4signed.ofd")
    checks: list[tuple[bytes, Callable[[bytes], bool]]] = [
        (seal_der, lambda b: maker_signature_valid(read_seal(b))),
        (sig_der, lambda b: signature_valid(read_signature(b)))]
    for der, reader in checks:
        sig = read_signature(sig_der)
        skip = [(der.find(blob), len(blob)) for blob in (  # long byte strings: sampled
            sig.seal.picture.data, read_seal(seal_der).picture.data, sig.signer_cert,
            sig.seal.maker_cert, sig.seal.signer_certs[0])]
        for at in range(len(der)):
            if any(0 <= at - start < size and at % 61 for start, size in skip):
                continue
            for value in (0x00, 0xFF, der[at] ^ 0x20):
                try:
                    reader(der[:at] + bytes([value]) + der[at + 1:])
                except InvalidInput as exc:
                    assert exc.code == "SES_FORMAT"


def test_OFD_builder_input_checks(parties: dict[str, tuple[bytes, bytes, bytes]]) -> None:
    base = dict(vendor="OpenSeal", es_id="1", seal_type=1, name="n",
                signer_certs=[parties["signer"][0]], created=utc(2026, 1, 1),
                valid_from=utc(2026, 1, 1), valid_until=utc(2027, 1, 1), picture=PICTURE)
    for change, code in ((dict(es_id="印章01"), "SES_NOT_ASCII"),
                         (dict(signer_certs=[]), "SES_CERT_LIST"),
                         (dict(valid_until=datetime(2027, 1, 1)), "SES_VALIDITY"),
                         (dict(picture=SealPicture("PNG", b"", 40, 40)), "SES_PICTURE")):
        with pytest.raises(InvalidInput) as caught:
            seal_info_v4(**{**base, **change})  # type: ignore[arg-type]
        assert caught.value.code == code
    seal_der = build_seal(parties)
    with pytest.raises(InvalidInput) as caught:
        tbs_sign_v4(seal_der, utc(2026, 1, 1), b"short", SIGNATURE_XML)
    assert caught.value.code == "SES_DATA_HASH"
    with pytest.raises(InvalidInput) as caught:
        tbs_sign_v4(b"junk", utc(2026, 1, 1), bytes(32), SIGNATURE_XML)
    assert caught.value.code == "SES_FORMAT"
    with pytest.raises(InvalidInput):
        signature_v4(b"junk", parties["signer"][0], lambda data: b"")


@pytest.mark.parametrize("text, expected", [
    ("20201004072855.302Z", datetime(2020, 10, 4, 7, 28, 55, 302000, tzinfo=UTC)),
    ("20201010151120", utc(2020, 10, 10, 7, 11, 20)),      # GOMAIN: Beijing time, no zone
    ("2020-10-23 19:45:37", utc(2020, 10, 23, 11, 45, 37)),  # ofdrw
    ("200422021807Z", utc(2020, 4, 22, 2, 18, 7)),          # UTCTime
    ("20201004072855+0800", utc(2020, 10, 3, 23, 28, 55)),
    ("20200422021807+9999", None), ("2020-13-01 00:00:00", None), ("soon", None),
])
def test_OFD_time_texts(text: str, expected: datetime | None) -> None:
    assert d.parse_time_text(text) == expected
