"""Reason codes of the verifier, with their meaning in Chinese and English.

Each code has a severity: ``INVALID`` codes make a signature (and the document) INVALID,
``INDETERMINATE`` codes make it INDETERMINATE, ``WARNING`` codes are reported but leave a
VALID verdict VALID. The verdict is always derived from the codes, never the other way round.

Each code also belongs to a family (``FAMILY``), so that every place that words a verdict for
people (the public page, the report PDF, the CLI summary) says the same thing: "broken or
forged", "changed after sealing, possibly harmless", "not sealed by a seal this platform
knows", or "other". ``family_of`` names the most serious family among a report's codes.
See docs/verification.md.
"""

from __future__ import annotations

from typing import Final

from openseal.core.ofd.reasons import REASONS as OFD_REASONS

VALID: Final = "VALID"
INVALID: Final = "INVALID"
INDETERMINATE: Final = "INDETERMINATE"
WARNING: Final = "WARNING"

MALFORMED_PDF: Final = "MALFORMED_PDF"
MALFORMED_SIGNATURE: Final = "MALFORMED_SIGNATURE"
NO_SIGNATURES: Final = "NO_SIGNATURES"
NONSTANDARD_BYTERANGE: Final = "NONSTANDARD_BYTERANGE"
MODIFIED_AFTER_SEAL: Final = "MODIFIED_AFTER_SEAL"
CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS: Final = "CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS"
UNSIGNED_TRAILING_DATA: Final = "UNSIGNED_TRAILING_DATA"
SIGNATURE_BROKEN: Final = "SIGNATURE_BROKEN"
UNTRUSTED_SIGNER: Final = "UNTRUSTED_SIGNER"
REVOKED: Final = "REVOKED"
REVOCATION_UNAVAILABLE: Final = "REVOCATION_UNAVAILABLE"
REVOKED_AFTER_TIMESTAMP: Final = "REVOKED_AFTER_TIMESTAMP"
WEAK_ALGORITHM: Final = "WEAK_ALGORITHM"
NO_TIMESTAMP: Final = "NO_TIMESTAMP"
TIMESTAMP_INVALID: Final = "TIMESTAMP_INVALID"
TIMESTAMP_UNTRUSTED: Final = "TIMESTAMP_UNTRUSTED"
SEED_VALUE_VIOLATION: Final = "SEED_VALUE_VIOLATION"
TEST_SEAL: Final = "TEST_SEAL"
VERIFICATION_TIMEOUT: Final = "VERIFICATION_TIMEOUT"
VERIFICATION_ABORTED: Final = "VERIFICATION_ABORTED"
CERTIFICATE_EXPIRED: Final = "CERTIFICATE_EXPIRED"
ARCHIVE_TIMESTAMP_EXPIRED: Final = "ARCHIVE_TIMESTAMP_EXPIRED"
LONG_TERM_VALIDATED: Final = "LONG_TERM_VALIDATED"

