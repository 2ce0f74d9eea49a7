"""Sealing an OFD file (GB/T 33190 §18 with a GB/T 38540 v4 electronic signature).

``seal_ofd`` follows GBT38540-OFD.md §2.4 (after ofdrw's ``OFDSigner``):

1. open the package leniently (``package.py``) and take the first DocBody; if OFD.xml names
   no signature list, add ``<ofd:Signatures>`` to it (as text, before anything is hashed:
   OFD.xml is protected);
2. refuse (``OFD_LOCKED``) when an existing signature's References cover Signatures.xml:
   that signer locked the document;
3. add ``<ofd:Signature ID="sNNN" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_N/Signature.xml"/>``
   to Signatures.xml (created or rewritten: it is never protected when we get here) and
   raise MaxSignId over the new signature and StampAnnot IDs;
4. write ``Sign_N/Seal.esl`` (the seal as given) and name it in ``SignedInfo/Seal``;
5. one StampAnnot per stamp (``stamp.py``; a riding seal gives one per page, with a Clip);
6. SM3 every file of the package except Signatures.xml (continue mode, so others may sign
   after us), or every file including it with ``lock=True``; write Signature.xml once
   (``writer.py``);
7. dataHash = SM3(Signature.xml bytes); TBS_Sign v4 with propertyInfo = the Signature.xml
   path; the signer signs it through ``sign`` (the key stays in its key store); the
   signature is checked against ``signer_cert`` before it is used; SignedValue.dat =
   DER(SES_Signature), with the optional RFC 3161 token of ``timestamp(signature value)``;
8. re-zip: every file keeps its stored bytes and its place, new files come last.

Before any of that the seal is checked as GB/T 38540 asks: it is a v4 seal, its maker's
signature verifies, ``signed_at`` lies within its validity and the signer certificate's, and
``signer_cert`` is in its certificate list. Positions: see ``stamp.py`` (the product's x/y
are from the page's bottom-left, OFD's from its top-left) and ``keyword.py``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openseal import __version__
from openseal.core.gm import sm2
from openseal.core.ofd import ses, writer
from openseal.core.ofd import ses_der as der
from openseal.core.ofd import stamp as st
from openseal.core.ofd.certs import CertificateInfo, certificate_info
from openseal.core.ofd.keyword import find_keyword
from openseal.core.ofd.package import (
    DocBody,
    OfdPackage,
    Page,
    child,
    children,
    descendants,
    folder,
    local,
    normalise,
    text,
)
from openseal.core.ofd.ses_build import ExtData
from openseal.core.ofd.signatures_xml import read_signature_list, read_signature_xml
from openseal.core.ofd.stamp import OfdStamp, StampBox
from openseal.core.signing.occurrence import chosen
from openseal.errors import IntegrityViolation, InvalidInput

__all__ = ["OfdSealed", "OfdStamp", "preflight_ofd", "seal_ofd", "seal_ofd_result"]

Sign = Callable[[bytes], bytes]
COMPANY = "OpenSeal"


@dataclass(frozen=True)
class OfdSealed:
    """What ``seal_ofd_result`` made: the sealed file, the new signature's ID in
    Signatures.xml and the 1-based page of its first stamp."""

    data: bytes
    signature_id: str
    page: int


def seal_ofd(data: bytes, *, seal: bytes, signer_cert: bytes, sign: Sign,
             stamps: Sequence[OfdStamp], signed_at: datetime, lock: bool = False,
             provider: str = "OpenSeal",
             timestamp: Callable[[bytes], bytes] | None = None,
             ext_datas: Sequence[ExtData] = ()) -> bytes:
    """The OFD file ``data`` sealed with ``seal`` by the holder of ``signer_cert``.

    ``seal``: DER SES_Seal v4 (its picture's size in mm is the stamp's size);
    ``sign(data)``: the signer's DER SM2 signature (SM3, ID 1234567812345678) of ``data``;
    ``timestamp(signature)``: optionally an RFC 3161 token for SES_Signature.timeStamp;
    ``lock``: protect Signatures.xml too, so that no later signature can be added;
    ``ext_datas``: TBS_Sign.extDatas (signed with the rest of TBS_Sign).
    Raises InvalidInput (nothing is returned, nothing written) for any refusal.
    """
    return seal_ofd_result(data, seal=seal, signer_cert=signer_cert, sign=sign, stamps=stamps,
                           signed_at=signed_at, lock=lock, provider=provider,
                           timestamp=timestamp, ext_datas=ext_datas).data


def preflight_ofd(data: bytes) -> None:
    """Refuse, as ``seal_ofd`` would before signing, what could never be sealed: not an OFD
    package (OFD_NOT_ZIP / OFD_STRUCTURE), no document or no pages, or locked (OFD_LOCKED)."""
    package = OfdPackage.open(data)
    body, _ = _first_body(package)
    if not package.pages(body.doc_root or ""):
        raise _structure("文档没有页面", "the document has no pages")
    list_path = package.signatures_path(body)
    if list_path is not None:
        _read_list(package, list_path)


def seal_ofd_result(data: bytes, *, seal: bytes, signer_cert: bytes, sign: Sign,
                    stamps: Sequence[OfdStamp], signed_at: datetime, lock: bool = False,
                    provider: str = "OpenSeal",
                    timestamp: Callable[[bytes], bytes] | None = None,
                    ext_datas: Sequence[ExtData] = ()) -> OfdSealed:
    """``seal_ofd``, saying also which signature it added and on which page."""
    if signed_at.tzinfo is None or signed_at.utcoffset() is None:
        raise InvalidInput("SIGNED_AT_NAIVE", "签章时间须带时区", "The signing time needs a "
                           "time zone", field="signed_at")
    es = _checked_seal(seal, signer_cert, signed_at)
    if not stamps:
        raise InvalidInput("STAMP_REQUIRED", "至少要指定一个盖章位置",
                           "At least one seal position is needed", field="stamps")
    package = OfdPackage.open(data)
    body, signatures_text = _first_body(package)
    doc_root = body.doc_root or ""
    pages = package.pages(doc_root)
    boxes = _boxes(package, pages, stamps, float(es.picture.width_mm),
                   float(es.picture.height_mm))
    files = {name: package.read(name) for name in package.names()}

    list_path = package.signatures_path(body)
    entries: list[list[tuple[str, str]]] = []
    last_id = 0
    if list_path is not None:
        entries, last_id = _read_list(package, list_path)
    elif signatures_text:
        list_path = normalise(signatures_text)
        if list_path is None:
            raise _structure("OFD.xml 中签名列表的路径无效", "the Signatures path in OFD.xml "
                             "is not valid")
    else:
        list_path = f"{folder(doc_root)}/Signs/Signatures.xml".lstrip("/")
        ofd_name = package.find("OFD.xml") or "OFD.xml"
        files[ofd_name] = writer.add_signatures_loc(files[ofd_name], list_path)

    sign_dir = _free_folder(files, folder(list_path))
    sig_path, value_path, esl_path = (f"{sign_dir}/{name}" for name in
                                      ("Signature.xml", "SignedValue.dat", "Seal.esl"))
    sig_id = writer.sign_id(last_id + 1)
    annots = [writer.Annot(writer.sign_id(last_id + 2 + i), b.page_id, b.boundary, b.clip)
              for i, b in enumerate(boxes)]
    entries.append([("ID", sig_id), ("Type", "Seal"), ("BaseLoc", "/" + sig_path)])
    files[list_path] = writer.signatures_xml(writer.sign_id(last_id + 1 + len(boxes)), entries)
    files[esl_path] = es.der

    references = [("/" + name, base64.b64encode(sm2.sm3(content)).decode("ascii"))
                  for name, content in files.items() if lock or name != list_path]
    signature_xml = writer.signature_xml(
        provider=provider, version=__version__, company=COMPANY,
        date_time=signed_at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ"),
        references=references, annots=annots, seal_loc="/" + esl_path,
        signed_value_loc="/" + value_path)
    tbs = ses.tbs_sign_v4(es.der, signed_at, sm2.sm3(signature_xml), "/" + sig_path,
                          ext_datas)
    value = _signature(tbs, signer_cert, sign)
    token = timestamp(value) if timestamp is not None else None
    files[sig_path] = signature_xml
    files[value_path] = ses.signature_v4(tbs, signer_cert, lambda _data: value, token)
    first = next((p.index + 1 for p in pages if p.id == boxes[0].page_id), 1)
    return OfdSealed(writer.write_zip(files.items(), signed_at), sig_id, first)


# ---------------------------------------------------------------- the seal and the signer


def _checked_seal(seal: bytes, signer_cert: bytes, signed_at: datetime) -> ses.EsSeal:
    es = ses.read_seal(seal)  # InvalidInput SES_FORMAT
    if es.version != 4:
        raise InvalidInput("SES_VERSION", f"只能用 GB/T 38540 v4 印章盖章，此印章为 v{es.version}",
                           f"Only GB/T 38540 v4 seals can seal, this one is v{es.version}",
                           field="seal")
    if not _maker_signed(seal):
        raise InvalidInput("SES_SEAL_SIGNATURE_INVALID", "电子印章的制章者签名无效",
                           "The seal maker's signature over the seal is invalid", field="seal")
    if not es.valid_from <= signed_at <= es.valid_until:
        raise InvalidInput("SEAL_NOT_VALID_AT_SIGNING", "签章时间不在电子印章的有效期内",
                           "The signing time is outside the seal's validity period",
                           field="seal")
    if not ses.signer_allowed(es, signer_cert):
        raise InvalidInput("SES_SIGNER_NOT_IN_SEAL", "签章人证书不在印章的授权证书列表中",
                           "The signer's certificate is not in the seal's certificate list",
                           field="signer_cert")
    info = _signer(signer_cert)
    if info is None or info.public_key is None:
        raise InvalidInput("CERT_UNREADABLE", "无法读取签章人证书",
                           "The signer's certificate cannot be read", field="signer_cert")
    if not info.valid_at(signed_at):
        raise InvalidInput("CERT_NOT_VALID_AT_SIGNING", "签章时间不在签章人证书的有效期内",
                           "The signing time is outside the signer certificate's validity",
                           field="signer_cert")
    return es


@functools.lru_cache(maxsize=64)
def _maker_signed(seal: bytes) -> bool:
    """Whether the seal maker's signature over ``seal`` verifies: once per seal, not once
    per document (the same bytes always give the same answer)."""
    return ses.maker_signature_valid(ses.read_seal(seal))


@functools.lru_cache(maxsize=64)
def _signer(signer_cert: bytes) -> CertificateInfo | None:
    """The signer certificate, read once per certificate."""
    return certificate_info(signer_cert)


def _signature(tbs: bytes, signer_cert: bytes, sign: Sign) -> bytes:
    """``sign(tbs)`` as DER, checked with the certificate's key (a wrong key fails here)."""
    value = der.der_signature(bytes(sign(tbs)))
    info = _signer(signer_cert)
    if info is None or info.public_key is None or not sm2.verify(info.public_key, tbs, value):
        raise IntegrityViolation("SM2_SIGN_KEY_MISMATCH",
                                 "签名结果不能用签章人证书的公钥验证（签名密钥与证书不符）",
                                 "The signature does not verify with the signer certificate's "
                                 "key (the signing key does not belong to that certificate)")
    return value


