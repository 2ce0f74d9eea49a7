"""Sealing OFD files (core/ofd/sign.py): our own OFD and real producers' samples, checked with
verify_ofd, gmalglib, the openssl CLI and easyofd (an independent OFD renderer)."""

from __future__ import annotations

import importlib
import io
import sys
import warnings
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, pem
from gmalglib import sm2 as gmalg_sm2

from openseal.core.gm import keys, sm2
from openseal.core.ofd import ses
from openseal.core.ofd.keyword import delta_x
from openseal.core.ofd.package import OfdPackage
from openseal.core.ofd.sign import OfdStamp, seal_ofd
from openseal.core.ofd.signatures_xml import read_signature_list, read_signature_xml
from openseal.core.ofd.verify import INVALID, VALID, OfdVerification, verify_ofd
from openseal.errors import IntegrityViolation, InvalidInput
from tests.support import openssl_sm2
from tests.support.ofd import (
    Sm2World,
    make_ofd,
    page_id,
    sm2_world,
    strip_signatures,
    unzipped,
    zipped,
)
from tests.support.tools import missing

DATA = Path("/work/shared/testdata/ofd")
LIST = "Doc_0/Signs/Signatures.xml"
SIGN_0 = "Doc_0/Signs/Sign_0/"
KEYWORD = "甲方（盖章）"


def sample(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"sample {path} is not available")
    return path.read_bytes()


@pytest.fixture(scope="module")
def world() -> Sm2World:
    return sm2_world(sample("StampImg.png"))


def seal(w: Sm2World, data: bytes, *stamps: OfdStamp, other: bool = False,
         **options: object) -> bytes:
    return seal_ofd(data, seal=w.seal, signer_cert=w.other_signer if other else w.signer,
                    sign=w.sign_other if other else w.sign,
                    stamps=stamps or (OfdStamp(page=1, x_mm=10, y_mm=10),),
                    signed_at=options.pop("signed_at", w.now), **options)  # type: ignore[arg-type]


def all_valid(result: OfdVerification, count: int) -> None:
    assert result.status == VALID, [(c.id, c.reasons) for c in result.signatures]
    assert len(result.signatures) == count
    for check in result.signatures:
        assert check.status == VALID and check.reasons == ()
        assert check.references and all(r.status == "ok" for r in check.references)


def boundaries(result: OfdVerification, index: int = -1) -> list[tuple[str, tuple[float, ...]]]:
    return [(s.page_ref, s.boundary_mm or ()) for s in result.signatures[index].stamps]


# ---------------------------------------------------------------- our own OFD


def test_sealed_ofd_verifies_with_every_file_protected(world: Sm2World) -> None:
    original = make_ofd(3)
    out = seal(world, original)
    result = verify_ofd(out)
    all_valid(result, 1)
    check = result.signatures[0]
    assert check.seal is not None and check.seal.name == "测试有限公司合同专用章"
    assert (check.data_hash_ok, check.signer_signature_ok, check.maker_signature_ok,
            check.signer_in_seal_list, check.seal_esl_matches) == (True,) * 5
    assert check.check_method == sm2.SM3_OID and check.method == sm2.SM2_WITH_SM3_OID
    assert check.files_not_covered == (LIST,) and check.files_added == ()
    files = unzipped(out)
    protected = {r.file for r in check.references}
    assert protected == {"/" + n for n in files} - {
        "/" + LIST, f"/{SIGN_0}Signature.xml", f"/{SIGN_0}SignedValue.dat"}
    # every original byte kept except OFD.xml, which now names the signature list
    before = unzipped(original)
    assert all(files[n] == before[n] for n in before if n != "OFD.xml")
    assert files["OFD.xml"] == before["OFD.xml"].replace(
        b"</ofd:DocRoot>", b"</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml"
        b"</ofd:Signatures>")
    assert files[SIGN_0 + "Seal.esl"] == world.seal
    assert zipfile.ZipFile(io.BytesIO(out)).testzip() is None
    listing = read_signature_list(OfdPackage.open(out), LIST)
    assert (listing.max_sign_id, [(e.id, e.type, e.base_loc) for e in listing.entries]) == (
        "s002", [("s001", "Seal", f"/{SIGN_0}Signature.xml")])