# code -> (severity, Chinese, English)
REASONS: Final[dict[str, tuple[str, str, str]]] = {
    MALFORMED_PDF: (INDETERMINATE, "文件已损坏或无法解析：不是可读的 PDF 文件，也不是 OFD 文件",
                    "The file is damaged or cannot be parsed: it is neither a readable PDF "
                    "nor an OFD file"),
    MALFORMED_SIGNATURE: (INDETERMINATE, "签名数据格式错误或不受支持，无法验证",
                          "The signature data is malformed or unsupported and cannot be checked"),
    NO_SIGNATURES: (INDETERMINATE, "文件中没有签名或印章", "The document carries no signature"),
    NONSTANDARD_BYTERANGE: (INVALID, "签名覆盖范围（ByteRange）不规范，可能被篡改",
                            "The signed byte range is non-standard (possible manipulation)"),
    MODIFIED_AFTER_SEAL: (INVALID, "盖章后文件内容被修改",
                          "The document was modified after sealing"),
    CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS: (
        INDETERMINATE, "盖章后文件有改动（如批注），签名本身完好，但无法确认改动无害",
        "Changed after sealing (e.g. comments); the signature itself is intact, "
        "but the changes cannot be confirmed harmless"),
    UNSIGNED_TRAILING_DATA: (INDETERMINATE, "签名范围之后附加了未签名的数据",
                             "Unsigned data was appended after the signed part"),
    SIGNATURE_BROKEN: (INVALID, "签名已损坏：签署内容的摘要不符",
                       "The signature is broken: the signed content does not match"),
    UNTRUSTED_SIGNER: (INDETERMINATE, "签署证书不受信任（非本系统或指定根证书签发）",
                       "The signer's certificate is not trusted"),
    REVOKED: (INVALID, "签署证书已被吊销", "The signer's certificate has been revoked"),
    REVOKED_AFTER_TIMESTAMP: (
        WARNING, "签署证书在盖章之后被吊销或挂失；可信时间戳证明盖章时证书有效，该签名仍然有效",
        "The signer's certificate was revoked or suspended after sealing; the trusted "
        "timestamp proves it was valid when the document was sealed, so the signature "
        "stays valid"),
    REVOCATION_UNAVAILABLE: (INDETERMINATE, "无法获取证书吊销状态",
                             "The certificate's revocation status is not available"),
    WEAK_ALGORITHM: (INVALID, "签名使用了不安全的算法（如 SHA-1、MD5）",
                     "The signature uses a weak algorithm (such as SHA-1 or MD5)"),
    NO_TIMESTAMP: (WARNING, "签名不含可信时间戳，签署时间仅为签署方自述",
                   "No signature timestamp: the signing time is only claimed by the signer"),
    TIMESTAMP_INVALID: (INVALID, "签名时间戳无效", "The signature timestamp is invalid"),
    TIMESTAMP_UNTRUSTED: (INDETERMINATE, "签名时间戳的签发机构不受信任",
                          "The signature timestamp's authority is not trusted"),
    SEED_VALUE_VIOLATION: (INVALID, "签名不符合签名域的约束条件",
                           "The signature violates its field's seed value constraints"),
    TEST_SEAL: (INDETERMINATE, "测试印章（沙箱环境签发），不具法律效力",
                "Test seal issued in sandbox mode; it has no legal effect"),
    VERIFICATION_TIMEOUT: (INDETERMINATE, "验证超出时间限制，未能完成",
                           "The verification took longer than allowed and was stopped"),
    VERIFICATION_ABORTED: (INDETERMINATE, "验证超出资源限制（如内存），未能完成",
                           "The verification went beyond its resource limits (such as "
                           "memory) and was stopped"),
    CERTIFICATE_EXPIRED: (
        INDETERMINATE, "签署证书（或其上级证书）在验证时间已过期，文件中没有仍然有效的文档时间戳"
        "（PAdES B-LTA）证明签名及其吊销信息在过期前已存在，无法确认盖章时证书有效",
        "The signer's certificate (or one above it) had expired at the validation time, and "
        "no still-valid document timestamp (PAdES B-LTA) proves that the signature and its "
        "revocation data existed before then: that the certificate was good when the document "
        "was sealed cannot be confirmed"),
    ARCHIVE_TIMESTAMP_EXPIRED: (
        INDETERMINATE, "文档时间戳的时间戳服务证书在验证时间已过期：应在过期前重新加盖文档时间戳"
        "（openseal archive refresh）",
        "The certificate of the timestamp authority behind the document timestamp had expired "
        "at the validation time: the document should have been timestamped again before then "
        "(openseal archive refresh)"),
    LONG_TERM_VALIDATED: (
        WARNING, "证书现已过期或其吊销信息已过时；文档时间戳证明签名在证书有效期内已存在，"
        "按长期验证（PAdES B-LTA）在该时间用文件内的吊销信息验证有效",
        "The certificates have since expired or their revocation data is out of date; the "
        "document timestamps prove the signature existed while they were valid, and it "
        "validates at that time with the document's own revocation data (PAdES B-LTA "
        "long-term validation)"),
}


# ---------------------------------------------------------------- OFD (GB/T 33190, GB/T 38540)

MALFORMED_OFD: Final = "MALFORMED_OFD"
SM2_NO_TRUST_ANCHOR: Final = "SM2_NO_TRUST_ANCHOR"
SES_TIMESTAMP_UNVERIFIED: Final = "SES_TIMESTAMP_UNVERIFIED"
"""No longer given (every token is checked now); kept so that older reports still read."""
SES_TIMESTAMP_INVALID: Final = "SES_TIMESTAMP_INVALID"
SES_TIMESTAMP_UNTRUSTED: Final = "SES_TIMESTAMP_UNTRUSTED"
SES_TIMESTAMP_UNSUPPORTED: Final = "SES_TIMESTAMP_UNSUPPORTED"
REVOCATION_NOT_CHECKED: Final = "REVOCATION_NOT_CHECKED"
OFD_REFERENCE_CHANGED: Final = "OFD_REFERENCE_CHANGED"
OFD_REFERENCE_MISSING: Final = "OFD_REFERENCE_MISSING"
OFD_DATA_HASH_MISMATCH: Final = "OFD_DATA_HASH_MISMATCH"
OFD_SEAL_ESL_MISMATCH: Final = "OFD_SEAL_ESL_MISMATCH"
OFD_FILE_ADDED: Final = "OFD_FILE_ADDED"
OFD_FILE_ADDED_LATER_SIGNED: Final = "OFD_FILE_ADDED_LATER_SIGNED"

