"""OFD test material: a small valid unsigned OFD, signatures taken out of real samples, and an
SM2 world (root, seal maker, signer, a v4 seal) to seal with.

``make_ofd`` writes OFD.xml, Doc_0/Document.xml (CommonData/PageArea 210x297 mm, a font in
PublicRes.xml) and one Pages/Page_N/Content.xml per page with TextObjects (宋体, black).
Page IDs are deliberately not 1..N (``page_id``), so PageRef must be the page's ID.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from openseal.core.gm import sm2
from openseal.core.ofd.ses import SealPicture, seal_info_v4, seal_v4
from openseal.core.pki.profiles import SubjectInfo
from openseal.core.pki.sm2_certs import (
    sm2_ca_certificate,
    sm2_root_certificate,
    sm2_seal_certificate,
)

NS = "http://www.ofdspec.org/2016"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
USCC = "91350100M000100Y43"
#: (text, x, y, font size): TextObject Boundary at (x, y) mm from the top-left, baseline
#: ``size`` below its top, each character advancing by ``size`` (DeltaX "g n size").
Text = tuple[str, float, float, float]


def page_id(index: int) -> str:
    """The ID of the 0-based page ``index`` in ``make_ofd`` files."""
    return str(100 + 7 * index)


def make_ofd(pages: int = 3, texts: Mapping[int, Sequence[Text]] | None = None) -> bytes:
    """An unsigned OFD of ``pages`` A4 pages; ``texts`` by 0-based page index (default: a
    title on every page and 「甲方（盖章）」 on the last one)."""
    if texts is None:
        texts = {i: [(f"第{i + 1}页 测试合同", 20.0, 20.0, 6.0)] for i in range(pages)}
        texts = {**texts, pages - 1: [*texts[pages - 1], ("甲方（盖章）", 30.0, 200.0, 5.0)]}
    files: dict[str, bytes] = {}
    files["OFD.xml"] = (
        HEAD + f'<ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>6f70656e7365616c746573746f6664</ofd:DocID>"
        "<ofd:Title>测试合同</ofd:Title><ofd:CreationDate>2026-11-01</ofd:CreationDate>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>"
        "</ofd:OFD>").encode()
    refs = "".join(f'<ofd:Page ID="{page_id(i)}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                   for i in range(pages))
    files["Doc_0/Document.xml"] = (
        HEAD + f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{1000 + pages * 10}</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{refs}</ofd:Pages></ofd:Document>").encode()
    files["Doc_0/PublicRes.xml"] = (
        HEAD + f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>').encode()
    for i in range(pages):
        objects = "".join(
            f'<ofd:TextObject ID="{1000 + i * 10 + n + 2}" Boundary="{x:g} {y:g} '
            f'{size * len(text):g} {size * 1.5:g}" Font="1" Size="{size:g}">'
            '<ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{size:g}" DeltaX="g {len(text) - 1} {size:g}">{text}'
            "</ofd:TextCode></ofd:TextObject>"
            for n, (text, x, y, size) in enumerate(texts.get(i, ())))
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            HEAD + f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="{1000 + i * 10 + 1}">{objects}</ofd:Layer></ofd:Content>'
            "</ofd:Page>").encode()
    return zipped(files)


def zipped(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def unzipped(data: bytes) -> dict[str, bytes]:
    """The files of a package (no folder entries), in zip order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


_SIGNATURES = re.compile(rb"<([A-Za-z_][\w.-]*:)?Signatures>[^<]*</([A-Za-z_][\w.-]*:)?"
                         rb"Signatures>")


def strip_signatures(data: bytes) -> bytes:
    """A sample with its signatures taken out: the Signs folders removed and OFD.xml's
    ``<ofd:Signatures>`` element cut out (every other byte kept)."""
    files = unzipped(data)
    kept = {name: content for name, content in files.items()
            if "/signs/" not in f"/{name.lower()}"}
    kept["OFD.xml"] = _SIGNATURES.sub(b"", kept["OFD.xml"])
    return zipped(kept)


@dataclass
class Sm2World:
    """A root, a seal maker and a signer certificate, their keys and a v4 seal."""

    now: datetime
    root: bytes
    maker: bytes
    signer: bytes
    signer_key: tuple[bytes, bytes]
    seal: bytes
    other_signer: bytes = b""
    other_key: tuple[bytes, bytes] = field(default=(b"", b""))

    def sign(self, data: bytes) -> bytes:
        private, public = self.signer_key
        return sm2.sign(private, public, data)

    def sign_other(self, data: bytes) -> bytes:
        private, public = self.other_key
        return sm2.sign(private, public, data)


def sm2_world(picture: bytes, *, size_mm: tuple[int, int] = (40, 40),
              name: str = "测试有限公司合同专用章") -> Sm2World:
    """Fresh keys: an SM2 root, a seal maker CA and two signer certificates under it, and a
    v4 seal (``picture`` PNG, ``size_mm``) listing both signers."""
    now = datetime(2026, 11, 29, 2, 0, 0, tzinfo=UTC)
    start, end = now - timedelta(days=30), now + timedelta(days=365)
    root_key, maker_key, signer_key, other_key = (sm2.generate() for _ in range(4))
    root = sm2_root_certificate(SubjectInfo("OpenSeal Test SM2 Root", "OpenSeal Test"),
                                root_key[1], _sign(root_key), start, end)
    maker = sm2_ca_certificate(SubjectInfo("OpenSeal Test Seal Maker", "OpenSeal Test"),
                               maker_key[1], root, _sign(root_key), start, end)
    signer = sm2_seal_certificate(SubjectInfo(name, "测试有限公司", USCC), signer_key[1],
                                  maker, _sign(maker_key), start, end,
                                  "http://crl.test/ca.crl", "http://ocsp.test")
    other = sm2_seal_certificate(SubjectInfo("第二签章人", "测试有限公司", USCC), other_key[1],
                                 maker, _sign(maker_key), start, end,
                                 "http://crl.test/ca.crl", "http://ocsp.test")
    info = seal_info_v4(vendor="OpenSeal", es_id="35010000000001", seal_type=4, name=name,
                        signer_certs=[signer, other], created=start, valid_from=start,
                        valid_until=end,
                        picture=SealPicture("PNG", picture, size_mm[0], size_mm[1]))
    seal = seal_v4(info, maker, _sign(maker_key))
    return Sm2World(now, root, maker, signer, signer_key, seal, other, other_key)


def _sign(key: tuple[bytes, bytes]) -> Callable[[bytes], bytes]:
    private, public = key
    return lambda data: sm2.sign(private, public, data)