# ---------------------------------------------------------------- the package


def _structure(zh: str, en: str) -> InvalidInput:
    return InvalidInput("OFD_STRUCTURE", f"OFD 文件结构不完整：{zh}",
                        f"The OFD file is incomplete: {en}", field="file")


def _first_body(package: OfdPackage) -> tuple[DocBody, str]:
    """The first DocBody and the Signatures text OFD.xml gives for it (maybe "")."""
    root = package.xml(package.find("OFD.xml") or "OFD.xml")
    elements = descendants(root, "DocBody")
    bodies = package.doc_bodies()
    if not elements or not bodies or bodies[0].doc_root is None:
        raise _structure("缺少 DocBody/DocRoot 或其文档文件", "DocBody/DocRoot or its "
                         "Document.xml is missing")
    return bodies[0], text(child(elements[0], "Signatures"))


def _read_list(package: OfdPackage, path: str) -> tuple[list[list[tuple[str, str]]], int]:
    """The existing entries' attributes (as found) and the highest security ID number.

    Refuses (``OFD_LOCKED``) when an existing signature protects the list itself.
    """
    listing = read_signature_list(package, path)
    numbers = [_number(listing.max_sign_id or "")]
    for entry in listing.entries:
        numbers.append(_number(entry.id))
        if entry.path is None:
            continue
        try:
            sx = read_signature_xml(package, entry.path)
        except InvalidInput:
            continue  # a malformed old signature: its own verification reports it
        if any(ref.path == path for ref in sx.references):
            raise InvalidInput("OFD_LOCKED", "文档不允许继续追加签名（已有签章保护了签名列表）",
                               "The document allows no further signatures (an existing "
                               "signature protects the signature list)", field="file",
                               signature=entry.id)
        numbers.extend(_number(a.id) for a in sx.stamp_annots)
    root = package.xml(path)
    entries = [[(local(name), value) for name, value in element.attrib.items()]
               for element in children(root, "Signature")]
    return entries, max(numbers)