#: Where the report weighs an OFD verifier code differently from ``core.ofd.reasons``: an
#: expired certificate or seal at the *claimed* signing time (timeInfo, not proven by a
#: timestamp) is a validity problem, INDETERMINATE, as an expired certificate is for a PDF.
OFD_SEVERITY: Final[dict[str, str]] = {
    "CERT_NOT_VALID_AT_SIGNING": INDETERMINATE,
    "SEAL_NOT_VALID_AT_SIGNING": INDETERMINATE,
}

REASONS.update({
    code: (OFD_SEVERITY.get(code, level), zh, en)
    for code, (level, zh, en) in OFD_REASONS.items() if code not in REASONS})

#: Why the signer's certificate does not chain to a given SM2 trust anchor (sm2_chain codes).
SM2_CHAIN_REASONS: Final[dict[str, tuple[str, str, str]]] = {
    SM2_NO_TRUST_ANCHOR: (
        INDETERMINATE, "签章人证书不能链接到任何受信任的 SM2 根证书（未提供根证书，或证书链止于"
        "不受信任的根证书）", "The signer's certificate does not chain to a trusted SM2 root "
        "(none was given, or the path ends at a root that is not trusted)"),
    "SM2_CHAIN_NO_ISSUER": (INDETERMINATE, "找不到签章人证书链中的上级证书，"
                            "无法链接到受信任的根证书",
                            "An issuer in the signer's certificate path is not available, so "
                            "it does not chain to a trusted root"),
    "SM2_SIGNATURE_INVALID": (INDETERMINATE, "签章人证书链中某证书的 SM2 签名不能用其上级证书验证",
                              "A certificate in the signer's path does not verify with its "
                              "issuer's key"),
    "SM2_ALGORITHM": (INDETERMINATE, "签章人证书链中有证书不是用 SM2 签名的",
                      "A certificate in the signer's path is not signed with SM2"),
    "SM2_NOT_VALID_AT_TIME": (INDETERMINATE, "签章时，签章人证书链中有证书不在有效期内",
                              "A certificate in the signer's path was not valid at the signing "
                              "time"),
    "SM2_NOT_A_CA": (INDETERMINATE, "签章人证书链中的上级证书不是 CA 证书",
                     "An issuer in the signer's path is not a CA certificate"),
    "SM2_PATH_LENGTH": (INDETERMINATE, "签章人证书链违反路径长度约束",
                        "The signer's path breaks a path length constraint"),
    "SM2_CRITICAL_EXTENSION": (INDETERMINATE, "签章人证书链中有无法处理的关键扩展",
                               "A certificate in the signer's path has a critical extension "
                               "that is not supported"),
    "SM2_PATH_TOO_LONG": (INDETERMINATE, "签章人证书路径过长或成环",
                          "The signer's certificate path is too long or loops"),
    "SM2_CERT_MALFORMED": (INDETERMINATE, "签章人证书无法解析", "The signer's certificate "
                           "cannot be parsed"),
}
REASONS.update(SM2_CHAIN_REASONS)
REASONS.update({
    MALFORMED_OFD: (INDETERMINATE, "OFD 文件已损坏、不安全或无法解析（如压缩包损坏、路径越界、"
                    "XML 含 DOCTYPE），无法验证", "The OFD file is damaged, unsafe or cannot be "
                    "parsed (a damaged or oversized zip, a path leaving the package, XML with a "
                    "DOCTYPE) and cannot be checked"),
    SES_TIMESTAMP_UNVERIFIED: (WARNING, "电子签章带有时间戳，但时间戳的签名未经验证："
                               "其时间仅供参考",
                               "The electronic signature carries a timestamp, but the "
                               "timestamp's own signature is not checked: its time is for "
                               "information only"),
    SES_TIMESTAMP_INVALID: (INVALID, "时间戳与签名值不符或时间戳签名无效（时间戳无法解析、"
                            "不是对本签名值的时间戳，或已被篡改）",
                            "The timestamp does not match the signature value or its own "
                            "signature is invalid (unreadable, not a timestamp of this "
                            "signature, or altered)"),
    SES_TIMESTAMP_UNTRUSTED: (WARNING, "时间戳本身完好，但其时间戳服务机构不受信任"
                              "（不能链接到受信任的根证书，或证书不是时间戳专用证书）：其时间不予"
                              "采信，签章按签章人自述的时间判断，如同没有时间戳",
                              "The timestamp is intact, but its authority is not trusted (it "
                              "does not chain to a trusted root, or its certificate is not a "
                              "timestamping certificate): its time is not relied on, and the "
                              "signature is judged at the signer's claimed time, as without "
                              "a timestamp"),
    SES_TIMESTAMP_UNSUPPORTED: (WARNING, "时间戳使用了暂不支持验证的算法（如 SM2 签名的"
                                "时间戳）：其时间不予采信，签章按签章人自述的时间判断",
                                "The timestamp is signed with an algorithm that cannot be "
                                "checked yet (such as an SM2-signed timestamp): its time is "
                                "not relied on, and the signature is judged at the signer's "
                                "claimed time"),
    REVOCATION_NOT_CHECKED: (WARNING, "签章人证书不是本平台签发的，本地没有其吊销信息（不会联网"
                             "获取），未检查吊销状态（软失败策略）",
                             "The signer's certificate was not issued by this platform and no "
                             "revocation data for it is held locally (none is fetched): its "
                             "revocation status was not checked (soft-fail policy)"),
})

