"""OFD package reading: ST_Loc paths, lenient lookups, Signature.xml quirks, dates."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest

from openseal.core.ofd.package import OfdPackage, normalise, parse_xml
from openseal.core.ofd.signatures_xml import (
    digest_of,
    parse_time,
    read_signature_list,
    read_signature_xml,
)
from openseal.errors import InvalidInput

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def package(entries: dict[str, bytes]) -> OfdPackage:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return OfdPackage.open(out.getvalue())


@pytest.mark.parametrize(("loc", "base", "expected"), [
    ("/Doc_0/Document.xml", "Doc_0/Signs", "Doc_0/Document.xml"),
    ("Doc_0/Document.xml", "", "Doc_0/Document.xml"),
    ("Sign_0/Signature.xml", "Doc_0/Signs", "Doc_0/Signs/Sign_0/Signature.xml"),
    ("./Sign_0/./Signature.xml", "Doc_0/Signs", "Doc_0/Signs/Sign_0/Signature.xml"),
    ("..\\Pages\\Page_0\\Content.xml", "Doc_0/Signs", "Doc_0/Pages/Page_0/Content.xml"),
    (" /OFD.xml ", "Doc_0", "OFD.xml"),
    ("../../../etc/passwd", "Doc_0/Signs", None),
    ("/../OFD.xml", "", None),
    ("", "Doc_0", None),
])
def test_st_loc_normalisation(loc: str, base: str, expected: str | None) -> None:
    assert normalise(loc, base) == expected


def test_locate_relative_falls_back_to_the_root_and_ignores_case() -> None:
    pkg = package({"OFD.xml": b"<OFD/>", "Doc_0/Document.xml": b"<Document/>",
                   "Doc_0/Tpls/Tpl_0/Content.xml": b"<Page/>"})
    assert pkg.locate("Doc_0/Document.xml", "Doc_0/Signs/Sign_0") == "Doc_0/Document.xml"
    assert pkg.locate("TPLS/Tpl_0/Content.xml", "Doc_0") == "Doc_0/Tpls/Tpl_0/Content.xml"
    assert pkg.locate("/Doc_0/Missing.xml") is None
    assert pkg.read("doc_0/document.xml") == b"<Document/>"
    assert pkg.names() == ["OFD.xml", "Doc_0/Document.xml", "Doc_0/Tpls/Tpl_0/Content.xml"]


def test_documents_without_namespace_or_with_odd_order_are_read() -> None:
    pkg = package({
        "OFD.xml": b"<OFD><DocBody><Signatures>Doc_0\\Signs\\Signatures.xml</Signatures>"
                   b"<DocRoot>./Doc_0/Document.xml</DocRoot></DocBody></OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:Pages><ofd:Page ID='7' "
                              f"BaseLoc='Pages/P/Content.xml'/></ofd:Pages><ofd:CommonData>"
                              f"<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
                              f"</ofd:PageArea></ofd:CommonData></ofd:Document>".encode(),
        "Doc_0/Pages/P/Content.xml": b"<Page/>",
        "Doc_0/Signs/Signatures.xml":
            f"<ofd:Signatures {NS}><ofd:Signature ID='001' BaseLoc='Sign_0/Signature.xml'/>"
            f"<ofd:MaxSignId>001</ofd:MaxSignId></ofd:Signatures>".encode(),
        "Doc_0/Signs/Sign_0/Signature.xml":
            f"<ofd:Signature {NS}><ofd:SignedValue>SignedValue.dat</ofd:SignedValue>"
            f"<ofd:SignedInfo><ofd:Seal><ofd:BaseLoc>Seal.esl</ofd:BaseLoc></ofd:Seal>"
            f"<ofd:StampAnnot ID='1' PageRef='7' Boundary='1 2 3 4' Clip='0 0 1 4'/>"
            f"<ofd:References CheckMethod='sm3'><ofd:Reference FileRef='/Doc_0/Document.xml'>"
            f"<ofd:CheckValue>AAEC</ofd:CheckValue></ofd:Reference></ofd:References>"
            f"<ofd:SignatureDateTime>2020-10-23 19:45:37</ofd:SignatureDateTime>"
            f"<ofd:Provider ProviderName='X'/></ofd:SignedInfo></ofd:Signature>".encode(),
        "Doc_0/Signs/Sign_0/SignedValue.dat": b"\x30\x00",
    })
    [body] = pkg.doc_bodies()
    assert body.doc_root == "Doc_0/Document.xml"
    assert body.signatures == "Doc_0/Signs/Signatures.xml"
    [page] = pkg.pages("Doc_0/Document.xml")
    assert (page.id, page.index, page.path, page.physical_box) == (
        "7", 0, "Doc_0/Pages/P/Content.xml", (0.0, 0.0, 210.0, 297.0))
    listing = read_signature_list(pkg, "Doc_0/Signs/Signatures.xml")
    assert listing.max_sign_id == "001"
    [entry] = listing.entries
    assert (entry.id, entry.type, entry.path) == ("001", "Seal",
                                                  "Doc_0/Signs/Sign_0/Signature.xml")
    sx = read_signature_xml(pkg, "Doc_0/Signs/Sign_0/Signature.xml")
    assert sx.digest == "SM3" and sx.provider_name == "X"
    assert sx.signed_value_path == "Doc_0/Signs/Sign_0/SignedValue.dat"
    assert sx.seal_loc == "Seal.esl" and sx.seal_path is None  # named, not in the package
    [ref] = sx.references
    assert (ref.path, ref.check_value) == ("Doc_0/Document.xml", b"\x00\x01\x02")
    [stamp] = sx.stamp_annots
    assert (stamp.page_ref, stamp.boundary, stamp.clip) == ("7", (1.0, 2.0, 3.0, 4.0),
                                                            (0.0, 0.0, 1.0, 4.0))
    assert sx.signature_time == datetime(2020, 10, 23, 11, 45, 37, tzinfo=UTC)


@pytest.mark.parametrize(("method", "digest"), [
    ("1.2.156.10197.1.401", "SM3"), ("SM3", "SM3"), ("sm3", "SM3"),
    ("MD5", None), ("SHA1", None), ("", None),
])
def test_check_methods(method: str, digest: str | None) -> None:
    assert digest_of(method) == digest


CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(("text", "expected"), [
    ("20201010151120", datetime(2020, 10, 10, 15, 11, 20, tzinfo=CST)),
    ("20201004072855.302Z", datetime(2020, 10, 4, 7, 28, 55, 302000, tzinfo=UTC)),
    ("20200817111329Z", datetime(2020, 8, 17, 11, 13, 29, tzinfo=UTC)),
    ("2020-10-23 19:45:37", datetime(2020, 10, 23, 19, 45, 37, tzinfo=CST)),
    ("2020-10-23T19:45:37+08:00", datetime(2020, 10, 23, 11, 45, 37, tzinfo=UTC)),
    ("yesterday", None), ("", None),
])
def test_signature_date_times(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_parse_xml_refuses_doctype_and_keeps_bom() -> None:
    assert parse_xml("\ufeff<?xml version='1.0' encoding='UTF-8'?><a>x</a>".encode()).text == "x"
    with pytest.raises(InvalidInput) as caught:
        parse_xml(b"<!DOCTYPE a><a/>")
    assert caught.value.code == "OFD_XML_FORBIDDEN"
    with pytest.raises(InvalidInput) as caught:
        parse_xml(b"<a>")
    assert caught.value.code == "OFD_XML_MALFORMED"
