"""The approval chain inside the signature: a CMS signed attribute (RFC 5652 §5.3).

A seal applied with a ticket carries, among its signed attributes, one attribute of type
``APPROVAL_CHAIN_OID`` whose single value is a UTF8String holding canonical JSON: the ticket,
the request, the seal, the SHA-256 of the document as approved, the requester, every
approver (with step and time) and when it was approved. Being signed, it is as authentic as
the signature itself; any verifier can read it, and other verifiers ignore it.

The OID is under 2.25 (ITU-T X.667: an OID made from a UUID, no registration needed).

OFD seals (GB/T 38540) carry the same chain under the same OID, as one ExtData of
``TBS_Sign.extDatas`` (``approval_ext_data``): extnID ``APPROVAL_CHAIN_OID``, critical
FALSE, extnValue the DER of the same UTF8String of canonical JSON. It is signed with TBS_Sign.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from asn1crypto import cms, core

APPROVAL_CHAIN_OID = "2.25.112951607819151706964174337455127984582"
CHAIN_VERSION = 1
_TYPE = core.ObjectIdentifier(APPROVAL_CHAIN_OID).dump()
_SET_TAG, _SEQUENCE_TAG = 17, 16


def approval_attribute(chain: dict[str, Any]) -> bytes:
    """The DER of one CMS Attribute holding ``chain``."""
    value = core.UTF8String(_text(chain)).dump()
    values = core.Asn1Value(class_=0, method=1, tag=_SET_TAG, contents=value).dump()
    return core.Asn1Value(class_=0, method=1, tag=_SEQUENCE_TAG, contents=_TYPE + values).dump()


def _text(chain: dict[str, Any]) -> str:
    return json.dumps(chain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def approval_ext_data(chain: dict[str, Any]) -> tuple[str, bool, bytes]:
    """The OFD ExtData (extnID, critical, extnValue) holding ``chain``."""
    return APPROVAL_CHAIN_OID, False, core.UTF8String(_text(chain)).dump()


def read_approval_ext(ext_datas: Iterable[tuple[str, bool, bytes]]) -> dict[str, Any] | None:
    """The approval chain among an OFD signature's ExtDatas, or None (absent or unreadable)."""
    for oid, _critical, value in ext_datas:
        if oid != APPROVAL_CHAIN_OID:
            continue
        try:
            chain = json.loads(core.UTF8String.load(value).native)
        except (ValueError, TypeError):
            return None
        return chain if isinstance(chain, dict) else None
    return None


def read_approval(signed_attrs: cms.CMSAttributes | None) -> dict[str, Any] | None:
    """The approval chain among ``signed_attrs``, or None (absent or unreadable)."""
    if signed_attrs is None:
        return None
    for attr in signed_attrs:
        if attr["type"].dotted != APPROVAL_CHAIN_OID:
            continue
        try:
            values = attr["values"]
            text = core.UTF8String.load(values.contents if values.contents is not None
                                        else b"").native
            chain = json.loads(text)
        except (ValueError, TypeError):
            return None
        return chain if isinstance(chain, dict) else None
    return None