def _number(value: str) -> int:
    digits = "".join(c for c in value if c.isdigit())
    return int(digits[-9:]) if digits else 0


def _free_folder(files: dict[str, bytes], signs: str) -> str:
    """The first ``<signs>/Sign_N`` that holds no file (case-insensitive)."""
    taken = {name.lower() for name in files}
    n = 0
    while True:
        candidate = f"{signs}/Sign_{n}".lstrip("/")
        prefix = candidate.lower() + "/"
        if not any(name.startswith(prefix) for name in taken):
            return candidate
        n += 1


def _boxes(package: OfdPackage, pages: list[Page], stamps: Sequence[OfdStamp],
           w: float, h: float) -> list[StampBox]:
    if not pages:
        raise _structure("文档没有页面", "the document has no pages")
    boxes: list[StampBox] = []
    for item in stamps:
        if item.keyword is not None:
            if item.cross_page or item.x_mm is not None or item.y_mm is not None:
                raise _conflict()
            hits = find_keyword(package, pages, item.keyword)
            for number, centre in chosen(hits, item.keyword, item.occurrence):
                boxes.append(st.centred(st.page_at(pages, number), centre, w, h))
        elif item.cross_page:
            if item.x_mm is not None:
                raise _conflict()
            boxes.extend(st.riding(pages, item, w, h))
        else:
            boxes.append(st.at_position(pages, item, w, h))
    return boxes


def _conflict() -> InvalidInput:
    return InvalidInput("STAMP_CONFLICT", "一个盖章位置只能是坐标、关键字或骑缝章之一",
                        "A seal position is either x/y, a keyword or a cross-page seal, "
                        "not several", field="stamps")

