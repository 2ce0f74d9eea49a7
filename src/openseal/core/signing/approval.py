"""The approval chain inside the signature: a CMS signed attribute (RFC 5652 §5.3).

A seal applied with a ticket carries, among its signed attributes, one attribute of type
``APPROVAL_CHAIN_OID`` whose single value is a UTF8String holding canonical JSON: the ticket,
the request, the seal, the SHA-256 of the document as approved, the requester, every
approver (with step and time) and when it was approved. Being signed, it is as authentic as
the signature itself; any verifier can read it, and other verifiers ignore it.

The OID is under 2.25 (ITU-T X.667: an OID made from a UUID, no registration needed).
"""

from __future__ import annotations

import json
from typing import Any

from asn1crypto import cms, core

APPROVAL_CHAIN_OID = "2.25.112951607819151706964174337455127984582"
CHAIN_VERSION = 1
_TYPE = core.ObjectIdentifier(APPROVAL_CHAIN_OID).dump()
_SET_TAG, _SEQUENCE_TAG = 17, 16


def approval_attribute(chain: dict[str, Any]) -> bytes:
    """The DER of one CMS Attribute holding ``chain``."""
    text = json.dumps(chain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    value = core.UTF8String(text).dump()
    values = core.Asn1Value(class_=0, method=1, tag=_SET_TAG, contents=value).dump()
    return core.Asn1Value(class_=0, method=1, tag=_SEQUENCE_TAG, contents=_TYPE + values).dump()


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
