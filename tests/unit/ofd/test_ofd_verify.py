"""verify_ofd on the real signed OFD files (../testdata/ofd/, its README) and tampered copies."""

from __future__ import annotations

import base64
import io
import random
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openseal.core.gm import sm2
from openseal.core.ofd import package as ofd_package
from openseal.core.ofd import ses
from openseal.core.ofd.verify import OfdVerification, SignatureCheck, verify_ofd
from openseal.core.pki.profiles import SubjectInfo
from openseal.core.pki.sm2_certs import sm2_root_certificate
from openseal.errors import InvalidInput

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "ofd"
SIGN_0 = "Doc_0/Signs/Sign_0/"


def sample(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"sample {path} is not available")
    return path.read_bytes()


def rezip(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    """The package ``data`` with its entries rewritten by ``change`` (a dict name -> bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def flip(content: bytes, at: int | None = None) -> bytes:
    at = len(content) // 2 if at is None else at
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1:]


def only(result: OfdVerification) -> SignatureCheck:
    assert len(result.signatures) == 1
    return result.signatures[0]


def codes(check: SignatureCheck) -> set[str]:
    return {r.code for r in check.reasons}


def assert_intact(check: SignatureCheck) -> None:
    """Every cryptographic and GB/T 38540 check of a Type=Seal signature passed."""
    assert check.references and all(r.status == "ok" for r in check.references)
    assert check.files_added == ()
    assert check.data_hash_ok is True
    assert check.signer_signature_ok is True
    assert check.maker_signature_ok is True
    assert check.signer_in_seal_list is True


def assert_valid(result: OfdVerification) -> SignatureCheck:
    check = only(result)
    assert_intact(check)
    assert check.signer_cert_valid_at_signing is True
    assert check.seal_valid_at_signing is True
    assert check.status == "VALID", check.reasons
    assert result.status == "VALID"
    assert result.trusted is False  # no trust anchors for the makers' roots yet
    return check


# ---------------------------------------------------------------- the samples


def test_OFD_v4signed() -> None:
    check = assert_valid(verify_ofd(sample("v4signed.ofd")))
    assert check.type == "Seal"
    assert check.provider == "gomain_eseal"
    assert check.check_method == "1.2.156.10197.1.401"
    assert check.signature_time_text == "20201010151120"
    assert check.signing_time is not None and check.signing_time.isoformat() == \
        "2020-10-10T07:11:20+00:00"
    assert len(check.references) == 13
    assert check.files_not_covered == ("Doc_0/Signs/Signatures.xml",)
    assert check.reasons == ()
    assert check.seal is not None
    assert (check.seal.picture_kind, check.seal.picture_width_mm,
            check.seal.picture_height_mm) == ("ofd", 30, 20)
    assert check.seal.es_id == "50011200000399"
    assert check.seal.vendor == "GOMAIN" and check.seal.version == 4
    assert "国家税务总局" in check.maker_subject
    assert "重庆市税务局" in check.signer_subject
    [stamp] = check.stamps
    assert (stamp.page_ref, stamp.page_index) == ("1", 0)
    assert stamp.boundary_mm == (90.0, 8.0, 30.0, 20.0) and stamp.clip is None
    assert check.seal_esl_matches is None  # no Seal.esl in tax files


def test_OFD_signed_file() -> None:
    check = assert_valid(verify_ofd(sample("signedFile.ofd")))
    assert check.signature_time_text == "20201004072855.302Z"
    assert check.seal is not None and check.seal.es_id == "32010600000001"
    assert check.id == "2"


def test_OFD_999() -> None:
    """KingGrid: relative BaseLoc in Signatures.xml, '/' before the path in OFD.xml."""
    check = assert_valid(verify_ofd(sample("999.ofd")))
    assert check.path == SIGN_0 + "Signature.xml"
    assert check.provider == "KingGrid"
    # KingGrid does not protect OFD.xml: said, as a warning, but not "added"
    assert "OFD.xml" in check.files_not_covered
    assert codes(check) == {"OFD_FILE_NOT_PROTECTED"}
    assert [s.page_index for s in check.stamps] == [0]


def test_OFD_sign_scale_error() -> None:
    """AntChain: StampAnnot before References."""
    check = assert_valid(verify_ofd(sample("SignScaleError.ofd")))
    assert check.provider == "AntChainGov"
    [stamp] = check.stamps
    assert (stamp.page_ref, stamp.page_index) == ("2", 0)
    assert stamp.boundary_mm == (87.0, 4.0, 34.0, 26.0)


def test_OFD_sesv4_sign_doc() -> None:
    """ofdrw 2.4.0: CheckMethod "SM3", Seal.esl inside the package.

    Every integrity check passes (the README's "all valid"). But ofdrw signed this file on
    2026-08-04 (TBS_Sign.timeInfo) with its test seal and certificate that expired on
    2022-04-22: judged at the signing time, as GB/T 38540 asks, neither was valid then.
    """
    result = verify_ofd(sample("SESV4SignDoc.ofd"))
    check = only(result)
    assert_intact(check)
    assert check.check_method == "SM3"
    assert check.seal_esl_matches is True
    assert check.seal is not None and check.seal.picture_kind == "PNG"
    assert (check.seal.picture_width_mm, check.seal.picture_height_mm) == (40, 40)
    assert check.signing_time is not None and check.signing_time.year == 2026
    assert check.signer_cert_valid_at_signing is False
    assert check.seal_valid_at_signing is False
    assert codes(check) == {"CERT_NOT_VALID_AT_SIGNING", "SEAL_NOT_VALID_AT_SIGNING"}
    assert check.status == result.status == "INVALID"


def test_OFD_v4_ride_right() -> None:
    check = assert_valid(verify_ofd(sample("V4RideRight.ofd")))
    assert [s.page_ref for s in check.stamps] == ["1", "21", "43", "63", "83"]
    assert [s.page_index for s in check.stamps] == [0, 1, 2, 3, 4]
    assert [s.page_file for s in check.stamps] == [
        f"Doc_0/Pages/Page_{i}/Content.xml" for i in range(5)]
    assert [s.clip for s in check.stamps] == [
        (8.0 * i, 0.0, 8.0, 40.0) for i in range(5)]
    assert check.seal_esl_matches is True
    assert check.files_not_covered == ()  # whole-protected: Signatures.xml too


def test_OFD_digital_sign() -> None:
    data = sample("DigitalSign.ofd")
    seal = ses.read_seal(sample("UserV4.esl"))

    without = only(verify_ofd(data))
    assert without.type == "Sign"
    assert without.status == "INDETERMINATE"
    assert codes(without) == {"SIGN_NO_CERTIFICATE"}
    assert all(r.status == "ok" for r in without.references)

    result = verify_ofd(data, extra_signer_certs=seal.signer_certs)
    check = only(result)
    assert check.status == result.status == "VALID", check.reasons
    assert check.signer_signature_ok is True
    assert check.signer_cert_valid_at_signing is True
    assert "Test Certificate" in check.signer_subject

    wrong = only(verify_ofd(data, extra_signer_certs=[seal.maker_cert]))
    assert wrong.status == "INVALID" and codes(wrong) == {"SIGN_SIGNATURE_INVALID"}

    def edit(files: dict[str, bytes]) -> None:
        name = SIGN_0 + "Signature.xml"
        files[name] = files[name].replace(b"16:22:44", b"16:22:45")

    tampered = only(verify_ofd(rezip(data, edit), extra_signer_certs=seal.signer_certs))
    assert tampered.status == "INVALID" and codes(tampered) == {"SIGN_SIGNATURE_INVALID"}


# ---------------------------------------------------------------- tampering


def test_changed_protected_file_is_invalid_and_named() -> None:
    page = "Doc_0/Pages/Page_0/Content.xml"

    def edit(files: dict[str, bytes]) -> None:
        files[page] = flip(files[page])

    result = verify_ofd(rezip(sample("v4signed.ofd"), edit))
    check = only(result)
    assert result.status == check.status == "INVALID"
    assert [r.file for r in check.references if r.status != "ok"] == ["/" + page]
    assert {(r.code, r.file) for r in check.reasons} == {("OFD_REFERENCE_CHANGED", "/" + page)}
    assert check.data_hash_ok is True and check.signer_signature_ok is True


def test_changed_signature_xml_breaks_the_data_hash() -> None:
    def edit(files: dict[str, bytes]) -> None:
        name = SIGN_0 + "Signature.xml"
        files[name] = files[name].replace(b'Boundary="90.00', b'Boundary="91.00')

    check = only(verify_ofd(rezip(sample("v4signed.ofd"), edit)))
    assert check.status == "INVALID"
    assert check.data_hash_ok is False
    assert "OFD_DATA_HASH_MISMATCH" in codes(check)
    assert check.signer_signature_ok is True  # TBS_Sign itself untouched


def test_changed_signed_value_breaks_the_signature() -> None:
    def edit(files: dict[str, bytes]) -> None:
        name = SIGN_0 + "SignedValue.dat"
        files[name] = flip(files[name], len(files[name]) - 5)  # inside the signature value

    check = only(verify_ofd(rezip(sample("signedFile.ofd"), edit)))
    assert check.status == "INVALID"
    assert "SES_SIGNATURE_INVALID" in codes(check) or "SES_FORMAT" in codes(check)


def test_added_file_is_reported() -> None:
    def edit(files: dict[str, bytes]) -> None:
        files["Doc_0/Res/added.png"] = b"\x89PNG not really"

    result = verify_ofd(rezip(sample("v4signed.ofd"), edit))
    check = only(result)
    assert check.files_added == ("Doc_0/Res/added.png",)
    assert "Doc_0/Res/added.png" in check.files_not_covered
    assert {(r.code, r.file) for r in check.reasons} == {("OFD_FILE_ADDED",
                                                          "Doc_0/Res/added.png")}
    assert check.status == result.status == "INDETERMINATE"


def test_removed_protected_file_is_missing() -> None:
    def edit(files: dict[str, bytes]) -> None:
        del files["Doc_0/Res/qr.png"]

    check = only(verify_ofd(rezip(sample("v4signed.ofd"), edit)))
    assert check.status == "INVALID"
    assert [(r.file, r.status) for r in check.references if r.status != "ok"] == [
        ("/Doc_0/Res/qr.png", "missing")]
    assert ("OFD_REFERENCE_MISSING", "/Doc_0/Res/qr.png") in {
        (r.code, r.file) for r in check.reasons}


def test_changed_seal_esl_is_invalid() -> None:
    def edit(files: dict[str, bytes]) -> None:
        name = SIGN_0 + "Seal.esl"
        files[name] = flip(files[name])

    check = only(verify_ofd(rezip(sample("V4RideRight.ofd"), edit)))
    assert check.status == "INVALID"
    assert check.seal_esl_matches is False
    assert {"OFD_REFERENCE_CHANGED", "OFD_SEAL_ESL_MISMATCH"} <= codes(check)


def test_unsupported_check_method_is_not_accepted() -> None:
    def edit(files: dict[str, bytes]) -> None:
        name = SIGN_0 + "Signature.xml"
        files[name] = files[name].replace(b'CheckMethod="1.2.156.10197.1.401"',
                                          b'CheckMethod="MD5"')

    check = only(verify_ofd(rezip(sample("v4signed.ofd"), edit)))
    assert "OFD_DIGEST_UNSUPPORTED" in codes(check)
    assert {r.status for r in check.references} == {"unchecked"}
    assert check.status == "INVALID"  # and Signature.xml no longer matches its dataHash


def test_earlier_and_later_signature_files_are_not_added() -> None:
    """Another signature's own files are not "added": the later one's (they came after this
    signature by design) and the earlier one's (they existed when this one was made)."""
    def edit(files: dict[str, bytes]) -> None:
        # a second signature: a copy of the first Signature.xml (it names Sign_0's value)
        files["Doc_0/Signs/Sign_1/Signature.xml"] = files[SIGN_0 + "Signature.xml"]
        files["Doc_0/Signs/Signatures.xml"] = files["Doc_0/Signs/Signatures.xml"].replace(
            b"</ofd:Signatures>",
            b'<ofd:Signature ID="2" BaseLoc="Sign_1/Signature.xml"/></ofd:Signatures>')

    result = verify_ofd(rezip(sample("v4signed.ofd"), edit))
    first, second = result.signatures
    assert first.files_added == () and first.status == "VALID"
    assert first.files_not_covered == ("Doc_0/Signs/Signatures.xml",)
    assert second.path == "Doc_0/Signs/Sign_1/Signature.xml"
    assert second.files_added == ()
    assert second.files_not_covered == ("Doc_0/Signs/Signatures.xml",
                                        SIGN_0 + "Signature.xml")
    # the copy's TBS_Sign names Sign_0's path: intact, with a warning
    assert second.status == "VALID" and codes(second) == {"OFD_PROPERTY_INFO_MISMATCH"}
    assert result.status == "VALID"


def test_file_added_and_signed_by_a_later_signature() -> None:
    """v4signed plus an added annotation file that a second, plain (Type=Sign) signature
    covers: for the first signature the file is added; once the second one verifies, that
    is only a warning."""
    private, public = sm2.generate()
    now = datetime.now(UTC)
    cert = sm2_root_certificate(SubjectInfo("Later signer", "Test"), public,
                                lambda data: sm2.sign(private, public, data),
                                now - timedelta(days=1), now + timedelta(days=1))
    added = "Doc_0/Annots/Page_0/Later.xml"
    signature_xml = (
        '<?xml version="1.0" encoding="UTF-8"?><ofd:Signature '
        'xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo>'
        '<ofd:Provider ProviderName="test"/><ofd:SignatureDateTime>'
        f'{now:%Y%m%d%H%M%S}Z</ofd:SignatureDateTime><ofd:References CheckMethod="SM3">'
        f'<ofd:Reference FileRef="/{added}"><ofd:CheckValue>'
        f'{base64.b64encode(sm2.sm3(b"<Annot/>")).decode()}</ofd:CheckValue></ofd:Reference>'
        "</ofd:References></ofd:SignedInfo><ofd:SignedValue>SignedValue.dat</ofd:SignedValue>"
        "</ofd:Signature>").encode()

    def edit(files: dict[str, bytes]) -> None:
        files[added] = b"<Annot/>"
        files["Doc_0/Signs/Sign_1/Signature.xml"] = signature_xml
        files["Doc_0/Signs/Sign_1/SignedValue.dat"] = sm2.sign(private, public, signature_xml)
        files["Doc_0/Signs/Signatures.xml"] = files["Doc_0/Signs/Signatures.xml"].replace(
            b"</ofd:Signatures>",
            b'<ofd:Signature ID="s2" Type="Sign" BaseLoc="Sign_1/Signature.xml"/>'
            b"</ofd:Signatures>")

    data = rezip(sample("v4signed.ofd"), edit)
    unvouched = verify_ofd(data)
    first, second = unvouched.signatures
    assert second.status == "INDETERMINATE"  # no certificate given
    assert first.files_added == (added,) and codes(first) == {"OFD_FILE_ADDED"}
    assert first.status == unvouched.status == "INDETERMINATE"

    vouched = verify_ofd(data, extra_signer_certs=[cert])
    first, second = vouched.signatures
    assert second.status == "VALID", second.reasons
    # it protects only its own file: the rest existed before (the first signature's files)
    assert second.files_added == ()
    assert "Doc_0/Document.xml" in second.files_not_covered
    assert codes(second) == {"OFD_FILE_NOT_PROTECTED"}  # OFD.xml, Document.xml: warnings
    assert first.files_added == (added,)
    assert codes(first) == {"OFD_FILE_ADDED_LATER_SIGNED"}
    assert first.status == vouched.status == "VALID"


def test_orphan_signature_files_are_added() -> None:
    def edit(files: dict[str, bytes]) -> None:
        files["Doc_0/Signs/Sign_1/SignedValue.dat"] = files[SIGN_0 + "SignedValue.dat"]

    check = only(verify_ofd(rezip(sample("v4signed.ofd"), edit)))
    assert check.files_added == ("Doc_0/Signs/Sign_1/SignedValue.dat",)
    assert check.status == "INDETERMINATE"


def test_unsigned_package_has_no_signatures() -> None:
    def edit(files: dict[str, bytes]) -> None:
        for name in [n for n in files if "/Signs/" in n]:
            del files[name]
        files["OFD.xml"] = files["OFD.xml"].replace(
            b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>", b"")

    result = verify_ofd(rezip(sample("v4signed.ofd"), edit))
    assert result.status == "INDETERMINATE"
    assert [r.code for r in result.reasons] == ["NO_SIGNATURES"]


# ---------------------------------------------------------------- lenient reading


def test_junk_before_and_after_the_zip_still_verifies() -> None:
    data = sample("v4signed.ofd")
    result = verify_ofd(bytes(range(100)) + data)
    assert_valid(result)
    assert result.leading_bytes == 100
    assert_valid(verify_ofd(data + b"\x00trailing junk" * 10))
    assert_valid(verify_ofd(b"MZ" * 50 + data + b"\x00" * 100_000))  # beyond zipfile's 64 KiB


# ---------------------------------------------------------------- refusals


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        verify_ofd(data)
    assert caught.value.zh and caught.value.en
    return caught.value.code


def plain_zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(out, "w", method) as archive:
            for name, content in entries.items():
                archive.writestr(name.split("#")[0], content)
    return out.getvalue()


def test_junk_and_not_a_zip_are_refused() -> None:
    assert refused(b"") == "OFD_NOT_ZIP"
    assert refused(b"%PDF-1.7 not an ofd") == "OFD_NOT_ZIP"
    assert refused(b"PK\x05\x06" + b"\x00" * 10) == "OFD_NOT_ZIP"
    assert refused(plain_zip({"hello.txt": b"hi"})) == "OFD_STRUCTURE"
    data = sample("v4signed.ofd")
    assert refused(data[: len(data) // 2]) in ("OFD_NOT_ZIP", "OFD_ZIP_DAMAGED")


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = plain_zip({"OFD.xml": b"<OFD/>", "Doc_0/zeros.bin": b"\x00" * (4 * 1024 * 1024)})
    assert refused(bomb) == "OFD_TOO_LARGE"
    monkeypatch.setattr(ofd_package, "MAX_ENTRIES", 5)
    many = plain_zip({"OFD.xml": b"<OFD/>"} | {f"f{i}": b"x" for i in range(10)})
    assert refused(many) == "OFD_TOO_LARGE"
    monkeypatch.setattr(ofd_package, "MAX_TOTAL_BYTES", 1000)
    big = plain_zip({"OFD.xml": b"<OFD/>", "a": b"a" * 600, "b": b"b" * 600},
                    zipfile.ZIP_STORED)
    assert refused(big) == "OFD_TOO_LARGE"


def test_duplicate_and_escaping_names_are_refused() -> None:
    assert refused(plain_zip({"OFD.xml": b"<OFD/>", "OFD.xml#2": b"<OFD/>"})) \
        == "OFD_ZIP_DUPLICATE"
    assert refused(plain_zip({"OFD.xml": b"<OFD/>", "../evil.xml": b"x"})) == "OFD_ZIP_PATH"
    assert refused(plain_zip({"OFD.xml": b"<OFD/>", "a\\..\\..\\evil": b"x"})) \
        == "OFD_ZIP_PATH"


def test_xml_with_doctype_or_entities_is_refused() -> None:
    data = sample("v4signed.ofd")

    def doctype(files: dict[str, bytes]) -> None:
        files["OFD.xml"] = files["OFD.xml"].replace(
            b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)

    assert refused(rezip(data, doctype)) == "OFD_XML_FORBIDDEN"

    def laughs(files: dict[str, bytes]) -> None:
        name = "Doc_0/Signs/Signatures.xml"
        files[name] = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
                       b'<!ENTITY b "&a;&a;&a;&a;">]><Signatures>&b;</Signatures>')

    assert refused(rezip(data, laughs)) == "OFD_XML_FORBIDDEN"


def test_malformed_xml_is_refused() -> None:
    def edit(files: dict[str, bytes]) -> None:
        files["Doc_0/Signs/Signatures.xml"] = b"<Signatures><Signature ID='1'"

    assert refused(rezip(sample("v4signed.ofd"), edit)) == "OFD_XML_MALFORMED"


def test_damaged_bytes_never_escape_as_other_exceptions() -> None:
    """Random byte flips anywhere: a result or an InvalidInput, nothing else."""
    data = sample("signedFile.ofd")
    rng = random.Random(38540)
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        try:
            result = verify_ofd(bytes(damaged))
        except InvalidInput as exc:
            assert exc.code.startswith("OFD_")
        else:
            assert result.status in ("VALID", "INVALID", "INDETERMINATE")