def test_signature_verifies_with_gmalglib_and_openssl(world: Sm2World,
                                                       tmp_path: Path) -> None:
    out = seal(world, make_ofd(2))
    files = unzipped(out)
    sig = ses.read_signature(files[SIGN_0 + "SignedValue.dat"])
    assert sig.data_hash == sm2.sm3(files[SIGN_0 + "Signature.xml"])
    assert sig.property_info == f"/{SIGN_0}Signature.xml"
    assert sig.signed_at == world.now and sig.version == 4 and sig.signer_cert == world.signer
    public = keys.public_point(world.signer)
    raw = algos.DSASignature.load(sig.signature).to_p1363()
    assert gmalg_sm2.SM2(pk=b"\x04" + public, uid=sm2.SIGNER_ID).verify(sig.signed_bytes, raw)
    public_pem = pem.armor("PUBLIC KEY", keys.public_key_info(public).dump())
    assert openssl_sm2.verify(public_pem, sig.signed_bytes, sig.signature, tmp_path)
    assert not openssl_sm2.verify(public_pem, sig.signed_bytes + b"x", sig.signature, tmp_path)


def _alter(name: str, content: bytes) -> bytes:
    """One byte changed; in XML a digit, so the file stays well-formed."""
    if not name.endswith(".xml"):
        at = len(content) // 2
        return content[:at] + bytes([content[at] ^ 0x01]) + content[at:][1:]
    digits = [i for i, b in enumerate(content) if 0x30 <= b <= 0x39 and i > 60]
    at = digits[len(digits) // 2]
    return content[:at] + (b"1" if content[at] != 0x31 else b"2") + content[at + 1:]


def test_changing_any_protected_byte_is_invalid_naming_the_file(world: Sm2World) -> None:
    out = seal(world, make_ofd(2, {0: [(KEYWORD, 30, 30, 5)], 1: []}),
               OfdStamp(keyword=KEYWORD))
    files = unzipped(out)
    targets = [n for n in files if n not in (LIST, SIGN_0 + "SignedValue.dat")]
    assert SIGN_0 + "Signature.xml" in targets and "OFD.xml" in targets
    for name in targets:
        changed = dict(files)
        changed[name] = _alter(name, files[name])
        result = verify_ofd(zipped(changed))
        check = result.signatures[0]
        assert result.status == INVALID and check.status == INVALID, name
        named = {r.file for r in check.reasons if r.severity == INVALID}
        assert "/" + name in named or name in named, (name, check.reasons)


def test_second_signature_keeps_both_valid(world: Sm2World) -> None:
    first = seal(world, make_ofd(3))
    second = seal(world, first, OfdStamp(keyword=KEYWORD), other=True,
                  signed_at=world.now + timedelta(hours=1))
    result = verify_ofd(second)
    all_valid(result, 2)
    before, after = unzipped(first), unzipped(second)
    assert all(after[n] == before[n] for n in before if n != LIST)
    listing = read_signature_list(OfdPackage.open(second), LIST)
    assert [(e.id, e.base_loc) for e in listing.entries] == [
        ("s001", f"/{SIGN_0}Signature.xml"), ("s003", "/Doc_0/Signs/Sign_1/Signature.xml")]
    assert listing.max_sign_id == "s004"
    assert result.signatures[1].signer_subject != result.signatures[0].signer_subject
    assert boundaries(result, 1) == [(page_id(2), (25.0, 183.25, 40.0, 40.0))]


def test_lock_protects_the_list_and_refuses_a_later_signature(world: Sm2World) -> None:
    locked = seal(world, make_ofd(2), lock=True)
    result = verify_ofd(locked)
    all_valid(result, 1)
    assert "/" + LIST in {r.file for r in result.signatures[0].references}
    with pytest.raises(InvalidInput) as caught:
        seal(world, locked, other=True)
    assert caught.value.code == "OFD_LOCKED"
    assert "不允许继续追加签名" in caught.value.zh and "no further signatures" in caught.value.en


def test_a_real_whole_protected_sample_is_locked(world: Sm2World) -> None:
    with pytest.raises(InvalidInput) as caught:
        seal(world, sample("V4RideRight.ofd"))
    assert caught.value.code == "OFD_LOCKED"


@pytest.mark.parametrize("name", ["v4signed.ofd", "SESV4SignDoc.ofd", "signedFile.ofd",
                                  "999.ofd", "SignScaleError.ofd"])
def test_sealing_on_top_of_a_real_continue_mode_sample(world: Sm2World, name: str) -> None:
    original = sample(name)
    before = verify_ofd(original).signatures
    out = seal(world, original)
    result = verify_ofd(out)
    # the sample's own signature is judged as before (SESV4SignDoc.ofd's signer certificate
    # and seal had expired when ofdrw signed it); ours is VALID
    assert len(result.signatures) == 2
    assert (result.signatures[0].status, result.signatures[0].reasons) == (
        before[0].status, before[0].reasons)
    assert result.signatures[0].references == before[0].references
    mine_check = result.signatures[1]
    assert mine_check.status == VALID and mine_check.reasons == (), mine_check.reasons
    assert all(r.status == "ok" for r in mine_check.references)
    old = {n: c for n, c in unzipped(original).items() if not n.endswith("/")}
    new = unzipped(out)
    signs = (result.signatures[0].path or "").rsplit("/", 2)[0]   # Doc_0/Signs
    list_path = signs + "/Signatures.xml"
    assert all(new[n] == c for n, c in old.items() if n != list_path)
    package = OfdPackage.open(out)
    mine = read_signature_xml(package, result.signatures[1].path or "")
    assert mine.path.startswith(signs + "/Sign_") and mine.path not in old
    assert result.signatures[1].provider == "OpenSeal"


def test_a_signature_list_named_in_ofd_xml_but_absent_is_created(world: Sm2World) -> None:
    files = unzipped(make_ofd(2))
    files["OFD.xml"] = files["OFD.xml"].replace(
        b"</ofd:DocRoot>", b"</ofd:DocRoot><ofd:Signatures>/Doc_0/Signs/Signatures.xml"
        b"</ofd:Signatures>")
    out = seal(world, zipped(files))
    assert unzipped(out)["OFD.xml"] == files["OFD.xml"]
    all_valid(verify_ofd(out), 1)


def test_bad_requests_are_refused(world: Sm2World) -> None:
    with pytest.raises(InvalidInput) as none:
        seal_ofd(make_ofd(1), seal=world.seal, signer_cert=world.signer, sign=world.sign,
                 stamps=[], signed_at=world.now)
    assert none.value.code == "STAMP_REQUIRED"
    with pytest.raises(InvalidInput) as naive:
        seal(world, make_ofd(1), signed_at=world.now.replace(tzinfo=None))
    assert naive.value.code == "SIGNED_AT_NAIVE"
    with pytest.raises(InvalidInput) as not_ofd:
        seal(world, b"PK\x05\x06" + bytes(18))
    assert not_ofd.value.code.startswith("OFD_")
    with pytest.raises(InvalidInput) as not_seal:
        seal_ofd(make_ofd(1), seal=world.signer, signer_cert=world.signer, sign=world.sign,
                 stamps=[OfdStamp()], signed_at=world.now)
    assert not_seal.value.code == "SES_FORMAT"


# ---------------------------------------------------------------- positions


def test_page_x_y_are_from_the_bottom_left_in_mm(world: Sm2World) -> None:
    out = seal(world, make_ofd(3), OfdStamp(page=1, x_mm=10, y_mm=10),
               OfdStamp(page=2), OfdStamp(page=3, x_mm=170, y_mm=257))
    assert boundaries(verify_ofd(out)) == [
        (page_id(0), (10.0, 247.0, 40.0, 40.0)),      # 297 - 10 - 40 from the top
        (page_id(1), (145.0, 232.0, 40.0, 40.0)),     # default: 25 mm from right and bottom
        (page_id(2), (170.0, 0.0, 40.0, 40.0))]       # the top-right corner


@pytest.mark.parametrize(("stamp", "code"), [
    (OfdStamp(page=1, x_mm=171, y_mm=10), "POSITION_OFF_PAGE"),
    (OfdStamp(page=1, x_mm=10, y_mm=258), "POSITION_OFF_PAGE"),
    (OfdStamp(page=1, x_mm=-1, y_mm=10), "POSITION_OFF_PAGE"),
    (OfdStamp(page=1, x_mm=float("nan"), y_mm=10), "POSITION_OFF_PAGE"),
    (OfdStamp(cross_page=True, y_mm=float("inf")), "POSITION_OFF_PAGE"),
    (OfdStamp(page=4), "PAGE_NOT_FOUND"),
    (OfdStamp(page=0), "PAGE_NOT_FOUND"),
    (OfdStamp(keyword="乙方（盖章）"), "KEYWORD_NOT_FOUND"),
    (OfdStamp(keyword=KEYWORD, occurrence="2"), "KEYWORD_OCCURRENCE"),
    (OfdStamp(keyword=KEYWORD, x_mm=3), "STAMP_CONFLICT"),
    (OfdStamp(cross_page=True, pages="2-2"), "CROSS_PAGE_RANGE"),
    (OfdStamp(cross_page=True, pages="1-9"), "PAGE_NOT_FOUND"),
    (OfdStamp(cross_page=True, edge="top"), "CROSS_PAGE_EDGE"),
])
def test_positions_refused(world: Sm2World, stamp: OfdStamp, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        seal(world, make_ofd(3), stamp)
    assert caught.value.code == code and caught.value.zh and caught.value.en


def test_keyword_centres_the_seal_on_the_text(world: Sm2World) -> None:
    texts = {0: [("合同 甲方（盖章）：", 100, 50, 4)], 1: [], 2: [(KEYWORD, 30, 200, 5)]}
    doc = make_ofd(3, texts)
    first = boundaries(verify_ofd(seal(world, doc, OfdStamp(keyword=KEYWORD))))
    # 6 characters of 4 mm after "合同" and a space (3 chars): x 112..136, baseline 54
    assert first == [(page_id(0), (104.0, 32.6, 40.0, 40.0))]
    every = boundaries(verify_ofd(seal(world, doc, OfdStamp(keyword=KEYWORD,
                                                             occurrence="all"))))
    assert every == [(page_id(0), (104.0, 32.6, 40.0, 40.0)),
                     (page_id(2), (25.0, 183.25, 40.0, 40.0))]
    last = boundaries(verify_ofd(seal(world, doc, OfdStamp(keyword=KEYWORD,
                                                            occurrence="last"))))
    assert last == every[1:]


def test_keyword_with_ctm_and_separate_text_codes(world: Sm2World) -> None:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    content = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
               '<ofd:Layer ID="9"><ofd:TextObject ID="10" Boundary="50 100 80 20" Font="1" '
               'Size="10" CTM="0.5 0 0 0.5 0 0"><ofd:TextCode X="0" Y="10">甲方</ofd:TextCode>'
               '<ofd:TextCode X="20" Y="10" DeltaX="10 10 10">（盖章）</ofd:TextCode>'
               "</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>").encode()
    files = unzipped(make_ofd(1, {0: []}))
    files["Doc_0/Pages/Page_0/Content.xml"] = content
    out = seal(world, zipped(files), OfdStamp(keyword=KEYWORD))
    # object space x 0..60, baseline 10 (glyphs 1.5..11.5); CTM halves: x 50..80, y 100.75..105.75
    assert boundaries(verify_ofd(out)) == [(page_id(0), (45.0, 83.25, 40.0, 40.0))]


def test_delta_x_forms_and_hostile_repeats() -> None:
    assert delta_x("5 5 g 3 4.2", 10) == [5, 5, 4.2, 4.2, 4.2]
    assert delta_x("2 g 999999999 1", 4) == [2, 1, 1, 1]
    assert delta_x("1 x 2", 5) == [1] and delta_x("", 3) == []


def test_riding_seal_tiles_the_seal_over_five_pages(world: Sm2World) -> None:
    doc = strip_signatures(sample("V4RideRight.ofd"))
    assert verify_ofd(doc).signatures == ()
    out = seal(world, doc, OfdStamp(cross_page=True, y_mm=217))
    result = verify_ofd(out)
    all_valid(result, 1)
    stamps = result.signatures[0].stamps
    # exactly what ofdrw wrote for this document (its V4RideRight.ofd Signature.xml)
    assert [(s.page_ref, s.boundary_mm, s.clip) for s in stamps] == [
        (ref, (202.0 - 8 * i, 40.0, 40.0, 40.0), (8.0 * i, 0.0, 8.0, 40.0))
        for i, ref in enumerate(["1", "21", "43", "63", "83"])]
    for s in stamps:  # every slice lies on its page, flush with the right edge
        assert s.boundary_mm is not None and s.clip is not None
        assert s.boundary_mm[0] + s.clip[0] == pytest.approx(202.0)
        assert s.boundary_mm[0] + s.clip[0] + s.clip[2] == pytest.approx(210.0)


def test_riding_seal_on_the_left_edge_centred(world: Sm2World) -> None:
    out = seal(world, make_ofd(5), OfdStamp(cross_page=True, pages="2-", edge="left"))
    stamps = verify_ofd(out).signatures[0].stamps
    # page 2 carries the rightmost slice, flush with its left edge (x 0..10 on every page)
    assert [(s.page_ref, s.boundary_mm, s.clip) for s in stamps] == [
        (page_id(1), (-30.0, 128.5, 40.0, 40.0), (30.0, 0.0, 10.0, 40.0)),
        (page_id(2), (-20.0, 128.5, 40.0, 40.0), (20.0, 0.0, 10.0, 40.0)),
        (page_id(3), (-10.0, 128.5, 40.0, 40.0), (10.0, 0.0, 10.0, 40.0)),
        (page_id(4), (0.0, 128.5, 40.0, 40.0), (0.0, 0.0, 10.0, 40.0))]


# ---------------------------------------------------------------- refusals, output


def test_signer_must_be_in_the_seal_and_hold_the_key(world: Sm2World) -> None:
    with pytest.raises(InvalidInput) as caught:
        seal_ofd(make_ofd(1), seal=world.seal, signer_cert=world.maker, sign=world.sign,
                 stamps=[OfdStamp()], signed_at=world.now)
    assert caught.value.code == "SES_SIGNER_NOT_IN_SEAL"
    with pytest.raises(IntegrityViolation) as wrong:
        seal_ofd(make_ofd(1), seal=world.seal, signer_cert=world.signer,
                 sign=world.sign_other, stamps=[OfdStamp()], signed_at=world.now)
    assert wrong.value.code == "SM2_SIGN_KEY_MISMATCH"
    with pytest.raises(InvalidInput) as late:
        seal(world, make_ofd(1), signed_at=world.now + timedelta(days=400))
    assert late.value.code == "SEAL_NOT_VALID_AT_SIGNING"


def test_output_is_deterministic_and_carries_the_timestamp(world: Sm2World) -> None:
    cache: dict[bytes, bytes] = {}
    tokens: list[bytes] = []

    def once(data: bytes) -> bytes:  # SM2 is randomised: the same signature each time
        return cache.setdefault(data, world.sign(data))

    def tsa(value: bytes) -> bytes:
        tokens.append(value)
        return b"\x30\x03\x02\x01\x07"

    def run(ts: Callable[[bytes], bytes] | None) -> bytes:
        return seal_ofd(make_ofd(2), seal=world.seal, signer_cert=world.signer, sign=once,
                        stamps=[OfdStamp(keyword=KEYWORD)], signed_at=world.now,
                        timestamp=ts)

    assert run(None) == run(None)
    stamped = run(tsa)
    sig = ses.read_signature(unzipped(stamped)[SIGN_0 + "SignedValue.dat"])
    assert sig.timestamp == b"\x30\x03\x02\x01\x07" and tokens == [sig.signature]
    all_valid(verify_ofd(stamped), 1)


# ---------------------------------------------------------------- easyofd


def _easyofd_pages(data: bytes, zoom: float = 0.5, reader: str = "easyofd") -> list[object]:
    """The rendering of ``data`` by ``reader`` (easyofd, or its fork ofd2img): OFD -> PDF
    (its DrawPDF) -> images (PyMuPDF)."""
    saved = list(sys.path)  # both modules put the cwd and ".." in front of sys.path
    try:
        with warnings.catch_warnings():  # they import PyMuPDF as the deprecated "fitz"
            warnings.simplefilter("ignore", FutureWarning)
            module = importlib.import_module(f"{reader}.ofd")
    except ImportError:
        missing(f"{reader} is not installed: pip install {reader} (an independent OFD "
                "renderer, pure Python over PyMuPDF)")
    finally:
        sys.path[:] = saved
    pymupdf: Any = importlib.import_module("pymupdf")  # untyped; installed with the readers
    from loguru import logger
    from PIL import Image

    logger.disable(reader)
    document = module.OFD()
    document.read(data, fmt="binary")
    pdf = document.to_pdf()
    pages: list[object] = []
    for page in pymupdf.open(stream=pdf, filetype="pdf"):
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        pages.append(Image.frombytes("RGB", (pix.width, pix.height), pix.samples))
    return pages


def _red_box_mm(image: object) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) in mm of the red pixels of an A4 page image."""
    px = image.load()  # type: ignore[attr-defined]
    width, height = image.size  # type: ignore[attr-defined]
    red = [(x, y) for x in range(width) for y in range(height)
           if px[x, y][0] > 180 and px[x, y][1] < 110 and px[x, y][2] < 110]
    if not red:
        return None
    scale = width / 210
    xs, ys = [p[0] for p in red], [p[1] for p in red]
    return min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale


def test_easyofd_opens_and_renders_the_sealed_ofd(world: Sm2World) -> None:
    out = seal(world, make_ofd(3), OfdStamp(page=2, x_mm=120, y_mm=30))
    pages = _easyofd_pages(out)
    assert len(pages) == 3
    assert _red_box_mm(pages[0]) is None and _red_box_mm(pages[2]) is None
    box = _red_box_mm(pages[1])
    assert box is not None  # the seal is drawn inside Boundary 120 227 40 40
    assert 119 <= box[0] and box[2] <= 161 and 226 <= box[1] and box[3] <= 268
    assert box[2] - box[0] > 30 and box[3] - box[1] > 30


def test_ofd_renderers_show_the_riding_seal_on_every_page(world: Sm2World) -> None:
    """easyofd draws only the LAST StampAnnot of each signature (its SignatureFileParser
    overwrites the previous one) and ignores Clip, so it shows one whole seal on page 5.
    Its fork ofd2img draws every StampAnnot but ignores Clip too: page i shows the seal's
    Boundary cut by the page edge, which includes slice i, flush with the right edge."""
    out = seal(world, make_ofd(5), OfdStamp(cross_page=True))
    easy = [_red_box_mm(p) for p in _easyofd_pages(out)]
    assert len(easy) == 5 and easy[:4] == [None] * 4
    assert easy[4] is not None and easy[4][0] >= 169 and easy[4][2] <= 210.5
    boxes = [_red_box_mm(p) for p in _easyofd_pages(out, reader="ofd2img")]
    assert len(boxes) == 5
    for i, box in enumerate(boxes):
        assert box is not None, i
        left, top, right, bottom = box
        # slice i is page x 202..210; ofd2img draws from the Boundary's left, 210 - 8 (i + 1)
        assert left == pytest.approx(202 - 8 * i, abs=1.5) and right >= 209, (i, box)
        assert 127 <= top and bottom <= 169.5, (i, box)
