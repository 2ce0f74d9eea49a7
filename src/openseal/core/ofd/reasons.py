"""The reason codes of the OFD verifier (``verify.py``): severity, Chinese, English.

A signature's status is derived from its codes (``status_of``): any INVALID code makes it
INVALID, else any INDETERMINATE code INDETERMINATE, else VALID (WARNING codes are reported
but change nothing). The product's report (``openseal.core.verification``) registers the same
codes in its own table, where two of them weigh differently (see docs/verify-json.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

VALID: Final = "VALID"
INVALID: Final = "INVALID"
INDETERMINATE: Final = "INDETERMINATE"
WARNING: Final = "WARNING"

# code -> (severity, Chinese, English)
REASONS: Final[dict[str, tuple[str, str, str]]] = {
    "NO_SIGNATURES": (INDETERMINATE, "文件中没有签名或印章", "The document carries no signature"),
    "OFD_REFERENCE_CHANGED": (INVALID, "签章后受保护的文件被修改",
                              "A file protected by the signature was changed after signing"),
    "OFD_REFERENCE_MISSING": (INVALID, "受签章保护的文件已不在文件包中",
                              "A file protected by the signature is missing from the package"),
    "OFD_NO_REFERENCES": (INDETERMINATE, "签名没有保护任何文件",
                          "The signature protects no file"),
    "OFD_DIGEST_UNSUPPORTED": (INDETERMINATE, "签名使用了不支持的摘要算法（仅支持 SM3），无法验证",
                               "The signature uses an unsupported digest (only SM3 is "
                               "supported) and cannot be checked"),
    "OFD_FILE_ADDED": (INDETERMINATE, "签章后文件包中新增了未受保护的文件",
                       "A file that the signature does not protect was added to the package"),
    "OFD_FILE_ADDED_LATER_SIGNED": (WARNING, "签章后新增的文件已由之后的有效签章保护",
                                    "A file added after this signature is protected by a "
                                    "later valid signature"),
    "OFD_FILE_NOT_PROTECTED": (WARNING, "该文件不受签章保护，其修改无法被发现",
                               "This file is not protected by the signature: changes to it "
                               "cannot be detected"),
    "OFD_SIGNATURE_MISSING": (INVALID, "签名列表中的签名描述文件不存在",
                              "A signature listed in Signatures.xml is missing"),
    "OFD_SIGNATURE_MALFORMED": (INDETERMINATE, "签名描述文件格式错误，无法验证",
                                "The signature file is malformed and cannot be checked"),
    "OFD_SIGNED_VALUE_MISSING": (INVALID, "签名值文件（SignedValue.dat）不存在",
                                 "The signature value (SignedValue.dat) is missing"),
    "OFD_DATA_HASH_MISMATCH": (INVALID, "签名描述文件（Signature.xml）在签章后被修改",
                               "The signature description (Signature.xml) was changed after "
                               "signing"),
    "OFD_PROPERTY_INFO_MISMATCH": (WARNING, "电子签章中记录的签名文件路径与实际位置不同",
                                   "The signature file path recorded in the electronic "
                                   "signature differs from its place in the package"),
    "OFD_SEAL_ESL_MISMATCH": (INVALID, "文件包中的印章文件（Seal.esl）与签章中的印章不一致",
                              "The seal file (Seal.esl) in the package differs from the seal "
                              "in the signature"),
    "SES_FORMAT": (INDETERMINATE, "电子签章数据格式错误或不受支持，无法验证",
                   "The electronic signature data is malformed or unsupported and cannot be "
                   "checked"),
    "SES_UNAVAILABLE": (INDETERMINATE, "电子签章（GB/T 38540）验证模块不可用",
                        "The GB/T 38540 signature checker is not available"),
    "SES_SIGNATURE_INVALID": (INVALID, "签章人的签名无效",
                              "The signer's signature is invalid"),
    "SES_SEAL_SIGNATURE_INVALID": (INVALID, "电子印章的制章者签名无效",
                                   "The seal maker's signature over the seal is invalid"),
    "SES_SIGNER_NOT_IN_SEAL": (INVALID, "签章人证书不在印章的授权证书列表中",
                               "The signer's certificate is not in the seal's certificate list"),
    "SIGNING_TIME_UNKNOWN": (INDETERMINATE, "无法读取签章时间，无法判断证书和印章当时是否有效",
                             "The signing time cannot be read, so the validity of the "
                             "certificate and the seal at that time cannot be judged"),
    "CERT_NOT_VALID_AT_SIGNING": (INVALID, "签章时签章人证书不在有效期内",
                                  "The signer's certificate was not valid at the signing time"),
    "CERT_UNREADABLE": (INDETERMINATE, "无法读取签章人证书",
                        "The signer's certificate cannot be read"),
    "SEAL_NOT_VALID_AT_SIGNING": (INVALID, "签章时电子印章不在有效期内",
                                  "The seal was not within its validity period at the signing "
                                  "time"),
    "SIGN_NO_CERTIFICATE": (INDETERMINATE, "数字签名（Type=Sign）不含证书，且未提供签名者证书，"
                            "无法验证", "A plain digital signature (Type=Sign) carries no "
                            "certificate and none was given, so it cannot be checked"),
    "SIGN_SIGNATURE_INVALID": (INVALID, "数字签名无法用所提供的任何证书验证通过",
                               "The digital signature does not verify with any of the given "
                               "certificates"),
}



@dataclass(frozen=True)
class Reason:
    code: str
    file: str | None = None
    detail: str = ""

    @property
    def severity(self) -> str:
        return REASONS.get(self.code, (INDETERMINATE, "", ""))[0]

    def message(self, lang: str = "zh") -> str:
        _, zh, en = REASONS.get(self.code, (INDETERMINATE, self.code, self.code))
        text = en if lang.startswith("en") else zh
        return f"{text}: {self.file}" if self.file else text



def status_of(reasons: Sequence[Reason]) -> str:
    severities = {r.severity for r in reasons}
    if INVALID in severities:
        return INVALID
    return INDETERMINATE if INDETERMINATE in severities else VALID

