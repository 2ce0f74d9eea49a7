"""An SM2 seal's GB/T 38540-2020 (v4) electronic seal, ``SES_Seal`` (the .esl file).

- header: "ES", version 4, vendor "OpenSeal";
- esID: 14 ASCII digits, unique per seal (``next_es_id``): the 6-digit administrative
  division code from the organisation's unified social credit code (characters 3-8, GB
  32100), then an 8-digit sequence number per division code, from 00000001. Tax-bureau
  seals use the same shape (14 digits, division code first; GBT38540-OFD.md §1.4). The
  column is unique, so two seals can never share one (a concurrent taker is refused);
- type: the common enumeration 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 个人名章
  (法定代表人名章); a custom seal, which none of them names, is 99 (the standard lets the
  types be "customised to business needs");
- name: the seal's name; certListType 1 with the seal's own certificate (its signer);
- createDate / validStart / validEnd: the seal certificate's validity;
- picture: the seal's PNG (300 dpi, transparent background; a sandbox seal's carries its
  TEST / 测试 mark) with its width and height in whole millimetres;
- signed by the platform's seal maker (制章者) of the seal's side (sandbox or production).
"""

from __future__ import annotations

from openseal.core.ofd.ses_build import seal_info_v4, seal_v4
from openseal.core.ofd.ses_read import SealPicture
from openseal.core.pki.service import PkiService
from openseal.core.ports import Repositories
from openseal.core.records import CertificateRecord, SealArtworkRecord
from openseal.core.seals.model import SealType
from openseal.errors import Conflict

VENDOR = "OpenSeal"
SES_SEAL_TYPE: dict[SealType, int] = {
    SealType.OFFICIAL: 1, SealType.FINANCE: 2, SealType.INVOICE: 3, SealType.CONTRACT: 4,
    SealType.LEGAL_REP: 5, SealType.CUSTOM: 99,
}
ES_ID_SEQUENCE_DIGITS = 8


def next_es_id(repos: Repositories, uscc: str) -> str:
    """The next free esID of the organisation's division code (see the module docstring)."""
    prefix = uscc[2:8]
    last = repos.last_es_id(prefix)
    number = int(last[len(prefix):]) + 1 if last else 1
    if number >= 10 ** ES_ID_SEQUENCE_DIGITS:
        raise Conflict("SEAL_ES_ID_EXHAUSTED", f"行政区划 {prefix} 的电子印章编码已用完",
                       f"No electronic seal code (esID) is left for division {prefix}")
    return f"{prefix}{number:0{ES_ID_SEQUENCE_DIGITS}d}"


def build_esl(pki: PkiService, *, es_id: str, seal_type: SealType, name: str,
              artwork: SealArtworkRecord, cert: CertificateRecord, sandbox: bool) -> bytes:
    """DER(SES_Seal) v4 listing ``cert`` (the seal's SM2 certificate), made by the side's
    seal maker."""
    picture = SealPicture("PNG", artwork.png, max(1, round(artwork.width_mm)),
                          max(1, round(artwork.height_mm)))
    info = seal_info_v4(vendor=VENDOR, es_id=es_id, seal_type=SES_SEAL_TYPE[seal_type],
                        name=name, signer_certs=[cert.der], created=cert.not_before,
                        valid_from=cert.not_before, valid_until=cert.not_after,
                        picture=picture)
    maker_der, sign = pki.sm2().maker(sandbox)
    return seal_v4(info, maker_der, sign)


__all__ = ["SES_SEAL_TYPE", "VENDOR", "build_esl", "next_es_id"]