#: Codes that mean "the sealed content was changed afterwards" (the public page's "modified
#: after sealing" headline), a finer case of the family ``broken``.
MODIFIED_CODES: Final = frozenset({MODIFIED_AFTER_SEAL, OFD_REFERENCE_CHANGED,
                                   OFD_REFERENCE_MISSING, OFD_DATA_HASH_MISMATCH,
                                   OFD_SEAL_ESL_MISMATCH})


def severity(code: str) -> str:
    return REASONS.get(code, (INDETERMINATE, "", ""))[0]


def describe(code: str, lang: str = "zh") -> str:
    _, zh, en = REASONS.get(code, (INDETERMINATE, code, code))
    return en if lang.startswith("en") else zh


def verdict_of(reasons: tuple[str, ...] | list[str]) -> str:
    """INVALID if any INVALID code, else INDETERMINATE if any such code, else VALID."""
    severities = {severity(code) for code in reasons}
    if INVALID in severities:
        return INVALID
    if INDETERMINATE in severities:
        return INDETERMINATE
    return VALID


def merge(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Codes of all groups, first occurrence order, without duplicates."""
    return tuple(dict.fromkeys(code for group in groups for code in group))


BROKEN: Final = "broken"
CHANGED: Final = "changed"
UNKNOWN_SIGNER: Final = "unknown_signer"
OTHER: Final = "other"
FAMILY_ORDER: Final = (BROKEN, CHANGED, UNKNOWN_SIGNER, OTHER)
"""Most serious first."""

FAMILY: Final[dict[str, str]] = {
    SIGNATURE_BROKEN: BROKEN, NONSTANDARD_BYTERANGE: BROKEN, WEAK_ALGORITHM: BROKEN,
    REVOKED: BROKEN, TIMESTAMP_INVALID: BROKEN, SEED_VALUE_VIOLATION: BROKEN,
    MALFORMED_SIGNATURE: BROKEN, MALFORMED_PDF: BROKEN, MODIFIED_AFTER_SEAL: BROKEN,
    CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS: CHANGED, UNSIGNED_TRAILING_DATA: CHANGED,
    UNTRUSTED_SIGNER: UNKNOWN_SIGNER, TEST_SEAL: UNKNOWN_SIGNER,
    TIMESTAMP_UNTRUSTED: UNKNOWN_SIGNER, NO_SIGNATURES: UNKNOWN_SIGNER,
    REVOCATION_UNAVAILABLE: OTHER, REVOKED_AFTER_TIMESTAMP: OTHER, NO_TIMESTAMP: OTHER,
    VERIFICATION_TIMEOUT: OTHER, VERIFICATION_ABORTED: OTHER,
    CERTIFICATE_EXPIRED: OTHER, ARCHIVE_TIMESTAMP_EXPIRED: OTHER, LONG_TERM_VALIDATED: OTHER,
    # OFD: the package, the signature files, the GB/T 38540 signature and seal
    MALFORMED_OFD: BROKEN, OFD_REFERENCE_CHANGED: BROKEN, OFD_REFERENCE_MISSING: BROKEN,
    OFD_DATA_HASH_MISMATCH: BROKEN, OFD_SEAL_ESL_MISMATCH: BROKEN,
    "OFD_SIGNATURE_MISSING": BROKEN, "OFD_SIGNATURE_MALFORMED": BROKEN,
    "OFD_SIGNED_VALUE_MISSING": BROKEN, "OFD_DIGEST_UNSUPPORTED": BROKEN, "SES_FORMAT": BROKEN,
    "SES_SIGNATURE_INVALID": BROKEN, "SES_SEAL_SIGNATURE_INVALID": BROKEN,
    "SES_SIGNER_NOT_IN_SEAL": BROKEN, "SIGN_SIGNATURE_INVALID": BROKEN,
    "CERT_UNREADABLE": BROKEN,
    OFD_FILE_ADDED: CHANGED,
    SM2_NO_TRUST_ANCHOR: UNKNOWN_SIGNER, "SM2_CHAIN_NO_ISSUER": UNKNOWN_SIGNER,
    "SM2_SIGNATURE_INVALID": UNKNOWN_SIGNER, "SM2_ALGORITHM": UNKNOWN_SIGNER,
    "SM2_NOT_A_CA": UNKNOWN_SIGNER, "SM2_PATH_LENGTH": UNKNOWN_SIGNER,
    "SM2_CRITICAL_EXTENSION": UNKNOWN_SIGNER, "SM2_PATH_TOO_LONG": UNKNOWN_SIGNER,
    "SM2_CERT_MALFORMED": UNKNOWN_SIGNER, "SIGN_NO_CERTIFICATE": UNKNOWN_SIGNER,
    "SM2_NOT_VALID_AT_TIME": OTHER, "CERT_NOT_VALID_AT_SIGNING": OTHER,
    "SEAL_NOT_VALID_AT_SIGNING": OTHER, "SIGNING_TIME_UNKNOWN": OTHER,
    "OFD_NO_REFERENCES": OTHER, "OFD_FILE_NOT_PROTECTED": OTHER,
    OFD_FILE_ADDED_LATER_SIGNED: OTHER, "OFD_PROPERTY_INFO_MISMATCH": OTHER,
    "SES_UNAVAILABLE": OTHER, SES_TIMESTAMP_UNVERIFIED: OTHER,
    SES_TIMESTAMP_INVALID: BROKEN, SES_TIMESTAMP_UNTRUSTED: OTHER,
    SES_TIMESTAMP_UNSUPPORTED: OTHER, REVOCATION_NOT_CHECKED: OTHER,
}

# family -> (Chinese, English): one sentence each, for the headline of a verdict
FAMILY_TEXT: Final[dict[str, tuple[str, str]]] = {
    BROKEN: ("签名已损坏或系伪造，或文件在盖章后被篡改：不能以此文件为准",
             "The signature is broken or forged, or the document was tampered with after "
             "sealing: do not rely on this file"),
    CHANGED: ("盖章后文件有改动；改动可能无害，但无法确认。盖章时的原始版本可以单独下载",
              "The document was changed after sealing; the changes may be harmless, but "
              "this cannot be confirmed. The version that was sealed can be downloaded"),
    UNKNOWN_SIGNER: ("不是由本平台认可的印章盖章：无法确认盖章单位",
                     "Not sealed by a seal this platform knows: who sealed it cannot be "
                     "confirmed"),
    OTHER: ("验证中有其他提示，详见各项原因", "The check found other points: see each reason"),
}


def family(code: str) -> str:
    """The family of ``code`` (unknown codes count as ``other``)."""
    return FAMILY.get(code, OTHER)


def family_of(codes: tuple[str, ...] | list[str]) -> str | None:
    """The most serious family among ``codes``; None when there are no codes."""
    present = {family(code) for code in codes}
    return next((name for name in FAMILY_ORDER if name in present), None)


def family_text(name: str, lang: str = "zh") -> str:
    zh, en = FAMILY_TEXT.get(name, FAMILY_TEXT[OTHER])
    return en if lang.startswith("en") else zh
