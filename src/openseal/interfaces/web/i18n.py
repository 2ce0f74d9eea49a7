"""The pages' words, in Chinese and English, and how a page picks its language."""

from __future__ import annotations

from fastapi import Request

TEXT: dict[str, tuple[str, str]] = {
    "title": ("验证电子印章", "Verify an electronic seal"),
    "intro": ("上传盖有电子印章的 PDF 文件，检查印章是否真实、文件盖章后是否被改动、由谁审批。"
              "无需登录；文件只用于本次验证，不会保存。",
              "Upload a sealed PDF to check that the seal is genuine, whether the document "
              "was changed after sealing, and who approved it. No login needed; the file is "
              "used for this check only and is not kept."),
    "choose": ("选择 PDF 文件", "Choose a PDF file"),
    "verify": ("验证", "Verify"),
    "again": ("验证另一份文件", "Verify another document"),
    "file": ("文件", "File"),
    "registry": ("签发记录", "Registry"),
    "signatures": ("印章与签名", "Seals and signatures"),
    "seal": ("印章", "Seal"),
    "organization": ("单位", "Organisation"),
    "timestamp": ("可信时间", "Trusted time"),
    "claimed_time": ("自述时间", "Claimed time"),
    "level": ("签名级别", "Signature level"),
    "anchor": ("信任根", "Trust anchor"),
    "requester": ("用印申请人", "Requested by"),
    "approvers": ("审批人", "Approved by"),
    "ticket": ("用印凭证", "Ticket"),
    "reasons": ("详细说明", "Details"),
    "download_revision": ("下载盖章时的原始版本", "Download the document as it was sealed"),
    "document": ("已签发文件", "Issued document"),
    "issued_at": ("签发时间", "Issued on"),
    "size": ("大小（字节）", "Size (bytes)"),
    "compare": ("上传您手中的副本进行比对", "Upload your copy to compare"),
    "copy_same": ("您的副本与签发的文件完全一致。", "Your copy is exactly the document issued."),
    "copy_plus": ("您的副本是签发的文件，但盖章后又追加了 {n} 字节。",
                  "Your copy is the document issued plus {n} bytes added after sealing."),
    "copy_other": ("您的副本不是这份签发的文件。", "Your copy is not this issued document."),
    "test_seal": ("测试印章：没有法律效力", "Test seal: no legal effect"),
    "lang_other": ("English", "中文"),
}

def language(request: Request) -> str:
    """``?lang=en|zh`` first, then the browser's Accept-Language; Chinese by default."""
    asked = request.query_params.get("lang")
    if asked is None:
        header = request.headers.get("accept-language", "")
        asked = "en" if header.lower().startswith("en") else "zh"
    return "en" if asked.lower().startswith("en") else "zh"


def words(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in TEXT.items()}
