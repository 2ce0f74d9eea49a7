"""Reading facts back out of a PDF we just sealed (for the audit record)."""

from __future__ import annotations

import re

from asn1crypto import cms, tsp

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def timestamp_serial(sealed_pdf: bytes) -> str | None:
    """Hex serial of the signature timestamp in the last signature, or None if absent.

    Looks only at the last /ByteRange (our own fresh signature), so no PDF parsing is needed.
    """
    matches = list(_BYTE_RANGE.finditer(sealed_pdf, max(0, len(sealed_pdf) - 200_000)))
    if not matches:
        matches = list(_BYTE_RANGE.finditer(sealed_pdf))
    if not matches:
        return None
    _, first_len, second_start, _ = (int(g) for g in matches[-1].groups())
    hex_blob = sealed_pdf[first_len + 1:second_start - 1]  # inside < >, zero-padded
    try:
        # Trailing padding zeros are ignored by a non-strict load.
        content = cms.ContentInfo.load(bytes.fromhex(hex_blob.decode()))
        signer = content["content"]["signer_infos"][0]
        for attr in signer["unsigned_attrs"]:
            if attr["type"].native == "signature_time_stamp_token":
                return token_serial(attr["values"][0])
    except (ValueError, KeyError, TypeError, AssertionError):
        return None
    return None


def token_serial(token: cms.ContentInfo) -> str:
    """Hex serial of an RFC 3161 timestamp token (its TSTInfo's serialNumber)."""
    info = token["content"]["encap_content_info"]["content"].parsed
    assert isinstance(info, tsp.TSTInfo)
    return f"{info['serial_number'].native:x}"

